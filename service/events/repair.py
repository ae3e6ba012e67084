"""Repair on the day (``event reschedule``): apply a cancellation, a withdrawal, a late arrival, a new meeting or a
lost table to the stored event, repair the stored schedule with :func:`matcher.scheduling.repair_schedule` (every
unaffected meeting stays in its slot and at its table), store it all or nothing, and say who must be told what.

Slots that have started by ``now`` are history: their meetings stay, nothing is cancelled, moved or added there.
Only meetings of the stored schedule are repaired; an accepted request left out before stays left out unless it
is named with ``add``. Each moved meeting's sequence number goes up by one (storage), and its .ics events carry it
as SEQUENCE with the same UID, so calendar apps update them in place.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time
from typing import Any

from matcher.errors import ConflictError, InvalidRequestError
from matcher.events import ACTIVE_STATES, Assignment, EventData, MeetingRequest, NewRequest, Slot, zone
from matcher.scheduling import Place, Reason, breaks_per_participant, repair_schedule
from service.events.plan import EventService, event, local
from service.events.scheduling import DEFAULT_WEIGHT, instance_of
from storage import events as store
from storage.event_repair import RepairWrite, apply_repair

KINDS: tuple[str, ...] = ("moved", "cancelled", "dropped", "new", "not_scheduled")


@dataclass(frozen=True, kw_only=True)
class When:
    """A meeting's time and place as people read them."""

    slot: int  # 1-based
    start: str  # local wall-clock time, e.g. "2031-12-01 09:00"
    table: int  # table number
    table_name: str

    def text(self) -> str:
        return f"{self.start} {self.table_name}"


@dataclass(frozen=True, kw_only=True)
class Notice:
    """What one participant must be told about one meeting.

    ``kind``: ``moved`` (new time or table), ``cancelled`` (cancelled, or the partner withdrew), ``dropped`` (can no
    longer be held after the change; ``reason`` says why), ``new`` (a meeting added), ``not_scheduled`` (a meeting
    asked for that does not fit; ``reason``). ``sequence`` is the SEQUENCE its .ics event now carries."""

    profile_id: str
    kind: str
    request_id: int | None  # None only in a dry run, for a meeting not yet stored
    partner_id: str
    old: When | None
    new: When | None
    reason: str = ""
    sequence: int = 0

    def to_dict(self) -> dict[str, Any]:
        out = {k: v for k, v in vars(self).items() if k not in ("old", "new")}
        return out | {"old": None if self.old is None else vars(self.old),
                      "new": None if self.new is None else vars(self.new)}


@dataclass(frozen=True, kw_only=True)
class RescheduleReport:
    event_id: int
    dry_run: bool
    stored: bool
    status: str  # the repair's: optimal (every stage proven) or feasible
    started: int  # slots already started (frozen)
    moved: int  # meetings that change slot or table
    breaks_before: int
    breaks: int
    seconds: float
    notices: tuple[Notice, ...]  # by participant, then time

    def to_dict(self) -> dict[str, Any]:
        return {**{k: v for k, v in vars(self).items() if k != "notices"}, "seconds": round(self.seconds, 3),
                "notices": [n.to_dict() for n in self.notices]}


@dataclass(frozen=True, kw_only=True)
class _Meeting:
    """A meeting the repair schedules: its request (None for a new pair), its pair and where it was."""

    request: MeetingRequest | None
    from_id: str
    to_id: str
    priority: str
    score: float | None
    was: Assignment | None


