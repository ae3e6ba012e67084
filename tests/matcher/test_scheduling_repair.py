"""Repair on the day (matcher.scheduling.repair): unaffected meetings stay put, every move is reported, and on tiny
events the answer is the lexicographic optimum found by enumerating every schedule.

The repair bound asserted on every tiny case: among all valid schedules of the changed event (started slots
untouched, lost tables unused), take those holding the most previously scheduled meetings, then the most new
ones; among them the fewest moves M*; among those with M* moves the fewest breaks B*. The repair must report
exactly M* moves and B* breaks, and B* is never below the breaks of a from-scratch solve that holds the same
meetings with no limit on moves (a from-scratch solve is the repair with unlimited moves).
"""

from __future__ import annotations

import itertools
import random
from dataclasses import replace

import pytest

from matcher.scheduling import (
    Instance,
    Meeting,
    Place,
    Repair,
    breaks_per_participant,
    repair_schedule,
    solve,
    validate,
)
from matcher.scheduling.repair import repair_problems


def _places(instance: Instance) -> list[Place | None]:
    found = solve(instance, fairness=None, time_limit=10)
    assert found.status == "optimal"
    return [Place(slot=s, table=t) for s, t in zip(found.slots, found.tables, strict=True)]  # type: ignore[arg-type]


def _checked(instance: Instance, previous: list[Place | None], **kw: object) -> Repair:
    result = repair_schedule(instance, previous, time_limit=20, **kw)  # type: ignore[arg-type]
    assert validate(instance, result.schedule, fairness=None) == []
    lost = kw.get("lost_tables")
    assert repair_problems(instance, previous, result, lost_tables=lost) == []  # type: ignore[arg-type]
    return result


def _brute_force(instance: Instance, previous: list[Place | None], started: int,
                 lost: dict[int, int]) -> tuple[int, int, int, int]:
    """(scheduled held, new held, -moves, -breaks) of the best schedule, by backtracking over every (slot, table)
    or "not held" per meeting."""
    n = len(instance.meetings)
    best: list[tuple[int, int, int, int]] = []

    def usable(s: int, t: int) -> bool:
        return s < started or lost.get(t, instance.n_slots) > s

    def choices(m: int) -> list[tuple[int, int] | None]:
        old = previous[m]
        if old is not None and old.slot < started:
            return [(old.slot, old.table)]
        meeting = instance.meetings[m]
        out: list[tuple[int, int] | None] = [None]
        for s in instance.session_slots(meeting.session):
            if s < started or s in instance.forbidden_of(meeting.a) | instance.forbidden_of(meeting.b):
                continue
            out += [(s, t) for t in range(instance.n_tables) if usable(s, t)]
        return out

    options = [choices(m) for m in range(n)]
    chosen: list[tuple[int, int] | None] = [None] * n

    def walk(m: int, busy: set[tuple[int, int]], tables: set[tuple[int, int]]) -> None:
        if m == n:
            slots = [c[0] if c else None for c in chosen]
            held_old = sum(1 for k in range(n) if previous[k] is not None and chosen[k] is not None)
            held_new = sum(1 for k in range(n) if previous[k] is None and chosen[k] is not None)
            olds = [(p.slot, p.table) if p is not None else None for p in previous]
            moves = sum(1 for k in range(n) if olds[k] is not None and chosen[k] not in (None, olds[k]))
            key = (held_old, held_new, -moves, -sum(breaks_per_participant(instance, slots)))
            if not best or key > best[0]:
                best[:] = [key]
            return
        meeting = instance.meetings[m]
        for c in options[m]:
            if c is not None:
                s, t = c
                if (meeting.a, s) in busy or (meeting.b, s) in busy or (s, t) in tables:
                    continue
                chosen[m] = c
                walk(m + 1, busy | {(meeting.a, s), (meeting.b, s)}, tables | {(s, t)})
            else:
                chosen[m] = None
                walk(m + 1, busy, tables)

    walk(0, set(), set())
    return best[0]


def _key(instance: Instance, previous: list[Place | None], result: Repair) -> tuple[int, int, int, int]:
    held = result.schedule.slots
    return (sum(1 for p, s in zip(previous, held, strict=True) if p is not None and s is not None),
            sum(1 for p, s in zip(previous, held, strict=True) if p is None and s is not None),
            -len(result.moves), -(result.schedule.breaks or 0))


