"""The CP-SAT model of the B2B scheduling problem, and its solve path: quick probes, then minimisation.

Variables: ``x[m, s]`` literals (meeting m in slot s) over the domains of :func:`analysis.domains`, narrowed by
the earliest/latest slots that chains of precedences imply; ``busy[p, s]`` channelled; one exact literal per
break. In partial mode (over-subscription) each meeting gets a ``held`` literal and each participant a
``covered`` one instead of "exactly one slot".
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

from ortools.sat.python import cp_model

from matcher.scheduling.analysis import domains, earliest_latest, reversal_pivot
from matcher.scheduling.model import (
    Instance,
    Schedule,
    assign_tables,
    breaks_per_participant,
    empty_schedule,
    fair_group,
    full_schedule,
)
from matcher.scheduling.progress import Monitor, SolutionReporter
from matcher.scheduling.race import MaxSatRace

_PROBE_SECONDS = 3.0  # per "at most k breaks?" probe
_SUBSOLVERS: tuple[str, ...] = ("core",)  # core-based MaxSAT search; CP-SAT adds its LNS workers alongside


@dataclass(frozen=True, kw_only=True)
class CpVars:
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


def build(instance: Instance, *, fairness: int | None, relax: frozenset[str], partial: bool,
           symmetry: bool = True) -> CpVars:
    """CP-SAT model: x[m,s] literals, busy[p,s] channelled, one literal per break ("a block resumes after a gap")."""
    model = cp_model.CpModel()
    n_slots = instance.n_slots
    doms = domains(instance, relax)
    if not partial and "precedences" not in relax:
        bounds = earliest_latest(instance, doms)
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
        group = fair_group(instance)
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
        break_time_reversal(instance, model, x, relax)
    return CpVars(model=model, x=x, held=held, covered=covered, breaks=sum(break_lits))


def break_time_reversal(instance: Instance, model: cp_model.CpModel, x: list[dict[int, cp_model.IntVar]],
                         relax: frozenset[str]) -> None:
    """Reversing time maps a schedule to one with the same breaks: keep the busiest meeting in the first half."""
    pivot = reversal_pivot(instance, relax)
    if pivot is not None:
        model.add(2 * sum(s * lit for s, lit in x[pivot].items()) <= instance.n_slots - 1)


def new_solver(time_limit: float, workers: int, race: MaxSatRace | None = None,
               subsolvers: tuple[str, ...] = _SUBSOLVERS, monitor: Monitor | None = None) -> cp_model.CpSolver:
    """A deterministic CP-SAT solver (seed 0) with a time limit, watched by ``race`` and ``monitor`` (a stop)."""
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.01, time_limit)
    solver.parameters.num_workers = max(1, workers)
    solver.parameters.log_search_progress = False
    solver.parameters.random_seed = 0
    solver.parameters.subsolvers.extend(subsolvers)
    if race is not None:
        race.watch(solver)
    if monitor is not None:
        monitor.watch(solver)
    return solver


def run(solver: cp_model.CpSolver, v: CpVars, monitor: Monitor, *,
        minimising_breaks: bool) -> cp_model.CpSolverStatus:
    """``solver.solve(v.model)``; when progress is wanted, each improving solution reaches ``monitor`` as a
    schedule, and so does CP-SAT's objective bound when the objective is the total breaks."""
    if not monitor.reporting:
        return solver.solve(v.model)
    if minimising_breaks:
        solver.best_bound_callback = lambda bound: monitor.proved(math.ceil(bound - 1e-6), "cp-sat")
    return solver.solve(v.model, SolutionReporter(monitor, v.breaks, v.held, breaks_objective=minimising_breaks))


def slots_of(solver: cp_model.CpSolver, v: CpVars) -> tuple[int | None, ...]:
    """Per meeting, the slot the solver chose (None = not held, partial mode)."""
    out: list[int | None] = []
    for lits in v.x:
        chosen = [s for s, lit in lits.items() if solver.boolean_value(lit)]
        out.append(chosen[0] if chosen else None)
    return tuple(out)


