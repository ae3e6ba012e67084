"""What the schedule means for people: each participant's agenda (with the match reason from its own
side), the organiser's slot × table grid, and the per-participant and per-slot summaries."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from matcher.events import Assignment, EventData, EventNotFoundError, MeetingRequest, zone
from matcher.scheduling import breaks_per_participant
from service.events.matching import matches
from service.events.plan import EventService, event, local, name_of
from service.events.scheduling import instance_of
from storage import events as store

AGENDA_COLUMNS: tuple[str, ...] = ("slot", "local_start", "local_end", "table", "partner_id", "partner_name",
                                   "partner_country", "priority", "reason", "message", "request_id")


@dataclass(frozen=True, kw_only=True)
class AgendaItem:
    slot: int  # 1-based, as shown to people
    start: datetime  # aware, UTC
    end: datetime
    local_start: str  # "2026-12-01 09:00" in the event's timezone
    local_end: str
    table: int
    table_name: str
    partner_id: str
    partner_name: str
    partner_country: str
    priority: str
    request_id: int
    reason: str
    message: str
    sequence: int = 0  # how many times the meeting moved (a repair on the day): the .ics SEQUENCE

    def to_dict(self) -> dict[str, Any]:
        return {"slot": self.slot, "start": self.start.isoformat(), "end": self.end.isoformat(),
                "local_start": self.local_start, "local_end": self.local_end, "table": self.table,
                "table_name": self.table_name, "partner_id": self.partner_id, "partner_name": self.partner_name,
                "partner_country": self.partner_country, "priority": self.priority, "request_id": self.request_id,
                "reason": self.reason, "message": self.message, "sequence": self.sequence}


def held(svc: EventService, event_id: int) -> list[tuple[Assignment, MeetingRequest]]:
    """The stored schedule: each assignment with its (still accepted) request."""
    requests = {r.id: r for r in store.list_requests(svc.engine, event_id, ("accepted",))}
    return [(a, requests[a.request_id]) for a in store.load_assignments(svc.engine, event_id)
            if a.request_id in requests]


def agenda(svc: EventService, event_id: int, profile_id: str) -> list[AgendaItem]:
    """One participant's scheduled meetings in time order, with the match reason from its own side."""
    data = event(svc, event_id)
    if profile_id not in data.members:
        raise EventNotFoundError(f"{profile_id!r} is not a participant of event {event_id}")
    return agendas(svc, data, [profile_id])[profile_id]


def agendas(svc: EventService, data: EventData, who: Sequence[str]) -> dict[str, list[AgendaItem]]:
    """The agendas of the participants ``who``, with one batched call for every match reason."""
    mine: dict[str, list[tuple[Assignment, MeetingRequest, str]]] = {p: [] for p in who}
    for a, r in held(svc, data.event.id):
        for me, other in ((r.from_id, r.to_id), (r.to_id, r.from_id)):
            if me in mine:
                mine[me].append((a, r, other))
    reasons = matches(svc, {p: {o for _, _, o in items} for p, items in mine.items()})
    return _items(svc, data, mine, reasons)


def dropped(svc: EventService, data: EventData, who: Sequence[str]) -> dict[str, list[AgendaItem]]:
    """The meetings of ``who`` that were scheduled and no longer are, where they were: their .ics events are
    sent again as cancelled (with the stored reason; no fresh match reasons are computed for them)."""
    requests = {r.id: r for r in store.list_requests(svc.engine, data.event.id)}
    mine: dict[str, list[tuple[Assignment, MeetingRequest, str]]] = {p: [] for p in who}
    for a in store.load_dropped(svc.engine, data.event.id):
        r = requests.get(a.request_id)
        if r is None:
            continue
        for me, other in ((r.from_id, r.to_id), (r.to_id, r.from_id)):
            if me in mine:
                mine[me].append((a, r, other))
    return _items(svc, data, mine, {})


def _items(svc: EventService, data: EventData, mine: dict[str, list[tuple[Assignment, MeetingRequest, str]]],
           reasons: dict[tuple[str, str], tuple[float, str]]) -> dict[str, list[AgendaItem]]:
    tz = zone(data.event.timezone)
    slots = {s.index: s for s in data.slots}
    tables = {t.number: t for t in data.tables}
    sequences = store.load_sequences(svc.engine, data.event.id)
    out: dict[str, list[AgendaItem]] = {}
    for me, items in mine.items():
        rows = []
        for a, r, other in sorted(items, key=lambda x: x[0].slot):
            slot = slots[a.slot]
            partner = svc.catalogue.find(other)
            rows.append(AgendaItem(
                slot=a.slot + 1, start=slot.start, end=slot.end, local_start=local(slot.start, tz),
                local_end=local(slot.end, tz), table=a.table,
                table_name=tables[a.table].name if a.table in tables else f"Table {a.table}",
                partner_id=other, partner_name=partner.name if partner else other,
                partner_country=partner.country if partner else "", priority=r.priority,
                request_id=r.id, reason=reasons.get((me, other), (0.0, r.reason))[1], message=r.message,
                sequence=sequences.get(r.id, 0)))
        out[me] = rows
    return out


def grid(svc: EventService, event_id: int) -> list[dict[str, str]]:
    """The slot × table grid: one row per slot; a cell names the two participants meeting there."""
    data = event(svc, event_id)
    tz = zone(data.event.timezone)
    cells = {(a.slot, a.table): f"{name_of(svc, r.from_id)} × {name_of(svc, r.to_id)}"
             for a, r in held(svc, event_id)}
    return [{"slot": str(s.index + 1), "start": local(s.start, tz), "end": local(s.end, tz)[-5:],
             "session": s.session, **{t.name: cells.get((s.index, t.number), "") for t in data.tables}}
            for s in data.slots]


def summary_rows(svc: EventService, event_id: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Per participant (meetings requested, held, breaks) and per slot (tables used)."""
    data = event(svc, event_id)
    tz = zone(data.event.timezone)
    index = {p.profile_id: i for i, p in enumerate(data.participants)}
    accepted = store.list_requests(svc.engine, event_id, ("accepted",))
    pairs = [(a, r) for a, r in held(svc, event_id) if r.from_id in index and r.to_id in index]
    instance = instance_of(data, [(index[r.from_id], index[r.to_id], r.priority, 1.0) for _, r in pairs])
    breaks = breaks_per_participant(instance, [a.slot for a, _ in pairs])
    per = []
    for i, p in enumerate(data.participants):
        mine = [r for r in accepted if p.profile_id in (r.from_id, r.to_id)]
        got = [r for _, r in pairs if p.profile_id in (r.from_id, r.to_id)]
        per.append({"profile_id": p.profile_id, "name": name_of(svc, p.profile_id),
                    "requested": len(mine), "held": len(got),
                    "must_requested": sum(r.priority == "must" for r in mine),
                    "must_held": sum(r.priority == "must" for r in got),
                    "breaks": breaks[i], "max_meetings": p.max_meetings if p.max_meetings is not None else ""})
    used = Counter(a.slot for a, _ in pairs)
    tables = len(data.tables)
    per_slot = [{"slot": s.index + 1, "start": local(s.start, tz), "session": s.session,
                 "tables_used": used[s.index], "tables": tables,
                 "use": round(used[s.index] / tables, 3) if tables else 0.0} for s in data.slots]
    return per, per_slot
