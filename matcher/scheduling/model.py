"""The problem and the answer: meetings, an event, a schedule; breaks, the independent validator, tables.

Nothing here solves anything. :func:`validate` re-checks every hard constraint from scratch, so tests can hold
both solvers (and any hand-made schedule) to it; :func:`assign_tables` turns any slot assignment into tables.
Indexes are 0-based throughout; only the rendered reasons number from 1.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

from matcher.scheduling.reasons import Reason

STATUSES: tuple[str, ...] = ("optimal", "feasible", "infeasible", "unknown")


@dataclass(frozen=True, kw_only=True)
class Meeting:
    """One requested meeting between participants ``a`` and ``b`` (0-based)."""

    a: int
    b: int
    session: int = 3  # 1 morning, 2 afternoon, 3 either
    fixed: int | None = None  # imposed slot (0-based) or None
    after: tuple[int, ...] = ()  # meetings (0-based) that must be held in an earlier slot
    priority: int = 1  # 2 = must, 1 = want (used when over-subscribed)
    weight: float = 1.0  # e.g. match score in [0, 1], tie-break when over-subscribed

    def __post_init__(self) -> None:
        if self.a < 0 or self.b < 0:
            raise ValueError(f"meeting participants must be >= 0, got {self.a} and {self.b}")
        if self.a == self.b:
            raise ValueError(f"a meeting needs two different participants, got {self.a} twice")
        if self.session not in (1, 2, 3):
            raise ValueError(f"session must be 1 (morning), 2 (afternoon) or 3 (either), got {self.session}")
        if self.fixed is not None and self.fixed < 0:
            raise ValueError(f"fixed slot must be >= 0 or None, got {self.fixed}")
        if self.priority not in (1, 2):
            raise ValueError(f"priority must be 1 (want) or 2 (must), got {self.priority}")
        if not 0.0 <= self.weight <= 1.0:
            raise ValueError(f"weight must lie in [0, 1], got {self.weight}")


@dataclass(frozen=True, kw_only=True)
class Instance:
    """An event: participants, slots (the first ``n_morning`` are the morning), tables and requested meetings."""

    n_participants: int
    n_slots: int
    n_morning: int
    n_tables: int
    meetings: tuple[Meeting, ...]
    forbidden: tuple[frozenset[int], ...] = ()  # per participant, 0-based slots it cannot use (empty tuple = none)
    stands: tuple[int | None, ...] = ()  # per participant, a fixed table it hosts at, or None

    def __post_init__(self) -> None:
        if self.n_participants < 0 or self.n_slots < 1 or self.n_tables < 1:
            raise ValueError("an instance needs n_participants >= 0, n_slots >= 1 and n_tables >= 1")
        if not 0 <= self.n_morning <= self.n_slots:
            raise ValueError(f"n_morning must lie in 0..n_slots={self.n_slots}, got {self.n_morning}")
        n = len(self.meetings)
        for m, meeting in enumerate(self.meetings):
            if max(meeting.a, meeting.b) >= self.n_participants:
                raise ValueError(f"meeting {m} names participant {max(meeting.a, meeting.b)} "
                                 f"but there are {self.n_participants}")
            if meeting.fixed is not None and meeting.fixed >= self.n_slots:
                raise ValueError(f"meeting {m} is fixed to slot {meeting.fixed} but there are {self.n_slots} slots")
            if any(not 0 <= o < n or o == m for o in meeting.after):
                raise ValueError(f"meeting {m}: 'after' must name other meetings in 0..{n - 1}, got {meeting.after}")
        if self.forbidden and len(self.forbidden) != self.n_participants:
            raise ValueError(f"forbidden must be empty or have one set per participant ({self.n_participants}), "
                             f"got {len(self.forbidden)}")
        if any(not 0 <= s < self.n_slots for slots in self.forbidden for s in slots):
            raise ValueError(f"forbidden slots must lie in 0..{self.n_slots - 1}")
        if self.stands:
            if len(self.stands) != self.n_participants:
                raise ValueError(f"stands must be empty or have one entry per participant ({self.n_participants}), "
                                 f"got {len(self.stands)}")
            used = [t for t in self.stands if t is not None]
            if any(not 0 <= t < self.n_tables for t in used):
                raise ValueError(f"stand tables must lie in 0..{self.n_tables - 1}")
            if len(set(used)) != len(used):
                raise ValueError("two participants cannot host at the same stand")

    def forbidden_of(self, p: int) -> frozenset[int]:
        return self.forbidden[p] if self.forbidden else frozenset()

    def stand_of(self, p: int) -> int | None:
        return self.stands[p] if self.stands else None

    def meetings_of(self) -> list[list[int]]:
        """Per participant, its meetings (indices into ``meetings``)."""
        out: list[list[int]] = [[] for _ in range(self.n_participants)]
        for m, meeting in enumerate(self.meetings):
            out[meeting.a].append(m)
            out[meeting.b].append(m)
        return out

    def session_slots(self, session: int) -> range:
        return {1: range(self.n_morning), 2: range(self.n_morning, self.n_slots)}.get(session, range(self.n_slots))


@dataclass(frozen=True, kw_only=True)
class Place:
    """Where a meeting is held: a 0-based slot and a 0-based table."""

    slot: int
    table: int


@dataclass(frozen=True, kw_only=True)
class Schedule:
    """The solver's answer: a slot and a table per meeting (None = not held), breaks and the proven bound."""

    status: str  # "optimal" | "feasible" | "infeasible" | "unknown"
    breaks: int | None
    bound: int | None  # best proven lower bound on breaks
    seconds: float
    slots: tuple[int | None, ...]  # per meeting, 0-based slot, None = not held
    tables: tuple[int | None, ...]  # per meeting, 0-based table, None = not held
    left_out: dict[int, Reason] = field(default_factory=dict)  # meeting -> why it is not held (over-subscription)
    infeasible_reason: Reason | None = None  # the constraint family that makes it infeasible, where we can tell


