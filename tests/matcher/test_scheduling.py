from __future__ import annotations

import csv
import itertools
import random
from collections.abc import Sequence
from dataclasses import replace

import pytest

from matcher.scheduling import (
    Instance,
    Meeting,
    Reason,
    Schedule,
    assign_tables,
    breaks_per_participant,
    solve,
    validate,
)
from tests.conftest import shared_data


def event(meetings: list[tuple[int, int]], *, n_participants: int | None = None, n_slots: int = 4,
          n_morning: int | None = None, n_tables: int = 2, **kwargs: object) -> Instance:
    """A small event; meetings given as (a, b) pairs with default options."""
    n = n_participants if n_participants is not None else 1 + max(max(a, b) for a, b in meetings)
    return Instance(n_participants=n, n_slots=n_slots, n_morning=n_slots if n_morning is None else n_morning,
                    n_tables=n_tables, meetings=tuple(Meeting(a=a, b=b) for a, b in meetings), **kwargs)  # type: ignore[arg-type]


def schedule_of(instance: Instance, slots: Sequence[int | None], **kwargs: object) -> Schedule:
    """A hand-made schedule with recomputed breaks and greedy tables (the tests then spoil one aspect)."""
    try:
        tables = assign_tables(instance, slots)
    except ValueError:  # a spoiled schedule may defeat table assignment: any tables will do
        tables = tuple(None if s is None else m % instance.n_tables for m, s in enumerate(slots))
    options: dict[str, object] = {"status": "feasible", "breaks": sum(breaks_per_participant(instance, slots)),
                                  "bound": 0, "seconds": 0.0, "slots": tuple(slots), "tables": tables,
                                  "left_out": {}, "infeasible_reason": None}
    options.update(kwargs)
    return Schedule(**options)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------------------------
# breaks


def test_breaks_per_participant_by_hand() -> None:
    inst = event([(0, 1), (0, 2), (0, 3), (1, 2)], n_slots=6)
    # participant 0 meets at 0, 1, 4 -> one break; 1 at 0 and 3 -> one; 2 at 1 and 3 -> one; 3 once -> none
    assert breaks_per_participant(inst, [0, 1, 4, 3]) == [1, 1, 1, 0]
    # order of meetings in the input does not matter, only time order; adjacent slots are no break
    assert breaks_per_participant(inst, [2, 0, 1, 3]) == [0, 0, 1, 0]
    # a long gap is one break; not-held meetings are ignored
    assert breaks_per_participant(inst, [0, None, 5, 1]) == [1, 0, 0, 0]
    with pytest.raises(ValueError, match="expected 4 slots"):
        breaks_per_participant(inst, [0, 1])


def test_lunch_is_no_break_between_adjacent_slots() -> None:
    inst = event([(0, 1), (0, 2)], n_slots=4, n_morning=2)
    assert breaks_per_participant(inst, [1, 2]) == [0, 0, 0]


# ---------------------------------------------------------------------------------------------------------------
# validator: one spoiled constraint family at a time


def base_event() -> Instance:
    return Instance(
        n_participants=4, n_slots=4, n_morning=2, n_tables=2,
        meetings=(Meeting(a=0, b=1, session=1), Meeting(a=0, b=2), Meeting(a=2, b=3, fixed=3),
                  Meeting(a=1, b=3, after=(0,))),
        forbidden=(frozenset(), frozenset(), frozenset({0}), frozenset()),
        stands=(None, None, None, 1),
    )


GOOD = [0, 1, 3, 2]


def test_validator_accepts_a_good_schedule() -> None:
    inst = base_event()
    assert validate(inst, schedule_of(inst, GOOD)) == []


