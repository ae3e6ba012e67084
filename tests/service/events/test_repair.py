"""``reschedule`` (repair on the day): the stored schedule changes exactly as reported, moved meetings' .ics SEQUENCE
goes up, a dry run writes nothing, bad input is refused naming the field, started slots are history."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from icalendar import Calendar

from matcher.errors import ConflictError, InvalidRequestError
from matcher.events import zone
from service import events as ev
from service.events import EventNotFoundError, EventService, RescheduleReport
from storage import events as store
from storage.event_repair import RepairWrite, apply_repair
from tests.service.events.helpers import accept_all, check_stored, make_event


def _event(svc: EventService, tables: int = 2) -> int:
    """tn-1 meets fr-1, it-1 and es-1; ma-1 meets it-1; lb-1 meets es-1: 6 slots, ``tables`` tables."""
    eid = make_event(svc, tables=tables)
    for a, b in (("tn-1", "fr-1"), ("tn-1", "it-1"), ("tn-1", "es-1"), ("ma-1", "it-1"), ("lb-1", "es-1")):
        ev.request(svc, eid, a, b)
    accept_all(svc, eid)
    ev.schedule(svc, eid, time_limit=5)
    return eid


def _stored(svc: EventService, eid: int) -> dict[int, tuple[int, int]]:
    return {a.request_id: (a.slot, a.table) for a in ev.assignments(svc, eid)}


def _first_of(svc: EventService, eid: int, pid: str) -> tuple[int, int]:
    """(request id, slot) of the participant's earliest meeting."""
    mine = [(a.slot, a.request_id) for a, r in ev.held(svc, eid) if pid in (r.from_id, r.to_id)]
    slot, rid = min(mine)
    return rid, slot


def _sequences(svc: EventService, eid: int, pid: str) -> dict[int, int]:
    cal = Calendar.from_ical(ev.ics(svc, eid, pid))
    out = {}
    for vevent in cal.walk("VEVENT"):
        rid = int(str(vevent["UID"]).split("-request-")[1].split("-")[0])
        out[rid] = int(str(vevent["SEQUENCE"]))
    return out


def _late_until(svc: EventService, eid: int, slot: int) -> time:
    """The local time at which slot ``slot`` + 1 starts (arriving then misses ``slot``)."""
    data = ev.event(svc, eid)
    return (data.slots[slot].start + timedelta(minutes=30)).astimezone(zone(data.event.timezone)).time()


def _check_changes(before: dict[int, tuple[int, int]], after: dict[int, tuple[int, int]],
                   report: RescheduleReport) -> None:
    """Every difference between the stored schedules is in the report, and every reported change is stored."""
    moved = {n.request_id: n for n in report.notices if n.kind == "moved"}
    gone = {n.request_id for n in report.notices if n.kind in ("cancelled", "dropped")}
    new = {n.request_id: n for n in report.notices if n.kind == "new"}
    for rid, place in before.items():
        if rid in gone:
            assert rid not in after
        elif rid in moved:
            n = moved[rid]
            assert n.old is not None and n.new is not None
            assert place == (n.old.slot - 1, n.old.table) and after[rid] == (n.new.slot - 1, n.new.table)
        else:
            assert after[rid] == place
    assert set(after) == (set(before) - gone) | set(new)
    assert report.moved == len(moved)


def test_a_cancellation_frees_the_slot_and_tells_both_sides(svc: EventService) -> None:
    eid = _event(svc)
    before = _stored(svc, eid)
    breaks = sum(row["breaks"] for row in ev.summary_rows(svc, eid)[0])
    rid = next(r.id for r in ev.list_requests(svc, eid) if r.pair == frozenset(("tn-1", "it-1")))
    report = ev.reschedule(svc, eid, cancel=[rid], time_limit=10)
    assert report.stored and report.moved == 0 and report.status == "optimal"
    assert report.breaks_before == breaks
    assert report.breaks == sum(row["breaks"] for row in ev.summary_rows(svc, eid)[0])
    assert {(n.profile_id, n.kind, n.partner_id) for n in report.notices} == {("tn-1", "cancelled", "it-1"),
                                                                            ("it-1", "cancelled", "tn-1")}
    _check_changes(before, _stored(svc, eid), report)
    assert ev.get_request(svc, rid).state == "cancelled"
    check_stored(svc, eid)


