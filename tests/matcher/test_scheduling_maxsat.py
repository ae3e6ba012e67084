from __future__ import annotations

import contextlib
import csv
import multiprocessing
import random
import time
from dataclasses import replace

import pytest

from matcher.scheduling import Instance, Meeting, assign_tables, solve, validate
from matcher.scheduling.cpsat import solve_cpsat
from matcher.scheduling.maxsat import encodable, encode, solve_maxsat, worker
from matcher.scheduling.race import MaxSatRace
from tests.conftest import shared_data
from tests.matcher.test_scheduling import brute_force, event, random_event, schedule_of, tiny_event


@pytest.mark.parametrize("seed", range(25))
def test_maxsat_matches_brute_force_on_tiny_events(seed: int) -> None:
    inst, fairness = tiny_event(random.Random(2000 + seed))
    if not encodable(inst, fairness):
        fairness = None  # always encodable; the fairness case is covered by the seeds that are
    expected = brute_force(inst, fairness)
    answer = solve_maxsat(inst, fairness=fairness)
    if expected is None:
        assert answer.status == "infeasible" and answer.slots is None
        return
    assert answer.status == "optimal" and answer.slots is not None
    assert answer.breaks == expected
    assert validate(inst, schedule_of(inst, answer.slots, status="optimal", bound=expected), fairness=fairness) == []


@pytest.mark.parametrize("seed", range(15))
def test_maxsat_and_cpsat_agree_on_random_events(seed: int) -> None:
    inst = random_event(random.Random(seed))
    if not encodable(inst, 2):  # give someone a single meeting, so that fairness caps everybody at 2
        inst = replace(inst, n_participants=inst.n_participants + 1,
                       meetings=(*inst.meetings, Meeting(a=0, b=inst.n_participants)),
                       forbidden=(*inst.forbidden, frozenset()) if inst.forbidden else ())
    assert encodable(inst, 2)
    answer = solve_maxsat(inst, fairness=2)
    cpsat = solve_cpsat(inst, fairness=2, time_limit=10, workers=2, started=time.monotonic(), race=None)
    assert cpsat.status in ("optimal", "infeasible")
    if cpsat.status == "infeasible":
        assert answer.status == "infeasible"
        return
    assert answer.status == "optimal" and answer.slots is not None
    assert answer.breaks == cpsat.breaks
    assert validate(inst, schedule_of(inst, answer.slots, status="optimal", bound=cpsat.breaks), fairness=2) == []


def test_encodable_only_when_someone_cannot_break() -> None:
    # everybody has two meetings and spare slots: nobody is bound to have 0 breaks, fairness needs min/max
    ring = event([(0, 1), (1, 2), (2, 0)], n_slots=5)
    assert not encodable(ring, 2)
    assert encodable(ring, None)
    with pytest.raises(ValueError, match="CP-SAT"):
        encode(ring, fairness=2)
    assert encodable(event([(0, 1), (1, 2)]), 2)  # participants 0 and 2 have one meeting each
    full = event([(0, 1), (0, 2), (1, 2)], n_slots=2, n_tables=3)  # infeasible, but 0 has 2 meetings in 2 slots
    assert encodable(full, 2)
    assert solve(ring, fairness=2).status == "optimal"  # solve() falls back on CP-SAT alone


def test_precedences_hold_in_the_maxsat_model() -> None:
    meetings = tuple(Meeting(a=0, b=k, after=(k - 2,) if k > 1 else ()) for k in range(1, 5))
    inst = Instance(n_participants=5, n_slots=6, n_morning=6, n_tables=2, meetings=meetings)
    answer = solve_maxsat(inst, fairness=2)
    assert answer.status == "optimal" and answer.slots is not None
    assert list(answer.slots) == sorted(answer.slots) and answer.breaks == 0
    cyclic = replace(inst, meetings=(replace(meetings[0], after=(3,)), *meetings[1:]))
    assert solve_maxsat(cyclic, fairness=2).status == "infeasible"


