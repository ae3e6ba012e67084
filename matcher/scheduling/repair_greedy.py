"""The greedy parts of repair on the day (:mod:`.repair`): the schedule the search starts from, and the tables
given to the meetings once their slots are chosen (the model counts free tables per slot, it has no table
variables)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from matcher.scheduling.model import Instance, Meeting, Place


def stand_of(instance: Instance, meeting: Meeting) -> int | None:
    """The stand of either participant of ``meeting`` (the table it must be held at), or None."""
    stand = instance.stand_of(meeting.a)
    return stand if stand is not None else instance.stand_of(meeting.b)


def greedy_start(work: Instance, previous: Sequence[Place | None], allowed: Mapping[int, list[int]],
            usable: Sequence[frozenset[int]], keepable: set[int]) -> tuple[list[int | None], set[int]]:
    """The first schedule the search starts from: every meeting that may stay where it was stays; then each
    other one (musts, then better matched, then new ones) takes the allowed slot nearest its old one with both
    participants free and a usable table free, or is left out. Per meeting its slot, and the meetings kept."""
    n = len(work.meetings)
    slots: list[int | None] = [None] * n
    busy: set[tuple[int, int]] = set()
    free = [set(usable[s]) for s in range(work.n_slots)]
    stands = {t for t in work.stands if t is not None}
    stays: set[int] = set()
    for m in sorted(keepable, key=lambda m: stand_of(work, work.meetings[m]) is None):  # stand meetings first
        old, meeting = previous[m], work.meetings[m]
        if old is None or {(meeting.a, old.slot), (meeting.b, old.slot)} & busy or old.table not in free[old.slot]:
            continue
        slots[m] = old.slot
        busy |= {(meeting.a, old.slot), (meeting.b, old.slot)}
        free[old.slot].discard(old.table)
        stays.add(m)
    rest = sorted((m for m in range(n) if slots[m] is None),
                  key=lambda m: (previous[m] is None, -work.meetings[m].priority, -work.meetings[m].weight, m))
    for m in rest:
        meeting, old = work.meetings[m], previous[m]
        stand = stand_of(work, meeting)
        near = sorted(allowed[m], key=lambda s: (abs(s - old.slot) if old is not None else s, s))
        for s in near:
            if (meeting.a, s) in busy or (meeting.b, s) in busy:
                continue
            tables = [stand] if stand is not None else sorted(free[s] - stands) or sorted(free[s])
            table = next((t for t in tables if t in free[s]), None)
            if table is not None:
                slots[m] = s
                busy |= {(meeting.a, s), (meeting.b, s)}
                free[s].discard(table)
                break
    return slots, stays


def repair_tables(instance: Instance, previous: Sequence[Place | None], slots: Sequence[int | None],
                   kept: Sequence[bool], usable: Sequence[frozenset[int]]) -> tuple[int | None, ...]:
    """Stands first, then kept meetings at their table, then a meeting in its old slot or moved at its old table
    where free, then the table a participant used just before, then the lowest free usable table."""
    tables: list[int | None] = [None] * len(slots)
    for s in range(instance.n_slots):
        here = [m for m, slot in enumerate(slots) if slot == s]
        taken: set[int] = set()
        rest: list[int] = []
        for m in here:
            stand = stand_of(instance, instance.meetings[m])
            if stand is not None:
                tables[m] = stand
                taken.add(stand)
            else:
                rest.append(m)
        rest.sort(key=lambda m: (not kept[m], _slot_of(previous[m]) != s))
        pending: list[int] = []
        for m in rest:
            old = previous[m]
            if old is not None and old.table in usable[s] and old.table not in taken:
                tables[m] = old.table
                taken.add(old.table)
            else:
                pending.append(m)
        before = {p: tables[k] for k, slot in enumerate(slots) if slot == s - 1
                  for p in (instance.meetings[k].a, instance.meetings[k].b)}
        for m in pending:
            meeting = instance.meetings[m]
            near = [t for t in (before.get(meeting.a), before.get(meeting.b))
                    if t is not None and t in usable[s] and t not in taken]
            free = near or sorted(usable[s] - taken)
            if not free:
                raise RuntimeError(f"slot {s}: no usable table left (the model's count should prevent this)")
            tables[m] = free[0]
            taken.add(free[0])
    return tuple(tables)


def _slot_of(place: Place | None) -> int | None:
    return None if place is None else place.slot
