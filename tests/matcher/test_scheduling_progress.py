"""Progress reports and stop requests of :func:`matcher.scheduling.solve` (see :mod:`matcher.scheduling.progress`).

The stop tests run a hard instance (a published one when ../shared is there, and a synthetic one always) in a
thread, ask to stop once a first schedule is reported, and check that the solve comes back soon with a valid
schedule and that the reports were monotone. No speed target here: only a generous bound on the return.
"""

from __future__ import annotations

import multiprocessing
import random
import threading
import time
from dataclasses import replace

import pytest

from matcher.scheduling import PHASES, Instance, Meeting, Progress, Schedule, solve, validate
from matcher.scheduling.model import empty_schedule
from matcher.scheduling.progress import Monitor
from tests.conftest import shared_data

RETURN_AFTER_STOP = 10.0  # seconds: generous (measured: under 0.2 s), only to catch a stop that is ignored
FIRST_SCHEDULE = 120.0  # seconds to wait for a first schedule on a loaded machine (measured: 2 to 4 s)


def hard_event(seed: int = 0, *, participants: int = 50, meetings: int = 180, slots: int = 10,
               tables: int = 20) -> Instance:
    """Random meetings, nobody with more than slots - 2, plus one participant with a single meeting (so that the
    MaxSAT model can express fairness and the race runs). Seed 0: a first schedule within seconds, the optimum
    not proven within 20 s."""
    rng = random.Random(seed)
    pairs: set[tuple[int, int]] = set()
    degree = [0] * participants
    while len(pairs) < meetings:
        a, b = sorted(rng.sample(range(participants), 2))
        if (a, b) in pairs or max(degree[a], degree[b]) >= slots - 2:
            continue
        degree[a] += 1
        degree[b] += 1
        pairs.add((a, b))
    return Instance(n_participants=participants + 1, n_slots=slots, n_morning=slots // 2, n_tables=tables,
                    meetings=(*(Meeting(a=a, b=b) for a, b in sorted(pairs)), Meeting(a=participants, b=0)))


def small_event() -> Instance:
    return Instance(n_participants=4, n_slots=4, n_morning=2, n_tables=2,
                    meetings=(Meeting(a=0, b=1), Meeting(a=0, b=2), Meeting(a=1, b=3), Meeting(a=2, b=3)))


class Run:
    """``solve`` in a thread, with progress recorded and a stop asked once a first schedule is reported."""

    def __init__(self, instance: Instance, **options: object) -> None:
        self.instance = instance
        self.reports: list[Progress] = []
        self.stop = threading.Event()
        self.first = threading.Event()
        self.result: Schedule | None = None
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._solve, kwargs=options, daemon=True)
        self._thread.start()

    def _progress(self, report: Progress) -> None:
        self.reports.append(report)
        if report.breaks is not None:
            self.first.set()

    def _solve(self, **options: object) -> None:
        try:
            self.result = solve(self.instance, progress=self._progress, stop=self.stop, **options)  # type: ignore[arg-type]
        except BaseException as exc:  # re-raised by the test
            self.error = exc

    def stop_after_first_schedule(self) -> float:
        """Waits for a first schedule, asks to stop, waits for the answer; the seconds it took after the stop."""
        assert self.first.wait(FIRST_SCHEDULE), f"no schedule reported: {self.reports}"
        self.stop.set()
        asked = time.monotonic()
        self._thread.join(RETURN_AFTER_STOP + 5)
        assert not self._thread.is_alive(), "solve ignored the stop"
        if self.error is not None:
            raise self.error
        return time.monotonic() - asked


