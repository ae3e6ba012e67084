"""The event's schedule: every accepted request that fits gets a slot and a table (musts first), solved
exactly by :mod:`matcher.scheduling`; the stored schedule is replaced atomically. Each request left out
comes back with a structured reason (family, the requests, participants and slots concerned) that the
front ends word in the user's language. ``progress`` and ``stop`` pass through to the solver, for a run in the
background (:mod:`service.events.jobs`)."""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from matcher.errors import ConflictError
from matcher.events import Assignment, EventData, MeetingRequest
from matcher.scheduling import Instance, Meeting, Progress, Reason, solve
from service.events.matching import matches
from service.events.plan import EventService, event
from storage import events as store

DEFAULT_WEIGHT = 0.5  # weight of a meeting whose match score is unknown


@dataclass(frozen=True, kw_only=True)
class LeftOut:
    """A request that got no slot, and why: ``family`` (the constraint to blame) and ``kind`` (which sentence)
    are stable codes (:mod:`matcher.scheduling.reasons`, plus family and kind "max_meetings"); ``requests``,
    ``participants`` and ``slots`` (1-based) are what the reason is about, ``families``, ``counts`` and
    ``detail`` the rest of what the sentence says; ``reason`` says it in English."""

    request_id: int
    from_id: str
    to_id: str
    priority: str
    reason: str
    family: str = ""
    kind: str = ""
    requests: tuple[int, ...] = ()
    participants: tuple[str, ...] = ()
    slots: tuple[int, ...] = ()
    families: tuple[str, ...] = ()
    counts: tuple[int, ...] = ()
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        out = {k: list(v) if isinstance(v, tuple) else v for k, v in vars(self).items()}
        return out


@dataclass(frozen=True, kw_only=True)
class ScheduleSummary:
    event_id: int
    status: str
    stored: bool  # whether the stored schedule was replaced
    breaks: int | None
    bound: int | None
    seconds: float
    requested: int  # accepted requests
    held: int  # meetings given a slot and a table
    must_requested: int
    must_held: int
    left_out: tuple[LeftOut, ...]
    infeasible_reason: str | None
    infeasible: dict[str, Any] = field(default_factory=dict)  # the structured reason, when there is one

    def to_dict(self) -> dict[str, Any]:
        return {"event_id": self.event_id, "status": self.status, "stored": self.stored, "breaks": self.breaks,
                "bound": self.bound, "seconds": round(self.seconds, 3), "requested": self.requested,
                "held": self.held, "must_requested": self.must_requested, "must_held": self.must_held,
                "left_out": [x.to_dict() for x in self.left_out], "infeasible_reason": self.infeasible_reason,
                "infeasible": self.infeasible}