def reschedule(svc: EventService, event_id: int, *, cancel: Iterable[int] = (), withdraw: Iterable[str] = (),
               forbid: Mapping[str, Iterable[int]] | None = None, late: Mapping[str, time] | None = None,
               add: Iterable[tuple[str, str]] = (), tables_lost: Iterable[int] = (), now: datetime | None = None,
               dry_run: bool = False, fairness: int | None = None, time_limit: float = 30.0,
               workers: int = 2) -> RescheduleReport:
    """Apply the changes and repair the stored schedule; see the module docstring.

    ``cancel``: accepted request ids; ``withdraw``: profile ids leaving the event (their meetings still to come
    are cancelled, their slots still to come forbidden); ``forbid``: profile id -> slot numbers (1-based) it can no
    longer attend; ``late``: profile id -> the local time it arrives on the day of the next slot; ``add``: (from,
    to) pairs to meet (an existing pending or unscheduled accepted request of the pair is used, else a new one is
    made, accepted by the organiser); ``tables_lost``: table numbers unusable from now on. Bad input raises
    :class:`InvalidRequestError` naming each field, value and reason; nothing is written in a dry run or on error.
    """
    data = event(svc, event_id)
    moment = now or datetime.now(UTC)
    if moment.tzinfo is None:
        raise InvalidRequestError("reschedule: field 'now': give a timezone-aware time")
    started = sum(1 for s in data.slots if s.start <= moment)
    requests = {r.id: r for r in store.list_requests(svc.engine, event_id)}
    stored = [a for a in store.load_assignments(svc.engine, event_id)
              if a.request_id in requests and requests[a.request_id].state == "accepted"]
    at = {a.request_id: a for a in stored}
    problems: list[str] = []
    cancel_ids, why_cancelled = _cancellations(data, requests, at, started, list(cancel), list(withdraw), problems)
    forbidden = _forbidden(data, started, forbid or {}, late or {}, list(withdraw), problems)
    add_pairs = list(add)
    new_meetings = _additions(data, requests, at, set(cancel_ids), add_pairs, problems)
    lost_numbers = _lost(data, list(tables_lost), problems)
    if problems:
        raise InvalidRequestError(f"reschedule event {event_id}: " + "; ".join(problems))

    kept = [_Meeting(request=requests[a.request_id], from_id=requests[a.request_id].from_id,
                     to_id=requests[a.request_id].to_id, priority=requests[a.request_id].priority,
                     score=requests[a.request_id].score, was=a)
            for a in stored if a.request_id not in cancel_ids]
    meetings = kept + new_meetings
    changed = replace(data, participants=tuple(replace(p, forbidden=forbidden.get(p.profile_id, p.forbidden))
                                               for p in data.participants))
    index = {p.profile_id: i for i, p in enumerate(data.participants)}
    table_index = {t.number: i for i, t in enumerate(data.tables)}
    instance = instance_of(changed, [(index[m.from_id], index[m.to_id], m.priority,
                                      min(max(m.score if m.score is not None else DEFAULT_WEIGHT, 0.0), 1.0))
                                     for m in meetings])
    previous = [None if m.was is None else Place(slot=m.was.slot, table=table_index[m.was.table]) for m in meetings]
    lost_from = store.load_lost_tables(svc.engine, event_id)  # lost in an earlier repair: still lost
    for n in lost_numbers:
        lost_from[n] = min(lost_from.get(n, started), started)
    lost = {table_index[n]: first for n, first in lost_from.items() if n in table_index}
    result = repair_schedule(instance, previous, started=started, lost_tables=lost, fairness=fairness,
                             time_limit=time_limit, workers=workers)
    if result.schedule.status not in ("optimal", "feasible"):
        raise ConflictError(f"reschedule event {event_id}: no repaired schedule found within {time_limit:g} s; "
                            "nothing was changed (give more time with --time-limit)")
    sched = result.schedule
    places: list[tuple[int, int] | None] = [
        (s, data.tables[t].number) if s is not None and t is not None else None
        for s, t in zip(sched.slots, sched.tables, strict=True)]
    new_ids: list[int | None] = [None] * len(new_meetings)
    written = False
    if not dry_run:
        to_accept = tuple(m.request.id for m in new_meetings if m.request is not None and m.request.state == "pending")
        brand_new = [(k, m) for k, m in enumerate(new_meetings) if m.request is None]
        ids = apply_repair(svc.engine, event_id, RepairWrite(
            expected=frozenset((a.request_id, a.slot, a.table) for a in stored), cancel=tuple(sorted(cancel_ids)),
            accept=to_accept, forbidden={p: f for p, f in forbidden.items()},
            lost_tables={n: lost_from[n] for n in lost_numbers},
            new=tuple((NewRequest(from_id=m.from_id, to_id=m.to_id, priority=m.priority, state="accepted",
                                  decided_by="organiser"), places[len(kept) + k]) for k, m in brand_new),
            assignments=tuple(Assignment(request_id=m.request.id, slot=p[0], table=p[1])
                              for m, p in zip(meetings, places, strict=True)
                              if m.request is not None and p is not None)))
        for (k, _), rid in zip(brand_new, ids, strict=True):
            new_ids[k] = rid
        written = True
    for k, m in enumerate(new_meetings):
        if m.request is not None:
            new_ids[k] = m.request.id
    sequences = store.load_sequences(svc.engine, event_id)
    notices = _notices(svc, data, requests, at, cancel_ids, why_cancelled, meetings, places, result.unheld,
                       {x.meeting for x in result.moves}, new_ids, len(kept), sequences, written)
    return RescheduleReport(
        event_id=event_id, dry_run=dry_run, stored=written, status=sched.status, started=started,
        moved=len(result.moves), breaks_before=_breaks(data, requests, stored), breaks=sched.breaks or 0,
        seconds=sched.seconds, notices=notices)