@pytest.mark.parametrize(("slots", "expected"), [
    ([2, 1, 3, 3], "outside its session"),
    ([1, 0, 3, 2], "forbidden for participant 2"),
    ([0, 1, 2, 3], "fixed to slot 3"),
    ([1, 2, 3, 0], "must come after meeting 0"),
    ([0, 0, 3, 2], "both in slot 0"),
    ([0, 1, 3, 9], "outside 0..3"),
    ([0, None, 3, 2], "no reason in left_out"),
])
def test_validator_catches_each_hard_constraint(slots: list[int | None], expected: str) -> None:
    inst = base_event()
    sched = schedule_of(inst, slots)
    assert any(expected in p for p in validate(inst, sched)), validate(inst, sched)


def test_validator_catches_capacity_breaks_fairness_and_tables() -> None:
    inst = event([(0, 1), (2, 3), (4, 5)], n_slots=3, n_tables=2)
    crowded = Schedule(status="feasible", breaks=0, bound=0, seconds=0.0, slots=(0, 0, 0), tables=(0, 1, 0),
                       left_out={}, infeasible_reason=None)
    problems = validate(inst, crowded)
    assert any("3 meetings for 2 tables" in p for p in problems)
    assert any("share table 0 in slot 0" in p for p in problems)
    inst = event([(0, 1), (0, 2), (0, 3)], n_slots=5)
    gappy = schedule_of(inst, [0, 2, 4])  # participant 0: two breaks, the others none
    assert validate(inst, gappy, fairness=2) == []
    assert any("fairness 1 violated" in p for p in validate(inst, gappy, fairness=1))
    assert any("claims 0 breaks, recomputed 2" in p for p in validate(inst, replace(gappy, breaks=0)))
    assert any("bound 3 exceeds" in p for p in validate(inst, replace(gappy, bound=3)))
    assert any("status optimal but bound" in p for p in validate(inst, replace(gappy, status="optimal")))
    stand = replace(inst, stands=(1, None, None, None))
    assert any("not at its participant's stand" in p for p in validate(stand, replace(gappy, tables=(0, 0, 0))))
    assert any("table 7 outside" in p for p in validate(inst, replace(gappy, tables=(7, 0, 0))))


def test_instance_rejects_bad_input_with_clear_messages() -> None:
    with pytest.raises(ValueError, match="two different participants"):
        Meeting(a=1, b=1)
    with pytest.raises(ValueError, match="session"):
        Meeting(a=0, b=1, session=4)
    with pytest.raises(ValueError, match="names participant 5"):
        event([(0, 5)], n_participants=3)
    with pytest.raises(ValueError, match="one set per participant"):
        event([(0, 1)], forbidden=(frozenset(),))
    with pytest.raises(ValueError, match="same stand"):
        event([(0, 1)], stands=(0, 0))
    with pytest.raises(ValueError, match="fairness"):
        solve(event([(0, 1)]), fairness=-1)


# ---------------------------------------------------------------------------------------------------------------
# randomised small events: valid, and optimal against brute force on the tiniest


def random_event(rng: random.Random, *, max_meetings: int = 12) -> Instance:
    n_part = rng.randint(4, 8)
    n_slots = rng.randint(4, 8)
    every = list(itertools.combinations(range(n_part), 2))
    pairs = rng.sample(every, k=min(len(every), max_meetings, rng.randint(3, 12)))
    n_morning = rng.randint(0, n_slots)
    meetings = []
    for m, (a, b) in enumerate(pairs):
        session = rng.choice([3, 3, 3, 1, 2]) if 0 < n_morning < n_slots else 3
        fixed = rng.randrange(n_slots) if rng.random() < 0.1 else None
        after = (rng.randrange(m),) if m and rng.random() < 0.15 else ()
        meetings.append(Meeting(a=a, b=b, session=session, fixed=fixed, after=after))
    forbidden = tuple(frozenset(s for s in range(n_slots) if rng.random() < 0.1) for _ in range(n_part))
    return Instance(n_participants=n_part, n_slots=n_slots, n_morning=n_morning, n_tables=rng.randint(1, 3),
                    meetings=tuple(meetings), forbidden=forbidden if rng.random() < 0.5 else ())


