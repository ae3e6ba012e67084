"""The solve paths: the full model (static checks, CP-SAT raced against MaxSAT, diagnosis) and partial mode.

When not every meeting fits (over-subscription), partial mode is lexicographic: first cover every participant
who asked for a meeting, then keep the most weighted meetings (musts before wants, then match score), then
minimise breaks; it hands an event where everything fits to the full model (and its race).

Both report progress and obey a stop through one :class:`~matcher.scheduling.progress.Monitor` per call of
:func:`solve` (see :mod:`matcher.scheduling.progress`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import replace

from ortools.sat.python import cp_model

from matcher.scheduling.analysis import has_family, left_out_reasons, static_reason
from matcher.scheduling.cpsat import add_hint, build, new_solver, run, slots_of, solve_cpsat
from matcher.scheduling.model import (
    Instance,
    Schedule,
    assign_tables,
    breaks_per_participant,
    empty_schedule,
    full_schedule,
)
from matcher.scheduling.progress import STAGE_BREAKS, Monitor, ProgressCallback
from matcher.scheduling.race import MaxSatRace
from matcher.scheduling.reasons import FAMILIES, Reason


def solve(instance: Instance, *, fairness: int | None = 2, time_limit: float = 60.0, workers: int = 2,
          allow_partial: bool = False, progress: ProgressCallback | None = None,
          stop: threading.Event | None = None) -> Schedule:
    """An optimal (or best found) schedule minimising total breaks under fairness ``d``; see :class:`Schedule`.

    ``workers`` CP-SAT threads; an instance of 30 meetings or more also gets the MaxSAT model in a child process
    (one more thread) whenever fairness can be expressed there. ``progress`` is called with a
    :class:`~matcher.scheduling.progress.Progress` whenever a solver reports a better schedule, a higher bound or
    a new phase (last with phase "done"); setting ``stop`` ends the solve as a time-out would, with the best
    schedule found so far (:mod:`matcher.scheduling.progress`). Without them nothing changes: no thread, no
    callback.
    """
    if fairness is not None and fairness < 0:
        raise ValueError(f"fairness must be >= 0 or None, got {fairness}")
    if time_limit <= 0:
        raise ValueError(f"time_limit must be > 0, got {time_limit}")
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    started = time.monotonic()
    with Monitor(instance, progress, stop) as monitor:
        if allow_partial:
            result = solve_partial(instance, fairness=fairness, time_limit=time_limit, workers=workers,
                                   started=started, monitor=monitor)
        else:
            result = _solve_full(instance, fairness=fairness, time_limit=time_limit, workers=workers,
                                 started=started, monitor=monitor)
        monitor.finish(result)
    if monitor.error is not None:
        raise monitor.error
    return result


def _solve_full(instance: Instance, *, fairness: int | None, time_limit: float, workers: int, started: float,
                monitor: Monitor) -> Schedule:
    """Every meeting held: static checks, CP-SAT raced against MaxSAT, and a diagnosis when there is no schedule."""
    if not instance.meetings:
        return Schedule(status="optimal", breaks=0, bound=0, seconds=0.0, slots=(), tables=(), left_out={},
                        infeasible_reason=None)
    monitor.enter("static checks")
    static = static_reason(instance)
    if static is not None:
        return empty_schedule(instance, "infeasible", time.monotonic() - started, static)
    monitor.enter("solving")
    with MaxSatRace.start(instance, fairness, time_limit, monitor) as race:
        found = solve_cpsat(instance, fairness=fairness, time_limit=time_limit, workers=workers, started=started,
                            race=race, monitor=monitor)
    if found.status == "infeasible":
        return _proven_infeasible(instance, fairness=fairness, time_limit=time_limit, workers=workers, started=started,
                                  monitor=monitor)
    if race is None or found.status == "optimal":
        return found
    if race.answer is not None and race.answer.slots is not None:
        return full_schedule(instance, race.answer.slots, status="optimal", bound=race.answer.breaks or 0,
                             seconds=time.monotonic() - started)
    if race.answer is not None:  # MaxSAT proved there is no schedule at all
        return _proven_infeasible(instance, fairness=fairness, time_limit=time_limit, workers=workers, started=started,
                                  monitor=monitor)
    if found.breaks is None or found.bound is None:
        return found
    bound = min(found.breaks, max(found.bound, race.bound))
    return replace(found, status="optimal" if bound == found.breaks else found.status, bound=bound)


def _proven_infeasible(instance: Instance, *, fairness: int | None, time_limit: float, workers: int,
                       started: float, monitor: Monitor) -> Schedule:
    """The answer once a solver proved there is no schedule: why, within what is left of the time (30 s at most)."""
    monitor.enter("diagnosing")
    remaining = max(1.0, min(time_limit - (time.monotonic() - started), 30.0))
    reason = _diagnose(instance, fairness=fairness, time_limit=remaining, workers=workers, monitor=monitor)
    return empty_schedule(instance, "infeasible", time.monotonic() - started, reason)


def _diagnose(instance: Instance, *, fairness: int | None, time_limit: float, workers: int,
              monitor: Monitor) -> Reason:
    """Names the constraint families whose removal alone restores feasibility (bounded re-solves); after a stop,
    the families not yet tried are undecided, as on a time-out."""
    present = [f for f in FAMILIES if has_family(instance, f, fairness)]
    deadline = time.monotonic() + time_limit
    culprits: list[str] = []
    undecided: list[str] = []
    for family in present:
        remaining = deadline - time.monotonic()
        if remaining <= 0.05 or monitor.stopped:
            undecided.append(family)
            continue
        v = build(instance, fairness=fairness, relax=frozenset({family}), partial=False)
        solver = new_solver(min(remaining, max(1.0, time_limit / max(1, len(present)))), workers, monitor=monitor)
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


def _kept(instance: Instance, weights: list[int], slots: tuple[int | None, ...]) -> tuple[int, int]:
    """What partial mode's first two stages maximise, for a schedule: participants covered, weight held."""
    covered = sum(any(slots[m] is not None for m in mine) for mine in instance.meetings_of() if mine)
    return covered, sum(w for w, s in zip(weights, slots, strict=True) if s is not None)