def _tiny(rng: random.Random) -> Instance:
    n_p, n_slots, n_tables = rng.randint(3, 5), rng.randint(3, 4), rng.randint(1, 2)
    every = list(itertools.combinations(range(n_p), 2))
    pairs = rng.sample(every, rng.randint(min(3, len(every) - 1), min(5, len(every) - 1)))  # a pair left to add
    return Instance(n_participants=n_p, n_slots=n_slots, n_morning=n_slots, n_tables=n_tables,
                    meetings=tuple(Meeting(a=a, b=b) for a, b in pairs))


def _forbid(instance: Instance, p: int, slots: set[int]) -> Instance:
    forbidden = [set(instance.forbidden_of(q)) for q in range(instance.n_participants)]
    forbidden[p] |= slots
    return replace(instance, forbidden=tuple(frozenset(f) for f in forbidden))


CHANGES = ("cancel", "late", "new", "table", "late-started")


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("change", CHANGES)
def test_repair_is_the_lexicographic_optimum_on_tiny_events(seed: int, change: str) -> None:
    rng = random.Random(seed * 31 + CHANGES.index(change))
    base = _tiny(rng)
    found = solve(base, fairness=None, time_limit=10)
    if found.status != "optimal":  # too many meetings for the tables: draw again with fewer
        base = replace(base, meetings=base.meetings[:2])
    previous = _places(base)
    instance, started, lost = base, 0, {}
    if change == "cancel":
        gone = rng.randrange(len(base.meetings))
        instance = replace(base, meetings=tuple(m for k, m in enumerate(base.meetings) if k != gone))
        previous = [p for k, p in enumerate(previous) if k != gone]
    elif change in ("late", "late-started"):
        p = base.meetings[0].a
        started = 1 if change == "late-started" else 0
        instance = _forbid(base, p, set(range(rng.randint(1, 2))))
    elif change == "new":
        existing = {frozenset((m.a, m.b)) for m in base.meetings}
        fresh = [(a, b) for a, b in itertools.combinations(range(base.n_participants), 2)
                 if frozenset((a, b)) not in existing]
        a, b = rng.choice(fresh)
        instance = replace(base, meetings=(*base.meetings, Meeting(a=a, b=b)))
        previous = [*previous, None]
    else:
        lost = {rng.randrange(base.n_tables): rng.randint(0, 1)}
    result = _checked(instance, previous, started=started, lost_tables=lost)
    assert result.schedule.status == "optimal"
    assert _key(instance, previous, result) == _brute_force(instance, previous, started, lost)
    held = [m for m, s in enumerate(result.schedule.slots) if s is not None]
    scratch = solve(replace(instance, meetings=tuple(instance.meetings[m] for m in held)), fairness=None,
                    time_limit=10)
    if started == 0 and not lost:  # the same event without a moves limit: never fewer breaks than that
        assert scratch.breaks is not None and scratch.breaks <= (result.schedule.breaks or 0)


def _day() -> tuple[Instance, list[Place | None]]:
    """Participant 0 meets 1, 2, 3 in slots 0, 1, 2 at tables 0, 0, 0; 4 meets 5 in slot 0 at table 1;
    slots 3 and 4 are free; 2 tables."""
    instance = Instance(n_participants=6, n_slots=5, n_morning=5, n_tables=2,
                        meetings=(Meeting(a=0, b=1), Meeting(a=0, b=2), Meeting(a=0, b=3), Meeting(a=4, b=5)))
    return instance, [Place(slot=0, table=0), Place(slot=1, table=0), Place(slot=2, table=0), Place(slot=0, table=1)]


def test_a_cancellation_moves_nothing() -> None:
    instance, previous = _day()
    after = replace(instance, meetings=instance.meetings[1:])
    result = _checked(after, previous[1:])
    assert result.moves == () and result.unheld == {} and result.added == ()
    assert [Place(slot=s, table=t) for s, t in zip(result.schedule.slots, result.schedule.tables,  # type: ignore
                                                   strict=True)] == previous[1:]


def test_a_late_arrival_moves_only_what_it_must() -> None:
    instance, previous = _day()
    late = _forbid(instance, 1, {0, 1})  # participant 1 arrives for slot 2: its meeting at slot 0 must move
    result = _checked(late, previous)
    assert [x.meeting for x in result.moves] == [0]
    assert result.moves[0].old == Place(slot=0, table=0) and result.moves[0].new.slot in (3, 4)
    assert result.schedule.slots[1:] == (1, 2, 0) and result.schedule.tables[1:] == (0, 0, 1)
    assert result.moves[0].new == Place(slot=3, table=0)  # fewest breaks: right after participant 0's slot 2


