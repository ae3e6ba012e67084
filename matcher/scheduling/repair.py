"""Repair on the day: after a cancellation, a late arrival, a new meeting or a lost table, a schedule that keeps
every meeting it can in its slot and at its table, and says exactly which meetings move.

The caller gives the event as it is now (cancelled meetings removed, forbidden slots added, new meetings
appended) and, per meeting, where it was (None for a new one). CP-SAT (the model of :mod:`.cpsat`, partial
mode) solves four stages lexicographically, each fixing the value the previous one reached:

1. hold the most meetings already scheduled (musts before wants, then match score);
2. then hold the most new meetings (a new meeting never pushes out a scheduled one);
3. then move the fewest meetings (a meeting moves when its slot or its table changes);
4. then the fewest breaks.

Decisions recorded here:

- Started slots are history: meetings in slots before ``started`` keep their slot and table, nothing moves or
  is added there, and forbidden slots or lost tables before ``started`` are ignored.
- Fairness is off by default (``fairness=None``): on the day, moving other people's meetings to even out
  breaks costs more than an uneven break; given a bound, it is hard in every stage, as in :func:`.solve`.
- Tables are interchangeable except stands and lost tables, so the model needs no table variables: a literal
  per scheduled meeting says "kept" (same slot, same table), which needs its table still usable and not the
  stand of someone meeting in that slot; the other meetings only need a free usable table per slot, a count.
  Tables are then assigned greedily (stands, kept meetings, a moved meeting's old table where free).
- CP-SAT runs its default portfolio here, not the core-based search :func:`.solve` uses: on the sample event of
  ``docs/repair-transcript.sh`` (28 meetings, a late arrival) the first stage was proven in 0.34 s with it and
  not proven in 7.5 s with core-based search alone. Interleaved search makes every run give the same answer
  (a dry run shows what the run will do); it costs time: 8.9 s instead of 2.2 s on a synthetic event of 120
  participants, 358 meetings, 14 slots and 30 tables with 3 late arrivals, 5 cancellations, 5 new meetings and
  2 tables lost (optimal both ways: 19 moves; a variant of ``python -m bench.repair``'s event whose
  cancellations may fall in started slots). ``python -m bench.repair`` itself: feasible, not proven, in 29.8 s
  (18 moves, one meeting not held). All figures measured under load on 2 cores.
- The search starts from a greedy repair (every meeting that may stay stays, the others take the nearest free
  slot); when it holds every meeting (no fairness bound, no precedences), stages 1 and 2 need no search: on the
  synthetic event above they took 13 s to prove what the greedy start already showed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from ortools.sat.python import cp_model

from matcher.scheduling.analysis import left_out_reasons
from matcher.scheduling.cpsat import build, new_solver
from matcher.scheduling.model import Instance, Meeting, Place, Schedule, breaks_per_participant, empty_schedule
from matcher.scheduling.progress import Monitor
from matcher.scheduling.reasons import Reason
from matcher.scheduling.repair_greedy import greedy_start, repair_tables, stand_of

STAGES: tuple[str, ...] = ("scheduled held", "new held", "moves", "breaks")


@dataclass(frozen=True, kw_only=True)
class Moved:
    """A scheduled meeting that changes slot or table."""

    meeting: int
    old: Place
    new: Place


@dataclass(frozen=True, kw_only=True)
class Repair:
    """The repaired schedule; ``moves`` and ``unheld`` are what to tell people.

    ``unheld`` maps every meeting not held (a scheduled one that can no longer be, or a new one that does not
    fit) to its reason; it equals ``schedule.left_out``. ``status`` is ``optimal`` when every stage was proven.
    """

    schedule: Schedule
    moves: tuple[Moved, ...]
    unheld: dict[int, Reason]
    added: tuple[int, ...]  # new meetings held
    started: int


def repair_schedule(instance: Instance, previous: Sequence[Place | None], *, started: int = 0,
           lost_tables: Mapping[int, int] | None = None, fairness: int | None = None, time_limit: float = 30.0,
           workers: int = 2, stop: threading.Event | None = None) -> Repair:
    """The repaired schedule of ``instance`` given where each meeting was (``previous``, None = new).

    ``started``: slots before it have started (frozen). ``lost_tables``: table -> first slot it cannot be used
    in (0 = not at all). Raises ValueError for inconsistent input (a previous place out of range or clashing).
    """
    lost = dict(lost_tables or {})
    _check(instance, previous, started, lost)
    begun = time.monotonic()
    n = len(instance.meetings)
    if n == 0:
        empty = Schedule(status="optimal", breaks=0, bound=0, seconds=0.0, slots=(), tables=(), left_out={},
                         infeasible_reason=None)
        return Repair(schedule=empty, moves=(), unheld={}, added=(), started=started)
    usable = [_usable(instance, lost, started, s) for s in range(instance.n_slots)]
    work = _working_instance(instance, previous, started, lost)
    with Monitor(instance, None, stop) as monitor:
        solved = _solve(instance, work, previous, started, usable, fairness=fairness, time_limit=time_limit,
                        workers=workers, monitor=monitor)
    elapsed = time.monotonic() - begun
    if solved is None:
        return Repair(schedule=empty_schedule(instance, "unknown", elapsed), moves=(), unheld={}, added=(),
                      started=started)
    slots, kept, proven = solved
    tables = repair_tables(instance, previous, slots, kept, usable)
    unheld = _reasons(instance, previous, slots, started, usable, fairness)
    breaks = sum(breaks_per_participant(instance, slots))
    schedule = Schedule(status="optimal" if proven else "feasible", breaks=breaks, bound=breaks if proven else None,
                        seconds=elapsed, slots=slots, tables=tables, left_out=unheld, infeasible_reason=None)
    moves = tuple(Moved(meeting=m, old=old, new=Place(slot=s, table=t))
                  for m, (old, s, t) in enumerate(zip(previous, slots, tables, strict=True))
                  if old is not None and s is not None and t is not None and (old.slot, old.table) != (s, t))
    added = tuple(m for m, (old, s) in enumerate(zip(previous, slots, strict=True)) if old is None and s is not None)
    return Repair(schedule=schedule, moves=moves, unheld=unheld, added=added, started=started)


def repair_problems(instance: Instance, previous: Sequence[Place | None], result: Repair, *,
                    lost_tables: Mapping[int, int] | None = None) -> list[str]:
    """What :func:`.validate` cannot see: frozen meetings kept, nothing placed in started slots, no lost table
    used, and ``moves`` / ``added`` exactly the meetings whose place changed or that are new; [] when right."""
    lost = dict(lost_tables or {})
    sched = result.schedule
    problems: list[str] = []
    moved = {x.meeting for x in result.moves}
    for m, (old, s, t) in enumerate(zip(previous, sched.slots, sched.tables, strict=True)):
        if old is not None and old.slot < result.started and (s, t) != (old.slot, old.table):
            problems.append(f"meeting {m} was in started slot {old.slot} but is now at {s}, {t}")
        if s is None or t is None:
            continue
        if s < result.started and (old is None or old.slot != s):
            problems.append(f"meeting {m} placed in started slot {s}")
        if s >= result.started and t not in _usable(instance, lost, result.started, s):
            problems.append(f"meeting {m} uses table {t}, lost from slot {lost[t]}, in slot {s}")
        changed = old is not None and (old.slot, old.table) != (s, t)
        if changed != (m in moved):
            problems.append(f"meeting {m}: {'moved but not reported' if changed else 'reported but not moved'}")
        if (old is None) != (m in result.added):
            problems.append(f"meeting {m}: 'added' {'misses' if old is None else 'wrongly lists'} it")
    return problems


# --- input ----------------------------------------------------------------------------------------------------
def _check(instance: Instance, previous: Sequence[Place | None], started: int, lost: Mapping[int, int]) -> None:
    if len(previous) != len(instance.meetings):
        raise ValueError(f"expected a previous place (or None) per meeting ({len(instance.meetings)}), "
                         f"got {len(previous)}")
    if not 0 <= started <= instance.n_slots:
        raise ValueError(f"started must lie in 0..{instance.n_slots}, got {started}")
    for t, first in lost.items():
        if not 0 <= t < instance.n_tables or not 0 <= first <= instance.n_slots:
            raise ValueError(f"lost table {t} from slot {first}: table must lie in 0..{instance.n_tables - 1} "
                             f"and slot in 0..{instance.n_slots}")
    seen: dict[tuple[int, int], int] = {}
    for m, old in enumerate(previous):
        if old is None:
            continue
        if not (0 <= old.slot < instance.n_slots and 0 <= old.table < instance.n_tables):
            raise ValueError(f"meeting {m}: previous place ({old.slot}, {old.table}) out of range")
        meeting = instance.meetings[m]
        for key in ((-1 - meeting.a, old.slot), (-1 - meeting.b, old.slot), (old.table, old.slot)):
            if key in seen:
                raise ValueError(f"meetings {seen[key]} and {m} clash in the previous schedule (slot {old.slot})")
            seen[key] = m


def _usable(instance: Instance, lost: Mapping[int, int], started: int, s: int) -> frozenset[int]:
    """Tables usable in slot ``s``: all of them in a started slot (history), else those not lost by then."""
    if s < started:
        return frozenset(range(instance.n_tables))
    return frozenset(t for t in range(instance.n_tables) if lost.get(t, instance.n_slots) > s)


def _working_instance(instance: Instance, previous: Sequence[Place | None], started: int,
                      lost: Mapping[int, int]) -> Instance:
    """The model's instance: frozen meetings fixed to their slot, forbidden slots before ``started`` dropped, and
    a stand owner whose stand is lost forbidden from then on."""
    meetings = tuple(replace(meeting, fixed=old.slot) if old is not None and old.slot < started else meeting
                     for meeting, old in zip(instance.meetings, previous, strict=True))
    forbidden = []
    for p in range(instance.n_participants):
        mine = {s for s in instance.forbidden_of(p) if s >= started}
        stand = instance.stand_of(p)
        if stand is not None and stand in lost:
            mine |= set(range(max(started, lost[stand]), instance.n_slots))
        forbidden.append(frozenset(mine))
    return replace(instance, meetings=meetings, forbidden=tuple(forbidden) if any(forbidden) else ())


def _weights(meetings: Sequence[Meeting]) -> list[int]:
    """Integer weights: any must outweighs all wants; any want's count outweighs all score tie-breaks."""
    wants = [m for m in meetings if m.priority == 1]
    unit = 100 * len(wants) + 1
    must = sum(unit + round(100 * m.weight) for m in wants) + 1
    return [must if m.priority == 2 else unit + round(100 * m.weight) for m in meetings]