def brute_force(instance: Instance, fairness: int | None) -> int | None:
    """The optimum by enumeration (tiny instances only), or None when infeasible."""
    best: int | None = None
    for slots in itertools.product(range(instance.n_slots), repeat=len(instance.meetings)):
        try:
            tables = assign_tables(instance, slots)
        except ValueError:  # more meetings than tables in some slot
            continue
        sched = Schedule(status="feasible", breaks=sum(breaks_per_participant(instance, slots)), bound=None,
                         seconds=0.0, slots=slots, tables=tables, left_out={}, infeasible_reason=None)
        if not validate(instance, sched, fairness=fairness) and (best is None or (sched.breaks or 0) < best):
            best = sched.breaks
    return best


@pytest.mark.parametrize("seed", range(30))
def test_random_events_give_valid_schedules(seed: int) -> None:
    inst = random_event(random.Random(seed))
    sched = solve(inst, fairness=2, time_limit=10)
    assert sched.status in ("optimal", "infeasible"), sched
    assert validate(inst, sched, fairness=2) == []
    if sched.status == "infeasible":
        assert isinstance(sched.infeasible_reason, Reason) and sched.infeasible_reason.text


def tiny_event(rng: random.Random) -> tuple[Instance, int | None]:
    """A random event small enough to enumerate (<= 5 meetings, <= 5 slots) and a random fairness bound."""
    inst = random_event(rng, max_meetings=5)
    inst = replace(inst, n_slots=min(inst.n_slots, 5), n_morning=min(inst.n_morning, 5),
                   meetings=tuple(replace(m, fixed=None if m.fixed is None or m.fixed >= 5 else m.fixed)
                                  for m in inst.meetings),
                   forbidden=tuple(frozenset(s for s in f if s < 5) for f in inst.forbidden))
    return inst, rng.choice([0, 1, 2, None])


@pytest.mark.parametrize("seed", range(12))
def test_tiny_events_match_brute_force(seed: int) -> None:
    inst, fairness = tiny_event(random.Random(1000 + seed))
    sched = solve(inst, fairness=fairness, time_limit=10)
    expected = brute_force(inst, fairness)
    if expected is None:
        assert sched.status == "infeasible"
    else:
        assert sched.status == "optimal" and sched.breaks == expected
        assert validate(inst, sched, fairness=fairness) == []


# ---------------------------------------------------------------------------------------------------------------
# infeasibility diagnosis


def test_overloaded_participant_is_reported_as_forbidden() -> None:
    inst = event([(0, 1), (0, 2), (0, 3)], n_slots=4, forbidden=(frozenset({0, 1}), frozenset(), frozenset(),
                                                                   frozenset()))
    sched = solve(inst, time_limit=5)
    assert sched.status == "infeasible" and sched.infeasible_reason is not None
    assert sched.infeasible_reason == Reason(family="forbidden", kind="overloaded", participants=(0,), counts=(3, 2))
    assert sched.infeasible_reason.text == "forbidden: participant 1 has 3 meetings for 2 usable slots"  # from 1
    assert str(sched.infeasible_reason) == sched.infeasible_reason.text
    assert validate(inst, sched) == []