# --- checking the changes -------------------------------------------------------------------------------------
def _cancellations(data: EventData, requests: Mapping[int, MeetingRequest], at: Mapping[int, Assignment],
                   started: int, cancel: list[int], withdraw: list[str],
                   problems: list[str]) -> tuple[set[int], dict[int, str]]:
    """The accepted requests to cancel, and per request who withdrew (absent: cancelled by the organiser)."""
    ids: set[int] = set()
    withdrawn: dict[int, str] = {}
    for rid in cancel:
        r = requests.get(rid)
        if r is None:
            problems.append(f"field 'cancel' = {rid}: no meeting request with this id in event {data.event.id}")
        elif r.state != "accepted":
            problems.append(f"field 'cancel' = {rid}: the request is {r.state}, only an accepted one is scheduled")
        elif rid in at and at[rid].slot < started:
            problems.append(f"field 'cancel' = {rid}: its meeting (slot {at[rid].slot + 1}) has already started")
        else:
            ids.add(rid)
    for pid in withdraw:
        if pid not in data.members:
            problems.append(f"field 'withdraw' = {pid!r}: not a participant of event {data.event.id}")
            continue
        for r in requests.values():  # its pending requests go too: nobody should accept a meeting with it any more
            to_come = r.id not in at or at[r.id].slot >= started
            if r.state in ACTIVE_STATES and pid in (r.from_id, r.to_id) and to_come:
                ids.add(r.id)
                withdrawn[r.id] = pid
    return ids, withdrawn


def _forbidden(data: EventData, started: int, forbid: Mapping[str, Iterable[int]], late: Mapping[str, time],
               withdraw: list[str], problems: list[str]) -> dict[str, frozenset[int]]:
    """Per participant whose forbidden slots change, the whole new set (0-based)."""
    have = {p.profile_id: p.forbidden for p in data.participants}
    out: dict[str, set[int]] = {}
    n = len(data.slots)
    for pid, numbers in forbid.items():
        if pid not in have:
            problems.append(f"field 'forbid' = {pid!r}: not a participant of event {data.event.id}")
            continue
        for number in numbers:
            if not 1 <= number <= n:
                problems.append(f"field 'forbid' = {pid}:{number}: slot {number} does not exist (slots 1..{n})")
            elif number - 1 < started:
                problems.append(f"field 'forbid' = {pid}:{number}: slot {number} has already started")
            else:
                out.setdefault(pid, set(have[pid])).add(number - 1)
    for pid, until in late.items():
        if pid not in have:
            problems.append(f"field 'late' = {pid!r}: not a participant of event {data.event.id}")
            continue
        if until.tzinfo is not None:
            problems.append(f"field 'late' = {pid}@{until.isoformat()}: give the local time in the event's "
                            "timezone, without an offset")
            continue
        missed = _slots_before(data, started, until)
        if not missed:
            problems.append(f"field 'late' = {pid}@{until:%H:%M}: no slot still to come starts before "
                            f"{until:%H:%M} on the event's next day")
        out.setdefault(pid, set(have[pid])).update(missed)
    for pid in withdraw:
        if pid in have:
            out.setdefault(pid, set(have[pid])).update(range(started, n))
    return {pid: frozenset(slots) for pid, slots in out.items() if frozenset(slots) != have[pid]}


def _slots_before(data: EventData, started: int, until: time) -> set[int]:
    """The slots not yet started, on the day of the next one (event timezone), that start before ``until``."""
    if started >= len(data.slots):
        return set()
    tz = zone(data.event.timezone)
    day = data.slots[started].start.astimezone(tz).date()
    return {s.index for s in data.slots[started:]
            if s.start.astimezone(tz).date() == day and s.start.astimezone(tz).time() < until}


def _additions(data: EventData, requests: Mapping[int, MeetingRequest], at: Mapping[int, Assignment],
               cancelled: set[int], add: list[tuple[str, str]], problems: list[str]) -> list[_Meeting]:
    """The meetings to add: an existing active request of the pair that is not scheduled, or a new one."""
    out: list[_Meeting] = []
    seen: set[frozenset[str]] = set()
    for a, b in add:
        field = f"field 'add' = {a}:{b}"
        unknown = [p for p in (a, b) if p not in data.members]
        if unknown:
            problems.append(f"{field}: {unknown[0]!r} is not a participant of event {data.event.id}")
            continue
        if a == b or frozenset((a, b)) in seen:
            problems.append(f"{field}: " + ("a meeting needs two different participants" if a == b
                                             else "the pair is named twice"))
            continue
        seen.add(frozenset((a, b)))
        active = [r for r in requests.values() if r.pair == frozenset((a, b)) and r.state in ACTIVE_STATES
                  and r.id not in cancelled]
        if active and active[0].id in at:
            problems.append(f"{field}: already scheduled (request {active[0].id}, slot {at[active[0].id].slot + 1})")
            continue
        if active:
            r = active[0]
            out.append(_Meeting(request=r, from_id=r.from_id, to_id=r.to_id, priority=r.priority, score=r.score,
                                was=None))
        else:
            out.append(_Meeting(request=None, from_id=a, to_id=b, priority="want", score=None, was=None))
    return out


