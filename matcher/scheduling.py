"""Scheduling pre-arranged B2B meetings at a fair: slots that minimise participants' idle breaks (CP-SAT).

The problem and the benchmark are those of Bofill et al., "Constraint Solving Approaches to the
Business-to-Business Meeting Scheduling Problem", JAIR 74 (2022). Every meeting gets one slot; a
participant has at most one meeting per slot; at most ``n_tables`` meetings per slot; sessions,
forbidden slots, fixed slots and precedences are hard; the objective is the total number of breaks
(two consecutive meetings of a participant in non-adjacent slots) under a fairness bound ``d``.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from multiprocessing.connection import Connection

from ortools.sat.python import cp_model

_PROBE_SECONDS = 3.0  # per "at most k breaks?" probe
_RACE_MIN_MEETINGS = 30  # below this CP-SAT answers at once and a MaxSAT child process would only cost a start-up
_SUBSOLVERS: tuple[str, ...] = ("core",)  # core-based MaxSAT search; CP-SAT adds its LNS workers alongside
FAMILIES: tuple[str, ...] = ("fairness", "precedences", "fixed", "forbidden", "sessions")
STATUSES: tuple[str, ...] = ("optimal", "feasible", "infeasible", "unknown")
SESSION_NAMES = {1: "morning", 2: "afternoon", 3: "either"}
# Reasons (``infeasible_reason``, ``left_out``) are for people: they number participants, meetings and slots
# from 1, as the MiniZinc instances and the event timetables do; the data structures stay 0-based.


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
class Schedule:
    """The solver's answer: a slot and a table per meeting (None = not held), breaks and the proven bound."""

    status: str  # "optimal" | "feasible" | "infeasible" | "unknown"
    breaks: int | None
    bound: int | None  # best proven lower bound on breaks
    seconds: float
    slots: tuple[int | None, ...]  # per meeting, 0-based slot, None = not held
    tables: tuple[int | None, ...]  # per meeting, 0-based table, None = not held
    left_out: dict[int, str] = field(default_factory=dict)  # meeting -> human reason (over-subscription)
    infeasible_reason: str | None = None  # the constraint family that makes it infeasible, where we can tell


# ---------------------------------------------------------------------------------------------------------------
# Independent checks


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


def _fair_group(instance: Instance) -> list[int]:
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
    group = _fair_group(instance)
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


# ---------------------------------------------------------------------------------------------------------------
# Static analysis: domains and obvious infeasibilities


def _domains(instance: Instance, relax: frozenset[str]) -> list[list[int]]:
    """Per meeting, the slots its session, its participants' forbidden slots and its fixed slot allow."""
    out = []
    for meeting in instance.meetings:
        allowed = set(range(instance.n_slots) if "sessions" in relax else instance.session_slots(meeting.session))
        if "forbidden" not in relax:
            allowed -= instance.forbidden_of(meeting.a) | instance.forbidden_of(meeting.b)
        if meeting.fixed is not None and "fixed" not in relax:
            allowed &= {meeting.fixed}
        out.append(sorted(allowed))
    return out


def _precedence_cycle(instance: Instance) -> list[int] | None:
    """A cycle among the precedences (meetings), or None when they form a DAG."""
    colour = [0] * len(instance.meetings)
    for root in range(len(instance.meetings)):
        if colour[root]:
            continue
        stack: list[tuple[int, int]] = [(root, 0)]
        path: list[int] = []
        while stack:
            m, i = stack.pop()
            if i == 0:
                colour[m] = 1
                path.append(m)
            after = instance.meetings[m].after
            if i < len(after):
                stack.append((m, i + 1))
                o = after[i]
                if colour[o] == 1:
                    return path[path.index(o):]
                if colour[o] == 0:
                    stack.append((o, 0))
            else:
                colour[m] = 2
                path.pop()
    return None