def test_each_family_is_named() -> None:
    cycle = Instance(n_participants=3, n_slots=4, n_morning=4, n_tables=2,
                     meetings=(Meeting(a=0, b=1, after=(1,)), Meeting(a=1, b=2, after=(0,))))
    reason = solve(cycle, time_limit=5).infeasible_reason
    assert reason is not None and (reason.family, reason.kind, reason.meetings) == ("precedences", "cycle", (0, 1))
    assert reason.text == "precedences: cycle among meetings [1, 2]"
    clash = Instance(n_participants=3, n_slots=4, n_morning=4, n_tables=2,
                     meetings=(Meeting(a=0, b=1, fixed=2), Meeting(a=0, b=2, fixed=2)))
    reason = solve(clash, time_limit=5).infeasible_reason
    assert reason == Reason(family="fixed", kind="overloaded", participants=(0,), counts=(2, 1))
    assert reason.text == "fixed: participant 1 has 2 meetings for 1 usable slots"
    # participant 0 must meet in slots 0 and 2 (slot 1 forbidden): one break, while 1 and 2 have none
    unfair = event([(0, 1), (0, 2)], n_slots=3, forbidden=(frozenset({1}), frozenset(), frozenset()))
    assert solve(unfair, fairness=1, time_limit=5).status == "optimal"
    reason = solve(unfair, fairness=0, time_limit=5).infeasible_reason
    assert reason == Reason(family="fairness", kind="feasible_without", families=("fairness", "forbidden"))
    assert reason.text == "fairness or forbidden: feasible once this family is dropped"
    # sessions: three morning meetings of one participant, two morning slots
    morning = Instance(n_participants=4, n_slots=4, n_morning=2, n_tables=2,
                       meetings=tuple(Meeting(a=0, b=b, session=1) for b in (1, 2, 3)))
    reason = solve(morning, time_limit=5).infeasible_reason
    assert reason == Reason(family="sessions", kind="overloaded", participants=(0,), counts=(3, 2))
    assert reason.text == "sessions: participant 1 has 3 meetings for 2 usable slots"
    # precedence chain longer than the day, found by the solver rather than statically
    chain = Instance(n_participants=6, n_slots=2, n_morning=2, n_tables=3,
                     meetings=(Meeting(a=0, b=1), Meeting(a=2, b=3, after=(0,)), Meeting(a=4, b=5, after=(1,))))
    reason = solve(chain, time_limit=5).infeasible_reason
    assert reason == Reason(family="precedences", kind="feasible_without", families=("precedences",))
    assert reason.text == "precedences: feasible once this family is dropped"


# ---------------------------------------------------------------------------------------------------------------
# over-subscription


def test_musts_before_wants_and_nobody_left_without_a_meeting() -> None:
    # participant 0 asks for 4 meetings in 3 slots; participant 3's only meeting is a low-weight want,
    # participant 4 also meets 5: dropping 0-4 (not 0-3) keeps everybody with a meeting
    meetings = (Meeting(a=0, b=1, priority=2), Meeting(a=0, b=2, priority=2),
                Meeting(a=0, b=3, weight=0.2), Meeting(a=0, b=4, weight=0.9), Meeting(a=4, b=5))
    inst = Instance(n_participants=6, n_slots=3, n_morning=3, n_tables=3, meetings=meetings)
    assert solve(inst, time_limit=5).status == "infeasible"
    sched = solve(inst, time_limit=10, allow_partial=True)
    assert validate(inst, sched) == []
    assert sched.slots[0] is not None and sched.slots[1] is not None
    assert sched.slots[2] is not None and sched.slots[3] is None
    assert set(sched.left_out) == {3}
    reason = sched.left_out[3]
    assert (reason.family, reason.kind, reason.participants, reason.counts) == (
        "capacity", "overloaded_participants", (0,), (4, 3))
    assert reason.text == "participant 1 has 4 meetings for 3 usable slots"  # numbered from 1
    held = {p for m, s in zip(inst.meetings, sched.slots, strict=True) if s is not None for p in (m.a, m.b)}
    assert held == set(range(6))


def test_over_subscription_prefers_heavier_wants_and_capacity_reason() -> None:
    # one table, two slots, three independent meetings: the lightest is left out for slot capacity
    meetings = (Meeting(a=0, b=1, weight=0.9), Meeting(a=2, b=3, weight=0.1), Meeting(a=4, b=5, weight=0.5),
                Meeting(a=0, b=6, weight=0.1))
    inst = Instance(n_participants=7, n_slots=2, n_morning=2, n_tables=1, meetings=meetings)
    sched = solve(inst, time_limit=10, allow_partial=True)
    assert validate(inst, sched) == []
    assert sum(s is not None for s in sched.slots) == 2
    assert set(sched.left_out) == {1, 3}  # the two lightest
    assert sched.left_out[1] == Reason(family="tables", kind="tables_full", participants=(2, 3), slots=(0, 1),
                                       counts=(1,))
    assert sched.left_out[1].text == "slot capacity: all 1 tables taken in slots [1, 2] where both are free"
    assert all(r.family == "tables" and r.kind == "tables_full" for r in sched.left_out.values())
    must = replace(inst, meetings=(meetings[0], replace(meetings[1], priority=2), *meetings[2:]))
    sched = solve(must, time_limit=10, allow_partial=True)
    assert sched.slots[1] is not None and validate(must, sched) == []