# --- the model ------------------------------------------------------------------------------------------------
def _solve(instance: Instance, work: Instance, previous: Sequence[Place | None], started: int,
           usable: Sequence[frozenset[int]], *, fairness: int | None, time_limit: float, workers: int,
           monitor: Monitor) -> tuple[tuple[int | None, ...], list[bool], bool] | None:
    """The four stages; per meeting the slot (None = not held) and whether it kept its place, and whether every
    stage was proven optimal. None when no schedule was found in time."""
    v = build(work, fairness=fairness, relax=frozenset(), partial=True)
    model, x, held = v.model, v.x, v.held
    if held is None:
        raise RuntimeError("partial model without held literals")
    n = len(work.meetings)
    for m, old in enumerate(previous):
        if old is not None and old.slot < started:
            model.add(held[m] == 1)  # history
        else:
            for s, lit in x[m].items():
                if s < started:
                    model.add(lit == 0)
    for s in range(started, work.n_slots):
        here = [x[m][s] for m in range(n) if s in x[m]]
        if len(here) > len(usable[s]):
            model.add(sum(here) <= len(usable[s]))
    stand_meetings: dict[int, list[int]] = {}  # stand table -> meetings held at it
    for m, meeting in enumerate(work.meetings):
        stand = stand_of(work, meeting)
        if stand is not None:
            stand_meetings.setdefault(stand, []).append(m)
    kept: dict[int, cp_model.IntVar] = {}
    for m, old in enumerate(previous):
        if old is None or old.slot not in x[m] or old.table not in usable[old.slot]:
            continue
        stand = stand_of(work, work.meetings[m])
        if stand is not None and stand != old.table:
            continue
        k = model.new_bool_var(f"kept{m}")
        model.add_implication(k, x[m][old.slot])
        if old.slot < started:
            model.add(k == 1)
        for o in stand_meetings.get(old.table, []):
            if o != m and old.slot in x[o]:
                model.add_bool_or([k.Not(), x[o][old.slot].Not()])
        kept[m] = k
    scheduled = [m for m, old in enumerate(previous) if old is not None]
    new = [m for m, old in enumerate(previous) if old is None]
    w_old = _weights([work.meetings[m] for m in scheduled])
    w_new = _weights([work.meetings[m] for m in new])
    stages: list[tuple[bool, cp_model.LinearExprT]] = [
        (True, sum(w * held[m] for w, m in zip(w_old, scheduled, strict=True))),
        (True, sum(w * held[m] for w, m in zip(w_new, new, strict=True))),
        (False, sum(held[m] for m in scheduled) - sum(kept.values())),
        (False, v.breaks),
    ]
    allowed = {m: sorted(s for s in x[m] if s >= started or (old is not None and old.slot < started))
               for m, old in enumerate(previous)}
    start, stays = greedy_start(work, previous, allowed, usable, set(kept))
    hint: dict[cp_model.IntVar, bool] = {}
    for m in range(n):  # start from the greedy repair
        for s, lit in x[m].items():
            hint[lit] = start[m] == s
        hint[held[m]] = start[m] is not None
        if m in kept:
            hint[kept[m]] = m in stays
    proven = True
    found = False
    shortcut = fairness is None and not any(meeting.after for meeting in work.meetings)  # the greedy start is valid
    deadline = time.monotonic() + time_limit
    for i, (maximise, expr) in enumerate(stages):
        if isinstance(expr, int) or monitor.stopped:
            continue
        members = (scheduled, new)[i] if i < 2 else []
        if members and shortcut and all(start[m] is not None for m in members):
            for m in members:  # the greedy start holds them all: the most there is, no search needed
                model.add(held[m] == 1)
            found = True
            continue
        (model.maximize if maximise else model.minimize)(expr)
        model.clear_hints()
        for var, value in hint.items():
            model.add_hint(var, value)
        budget = max(0.05, (deadline - time.monotonic()) / (len(stages) - i))
        solver = new_solver(budget, workers, subsolvers=(), monitor=monitor)
        solver.parameters.interleave_search = True  # the same answer every run (a dry run shows what a run does)
        code = solver.solve(model)
        if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            if not found:
                return None
            proven = False
            break
        found = True
        proven = proven and code == cp_model.OPTIMAL
        hint = {var: solver.boolean_value(var) for var in hint}
        reached = round(solver.objective_value)
        if code == cp_model.OPTIMAL:
            model.add(expr == reached)
        else:
            model.add(expr >= reached if maximise else expr <= reached)
    if not found:
        return None
    slots = tuple(next((s for s, lit in x[m].items() if hint[lit]), None) for m in range(n))
    return slots, [hint.get(kept[m], False) if m in kept else False for m in range(n)], proven and not monitor.stopped