def _static_reason(instance: Instance) -> str | None:
    """A cheap proof of infeasibility (empty domain, overloaded participant, precedence cycle), or None."""
    doms = _domains(instance, frozenset())
    for m, dom in enumerate(doms):
        if dom:
            continue
        meeting = instance.meetings[m]
        for family in ("fixed", "forbidden", "sessions"):
            if _domains(instance, frozenset({family}))[m]:
                fixed = "none" if meeting.fixed is None else f"slot {meeting.fixed + 1}"
                return (f"{family}: meeting {m + 1} (participants {meeting.a + 1} and {meeting.b + 1}) has no "
                        f"allowed slot (session {SESSION_NAMES[meeting.session]}, fixed {fixed})")
        return f"sessions: meeting {m + 1} has no allowed slot"
    relaxed = {family: _domains(instance, frozenset({family})) for family in ("fixed", "forbidden", "sessions")}
    for p, mine in enumerate(instance.meetings_of()):
        usable = set().union(*(doms[m] for m in mine)) if mine else set()
        if len(mine) > len(usable):
            family = next((f for f, d in relaxed.items() if len(set().union(*(d[m] for m in mine))) >= len(mine)),
                          "capacity")
            return f"{family}: participant {p + 1} has {len(mine)} meetings for {len(usable)} usable slots"
    cycle = _precedence_cycle(instance)
    if cycle:
        return f"precedences: cycle among meetings {[m + 1 for m in cycle]}"
    return None


def _earliest_latest(instance: Instance, doms: list[list[int]]) -> tuple[list[int], list[int]] | None:
    """Slot bounds implied by chains of precedences (longest path in the DAG), or None if there is a cycle."""
    n = len(instance.meetings)
    if _precedence_cycle(instance) is not None:
        return None
    succ: list[list[int]] = [[] for _ in range(n)]
    indeg = [0] * n
    for m, meeting in enumerate(instance.meetings):
        for o in meeting.after:
            succ[o].append(m)
            indeg[m] += 1
    order = [m for m in range(n) if indeg[m] == 0]
    for m in order:
        for k in succ[m]:
            indeg[k] -= 1
            if indeg[k] == 0:
                order.append(k)
    early = [dom[0] if dom else 0 for dom in doms]
    late = [dom[-1] if dom else instance.n_slots - 1 for dom in doms]
    for m in order:
        for o in instance.meetings[m].after:
            early[m] = max(early[m], early[o] + 1)
    for m in reversed(order):
        for k in succ[m]:
            late[m] = min(late[m], late[k] - 1)
    return early, late


# ---------------------------------------------------------------------------------------------------------------
# The CP-SAT model


@dataclass(frozen=True, kw_only=True)
class _Vars:
    """Handles into one built model."""

    model: cp_model.CpModel
    x: list[dict[int, cp_model.IntVar]]  # per meeting, slot -> literal
    held: list[cp_model.IntVar] | None  # per meeting (partial mode only)
    covered: list[cp_model.IntVar]  # per participant with meetings (partial mode only)
    breaks: cp_model.LinearExprT  # total breaks


def _resume_literals(model: cp_model.CpModel, busy: Sequence[cp_model.IntVar | None],
                     tag: str) -> list[cp_model.IntVar]:
    """Literals r[s] <=> busy[s] & ~busy[s-1] & (busy somewhere before s): one per break, in this time direction."""
    out: list[cp_model.IntVar] = []
    seen: cp_model.IntVar | None = None  # busy at some slot before the current one
    for s, b in enumerate(busy):
        if b is None:
            continue
        if seen is not None:
            lit = model.new_bool_var(f"resume{tag}_{s}")
            before = busy[s - 1] if s > 0 else None
            model.add_implication(lit, b)
            model.add_implication(lit, seen)
            clause = [b.Not(), seen.Not(), lit]
            if before is not None:
                model.add_implication(lit, before.Not())
                clause.append(before)
            model.add_bool_or(clause)
            out.append(lit)
            now = model.new_bool_var(f"seen{tag}_{s}")  # seen or busy at s
            model.add_bool_or([seen, b]).only_enforce_if(now)
            model.add_implication(seen, now)
            model.add_implication(b, now)
            seen = now
        else:
            seen = b
    return out