def test_feasible_event_holds_everything_in_partial_mode() -> None:
    inst = event([(0, 1), (1, 2), (2, 3)], n_slots=3)
    sched = solve(inst, time_limit=5, allow_partial=True)
    assert sched.status == "optimal" and sched.breaks == 0 and not sched.left_out
    assert all(s is not None for s in sched.slots)
    rng = random.Random(3)  # an event big enough for the MaxSAT race (>= 30 meetings), where everything fits
    pairs = sorted({tuple(sorted(rng.sample(range(12), 2))) for _ in range(45)})
    big = event([(a, b) for a, b in pairs], n_participants=13, n_slots=12, n_tables=5)
    big = replace(big, meetings=(*big.meetings, Meeting(a=12, b=0)))
    assert len(big.meetings) >= 30
    sched = solve(big, time_limit=30, allow_partial=True)
    full = solve(big, time_limit=30)
    assert sched.status == full.status == "optimal" and sched.breaks == full.breaks and not sched.left_out
    assert validate(big, sched, fairness=2) == []


# ---------------------------------------------------------------------------------------------------------------
# tables


def test_stand_owners_host_at_their_stand_and_tables_never_clash() -> None:
    rng = random.Random(7)
    for _ in range(10):
        inst = random_event(rng)
        inst = replace(inst, meetings=tuple(replace(m, fixed=None, after=()) for m in inst.meetings), forbidden=(),
                       n_tables=3, stands=tuple([2, None, 0] + [None] * (inst.n_participants - 3)))
        sched = solve(inst, time_limit=10)
        if sched.status == "infeasible":
            continue
        assert validate(inst, sched) == []
        for meeting, table, slot in zip(inst.meetings, sched.tables, sched.slots, strict=True):
            if 0 in (meeting.a, meeting.b) and slot is not None:
                assert table == 2
            elif 2 in (meeting.a, meeting.b) and slot is not None:
                assert table == 0
        used = [(s, t) for s, t in zip(sched.slots, sched.tables, strict=True) if s is not None]
        assert len(used) == len(set(used))


def test_participants_keep_their_table_across_consecutive_meetings() -> None:
    inst = event([(0, 1), (0, 2), (3, 4), (3, 5)], n_slots=2, n_tables=2)
    tables = assign_tables(inst, [0, 1, 0, 1])
    assert tables[0] == tables[1] and tables[2] == tables[3] and tables[0] != tables[2]
    with pytest.raises(ValueError, match="3 meetings for 2 tables"):
        assign_tables(event([(0, 1), (2, 3), (4, 5)]), [0, 0, 0])


# ---------------------------------------------------------------------------------------------------------------
# the published benchmark (two quick originals, and two that need the MaxSAT race; the full set is in
# python -m bench.schedule)


@pytest.mark.shared_data
@pytest.mark.parametrize("name", ["tic-12", "forum-13", "forum-13crafc", "tic-13crafc"])
def test_published_optimum_is_reached(name: str) -> None:
    from storage.dzn import read_instance

    data = shared_data("b2b-meetings")
    with (data / "published_optima.csv").open(encoding="utf-8") as handle:
        optimum = {row["instance"]: int(row["optimal_breaks_d2"]) for row in csv.DictReader(handle)}[name]
    inst = read_instance(data / "original" / f"{name}.original.dzn")
    sched = solve(inst, fairness=2, time_limit=120)
    assert sched.status == "optimal"
    assert sched.breaks == optimum
    assert validate(inst, sched, fairness=2) == []