def test_bounds_are_reported_as_cores_are_found() -> None:
    # participant 0 meets 1..3, each partner only in slot 0 or 3 (forbidden elsewhere), 4 slots: 0 has a break
    forbidden = (frozenset(), *(frozenset({1, 2}) for _ in range(3)))
    inst = Instance(n_participants=4, n_slots=4, n_morning=4, n_tables=3,
                    meetings=tuple(Meeting(a=0, b=k) for k in range(1, 4)), forbidden=forbidden)
    assert solve_maxsat(inst, fairness=2).status == "infeasible"  # three meetings, two usable slots
    inst = replace(inst, meetings=inst.meetings[:2])
    bounds: list[int] = []
    answer = solve_maxsat(inst, fairness=2, on_bound=bounds.append)
    assert answer.breaks == 1 and bounds == [1]


def race_event() -> Instance:
    """41 meetings, over the race threshold (30): CP-SAT and MaxSAT both run."""
    rng = random.Random(7)
    pairs: set[tuple[int, int]] = set()
    while len(pairs) < 40:
        a, b = rng.sample(range(14), 2)
        pairs.add((min(a, b), max(a, b)))
    inst = event(sorted(pairs), n_participants=15, n_slots=12, n_tables=6)
    return replace(inst, meetings=(*inst.meetings, Meeting(a=14, b=0)))  # participant 14: one meeting


def test_race_returns_valid_optimum_and_leaves_no_process_behind() -> None:
    inst = race_event()
    sched = solve(inst, fairness=2, time_limit=30)
    assert sched.status == "optimal"
    assert validate(inst, sched, fairness=2) == []
    assert sched.tables == assign_tables(inst, sched.slots)
    answer = solve_maxsat(inst, fairness=2)
    assert answer.breaks == sched.breaks
    assert multiprocessing.active_children() == []


def test_race_kills_its_child_when_the_block_ends_even_on_error() -> None:
    small = event([(0, 1), (1, 2)])
    with MaxSatRace.start(small, 2, 10.0) as race:  # too small to be worth a process
        assert race is None
    with pytest.raises(RuntimeError, match="interrupted"), MaxSatRace.start(race_event(), 2, 60.0) as race:
        assert race is not None
        raise RuntimeError("interrupted")
    assert multiprocessing.active_children() == []


@pytest.mark.shared_data
@pytest.mark.parametrize("name", ["forum-13crafc", "ticf-13crafc", "tic-13crafc"])
def test_maxsat_closes_the_originals_cpsat_left_open(name: str) -> None:
    from storage.dzn import read_instance

    data = shared_data("b2b-meetings")
    with (data / "published_optima.csv").open(encoding="utf-8") as handle:
        optimum = {row["instance"]: int(row["optimal_breaks_d2"]) for row in csv.DictReader(handle)}[name]
    inst = read_instance(data / "original" / f"{name}.original.dzn")
    answer = solve_maxsat(inst, fairness=2)
    assert answer.status == "optimal" and answer.slots is not None
    assert answer.breaks == optimum
    assert validate(inst, schedule_of(inst, answer.slots, status="optimal", bound=optimum), fairness=2) == []


@pytest.mark.shared_data
def test_worker_exits_by_itself_when_its_parent_is_gone() -> None:
    from storage.dzn import read_instance

    inst = read_instance(shared_data("b2b-meetings") / "precedences" / "tic-13crafc.prec25.dzn")  # ~8 s to solve
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=worker, args=(inst, 2, send), kwargs={"parent": -1, "seconds": 60.0})
    started = time.monotonic()
    child.start()
    send.close()
    child.join(timeout=30)
    assert not child.is_alive(), "the worker outlived a parent that is not there"
    messages = []
    with contextlib.suppress(EOFError):
        while receive.poll(0):
            messages.append(receive.recv())
    assert all(kind == "bound" for kind, _ in messages)  # stopped before it could finish the proof
    assert time.monotonic() - started < 8