def _build(instance: Instance, *, fairness: int | None, relax: frozenset[str], partial: bool,
           symmetry: bool = True) -> _Vars:
    """CP-SAT model: x[m,s] literals, busy[p,s] channelled, one literal per break ("a block resumes after a gap")."""
    model = cp_model.CpModel()
    n_slots = instance.n_slots
    doms = _domains(instance, relax)
    if not partial and "precedences" not in relax:
        bounds = _earliest_latest(instance, doms)
        if bounds is not None:
            early, late = bounds
            doms = [[s for s in dom if early[m] <= s <= late[m]] for m, dom in enumerate(doms)]
    x: list[dict[int, cp_model.IntVar]] = []
    held: list[cp_model.IntVar] | None = [] if partial else None
    for m, dom in enumerate(doms):
        lits = {s: model.new_bool_var(f"x{m}_{s}") for s in dom}
        x.append(lits)
        if held is not None:
            h = model.new_bool_var(f"held{m}")
            held.append(h)
            model.add(sum(lits.values()) == h)
        else:
            model.add_exactly_one(lits.values())
    # at most n_tables meetings per slot
    for s in range(n_slots):
        here = [x[m][s] for m in range(len(doms)) if s in x[m]]
        if len(here) > instance.n_tables:
            model.add(sum(here) <= instance.n_tables)
    # precedences on an integer slot variable
    if "precedences" not in relax:
        slot_var: dict[int, cp_model.IntVar] = {}

        def slot_of(m: int) -> cp_model.IntVar:
            if m not in slot_var:
                dom = doms[m] or [0]
                v = model.new_int_var_from_domain(cp_model.Domain.from_values(dom), f"slot{m}")
                link = model.add(sum(s * lit for s, lit in x[m].items()) == v)
                if held is not None:
                    link.only_enforce_if(held[m])
                slot_var[m] = v
            return slot_var[m]

        for m, meeting in enumerate(instance.meetings):
            for o in meeting.after:
                c = model.add(slot_of(o) + 1 <= slot_of(m))
                if held is not None:
                    c.only_enforce_if([held[m], held[o]])
    mine_all = instance.meetings_of()
    break_lits: list[cp_model.IntVar] = []
    busy_all: list[list[cp_model.IntVar | None]] = []
    per_participant: list[tuple[int, cp_model.LinearExprT]] = []
    covered: list[cp_model.IntVar] = []
    for p, mine in enumerate(mine_all):
        if not mine:
            continue
        busy: list[cp_model.IntVar | None] = []
        for s in range(n_slots):
            here = [x[m][s] for m in mine if s in x[m]]
            if not here:
                busy.append(None)
                continue
            if len(here) == 1:
                busy.append(here[0])
                continue
            b = model.new_bool_var(f"busy{p}_{s}")
            model.add(sum(here) == b)
            busy.append(b)
        busy_all.append(busy)
        if held is not None:
            cov = model.new_bool_var(f"covered{p}")
            model.add_max_equality(cov, [held[m] for m in mine])
            covered.append(cov)
        else:
            # implied: as many busy slots as meetings
            model.add(sum(b for b in busy if b is not None) == len(mine))
        if len(mine) == 1:
            per_participant.append((p, 0))
            continue
        # A break ends at s when p is busy at s, idle at s-1 and has met before: exact literals, so fairness may
        # compare per-participant sums. The same breaks counted backwards in time (a gap starts at s when p is
        # busy at s, idle at s+1 and meets later) are tied to them by an equality: it propagates forwards what
        # the first count propagates backwards, which is what lets the core-based search close forum-13crafb.
        mine_breaks = _resume_literals(model, busy, f"{p}f")
        model.add(sum(_resume_literals(model, busy[::-1], f"{p}b")) == sum(mine_breaks))
        if held is None:
            # implied: without breaks, p's meetings fill a window of exactly len(mine) slots
            usable = [s for s in range(n_slots) if busy[s] is not None]
            first = model.new_int_var(usable[0], usable[-1], f"first{p}")
            last = model.new_int_var(usable[0], usable[-1], f"last{p}")
            for s in usable:
                model.add(first <= s).only_enforce_if(busy[s])
                model.add(last >= s).only_enforce_if(busy[s])
            model.add(last - first + 1 - len(mine) <= (n_slots - len(mine)) * sum(mine_breaks))
        break_lits.extend(mine_breaks)
        per_participant.append((p, sum(mine_breaks)))
    for s in range(n_slots):  # implied: each meeting keeps two participants busy
        here_busy = [lit for b in busy_all if (lit := b[s]) is not None]
        if len(here_busy) > 2 * instance.n_tables:
            model.add(sum(here_busy) <= 2 * instance.n_tables)
    if fairness is not None and "fairness" not in relax and per_participant:
        group = _fair_group(instance)
        if not partial and any(len(mine_all[p]) == 1 for p in group):
            for _, expr in per_participant:  # someone has 0 breaks: the bound is absolute
                if not isinstance(expr, int):
                    model.add(expr <= fairness)
        else:
            hi = model.new_int_var(0, n_slots, "max_breaks")
            lo = model.new_int_var(0, n_slots, "min_breaks")
            for _, expr in per_participant:
                model.add(expr <= hi)
                model.add(expr >= lo)
            model.add(hi - lo <= fairness)
    if symmetry and not partial:
        _break_time_reversal(instance, model, x, relax)
    return _Vars(model=model, x=x, held=held, covered=covered, breaks=sum(break_lits))