def test_a_late_arrival_in_started_slots_keeps_history() -> None:
    instance, previous = _day()
    late = _forbid(instance, 0, {0, 1, 2})  # forbidden slots before 'started' are history, ignored
    result = _checked(replace(instance, forbidden=tuple(
        frozenset(s for s in f if s >= 1) for f in late.forbidden)), previous, started=1)
    moved = {x.meeting: x for x in result.moves}
    assert result.schedule.slots[0] == 0 and result.schedule.slots[3] == 0  # slot 0 started: untouched
    assert set(moved) == {1, 2} and all(x.new.slot >= 3 for x in moved.values())


def test_a_new_meeting_takes_a_free_place_without_moves() -> None:
    instance, previous = _day()
    more = replace(instance, meetings=(*instance.meetings, Meeting(a=1, b=4)))
    result = _checked(more, [*previous, None])
    assert result.moves == () and result.added == (4,)
    assert result.schedule.slots[4] in (1, 2, 3, 4)


def test_a_new_meeting_never_pushes_out_a_scheduled_one() -> None:
    instance = Instance(n_participants=3, n_slots=1, n_morning=1, n_tables=1, meetings=(Meeting(a=0, b=1),
                                                                                        Meeting(a=0, b=2)))
    result = _checked(instance, [Place(slot=0, table=0), None])
    assert result.schedule.slots == (0, None) and result.moves == () and result.added == ()
    assert set(result.unheld) == {1}


def test_a_lost_table_moves_its_meetings_to_another_table_in_the_same_slot() -> None:
    instance, previous = _day()
    result = _checked(instance, previous, lost_tables={0: 1})  # table 0 lost from slot 1 (slot 0 keeps it)
    moved = {x.meeting: x for x in result.moves}
    assert set(moved) == {1, 2}
    assert all(x.new == Place(slot=x.old.slot, table=1) for x in moved.values())


def test_a_meeting_that_can_no_longer_be_held_has_a_reason() -> None:
    instance, previous = _day()
    late = _forbid(instance, 0, {0, 1, 3, 4})  # participant 0 keeps one usable slot for three meetings
    result = _checked(late, previous)
    assert len(result.unheld) == 2 and all(m in (0, 1, 2) for m in result.unheld)
    assert {r.kind for r in result.unheld.values()} == {"overloaded_participants"}
    assert result.schedule.slots[2] == 2 and result.moves == ()  # the meeting that still fits stays put


def test_started_slots_are_frozen_and_new_meetings_go_later() -> None:
    instance, previous = _day()
    more = replace(instance, meetings=(*instance.meetings, Meeting(a=2, b=5)))
    result = _checked(more, [*previous, None], started=2, lost_tables={0: 0})
    assert result.schedule.slots[:2] == (0, 1) and result.schedule.tables[:2] == (0, 0)  # history
    assert result.schedule.slots[4] is not None and result.schedule.slots[4] >= 2
    assert [x.meeting for x in result.moves] == [2]  # table 0 is lost from now on: only slot 2's meeting moves


def test_fairness_when_given_is_hard() -> None:
    instance, previous = _day()
    result = repair_schedule(replace(instance, meetings=instance.meetings[:3]), previous[:3], fairness=0)
    assert validate(replace(instance, meetings=instance.meetings[:3]), result.schedule, fairness=0) == []


def test_stands_are_respected() -> None:
    instance = Instance(n_participants=4, n_slots=3, n_morning=3, n_tables=2, stands=(1, None, None, None),
                        meetings=(Meeting(a=0, b=1), Meeting(a=2, b=3)))
    previous: list[Place | None] = [Place(slot=0, table=1), Place(slot=1, table=1)]
    late = replace(_forbid(instance, 1, {0}), meetings=(*instance.meetings, Meeting(a=0, b=3)))
    result = _checked(late, [*previous, None])
    for m, meeting in enumerate(late.meetings):
        if 0 in (meeting.a, meeting.b) and result.schedule.slots[m] is not None:
            assert result.schedule.tables[m] == 1


def test_bad_input_is_refused() -> None:
    instance, previous = _day()
    with pytest.raises(ValueError, match="per meeting"):
        repair_schedule(instance, previous[:2])
    with pytest.raises(ValueError, match="clash"):
        repair_schedule(instance, [Place(slot=0, table=0)] * 4)
    with pytest.raises(ValueError, match="lost table"):
        repair_schedule(instance, previous, lost_tables={5: 0})
    with pytest.raises(ValueError, match="started"):
        repair_schedule(instance, previous, started=9)