def add_hint(v: CpVars, slots: Sequence[int | None]) -> None:
    """Replaces the model's hint with a known schedule (a previous phase's or probe's answer)."""
    v.model.clear_hints()
    for m, lits in enumerate(v.x):
        for s, lit in lits.items():
            v.model.add_hint(lit, slots[m] == s)


def solve_cpsat(instance: Instance, *, fairness: int | None, time_limit: float, workers: int, started: float,
                race: MaxSatRace | None, monitor: Monitor | None = None) -> Schedule:
    """Probes for small break counts, then CP-SAT minimisation; stops early once ``race`` has answered or the
    caller asked ``monitor`` to stop (then the best schedule found so far, as on a time-out)."""
    monitor = monitor if monitor is not None else Monitor(instance)
    probe = _probe(instance, fairness=fairness, budget=min(0.2 * time_limit, 12.0), workers=workers, race=race,
                   monitor=monitor)
    if probe.optimal is not None:  # a schedule with `lower` breaks, and none with fewer
        return full_schedule(instance, probe.optimal, status="optimal", bound=probe.lower,
                             seconds=time.monotonic() - started)
    lb = probe.lower
    code = cp_model.UNKNOWN
    if probe.infeasible:
        code = cp_model.INFEASIBLE
    elif (race is None or not race.settled) and not monitor.stopped:
        v = build(instance, fairness=fairness, relax=frozenset(), partial=False)
        if lb:
            v.model.add(v.breaks >= lb)
        if probe.hint is not None:
            add_hint(v, probe.hint)
        v.model.minimize(v.breaks)
        solver = new_solver(time_limit - (time.monotonic() - started), workers, race, monitor=monitor)
        code = run(solver, v, monitor, minimising_breaks=True)  # a MaxSAT answer or a stop arriving now stops it
    elapsed = time.monotonic() - started
    if code == cp_model.INFEASIBLE:  # none with >= lb breaks, and none with fewer (the caller diagnoses why)
        return empty_schedule(instance, "infeasible", elapsed)
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        if probe.hint is None:
            return empty_schedule(instance, "unknown", elapsed)
        return full_schedule(instance, probe.hint, status="feasible", bound=max(lb, monitor.bound or 0),
                             seconds=elapsed)
    slots = slots_of(solver, v)
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
           race: MaxSatRace | None = None, monitor: Monitor | None = None) -> _Probe:
    """Asks "a schedule with at most k breaks?" for k = 0, 1, ... while short solves answer it.

    CP-SAT's presolve refutes small k in a fraction of a second where the core-based search stalls (it proves
    forum-13crafc >= 1 at once). After k = 0 fails, one unbounded feasibility probe separates infeasible
    instances (no point climbing k) from feasible ones (its schedule becomes a hint).
    """
    deadline = time.monotonic() + budget
    most = sum(max(0, len(mine) - 1) for mine in instance.meetings_of())
    lb = 0
    hint: tuple[int | None, ...] | None = None
    while ((remaining := deadline - time.monotonic()) > 0.1 and lb <= most and (race is None or not race.settled)
           and (monitor is None or not monitor.stopped)):
        bounded = not (lb == 1 and hint is None)
        v = build(instance, fairness=fairness, relax=frozenset(), partial=False)
        if bounded:
            v.model.add(v.breaks <= lb)
        solver = new_solver(min(remaining, _PROBE_SECONDS), workers, race, subsolvers=(), monitor=monitor)
        code = solver.solve(v.model)
        if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            slots = slots_of(solver, v)
            if monitor is not None:
                monitor.found(sum(breaks_per_participant(instance, slots)), None, "cp-sat")
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
        if monitor is not None:
            monitor.proved(lb, "cp-sat")
    return _Probe(lower=lb, hint=hint)