def breaks_per_participant(instance: Instance, slots: Sequence[int | None]) -> list[int]:
    """Per participant, how many of its consecutive meetings (in time order) are not in adjacent slots."""
    if len(slots) != len(instance.meetings):
        raise ValueError(f"expected {len(instance.meetings)} slots, got {len(slots)}")
    used: list[list[int]] = [[] for _ in range(instance.n_participants)]
    for meeting, slot in zip(instance.meetings, slots, strict=True):
        if slot is not None:
            used[meeting.a].append(slot)
            used[meeting.b].append(slot)
    out = []
    for mine in used:
        mine.sort()
        out.append(sum(1 for s, t in itertools.pairwise(mine) if t - s > 1))
    return out


def fair_group(instance: Instance) -> list[int]:
    """Participants the fairness bound compares: those with at least one requested meeting."""
    return [p for p, mine in enumerate(instance.meetings_of()) if mine]


def validate(instance: Instance, schedule: Schedule, *, fairness: int | None = 2) -> list[str]:
    """Every hard constraint re-checked from scratch, plus breaks, fairness and tables; [] when valid."""
    problems: list[str] = []
    n = len(instance.meetings)
    if schedule.status not in STATUSES:
        problems.append(f"unknown status {schedule.status!r}")
    if schedule.status in ("infeasible", "unknown"):
        if any(s is not None for s in schedule.slots):
            problems.append(f"status {schedule.status} but slots are assigned")
        return problems
    if len(schedule.slots) != n or len(schedule.tables) != n:
        return [f"expected {n} slots and tables, got {len(schedule.slots)} and {len(schedule.tables)}"]
    slots = schedule.slots
    for m, (meeting, slot) in enumerate(zip(instance.meetings, slots, strict=True)):
        if slot is None:
            if m not in schedule.left_out:
                problems.append(f"meeting {m} is not held and has no reason in left_out")
            continue
        if m in schedule.left_out:
            problems.append(f"meeting {m} is held but listed in left_out")
        if not 0 <= slot < instance.n_slots:
            problems.append(f"meeting {m}: slot {slot} outside 0..{instance.n_slots - 1}")
            continue
        if slot not in instance.session_slots(meeting.session):
            problems.append(f"meeting {m}: slot {slot} outside its session {meeting.session}")
        for p in (meeting.a, meeting.b):
            if slot in instance.forbidden_of(p):
                problems.append(f"meeting {m}: slot {slot} is forbidden for participant {p}")
        if meeting.fixed is not None and slot != meeting.fixed:
            problems.append(f"meeting {m}: fixed to slot {meeting.fixed} but held in slot {slot}")
        for o in meeting.after:
            before = slots[o]
            if before is not None and before >= slot:
                problems.append(f"meeting {m} (slot {slot}) must come after meeting {o} (slot {before})")
    if problems and any("outside 0.." in p for p in problems):
        return problems
    seen: dict[tuple[int, int], int] = {}
    per_slot = [0] * instance.n_slots
    for m, (meeting, slot) in enumerate(zip(instance.meetings, slots, strict=True)):
        if slot is None:
            continue
        per_slot[slot] += 1
        for p in (meeting.a, meeting.b):
            other = seen.setdefault((p, slot), m)
            if other != m:
                problems.append(f"participant {p} has meetings {other} and {m} both in slot {slot}")
    for s, count in enumerate(per_slot):
        if count > instance.n_tables:
            problems.append(f"slot {s} holds {count} meetings for {instance.n_tables} tables")
    per_participant = breaks_per_participant(instance, slots)
    total = sum(per_participant)
    if schedule.breaks != total:
        problems.append(f"schedule claims {schedule.breaks} breaks, recomputed {total}")
    if schedule.bound is not None and schedule.bound > total:
        problems.append(f"claimed lower bound {schedule.bound} exceeds the breaks found {total}")
    if schedule.status == "optimal" and schedule.bound != total:
        problems.append(f"status optimal but bound {schedule.bound} differs from breaks {total}")
    group = fair_group(instance)
    if fairness is not None and group:
        values = [per_participant[p] for p in group]
        if max(values) - min(values) > fairness:
            worst, best = max(group, key=per_participant.__getitem__), min(group, key=per_participant.__getitem__)
            problems.append(f"fairness {fairness} violated: participant {worst} has {per_participant[worst]} breaks, "
                            f"participant {best} has {per_participant[best]}")
    table_at: dict[tuple[int, int], int] = {}
    for m, (meeting, slot, table) in enumerate(zip(instance.meetings, slots, schedule.tables, strict=True)):
        if slot is None:
            if table is not None:
                problems.append(f"meeting {m} is not held but has table {table}")
            continue
        if table is None or not 0 <= table < instance.n_tables:
            problems.append(f"meeting {m}: table {table} outside 0..{instance.n_tables - 1}")
            continue
        other = table_at.setdefault((slot, table), m)
        if other != m:
            problems.append(f"meetings {other} and {m} share table {table} in slot {slot}")
        stands = {t for t in (instance.stand_of(meeting.a), instance.stand_of(meeting.b)) if t is not None}
        if stands and table not in stands:
            problems.append(f"meeting {m} is at table {table}, not at its participant's stand {sorted(stands)}")
    return problems