def _vevents(svc: EventService, eid: int, pid: str) -> dict[int, tuple[str, int, str]]:
    """Per request id in ``pid``'s .ics: STATUS, SEQUENCE and DTSTART."""
    out = {}
    for vevent in Calendar.from_ical(ev.ics(svc, eid, pid)).walk("VEVENT"):
        rid = int(str(vevent["UID"]).split("-request-")[1].split("-")[0])
        out[rid] = (str(vevent["STATUS"]), int(str(vevent["SEQUENCE"])), vevent.decoded("DTSTART").isoformat())
    return out


def test_a_cancelled_meeting_stays_in_the_ics_as_cancelled_until_it_is_scheduled_again(svc: EventService) -> None:
    eid = _event(svc)
    rid = next(r.id for r in ev.list_requests(svc, eid) if r.pair == frozenset(("tn-1", "it-1")))
    status, seq, start = _vevents(svc, eid, "it-1")[rid]
    assert status == "CONFIRMED"
    ev.reschedule(svc, eid, cancel=[rid], time_limit=10)
    for pid in ("tn-1", "it-1"):  # same UID, same time, a higher SEQUENCE: calendar apps remove it
        assert _vevents(svc, eid, pid)[rid] == ("CANCELLED", seq + 1, start)
    assert rid not in _stored(svc, eid)
    assert _vevents(svc, eid, "ma-1").keys().isdisjoint({rid})  # only the two who had it are told

    other = next(r.id for r in ev.list_requests(svc, eid) if r.pair == frozenset(("lb-1", "es-1")))
    ev.cancel(svc, other, by="lb-1")  # a participant's own cancellation, outside a repair: the same
    assert _vevents(svc, eid, "es-1")[other][:2] == ("CANCELLED", 1)


def test_a_late_arrival_moves_what_it_must_and_bumps_the_ics_sequence(svc: EventService) -> None:
    eid = _event(svc)
    before = _stored(svc, eid)
    rid, slot = _first_of(svc, eid, "tn-1")
    assert _sequences(svc, eid, "tn-1")[rid] == 0
    report = ev.reschedule(svc, eid, late={"tn-1": _late_until(svc, eid, slot)}, time_limit=10)
    moved = {n.request_id for n in report.notices if n.kind == "moved"}
    assert rid in moved and report.stored
    _check_changes(before, _stored(svc, eid), report)
    for n in report.notices:  # nothing but moves; tn-1's meetings now start after the slots it misses
        assert n.kind == "moved" and n.new is not None
        assert "tn-1" not in (n.profile_id, n.partner_id) or n.new.slot - 1 > slot
    seq = _sequences(svc, eid, "tn-1")
    assert all(seq[m] == 1 for m in moved if m in seq) and all(v == 0 for m, v in seq.items() if m not in moved)
    tn = next(p for p in ev.event(svc, eid).participants if p.profile_id == "tn-1")
    assert set(range(slot + 1)) <= tn.forbidden
    agenda = {x.request_id: x for x in ev.agenda(svc, eid, "tn-1")}
    assert agenda[rid].sequence == 1 and agenda[rid].slot - 1 > slot
    check_stored(svc, eid)