def schedule(svc: EventService, event_id: int, *, fairness: int | None = 2, time_limit: float = 60.0,
             workers: int = 2, progress: Callable[[Progress], None] | None = None,
             stop: threading.Event | None = None) -> ScheduleSummary:
    """Slot and table for every accepted request that fits; the stored schedule is replaced atomically.

    Musts go before wants. A participant's ``max_meetings`` is applied first: beyond it, the
    lowest-priority (then lowest-score) requests are left out with that reason. ``progress`` gets the
    solver's reports and ``stop`` ends the solve early with its best schedule, which is stored as any other
    (:func:`matcher.scheduling.solve`); a stop before any schedule stores nothing.

    Tables lost on the day (``event reschedule --table-lost``) are left out of the whole new schedule, also
    when they were lost from a later slot only: the model has as many tables in every slot, and a full
    schedule moves every meeting anyway."""
    data = event(svc, event_id)
    lost = store.load_lost_tables(svc.engine, event_id)
    if lost:
        usable = tuple(t for t in data.tables if t.number not in lost)
        if not usable:
            raise ConflictError(f"schedule event {event_id}: every table is lost (event reschedule --table-lost); "
                                "there is no table to schedule at")
        data = replace(data, tables=usable)
    index = {p.profile_id: i for i, p in enumerate(data.participants)}
    accepted = [r for r in store.list_requests(svc.engine, event_id, ("accepted",))
                if r.from_id in index and r.to_id in index]
    unscored: dict[str, set[str]] = defaultdict(set)
    for r in accepted:
        if r.score is None:
            unscored[r.from_id].add(r.to_id)
    known = matches(svc, unscored)

    def weight(r: MeetingRequest) -> float:
        score = r.score if r.score is not None else known.get((r.from_id, r.to_id), (DEFAULT_WEIGHT, ""))[0]
        return min(max(score, 0.0), 1.0)

    cap = {p.profile_id: p.max_meetings for p in data.participants}
    count: Counter[str] = Counter()
    kept: list[MeetingRequest] = []
    left: list[LeftOut] = []
    for r in sorted(accepted, key=lambda r: (r.priority != "must", -weight(r), r.id)):
        full = [x for x in (r.from_id, r.to_id) if cap[x] is not None and count[x] >= (cap[x] or 0)]
        if full:
            left.append(LeftOut(request_id=r.id, from_id=r.from_id, to_id=r.to_id, priority=r.priority,
                                reason=f"{full[0]} already has its maximum of {cap[full[0]]} meeting(s) "
                                       "(max_meetings) with higher-priority or better-matched requests",
                                family="max_meetings", kind="max_meetings", participants=(full[0],),
                                counts=(cap[full[0]] or 0,)))
            continue
        kept.append(r)
        count.update((r.from_id, r.to_id))
    kept.sort(key=lambda r: r.id)
    instance = instance_of(data, [(index[r.from_id], index[r.to_id], r.priority, weight(r)) for r in kept])
    ids = [p.profile_id for p in data.participants]
    result = solve(instance, fairness=fairness, time_limit=time_limit, workers=workers, allow_partial=True,
                   progress=progress, stop=stop)
    assignments: list[Assignment] = []
    for i, r in enumerate(kept):
        slot = result.slots[i] if i < len(result.slots) else None
        table = result.tables[i] if i < len(result.tables) else None
        if slot is None or table is None:
            why = result.left_out.get(i) or result.infeasible_reason
            left.append(_left_out(r, why, ids, [x.id for x in kept], result.status))
        else:
            assignments.append(Assignment(request_id=r.id, slot=slot, table=data.tables[table].number))
    stored = bool(assignments) or not kept
    if stored:
        store.replace_assignments(svc.engine, event_id, assignments)
    held_ids = {a.request_id for a in assignments}
    infeasible = result.infeasible_reason
    return ScheduleSummary(
        event_id=event_id, status=result.status, stored=stored, breaks=result.breaks, bound=result.bound,
        seconds=result.seconds, requested=len(accepted), held=len(assignments),
        must_requested=sum(r.priority == "must" for r in accepted),
        must_held=sum(r.priority == "must" and r.id in held_ids for r in accepted),
        left_out=tuple(sorted(left, key=lambda x: (x.priority != "must", x.request_id))),
        infeasible_reason=None if infeasible is None else _words(infeasible, ids, [x.id for x in kept]),
        infeasible={} if infeasible is None else _fields(infeasible, ids, [x.id for x in kept]))


def instance_of(data: EventData, meetings: Sequence[tuple[int, int, str, float]]) -> Instance:
    """The scheduling problem of an event: participants in profile-id order, the meetings given as
    (participant a, participant b, priority, weight)."""
    table_index = {t.number: i for i, t in enumerate(data.tables)}
    n_morning = 0
    for s in data.slots:  # the first session of the first day; later slots count as afternoon
        if s.session != "morning":
            break
        n_morning += 1
    return Instance(
        n_participants=len(data.participants), n_slots=len(data.slots), n_morning=n_morning,
        n_tables=len(data.tables),
        meetings=tuple(Meeting(a=a, b=b, priority=2 if prio == "must" else 1, weight=round(w, 4))
                       for a, b, prio, w in meetings),
        forbidden=tuple(p.forbidden for p in data.participants),
        stands=tuple(table_index.get(p.stand) if p.stand is not None else None for p in data.participants))


def assignments(svc: EventService, event_id: int) -> list[Assignment]:
    event(svc, event_id)
    return store.load_assignments(svc.engine, event_id)


def _left_out(r: MeetingRequest, why: Reason | None, ids: Sequence[str], request_ids: Sequence[int],
              status: str) -> LeftOut:
    text = _words(why, ids, request_ids) if why is not None else f"not scheduled (solver status {status})"
    return LeftOut(request_id=r.id, from_id=r.from_id, to_id=r.to_id, priority=r.priority, reason=text,
                   **_fields(why, ids, request_ids))


def _fields(why: Reason | None, ids: Sequence[str], request_ids: Sequence[int]) -> dict[str, Any]:
    """The structured reason with the solver's indexes mapped to profile ids, request ids and slot numbers."""
    if why is None:
        return {"family": "time_limit", "kind": "undecided"}
    return {"family": why.family, "kind": why.kind, "participants": tuple(ids[p] for p in why.participants),
            "requests": tuple(request_ids[m] for m in why.meetings), "slots": tuple(s + 1 for s in why.slots),
            "families": why.families, "counts": why.counts, "detail": why.detail}


def _words(why: Reason, ids: Sequence[str], request_ids: Sequence[int]) -> str:
    """The reason in English with participants and meetings named by profile id and request id."""
    return why.render(participant=lambda i: repr(ids[i]), meeting=lambda i: str(request_ids[i]), meeting_noun="request")