def _break_time_reversal(instance: Instance, model: cp_model.CpModel, x: list[dict[int, cp_model.IntVar]],
                         relax: frozenset[str]) -> None:
    """Reversing time maps a schedule to one with the same breaks: keep the busiest meeting in the first half."""
    pivot = _reversal_pivot(instance, relax)
    if pivot is not None:
        model.add(2 * sum(s * lit for s, lit in x[pivot].items()) <= instance.n_slots - 1)


def _reversal_pivot(instance: Instance, relax: frozenset[str] = frozenset()) -> int | None:
    """The meeting whose slot may be taken in the first half, when nothing distinguishes early from late slots.

    None when a precedence, fixed slot, forbidden slot or session (not relaxed) breaks the time symmetry.
    """
    if not instance.meetings:
        return None
    if any(m.after for m in instance.meetings) and "precedences" not in relax:
        return None
    if any(m.fixed is not None for m in instance.meetings) and "fixed" not in relax:
        return None
    if any(instance.forbidden) and "forbidden" not in relax:
        return None
    sessions_matter = "sessions" not in relax and instance.n_morning not in (0, instance.n_slots)
    if sessions_matter and any(m.session != 3 for m in instance.meetings):
        return None
    if any(len(dom) != instance.n_slots for dom in _domains(instance, relax)):
        return None
    degree = [len(mine) for mine in instance.meetings_of()]
    return max(range(len(instance.meetings)),
               key=lambda m: degree[instance.meetings[m].a] + degree[instance.meetings[m].b])


# ---------------------------------------------------------------------------------------------------------------
# Solving


def _solver(time_limit: float, workers: int, race: _MaxSatRace | None = None,
            subsolvers: tuple[str, ...] = _SUBSOLVERS) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.01, time_limit)
    solver.parameters.num_workers = max(1, workers)
    solver.parameters.log_search_progress = False
    solver.parameters.random_seed = 0
    solver.parameters.subsolvers.extend(subsolvers)
    if race is not None:
        race.watch(solver)
    return solver


def _slots_of(solver: cp_model.CpSolver, v: _Vars) -> tuple[int | None, ...]:
    out: list[int | None] = []
    for lits in v.x:
        chosen = [s for s, lit in lits.items() if solver.boolean_value(lit)]
        out.append(chosen[0] if chosen else None)
    return tuple(out)


def _hint(v: _Vars, slots: Sequence[int | None]) -> None:
    v.model.clear_hints()
    for m, lits in enumerate(v.x):
        for s, lit in lits.items():
            v.model.add_hint(lit, slots[m] == s)


def _empty(instance: Instance, status: str, seconds: float, reason: str | None = None) -> Schedule:
    n = len(instance.meetings)
    return Schedule(status=status, breaks=None, bound=None, seconds=seconds, slots=(None,) * n, tables=(None,) * n,
                    left_out={}, infeasible_reason=reason)


def _held_all(instance: Instance, slots: tuple[int | None, ...], *, status: str, bound: int,
              seconds: float) -> Schedule:
    """A schedule of every meeting, its breaks recomputed and its tables assigned."""
    breaks = sum(breaks_per_participant(instance, slots))
    return Schedule(status=status, breaks=breaks, bound=min(bound, breaks), seconds=seconds, slots=slots,
                    tables=assign_tables(instance, slots), left_out={}, infeasible_reason=None)