def test_a_dry_run_writes_nothing_and_reports_what_the_run_does(svc: EventService) -> None:
    eid = _event(svc)
    before, states = _stored(svc, eid), {r.id: r.state for r in ev.list_requests(svc, eid)}
    _, slot = _first_of(svc, eid, "tn-1")
    late = {"tn-1": _late_until(svc, eid, slot)}
    dry = ev.reschedule(svc, eid, late=late, add=[("lb-1", "ma-1")], tables_lost=[2], dry_run=True, time_limit=10)
    assert not dry.stored and dry.notices
    assert _stored(svc, eid) == before and {r.id: r.state for r in ev.list_requests(svc, eid)} == states
    assert all(not p.forbidden for p in ev.event(svc, eid).participants)
    assert store.load_lost_tables(svc.engine, eid) == {} and store.load_sequences(svc.engine, eid) == {}
    assert [n.request_id for n in dry.notices if n.kind == "new"] == [None, None]
    real = ev.reschedule(svc, eid, late=late, add=[("lb-1", "ma-1")], tables_lost=[2], time_limit=10)
    same = [(n.profile_id, n.kind, n.old, n.new, n.sequence) for n in real.notices]
    assert same == [(n.profile_id, n.kind, n.old, n.new, n.sequence) for n in dry.notices]
    assert all(t != 2 for _, t in _stored(svc, eid).values())
    assert store.load_lost_tables(svc.engine, eid) == {2: 0}


def test_a_new_meeting_is_accepted_and_placed(svc: EventService) -> None:
    eid = _event(svc, tables=3)
    before = _stored(svc, eid)
    report = ev.reschedule(svc, eid, add=[("ma-1", "lb-1")], time_limit=10)
    new = [n for n in report.notices if n.kind == "new"]
    assert {n.profile_id for n in new} == {"ma-1", "lb-1"} and report.moved == 0
    rid = new[0].request_id
    assert rid is not None and ev.get_request(svc, rid).state == "accepted"
    _check_changes(before, _stored(svc, eid), report)
    assert rid in _stored(svc, eid)


def test_a_withdrawal_cancels_its_meetings_and_tells_the_partners(svc: EventService) -> None:
    eid = _event(svc)
    pending = ev.request(svc, eid, "ma-1", "es-1")  # not accepted yet: it goes too, and ma-1 is told
    kept = ev.request(svc, eid, "ma-1", "fr-1")
    report = ev.reschedule(svc, eid, withdraw=["es-1"], time_limit=10)
    told = {(n.profile_id, n.kind) for n in report.notices}
    assert told == {("tn-1", "cancelled"), ("lb-1", "cancelled"), ("ma-1", "cancelled")}
    assert ev.get_request(svc, pending.id).state == "cancelled"
    assert ev.get_request(svc, kept.id).state == "pending"
    assert all("es-1 withdrew" in n.reason for n in report.notices)
    es = next(p for p in ev.event(svc, eid).participants if p.profile_id == "es-1")
    assert es.forbidden == frozenset(range(6))


def test_a_lost_table_stays_lost(svc: EventService) -> None:
    eid = _event(svc)
    before = _stored(svc, eid)
    report = ev.reschedule(svc, eid, tables_lost=[1], time_limit=10)
    after = _stored(svc, eid)
    _check_changes(before, after, report)
    assert all(t == 2 for _, t in after.values())
    again = ev.reschedule(svc, eid, add=[("ma-1", "fr-1")], time_limit=10)
    assert all(t == 2 for _, t in _stored(svc, eid).values()) and again.moved == 0
    full = ev.schedule(svc, eid, time_limit=10)  # a full schedule leaves the lost table out too
    assert full.held == len(_stored(svc, eid)) > 0 and all(t == 2 for _, t in _stored(svc, eid).values())
    ev.reschedule(svc, eid, tables_lost=[2], time_limit=10)
    with pytest.raises(ConflictError, match="every table is lost"):
        ev.schedule(svc, eid, time_limit=10)