def assert_monotone(reports: list[Progress], result: Schedule) -> None:
    """Breaks never rise, bounds never fall, phases never go back, a bound never exceeds the breaks found;
    the last report is "done" with the returned schedule's values."""
    breaks = [r.breaks for r in reports if r.breaks is not None]
    bounds = [r.bound for r in reports if r.bound is not None]
    assert breaks, "no schedule was reported"
    assert breaks == sorted(breaks, reverse=True), breaks
    assert bounds == sorted(bounds), bounds
    assert all(r.bound <= r.breaks for r in reports if r.bound is not None and r.breaks is not None)
    phases = [PHASES.index(r.phase) for r in reports]
    assert phases == sorted(phases)
    last = reports[-1]
    assert (last.phase, last.status, last.breaks, last.bound) == ("done", result.status, result.breaks, result.bound)
    assert sum(r.phase == "done" for r in reports) == 1
    assert all(r.seconds >= 0 and r.meetings == len(result.slots) for r in reports)


def check_stopped(run: Run, seconds: float) -> Schedule:
    result = run.result
    assert result is not None
    assert seconds < RETURN_AFTER_STOP
    assert result.status in ("feasible", "optimal"), result.status  # optimal if a proof beat the stop
    assert validate(run.instance, result, fairness=2) == []
    assert_monotone(run.reports, result)
    assert multiprocessing.active_children() == []  # the MaxSAT child is gone
    return result


@pytest.mark.shared_data
def test_stop_on_a_hard_published_instance_returns_the_best_schedule_so_far() -> None:
    from storage.dzn import read_instance

    # optimum 4 breaks: CP-SAT alone leaves it open within a minute, the race needs MaxSAT's proof
    inst = read_instance(shared_data("b2b-meetings") / "original" / "tic-13crafc.original.dzn")
    run = Run(inst, fairness=2, time_limit=300)
    result = check_stopped(run, run.stop_after_first_schedule())
    assert result.bound is not None and result.breaks is not None and result.bound <= result.breaks
    assert [r.phase for r in run.reports][:2] == ["static checks", "solving"]


def test_stop_on_a_hard_synthetic_instance_returns_the_best_schedule_so_far() -> None:
    run = Run(hard_event(), fairness=2, time_limit=300)
    check_stopped(run, run.stop_after_first_schedule())
    assert {r.solver for r in run.reports if r.breaks is not None} <= {"cp-sat", "maxsat"}


def test_stop_in_partial_mode_keeps_the_best_schedule_and_says_why_the_rest_is_left_out() -> None:
    inst = hard_event(tables=14)  # 181 meetings, 140 places: over-subscribed
    run = Run(inst, fairness=2, time_limit=300, allow_partial=True)
    seconds = run.stop_after_first_schedule()
    result = run.result
    assert result is not None and seconds < RETURN_AFTER_STOP
    assert result.status == "feasible"
    assert validate(inst, result, fairness=2) == []  # every meeting not held has its reason
    held = sum(s is not None for s in result.slots)
    assert 0 < held < len(inst.meetings) and len(result.left_out) == len(inst.meetings) - held
    last = run.reports[-1]
    assert (last.phase, last.held, last.breaks) == ("done", held, result.breaks)
    assert all(r.held is None or 0 <= r.held <= len(inst.meetings) for r in run.reports)


def test_stop_before_the_start_returns_unknown_without_a_schedule() -> None:
    stop = threading.Event()
    stop.set()
    reports: list[Progress] = []
    inst = hard_event()
    result = solve(inst, fairness=2, time_limit=300, progress=reports.append, stop=stop)
    assert result.status == "unknown" and result.breaks is None
    assert all(s is None for s in result.slots)
    assert validate(inst, result) == []
    assert reports[-1].phase == "done" and reports[-1].status == "unknown"
    assert multiprocessing.active_children() == []


def test_a_solved_event_reports_its_phases_and_a_done_that_matches() -> None:
    reports: list[Progress] = []
    inst = small_event()
    result = solve(inst, fairness=2, time_limit=10, progress=reports.append)
    assert result.status == "optimal"
    assert list(dict.fromkeys(r.phase for r in reports)) == ["static checks", "solving", "done"]
    assert_monotone(reports, result)
    assert reports[-1].held == len(inst.meetings) == reports[-1].meetings


