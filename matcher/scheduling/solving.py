"""The solve paths: the full model (static checks, CP-SAT raced against MaxSAT, diagnosis) and partial mode.

When not every meeting fits (over-subscription), partial mode is lexicographic: first cover every participant
who asked for a meeting, then keep the most weighted meetings (musts before wants, then match score), then
minimise breaks; it hands an event where everything fits to the full model (and its race).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace

from ortools.sat.python import cp_model

from matcher.scheduling.analysis import has_family, left_out_reasons, static_reason
from matcher.scheduling.cpsat import add_hint, build, new_solver, slots_of, solve_cpsat
from matcher.scheduling.model import (
    Instance,
    Schedule,
    assign_tables,
    breaks_per_participant,
    empty_schedule,
    full_schedule,
)
from matcher.scheduling.race import MaxSatRace
from matcher.scheduling.reasons import FAMILIES, Reason


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
        return solve_partial(instance, fairness=fairness, time_limit=time_limit, workers=workers, started=started)
    if not instance.meetings:
        return Schedule(status="optimal", breaks=0, bound=0, seconds=0.0, slots=(), tables=(), left_out={},
                        infeasible_reason=None)
    static = static_reason(instance)
    if static is not None:
        return empty_schedule(instance, "infeasible", time.monotonic() - started, static)
    with MaxSatRace.start(instance, fairness, time_limit) as race:
        found = solve_cpsat(instance, fairness=fairness, time_limit=time_limit, workers=workers, started=started,
                            race=race)
    if found.status == "infeasible":
        return _proven_infeasible(instance, fairness=fairness, time_limit=time_limit, workers=workers, started=started)
    if race is None or found.status == "optimal":
        return found
    if race.answer is not None and race.answer.slots is not None:
        return full_schedule(instance, race.answer.slots, status="optimal", bound=race.answer.breaks or 0,
                             seconds=time.monotonic() - started)
    if race.answer is not None:  # MaxSAT proved there is no schedule at all
        return _proven_infeasible(instance, fairness=fairness, time_limit=time_limit, workers=workers, started=started)
    if found.breaks is None or found.bound is None:
        return found
    bound = min(found.breaks, max(found.bound, race.bound))
    return replace(found, status="optimal" if bound == found.breaks else found.status, bound=bound)


def _proven_infeasible(instance: Instance, *, fairness: int | None, time_limit: float, workers: int,
                       started: float) -> Schedule:
    """The answer once a solver proved there is no schedule: why, within what is left of the time (30 s at most)."""
    remaining = max(1.0, min(time_limit - (time.monotonic() - started), 30.0))
    reason = _diagnose(instance, fairness=fairness, time_limit=remaining, workers=workers)
    return empty_schedule(instance, "infeasible", time.monotonic() - started, reason)


def _diagnose(instance: Instance, *, fairness: int | None, time_limit: float, workers: int) -> Reason:
    """Names the constraint families whose removal alone restores feasibility (bounded re-solves)."""
    present = [f for f in FAMILIES if has_family(instance, f, fairness)]
    deadline = time.monotonic() + time_limit
    culprits: list[str] = []
    undecided: list[str] = []
    for family in present:
        remaining = deadline - time.monotonic()
        if remaining <= 0.05:
            undecided.append(family)
            continue
        v = build(instance, fairness=fairness, relax=frozenset({family}), partial=False)
        solver = new_solver(min(remaining, max(1.0, time_limit / max(1, len(present)))), workers)
        code = solver.solve(v.model)
        if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            culprits.append(family)
        elif code != cp_model.INFEASIBLE:
            undecided.append(family)
    if culprits:
        return Reason(family=culprits[0], kind="feasible_without", families=tuple(culprits))
    if undecided:
        return Reason(family="time_limit", kind="undecided", families=tuple(undecided))
    if present:
        return Reason(family="capacity", kind="infeasible_without_any", families=tuple(present))
    return Reason(family="capacity", kind="too_many_meetings")


def _meeting_weights(instance: Instance) -> list[int]:
    """Integer weights: any must outweighs all wants, any extra want outweighs all weight tie-breaks."""
    wants = [m for m in instance.meetings if m.priority == 1]
    unit = 100 * len(wants) + 1  # a want's count dominates the sum of all tie-breaks (each <= 100)
    want_total = sum(unit + round(100 * m.weight) for m in wants)
    return [want_total + 1 if m.priority == 2 else unit + round(100 * m.weight) for m in instance.meetings]


def solve_partial(instance: Instance, *, fairness: int | None, time_limit: float, workers: int,
                  started: float) -> Schedule:
    """Lexicographic: cover every participant, then maximise weighted meetings held, then minimise breaks."""
    n = len(instance.meetings)
    if n == 0:
        return Schedule(status="optimal", breaks=0, bound=0, seconds=0.0, slots=(), tables=(), left_out={},
                        infeasible_reason=None)
    v = build(instance, fairness=fairness, relax=frozenset(), partial=True)
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
            add_hint(v, hint)
        solver = new_solver(budget, workers)
        code = solver.solve(v.model)
        if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return empty_schedule(instance, "unknown", time.monotonic() - started)
        proven = proven and code == cp_model.OPTIMAL
        hint = slots_of(solver, v)
        v.model.add(expr >= round(solver.objective_value))
    if hint is not None and all(s is not None for s in hint):  # everything fits: the full model, with the race
        full = solve(instance, fairness=fairness, time_limit=max(0.1, time_limit - (time.monotonic() - started)),
                     workers=workers)
        if full.status in ("optimal", "feasible"):
            return replace(full, seconds=time.monotonic() - started)
    v.model.minimize(v.breaks)
    if hint is not None:
        add_hint(v, hint)
    solver = new_solver(time_limit - (time.monotonic() - started), workers)
    code = solver.solve(v.model)
    elapsed = time.monotonic() - started
    if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        slots = slots_of(solver, v)
        breaks = round(solver.objective_value)
        optimal = proven and code == cp_model.OPTIMAL
        bound = breaks if code == cp_model.OPTIMAL else min(breaks, max(0, int(-(-solver.best_objective_bound // 1))))
    elif hint is not None:
        slots, optimal = hint, False
        breaks, bound = sum(breaks_per_participant(instance, slots)), 0
    else:
        return empty_schedule(instance, "unknown", elapsed)
    return Schedule(status="optimal" if optimal else "feasible", breaks=breaks, bound=bound, seconds=elapsed,
                    slots=slots, tables=assign_tables(instance, slots),
                    left_out=left_out_reasons(instance, slots, fairness), infeasible_reason=None)