def test_started_slots_are_history(svc: EventService) -> None:
    eid = _event(svc)
    data = ev.event(svc, eid)
    rid, slot = _first_of(svc, eid, "tn-1")
    now = data.slots[slot].start + timedelta(minutes=1)
    with pytest.raises(InvalidRequestError, match="has already started"):
        ev.reschedule(svc, eid, cancel=[rid], now=now)
    with pytest.raises(InvalidRequestError, match=f"field 'forbid' = tn-1:{slot + 1}: slot {slot + 1} has already"):
        ev.reschedule(svc, eid, forbid={"tn-1": [slot + 1]}, now=now)
    before = _stored(svc, eid)
    report = ev.reschedule(svc, eid, tables_lost=[1], add=[("ma-1", "fr-1")], now=now, time_limit=10)
    after = _stored(svc, eid)
    for r, (s, t) in before.items():
        if s <= slot:
            assert after[r] == (s, t)
    assert report.started == slot + 1
    assert all(s > slot for r, (s, _) in after.items() if r not in before)


def test_bad_input_names_the_field_and_writes_nothing(svc: EventService) -> None:
    eid = _event(svc)
    before = _stored(svc, eid)
    with pytest.raises(InvalidRequestError) as bad:
        ev.reschedule(svc, eid, cancel=[999], withdraw=["nobody"], forbid={"tn-1": [7], "xx": [1]},
                      add=[("tn-1", "tn-1"), ("tn-1", "de-1"), ("tn-1", "fr-1")], tables_lost=[9])
    text = str(bad.value)
    for part in ("field 'cancel' = 999: no meeting request", "field 'withdraw' = 'nobody': not a participant",
                 "field 'forbid' = tn-1:7: slot 7 does not exist (slots 1..6)", "field 'forbid' = 'xx'",
                 "field 'add' = tn-1:tn-1: a meeting needs two different", "field 'add' = tn-1:de-1: 'de-1' is not",
                 "field 'add' = tn-1:fr-1: already scheduled", "field 'table_lost' = 9: no table 9"):
        assert part in text
    assert _stored(svc, eid) == before
    with pytest.raises(EventNotFoundError):
        ev.reschedule(svc, 99)
    with pytest.raises(InvalidRequestError, match="timezone-aware"):
        ev.reschedule(svc, eid, now=datetime(2031, 12, 1, 9))


def test_the_store_refuses_a_repair_of_a_schedule_that_changed_meanwhile(svc: EventService) -> None:
    eid = _event(svc)
    before = _stored(svc, eid)
    stale = RepairWrite(expected=frozenset(), cancel=(next(iter(before)),))
    with pytest.raises(ConflictError, match="changed meanwhile"):
        apply_repair(svc.engine, eid, stale)
    assert _stored(svc, eid) == before and all(r.state == "accepted" for r in ev.list_requests(svc, eid))


def test_meetings_that_no_longer_fit_are_reported_with_a_reason(svc: EventService) -> None:
    eid = _event(svc)
    rid, slot = _first_of(svc, eid, "tn-1")
    others = [n for n in range(1, 7) if n != slot + 1]
    lost = {r.id for r in ev.list_requests(svc, eid, ("accepted",)) if "tn-1" in r.pair and r.id != rid}
    report = ev.reschedule(svc, eid, forbid={"tn-1": others}, add=[("tn-1", "ma-1")], time_limit=10)
    dropped = [n for n in report.notices if n.kind == "dropped"]
    assert {n.request_id for n in dropped} == lost and len(dropped) == 2 * len(lost)
    assert all("participant 'tn-1' has" in n.reason and n.new is None for n in dropped)
    assert {(n.profile_id, n.kind) for n in report.notices if n.partner_id == "ma-1" or n.profile_id == "ma-1"
            if "tn-1" in (n.profile_id, n.partner_id)} == {("tn-1", "not_scheduled"), ("ma-1", "not_scheduled")}
    stored = _stored(svc, eid)
    assert rid in stored and all(n.request_id not in stored for n in dropped)
    added = next(r for r in ev.list_requests(svc, eid) if r.pair == frozenset(("tn-1", "ma-1")))
    assert added.state == "accepted" and added.id not in stored  # accepted, left out like any request that fits not
