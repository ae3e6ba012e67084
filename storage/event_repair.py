"""A repair on the day written all or nothing (:func:`apply_repair`): request states, forbidden slots, lost
tables, added requests and the new schedule in one compare-and-set transaction."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine, select
from sqlalchemy import update as sql_update
from sqlalchemy.orm import Session

from matcher.errors import ConflictError
from matcher.events import Assignment, DuplicateRequestError, NewRequest
from storage.db import writing
from storage.events import (
    AssignmentRow,
    LostTableRow,
    ParticipantRow,
    RequestRow,
    active_pairs,
    write_assignments,
)


@dataclass(frozen=True, kw_only=True)
class RepairWrite:
    """Everything a repair on the day writes, in one transaction (see :func:`apply_repair`)."""

    expected: frozenset[tuple[int, int, int]]  # the (request, slot, table) assignments the repair started from
    cancel: tuple[int, ...] = ()  # request ids: accepted (or, for a withdrawal, pending) -> cancelled
    accept: tuple[int, ...] = ()  # request ids: pending -> accepted (by the organiser)
    forbidden: dict[str, frozenset[int]] = field(default_factory=dict)  # profile id -> its whole new set
    lost_tables: dict[int, int] = field(default_factory=dict)  # table number -> first slot lost
    new: tuple[tuple[NewRequest, tuple[int, int] | None], ...] = ()  # accepted requests to add, (slot, table)
    assignments: tuple[Assignment, ...] = ()  # the new schedule of the existing requests


def apply_repair(engine: Engine, event_id: int, change: RepairWrite) -> list[int]:
    """Write a repair all or nothing; returns the ids of the new requests. Compare-and-set: if the stored
    schedule is no longer ``change.expected``, or a request to cancel or accept moved on meanwhile,
    :class:`ConflictError` and nothing is written."""
    with Session(writing(engine)) as s, s.begin():
        now = {(r.request_id, r.slot, r.table) for r in s.scalars(
            select(AssignmentRow).where(AssignmentRow.event_id == event_id))}
        if now != change.expected:
            raise ConflictError(f"event {event_id}: the schedule changed meanwhile; nothing was written, run the "
                                "repair again")
        for ids, from_states, state in ((change.cancel, ("accepted", "pending"), "cancelled"),
                                        (change.accept, ("pending",), "accepted")):
            if not ids:
                continue
            done = s.execute(sql_update(RequestRow).where(RequestRow.id.in_(ids), RequestRow.event_id == event_id,
                                                          RequestRow.state.in_(from_states))
                             .values(state=state, decided_by="organiser"))
            if getattr(done, "rowcount", 0) != len(ids):
                raise ConflictError(f"event {event_id}: a request among {list(ids)} is no longer "
                                    f"{from_states[0]}; nothing was written")
        for pid, slots in change.forbidden.items():
            s.execute(sql_update(ParticipantRow).where(ParticipantRow.event_id == event_id,
                                                       ParticipantRow.profile_id == pid)
                      .values(forbidden=sorted(slots)))
        for number, first in change.lost_tables.items():
            known = s.get(LostTableRow, (event_id, number))
            if known is None:
                s.add(LostTableRow(event_id=event_id, number=number, from_slot=first))
            else:
                known.from_slot = min(known.from_slot, first)
        active = active_pairs(s, event_id)
        added: list[int] = []
        placed: list[Assignment] = list(change.assignments)
        for r, place in change.new:
            pair = frozenset((r.from_id, r.to_id))
            if pair in active:
                raise DuplicateRequestError(f"{r.from_id} and {r.to_id} already have an active request "
                                            f"(id {active[pair]}); nothing was written")
            row = RequestRow(event_id=event_id, from_id=r.from_id, to_id=r.to_id, priority=r.priority,
                             message=r.message, state="accepted", decided_by="organiser", score=r.score,
                             reason=r.reason)
            s.add(row)
            s.flush()
            active[pair] = row.id
            added.append(row.id)
            if place is not None:
                placed.append(Assignment(request_id=row.id, slot=place[0], table=place[1]))
        write_assignments(s, event_id, placed)
        return added