def _reasons(instance: Instance, previous: Sequence[Place | None], slots: Sequence[int | None], started: int,
             usable: Sequence[frozenset[int]], fairness: int | None) -> dict[int, Reason]:
    """Why each meeting not held could not be: the solver's left-out reasons on the slots still open (started
    slots count as forbidden to everyone), with lost tables counted when every free slot is full."""
    open_ = [m for m, old in enumerate(previous) if old is None or old.slot >= started]
    if not any(slots[m] is None for m in open_):
        return {}
    past = frozenset(range(started))
    at = {m: i for i, m in enumerate(open_)}
    view = replace(instance, meetings=tuple(replace(instance.meetings[m], after=tuple(
                       at[o] for o in instance.meetings[m].after if o in at)) for m in open_),
                   forbidden=tuple(instance.forbidden_of(p) | past for p in range(instance.n_participants)))
    sub_slots = [slots[m] for m in open_]
    found = left_out_reasons(view, sub_slots, fairness)
    load = [sum(1 for s in slots if s == k) for k in range(instance.n_slots)]
    busy: dict[int, set[int]] = {}
    for meeting, s in zip(instance.meetings, slots, strict=True):
        if s is not None:
            busy.setdefault(meeting.a, set()).add(s)
            busy.setdefault(meeting.b, set()).add(s)
    out: dict[int, Reason] = {}
    for i, reason in found.items():
        m = open_[i]
        meeting = instance.meetings[m]
        if reason.kind in ("tables_full", "fairness_bound"):
            free = [s for s in range(started, instance.n_slots) if s in instance.session_slots(meeting.session)
                    and s not in instance.forbidden_of(meeting.a) | instance.forbidden_of(meeting.b)
                    and s not in busy.get(meeting.a, set()) | busy.get(meeting.b, set())]
            if free and all(load[s] >= len(usable[s]) for s in free):
                reason = Reason(family="tables", kind="tables_full", participants=(meeting.a, meeting.b),
                                slots=tuple(free), counts=(min(len(usable[s]) for s in free),))
        out[m] = replace(reason, meetings=tuple(open_[k] for k in reason.meetings))
    return out