def _lost(data: EventData, numbers: list[int], problems: list[str]) -> set[int]:
    known = {t.number for t in data.tables}
    for n in numbers:
        if n not in known:
            problems.append(f"field 'table_lost' = {n}: no table {n} in event {data.event.id} "
                            f"(tables {min(known)}..{max(known)})")
    return {n for n in numbers if n in known}


# --- the answer -----------------------------------------------------------------------------------------------
def _breaks(data: EventData, requests: Mapping[int, MeetingRequest], stored: Sequence[Assignment]) -> int:
    """The breaks of the stored schedule, before the change."""
    index = {p.profile_id: i for i, p in enumerate(data.participants)}
    pairs = [requests[a.request_id] for a in stored]
    instance = instance_of(data, [(index[r.from_id], index[r.to_id], r.priority, 1.0) for r in pairs])
    return sum(breaks_per_participant(instance, [a.slot for a in stored]))


def _notices(svc: EventService, data: EventData, requests: Mapping[int, MeetingRequest],
             at: Mapping[int, Assignment], cancelled: set[int], withdrawn: Mapping[int, str],
             meetings: Sequence[_Meeting], places: Sequence[tuple[int, int] | None], unheld: Mapping[int, Reason],
             moved: set[int], new_ids: Sequence[int | None], n_kept: int, sequences: Mapping[int, int],
             written: bool) -> tuple[Notice, ...]:
    tz = zone(data.event.timezone)
    names = {t.number: t.name for t in data.tables}
    ids = [p.profile_id for p in data.participants]

    def when(slot: int, table: int) -> When:
        s: Slot = data.slots[slot]
        return When(slot=slot + 1, start=local(s.start, tz), table=table, table_name=names.get(table, f"Table {table}"))

    out: list[tuple[tuple[str, int], Notice]] = []
    rids = [m.request.id if k < n_kept and m.request is not None else new_ids[k - n_kept]
            for k, m in enumerate(meetings)]

    def tell(m_from: str, m_to: str, only: str | None = None, **kw: Any) -> None:
        for me, other in ((m_from, m_to), (m_to, m_from)):
            if only is None or me == only:
                first = kw.get("old") or kw.get("new")
                out.append(((me, first.slot if first else 0), Notice(profile_id=me, partner_id=other, **kw)))

    for gone_id in sorted(cancelled):
        r = requests[gone_id]
        was = when(at[gone_id].slot, at[gone_id].table) if gone_id in at else None
        gone = withdrawn.get(gone_id)
        why = f"{gone} withdrew from the event" if gone else "cancelled by the organiser"
        tell(r.from_id, r.to_id, None if gone is None else (r.to_id if gone == r.from_id else r.from_id),
             kind="cancelled", request_id=gone_id, old=was, new=None, reason=why)
    for m, (meeting, place) in enumerate(zip(meetings, places, strict=True)):
        rid = rids[m]
        old = when(meeting.was.slot, meeting.was.table) if meeting.was is not None else None
        new = when(*place) if place is not None else None
        why = unheld[m].render(participant=lambda i: repr(ids[i]), meeting=lambda i: str(rids[i] or "(new)"),
                               meeting_noun="request") if m in unheld else ""
        if meeting.was is not None and m in moved:
            bump = 0 if written else 1  # the store bumped it already, or will
            tell(meeting.from_id, meeting.to_id, kind="moved", request_id=rid, old=old, new=new,
                 sequence=sequences.get(rid or 0, 0) + bump)
        elif meeting.was is not None and place is None:
            tell(meeting.from_id, meeting.to_id, kind="dropped", request_id=rid, old=old, new=None, reason=why)
        elif meeting.was is None:
            tell(meeting.from_id, meeting.to_id, kind="new" if place else "not_scheduled", request_id=rid, old=None,
                 new=new, reason=why)
    return tuple(n for _, n in sorted(out, key=lambda x: (x[0], KINDS.index(x[1].kind))))