def assign_tables(instance: Instance, slots: Sequence[int | None]) -> tuple[int | None, ...]:
    """Stand owners host at their stand; others keep the table of their previous meeting where free; no clashes."""
    if len(slots) != len(instance.meetings):
        raise ValueError(f"expected {len(instance.meetings)} slots, got {len(slots)}")
    by_slot: list[list[int]] = [[] for _ in range(instance.n_slots)]
    for m, slot in enumerate(slots):
        if slot is not None:
            if not 0 <= slot < instance.n_slots:
                raise ValueError(f"meeting {m}: slot {slot} outside 0..{instance.n_slots - 1}")
            by_slot[slot].append(m)
    tables: list[int | None] = [None] * len(slots)
    last_table: dict[int, tuple[int, int]] = {}  # participant -> (slot, table) of its latest meeting
    for s, held in enumerate(by_slot):
        if len(held) > instance.n_tables:
            raise ValueError(f"slot {s} holds {len(held)} meetings for {instance.n_tables} tables")
        taken: set[int] = set()
        rest: list[int] = []
        for m in held:
            meeting = instance.meetings[m]
            stand = instance.stand_of(meeting.a)
            stand = stand if stand is not None else instance.stand_of(meeting.b)
            if stand is None:
                rest.append(m)
            elif stand in taken:
                raise ValueError(f"slot {s}: two meetings need stand {stand}")
            else:
                tables[m] = stand
                taken.add(stand)
        pending: list[int] = []
        for m in rest:  # keep the table of a participant who met just before, when it is free
            meeting = instance.meetings[m]
            for p in (meeting.a, meeting.b):
                prev = last_table.get(p)
                if prev is not None and prev[0] == s - 1 and prev[1] not in taken:
                    tables[m] = prev[1]
                    taken.add(prev[1])
                    break
            else:
                pending.append(m)
        free = (t for t in range(instance.n_tables) if t not in taken)
        for m in pending:
            tables[m] = next(free)
        for m in held:
            table = tables[m]
            if table is not None:
                last_table[instance.meetings[m].a] = (s, table)
                last_table[instance.meetings[m].b] = (s, table)
    return tuple(tables)


def empty_schedule(instance: Instance, status: str, seconds: float, reason: Reason | None = None) -> Schedule:
    """No meeting held: the answer once infeasibility is proven, or when nothing was found in time."""
    n = len(instance.meetings)
    return Schedule(status=status, breaks=None, bound=None, seconds=seconds, slots=(None,) * n, tables=(None,) * n,
                    left_out={}, infeasible_reason=reason)


def full_schedule(instance: Instance, slots: tuple[int | None, ...], *, status: str, bound: int,
                  seconds: float) -> Schedule:
    """A schedule of every meeting, its breaks recomputed and its tables assigned."""
    breaks = sum(breaks_per_participant(instance, slots))
    return Schedule(status=status, breaks=breaks, bound=min(bound, breaks), seconds=seconds, slots=slots,
                    tables=assign_tables(instance, slots), left_out={}, infeasible_reason=None)