class _MaxSatRace:
    """The MaxSAT model (:mod:`matcher.scheduling_maxsat`) solving in a child process while CP-SAT searches here.

    Each closes instances the other cannot within a minute (MaxSAT: forum-13crafc, tic-13crafc; CP-SAT:
    forum-13crafb), so the first answer wins: a MaxSAT answer stops the running CP-SAT solve, and the lower
    bounds it reports on the way tighten CP-SAT's. The child is killed when :meth:`close` is called.
    """

    def __init__(self, instance: Instance, fairness: int | None, seconds: float) -> None:
        from matcher import scheduling_maxsat  # it builds on this module's model, so it is imported late

        context = multiprocessing.get_context("spawn")  # no fork of a process that may run solver threads
        receive, send = context.Pipe(duplex=False)
        self.bound = 0
        self.answer: scheduling_maxsat.MaxSatAnswer | None = None
        self._solver: cp_model.CpSolver | None = None
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._process = context.Process(target=scheduling_maxsat.worker, args=(instance, fairness, send),
                                        kwargs={"parent": os.getpid(), "seconds": seconds + 5.0}, daemon=True)
        self._process.start()
        send.close()
        self._listener = threading.Thread(target=self._listen, args=(receive,), daemon=True)
        self._listener.start()

    @staticmethod
    def start(instance: Instance, fairness: int | None, seconds: float) -> _MaxSatRace | None:
        """A race when the instance is big enough to be worth a process and the MaxSAT model can express it."""
        from matcher import scheduling_maxsat

        if len(instance.meetings) < _RACE_MIN_MEETINGS or not scheduling_maxsat.encodable(instance, fairness):
            return None
        return _MaxSatRace(instance, fairness, seconds)

    @property
    def settled(self) -> bool:
        return self.answer is not None

    def watch(self, solver: cp_model.CpSolver) -> None:
        """The CP-SAT solver about to run, to be stopped once MaxSAT has answered."""
        with self._lock:
            self._solver = solver

    def _listen(self, conn: Connection) -> None:
        try:
            while not self._closed.is_set():
                if not conn.poll(0.05):
                    continue
                kind, value = conn.recv()
                if kind == "bound":
                    self.bound = max(self.bound, int(value))
                elif kind == "done":
                    self.answer = value
                    break
        except (EOFError, OSError):  # the child died (or was killed): CP-SAT goes on alone
            return
        finally:
            conn.close()
        while not self._closed.wait(0.05):  # stop whichever CP-SAT solve is running, including one just starting
            with self._lock:
                solver = self._solver
            if solver is not None:
                solver.stop_search()

    def close(self) -> None:
        self._closed.set()
        if self._process.is_alive():
            self._process.kill()
        self._process.join()
        self._listener.join()


def solve(instance: Instance, *, fairness: int | None = 2, time_limit: float = 60.0, workers: int = 2,
          allow_partial: bool = False) -> Schedule:
    """An optimal (or best found) schedule minimising total breaks under fairness ``d``; see :class:`Schedule`.

    ``workers`` CP-SAT threads; an instance of 30 meetings or more also gets the MaxSAT model in a child process
    (one more thread) whenever fairness can be expressed there.
    """
    if fairness is not None and fairness < 0:
        raise ValueError(f"fairness must be >= 0 or None, got {fairness}")
    if time_limit <= 0:
        raise ValueError(f"time_limit must be > 0, got {time_limit}")
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    started = time.monotonic()
    if allow_partial:
        return _solve_partial(instance, fairness=fairness, time_limit=time_limit, workers=workers, started=started)
    if not instance.meetings:
        return Schedule(status="optimal", breaks=0, bound=0, seconds=0.0, slots=(), tables=(), left_out={},
                        infeasible_reason=None)
    static = _static_reason(instance)
    if static is not None:
        return _empty(instance, "infeasible", time.monotonic() - started, static)
    race = _MaxSatRace.start(instance, fairness, time_limit)
    try:
        found = _solve_cpsat(instance, fairness=fairness, time_limit=time_limit, workers=workers, started=started,
                             race=race)
    finally:
        if race is not None:
            race.close()
    if race is None or found.status in ("optimal", "infeasible"):
        return found
    elapsed = time.monotonic() - started
    if race.answer is not None and race.answer.slots is not None:
        return _held_all(instance, race.answer.slots, status="optimal", bound=race.answer.breaks or 0,
                         seconds=elapsed)
    if race.answer is not None:  # MaxSAT proved there is no schedule at all
        remaining = max(1.0, min(time_limit - elapsed, 30.0))
        reason = _diagnose(instance, fairness=fairness, time_limit=remaining, workers=workers)
        return _empty(instance, "infeasible", time.monotonic() - started, reason)
    if found.breaks is None or found.bound is None:
        return found
    bound = min(found.breaks, max(found.bound, race.bound))
    return replace(found, status="optimal" if bound == found.breaks else found.status, bound=bound)