def solve_partial(instance: Instance, *, fairness: int | None, time_limit: float, workers: int,
                  started: float, monitor: Monitor | None = None) -> Schedule:
    """Lexicographic: cover every participant, then maximise weighted meetings held, then minimise breaks.

    Each stage starts from the previous stage's best schedule (the hint) and keeps it unless it finds a better
    one; after a stop or a time-out the answer is the best schedule so far (status feasible).
    """
    monitor = monitor if monitor is not None else Monitor(instance)
    n = len(instance.meetings)
    if n == 0:
        return Schedule(status="optimal", breaks=0, bound=0, seconds=0.0, slots=(), tables=(), left_out={},
                        infeasible_reason=None)
    monitor.enter("solving")
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
        if monitor.stopped:
            proven = False
            break
        budget = (time_limit - (time.monotonic() - started)) / (len(phases) + 1 - i)
        monitor.stage = i
        expr = objective()
        v.model.maximize(expr)
        if hint is not None:
            add_hint(v, hint)
            _report(monitor, instance, hint, score=_kept(instance, weights, hint)[i])
        solver = new_solver(budget, workers, monitor=monitor)
        code = run(solver, v, monitor, minimising_breaks=False)
        if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            if hint is None:
                return empty_schedule(instance, "unknown", time.monotonic() - started)
            proven = False  # stopped or out of time before this stage found anything: the previous stage's best
            break
        proven = proven and code == cp_model.OPTIMAL
        if hint is None or round(solver.objective_value) >= _kept(instance, weights, hint)[i]:
            hint = slots_of(solver, v)
        v.model.add(expr >= _kept(instance, weights, hint)[i])
    if hint is None:  # stopped before the first stage
        return empty_schedule(instance, "unknown", time.monotonic() - started)
    monitor.stage = STAGE_BREAKS
    hint_breaks = _report(monitor, instance, hint)
    if all(s is not None for s in hint) and not monitor.stopped:  # everything fits: the full model, with the race
        full = _solve_full(instance, fairness=fairness, workers=workers, started=time.monotonic(), monitor=monitor,
                           time_limit=max(0.1, time_limit - (time.monotonic() - started)))
        if full.status == "optimal" or (full.status == "feasible" and (full.breaks or 0) <= hint_breaks):
            return replace(full, seconds=time.monotonic() - started)
    v.model.minimize(v.breaks)
    add_hint(v, hint)
    code = cp_model.UNKNOWN
    if not monitor.stopped:
        solver = new_solver(time_limit - (time.monotonic() - started), workers, monitor=monitor)
        code = run(solver, v, monitor, minimising_breaks=True)
    elapsed = time.monotonic() - started
    if code in (cp_model.OPTIMAL, cp_model.FEASIBLE) and round(solver.objective_value) <= hint_breaks:
        slots = slots_of(solver, v)
        breaks = round(solver.objective_value)
        optimal = proven and code == cp_model.OPTIMAL
        proof = max(0, int(-(-solver.best_objective_bound // 1)), monitor.bound or 0)  # with a nested full solve's
        bound = breaks if code == cp_model.OPTIMAL else min(breaks, proof)
    else:  # the bounds reported so far (a nested full solve's or this stage's) hold for the hint's meetings
        slots, optimal = hint, False
        breaks, bound = hint_breaks, min(hint_breaks, monitor.bound or 0)
    return Schedule(status="optimal" if optimal else "feasible", breaks=breaks, bound=bound, seconds=elapsed,
                    slots=slots, tables=assign_tables(instance, slots),
                    left_out=left_out_reasons(instance, slots, fairness), infeasible_reason=None)


def _report(monitor: Monitor, instance: Instance, slots: tuple[int | None, ...], score: int | None = None) -> int:
    """The stage's starting schedule goes to ``monitor`` (so that no worse one is reported); its breaks."""
    breaks = sum(breaks_per_participant(instance, slots))
    monitor.found(breaks, [s is not None for s in slots], "cp-sat", score)
    return breaks