def test_an_event_without_schedule_reports_the_diagnosis() -> None:
    # a precedence chain longer than the day, found by the solver rather than statically
    chain = Instance(n_participants=6, n_slots=2, n_morning=2, n_tables=3,
                     meetings=(Meeting(a=0, b=1), Meeting(a=2, b=3, after=(0,)), Meeting(a=4, b=5, after=(1,))))
    reports: list[Progress] = []
    result = solve(chain, time_limit=10, progress=reports.append)
    assert result.status == "infeasible"
    assert [r.phase for r in reports] == ["static checks", "solving", "diagnosing", "done"]
    assert reports[-1].breaks is None and reports[-1].bound is None and reports[-1].status == "infeasible"


def test_partial_mode_reports_the_meetings_held() -> None:
    # participant 0 asks for 4 meetings in 3 slots: one is left out
    inst = Instance(n_participants=5, n_slots=3, n_morning=3, n_tables=3,
                    meetings=tuple(Meeting(a=0, b=b) for b in range(1, 5)))
    reports: list[Progress] = []
    result = solve(inst, fairness=2, time_limit=10, allow_partial=True, progress=reports.append)
    assert result.status == "optimal"
    assert reports[-1].held == 3 == sum(s is not None for s in result.slots)
    assert all(r.held is None or r.held <= 3 for r in reports)


def test_a_failing_progress_callable_stops_the_solve_and_its_error_is_raised() -> None:
    def broken(report: Progress) -> None:
        if report.breaks is not None:
            raise ValueError("the page went away")

    with pytest.raises(ValueError, match="the page went away"):
        solve(hard_event(), fairness=2, time_limit=300, progress=broken)
    assert multiprocessing.active_children() == []


def test_reports_are_coalesced_and_the_latest_one_is_delivered() -> None:
    calls: list[Progress] = []
    inst = small_event()
    with Monitor(inst, calls.append, interval=0.2) as monitor:
        monitor.enter("solving")
        for i in range(100):  # a solver reporting far faster than anyone reads
            monitor.found(200 - i, None, "cp-sat")
            monitor.proved(i, "cp-sat")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and (not calls or calls[-1].breaks != 101):
            time.sleep(0.05)
        monitor.finish(replace(empty_schedule(inst, "feasible", 1.0), breaks=101, bound=99))
    delivered = [c for c in calls if c.phase == "solving" and c.breaks is not None]
    assert len(delivered) < 100 and (delivered[-1].breaks, delivered[-1].bound) == (101, 99)
    assert calls[-1].phase == "done"
    breaks = [c.breaks or 0 for c in delivered]
    assert breaks == sorted(breaks, reverse=True)


def test_worse_schedules_and_lower_bounds_are_not_reported() -> None:
    calls: list[Progress] = []
    with Monitor(small_event(), calls.append, interval=0.0) as monitor:
        monitor.found(5, None, "cp-sat")
        monitor.found(7, None, "maxsat")  # worse: ignored
        monitor.proved(3, "maxsat")
        monitor.proved(2, "cp-sat")  # lower: ignored
        monitor.found(4, None, "cp-sat")
    assert [(c.breaks, c.bound, c.solver) for c in calls] == [(5, None, "cp-sat"), (5, 3, "maxsat"),
                                                              (4, 3, "cp-sat")]
    with pytest.raises(ValueError, match="phase"):
        Monitor(small_event()).enter("thinking")


def test_without_progress_or_stop_no_thread_is_started(monkeypatch: pytest.MonkeyPatch) -> None:
    import matcher.scheduling.solving as solving

    before = {t.ident for t in threading.enumerate()}
    seen: list[set[int | None]] = []

    class Spy(Monitor):
        def found(self, *args: object, **kw: object) -> None:  # called while the solve runs
            seen.append({t.ident for t in threading.enumerate()} - before)
            super().found(*args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(solving, "Monitor", Spy)
    result = solve(small_event(), fairness=2, time_limit=10)
    assert result.status == "optimal"
    assert seen and all(not extra for extra in seen)