def _solve_cpsat(instance: Instance, *, fairness: int | None, time_limit: float, workers: int, started: float,
                 race: _MaxSatRace | None) -> Schedule:
    """Probes for small break counts, then CP-SAT minimisation; stops early once ``race`` has answered."""
    probe = _probe(instance, fairness=fairness, budget=min(0.2 * time_limit, 12.0), workers=workers, race=race)
    if probe.optimal is not None:  # a schedule with `lower` breaks, and none with fewer
        return _held_all(instance, probe.optimal, status="optimal", bound=probe.lower,
                         seconds=time.monotonic() - started)
    lb = probe.lower
    code = cp_model.UNKNOWN
    if probe.infeasible:
        code = cp_model.INFEASIBLE
    elif race is None or not race.settled:
        v = _build(instance, fairness=fairness, relax=frozenset(), partial=False)
        if lb:
            v.model.add(v.breaks >= lb)
        if probe.hint is not None:
            _hint(v, probe.hint)
        v.model.minimize(v.breaks)
        solver = _solver(time_limit - (time.monotonic() - started), workers, race)
        code = solver.solve(v.model)  # a MaxSAT answer arriving now stops it (the race's listener keeps stopping)
    elapsed = time.monotonic() - started
    if code == cp_model.INFEASIBLE:  # none with >= lb breaks, and none with fewer: infeasible
        remaining = max(1.0, min(time_limit - elapsed, 30.0))
        reason = _diagnose(instance, fairness=fairness, time_limit=remaining, workers=workers)
        return _empty(instance, "infeasible", time.monotonic() - started, reason)
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        if probe.hint is None:
            return _empty(instance, "unknown", elapsed)
        return _held_all(instance, probe.hint, status="feasible", bound=lb, seconds=elapsed)
    slots = _slots_of(solver, v)
    breaks = round(solver.objective_value)
    bound = breaks if code == cp_model.OPTIMAL else min(breaks, max(lb, int(-(-solver.best_objective_bound // 1))))
    return Schedule(status="optimal" if code == cp_model.OPTIMAL else "feasible", breaks=breaks, bound=bound,
                    seconds=elapsed, slots=slots, tables=assign_tables(instance, slots), left_out={},
                    infeasible_reason=None)


@dataclass(frozen=True, kw_only=True)
class _Probe:
    """What the quick probes established before the main search."""

    lower: int  # no schedule has fewer breaks
    optimal: tuple[int | None, ...] | None = None  # a schedule with exactly `lower` breaks
    hint: tuple[int | None, ...] | None = None  # any valid schedule found on the way
    infeasible: bool = False  # no schedule at all


def _probe(instance: Instance, *, fairness: int | None, budget: float, workers: int,
           race: _MaxSatRace | None = None) -> _Probe:
    """Asks "a schedule with at most k breaks?" for k = 0, 1, ... while short solves answer it.

    CP-SAT's presolve refutes small k in a fraction of a second where the core-based search stalls (it proves
    forum-13crafc >= 1 at once). After k = 0 fails, one unbounded feasibility probe separates infeasible
    instances (no point climbing k) from feasible ones (its schedule becomes a hint).
    """
    deadline = time.monotonic() + budget
    most = sum(max(0, len(mine) - 1) for mine in instance.meetings_of())
    lb = 0
    hint: tuple[int | None, ...] | None = None
    while (remaining := deadline - time.monotonic()) > 0.1 and lb <= most and (race is None or not race.settled):
        bounded = not (lb == 1 and hint is None)
        v = _build(instance, fairness=fairness, relax=frozenset(), partial=False)
        if bounded:
            v.model.add(v.breaks <= lb)
        solver = _solver(min(remaining, _PROBE_SECONDS), workers, race, subsolvers=())
        code = solver.solve(v.model)
        if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            slots = _slots_of(solver, v)
            if bounded:
                return _Probe(lower=lb, optimal=slots, hint=slots)
            hint = slots
            most = min(most, sum(breaks_per_participant(instance, slots)))
            continue
        if code != cp_model.INFEASIBLE:
            break
        if not bounded:
            return _Probe(lower=lb, infeasible=True)
        lb += 1
    return _Probe(lower=lb, hint=hint)


def _diagnose(instance: Instance, *, fairness: int | None, time_limit: float, workers: int) -> str:
    """Names the constraint families whose removal alone restores feasibility (bounded re-solves)."""
    present = [f for f in FAMILIES if _has_family(instance, f, fairness)]
    deadline = time.monotonic() + time_limit
    culprits: list[str] = []
    undecided: list[str] = []
    for family in present:
        remaining = deadline - time.monotonic()
        if remaining <= 0.05:
            undecided.append(family)
            continue
        v = _build(instance, fairness=fairness, relax=frozenset({family}), partial=False)
        solver = _solver(min(remaining, max(1.0, time_limit / max(1, len(present)))), workers)
        code = solver.solve(v.model)
        if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            culprits.append(family)
        elif code != cp_model.INFEASIBLE:
            undecided.append(family)
    if culprits:
        return " or ".join(culprits) + ": feasible once this family is dropped"
    if undecided:
        return f"undetermined: dropping {', '.join(undecided)} was not decided in time"
    if present:
        return f"capacity: infeasible even without any single one of {', '.join(present)} (tables and slots)"
    return "capacity: too many meetings for the slots and tables"


def _has_family(instance: Instance, family: str, fairness: int | None) -> bool:
    if family == "fairness":
        return fairness is not None
    if family == "precedences":
        return any(m.after for m in instance.meetings)
    if family == "fixed":
        return any(m.fixed is not None for m in instance.meetings)
    if family == "forbidden":
        return any(instance.forbidden)
    return instance.n_morning not in (0, instance.n_slots) and any(m.session != 3 for m in instance.meetings)


# ---------------------------------------------------------------------------------------------------------------
# Over-subscription


def _meeting_weights(instance: Instance) -> list[int]:
    """Integer weights: any must outweighs all wants, any extra want outweighs all weight tie-breaks."""
    wants = [m for m in instance.meetings if m.priority == 1]
    unit = 100 * len(wants) + 1  # a want's count dominates the sum of all tie-breaks (each <= 100)
    want_total = sum(unit + round(100 * m.weight) for m in wants)
    return [want_total + 1 if m.priority == 2 else unit + round(100 * m.weight) for m in instance.meetings]


def _solve_partial(instance: Instance, *, fairness: int | None, time_limit: float, workers: int,
                   started: float) -> Schedule:
    """Lexicographic: cover every participant, then maximise weighted meetings held, then minimise breaks."""
    n = len(instance.meetings)
    if n == 0:
        return Schedule(status="optimal", breaks=0, bound=0, seconds=0.0, slots=(), tables=(), left_out={},
                        infeasible_reason=None)
    v = _build(instance, fairness=fairness, relax=frozenset(), partial=True)
    held = v.held
    if held is None:
        raise RuntimeError("partial model without held literals")
    weights = _meeting_weights(instance)
    hint: tuple[int | None, ...] | None = None
    proven = True
    phases: list[tuple[str, Callable[[], cp_model.LinearExprT]]] = [
        ("cover", lambda: sum(v.covered)),
        ("held", lambda: sum(w * h for w, h in zip(weights, held, strict=True))),
    ]
    for i, (_, objective) in enumerate(phases):
        budget = (time_limit - (time.monotonic() - started)) / (len(phases) + 1 - i)
        expr = objective()
        v.model.maximize(expr)
        if hint is not None:
            _hint(v, hint)
        solver = _solver(budget, workers)
        code = solver.solve(v.model)
        if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return _empty(instance, "unknown", time.monotonic() - started)
        proven = proven and code == cp_model.OPTIMAL
        hint = _slots_of(solver, v)
        v.model.add(expr >= round(solver.objective_value))
    if hint is not None and all(s is not None for s in hint):  # everything fits: the full model, with the race
        full = solve(instance, fairness=fairness, time_limit=max(0.1, time_limit - (time.monotonic() - started)),
                     workers=workers)
        if full.status in ("optimal", "feasible"):
            return replace(full, seconds=time.monotonic() - started)
    v.model.minimize(v.breaks)
    if hint is not None:
        _hint(v, hint)
    solver = _solver(time_limit - (time.monotonic() - started), workers)
    code = solver.solve(v.model)
    elapsed = time.monotonic() - started
    if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        slots = _slots_of(solver, v)
        breaks = round(solver.objective_value)
        optimal = proven and code == cp_model.OPTIMAL
        bound = breaks if code == cp_model.OPTIMAL else min(breaks, max(0, int(-(-solver.best_objective_bound // 1))))
    elif hint is not None:
        slots, optimal = hint, False
        breaks, bound = sum(breaks_per_participant(instance, slots)), 0
    else:
        return _empty(instance, "unknown", elapsed)
    return Schedule(status="optimal" if optimal else "feasible", breaks=breaks, bound=bound, seconds=elapsed,
                    slots=slots, tables=assign_tables(instance, slots),
                    left_out=_left_out_reasons(instance, slots, fairness), infeasible_reason=None)


def _left_out_reasons(instance: Instance, slots: Sequence[int | None], fairness: int | None) -> dict[int, str]:
    """Why each meeting that is not held could not be: its first cause found, in a sentence."""
    doms = _domains(instance, frozenset())
    mine_all = instance.meetings_of()
    busy: list[set[int]] = [set() for _ in range(instance.n_participants)]
    load = [0] * instance.n_slots
    for meeting, slot in zip(instance.meetings, slots, strict=True):
        if slot is not None:
            busy[meeting.a].add(slot)
            busy[meeting.b].add(slot)
            load[slot] += 1
    out: dict[int, str] = {}
    for m, (meeting, slot) in enumerate(zip(instance.meetings, slots, strict=True)):
        if slot is not None:
            continue
        if not doms[m]:
            out[m] = (f"no slot allowed for both participants {meeting.a + 1} and {meeting.b + 1} "
                      f"(session, forbidden or fixed slots)")
            continue
        overloaded = []
        for p in (meeting.a, meeting.b):
            usable = set().union(*(doms[k] for k in mine_all[p]))
            if len(mine_all[p]) > len(usable):
                overloaded.append(f"participant {p + 1} has {len(mine_all[p])} meetings for {len(usable)} usable "
                                  "slots")
        if overloaded:
            out[m] = "; ".join(overloaded)
            continue
        free = [s for s in doms[m] if s not in busy[meeting.a] and s not in busy[meeting.b]]
        if not free:
            rivals = sorted({k for k in mine_all[meeting.a] + mine_all[meeting.b]
                             if slots[k] is not None and slots[k] in doms[m]})
            better = [k for k in rivals if (instance.meetings[k].priority, instance.meetings[k].weight)
                      > (meeting.priority, meeting.weight)]
            if better:
                out[m] = f"lower priority than meetings {[k + 1 for k in better]} of the same participants"
            else:
                out[m] = f"participants {meeting.a + 1} and {meeting.b + 1} have no common free allowed slot"
            continue
        if all(load[s] >= instance.n_tables for s in free):
            out[m] = (f"slot capacity: all {instance.n_tables} tables taken in slots {[s + 1 for s in free]} where "
                      "both are free")
            continue
        if any(meeting.after) or any(m in k.after for k in instance.meetings):
            out[m] = "precedences: no free slot respects the required order"
            continue
        out[m] = f"fairness: holding it would exceed the break fairness bound {fairness}"
    return out
