from __future__ import annotations

import pytest

from matcher.scheduling import REASON_FAMILIES, REASON_KINDS, Instance, Meeting, Reason, solve
from matcher.scheduling.analysis import left_out_reasons, static_reason

# Every kind of sentence, with the wording the solver has always printed (numbered from 1).
RENDERED: list[tuple[Reason, str]] = [
    (Reason(family="fixed", kind="no_slot", meetings=(1,), participants=(0, 2), slots=(3,), detail="either"),
     "fixed: meeting 2 (participants 1 and 3) has no allowed slot (session either, fixed slot 4)"),
    (Reason(family="forbidden", kind="no_slot", meetings=(0,), participants=(4, 1), detail="morning"),
     "forbidden: meeting 1 (participants 5 and 2) has no allowed slot (session morning, fixed none)"),
    (Reason(family="sessions", kind="no_slot_combined", meetings=(6,), participants=(0, 1), detail="afternoon"),
     "sessions: meeting 7 has no allowed slot"),
    (Reason(family="capacity", kind="overloaded", participants=(2,), counts=(5, 4)),
     "capacity: participant 3 has 5 meetings for 4 usable slots"),
    (Reason(family="precedences", kind="cycle", meetings=(1, 4, 2)), "precedences: cycle among meetings [2, 5, 3]"),
    (Reason(family="fixed", kind="feasible_without", families=("fixed", "sessions")),
     "fixed or sessions: feasible once this family is dropped"),
    (Reason(family="time_limit", kind="undecided", families=("fairness", "forbidden")),
     "undetermined: dropping fairness, forbidden was not decided in time"),
    (Reason(family="capacity", kind="infeasible_without_any", families=("fairness", "sessions")),
     "capacity: infeasible even without any single one of fairness, sessions (tables and slots)"),
    (Reason(family="capacity", kind="too_many_meetings"), "capacity: too many meetings for the slots and tables"),
    (Reason(family="forbidden", kind="no_common_slot", participants=(0, 3)),
     "no slot allowed for both participants 1 and 4 (session, forbidden or fixed slots)"),
    (Reason(family="capacity", kind="overloaded_participants", participants=(0, 3), counts=(4, 3, 6, 5)),
     "participant 1 has 4 meetings for 3 usable slots; participant 4 has 6 meetings for 5 usable slots"),
    (Reason(family="priority", kind="lower_priority", participants=(0, 1), meetings=(2, 5)),
     "lower priority than meetings [3, 6] of the same participants"),
    (Reason(family="capacity", kind="no_common_free_slot", participants=(2, 0)),
     "participants 3 and 1 have no common free allowed slot"),
    (Reason(family="tables", kind="tables_full", participants=(0, 1), slots=(0, 2), counts=(3,)),
     "slot capacity: all 3 tables taken in slots [1, 3] where both are free"),
    (Reason(family="precedences", kind="order", participants=(0, 1)),
     "precedences: no free slot respects the required order"),
    (Reason(family="fairness", kind="fairness_bound", participants=(0, 1), counts=(2,)),
     "fairness: holding it would exceed the break fairness bound 2"),
    (Reason(family="fairness", kind="fairness_bound", participants=(0, 1)),
     "fairness: holding it would exceed the break fairness bound None"),
]


@pytest.mark.parametrize(("reason", "text"), RENDERED, ids=[r.kind for r, _ in RENDERED])
def test_each_kind_renders_the_solvers_wording(reason: Reason, text: str) -> None:
    assert reason.text == text
    assert str(reason) == text


def test_every_kind_is_rendered_and_the_sets_are_closed() -> None:
    assert {r.kind for r, _ in RENDERED} == set(REASON_KINDS)
    assert {"sessions", "forbidden", "fixed", "precedences", "fairness", "capacity", "tables", "priority",
            "time_limit"} == set(REASON_FAMILIES)
    with pytest.raises(ValueError, match="unknown reason family 'tabels'"):
        Reason(family="tabels", kind="tables_full")
    with pytest.raises(ValueError, match="unknown reason kind"):
        Reason(family="tables", kind="full")
    with pytest.raises(ValueError, match="families must be among"):
        Reason(family="capacity", kind="infeasible_without_any", families=("tables",))
    with pytest.raises(ValueError, match="0-based"):
        Reason(family="capacity", kind="no_common_free_slot", participants=(-1, 0))
    with pytest.raises(AttributeError):
        Reason(family="capacity", kind="too_many_meetings").family = "tables"  # type: ignore[misc]


def test_static_reasons_name_the_meeting_its_participants_session_and_fixed_slot() -> None:
    # meeting 1 is a morning meeting fixed to an afternoon slot: dropping the fixed slot alone gives it one
    inst = Instance(n_participants=3, n_slots=4, n_morning=2, n_tables=2,
                    meetings=(Meeting(a=0, b=1), Meeting(a=0, b=2, session=1, fixed=3)))
    reason = static_reason(inst)
    assert reason == Reason(family="fixed", kind="no_slot", meetings=(1,), participants=(0, 2), slots=(3,),
                            detail="morning")
    assert reason.text == "fixed: meeting 2 (participants 1 and 3) has no allowed slot (session morning, fixed slot 4)"
    sched = solve(inst, time_limit=5)
    assert sched.status == "infeasible" and sched.infeasible_reason == reason
    # a morning meeting fixed to the afternoon, each slot forbidden to one of them: no single family explains it
    both = Instance(n_participants=2, n_slots=2, n_morning=1, n_tables=1, forbidden=(frozenset({1}), frozenset({0})),
                    meetings=(Meeting(a=0, b=1, session=1, fixed=1),))
    reason = static_reason(both)
    assert reason is not None
    assert (reason.family, reason.kind, reason.meetings) == ("sessions", "no_slot_combined", (0,))
    assert reason.text == "sessions: meeting 1 has no allowed slot"


def test_left_out_reasons_name_the_higher_priority_meetings() -> None:
    # meeting 1 (a want) can only be in slot 0, where participant 1 holds its must (meeting 0)
    inst = Instance(n_participants=4, n_slots=2, n_morning=2, n_tables=2,
                    forbidden=(frozenset(), frozenset(), frozenset({1}), frozenset({0})),
                    meetings=(Meeting(a=0, b=1, priority=2), Meeting(a=1, b=2), Meeting(a=0, b=3, priority=2)))
    reasons = left_out_reasons(inst, [0, None, 1], 2)
    assert reasons == {1: Reason(family="priority", kind="lower_priority", participants=(1, 2), meetings=(0,))}
    assert reasons[1].text == "lower priority than meetings [1] of the same participants"
