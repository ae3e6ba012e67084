"""The event schedule: validated, musts first, capacity, rescheduling, structured reasons."""

from __future__ import annotations

import re
from datetime import time

from matcher import scheduling
from service import events as ev
from service.events import (
    EventService,
)
from tests.service.events.helpers import (
    accept_all,
    check_stored,
    make_event,
    plan,
)


def test_schedule_passes_the_scheduler_validation(svc: EventService, captured) -> None:
    eid = make_event(svc, tables=2, extra={"tn-1": {"forbidden_slots": "1;2", "stand": "2"}})
    ev.prefill(svc, eid, k=3)
    accept_all(svc, eid)
    summary = ev.schedule(svc, eid, time_limit=10)
    instance, result = captured[-1]
    assert scheduling.validate(instance, result, fairness=2) == []
    assert summary.status in ("optimal", "feasible") and summary.stored
    assert summary.requested == len(ev.list_requests(svc, eid, ("accepted",))) == len(instance.meetings)
    assert summary.held + len(summary.left_out) == summary.requested
    assert summary.held == len(ev.assignments(svc, eid)) > 0
    check_stored(svc, eid)
    tn1 = {r.id for r in ev.list_requests(svc, eid) if "tn-1" in (r.from_id, r.to_id)}
    assert all(a.table == 2 for a in ev.assignments(svc, eid) if a.request_id in tn1)  # tn-1 hosts at its stand


def test_oversubscription_keeps_musts_and_covers_everyone(svc: EventService, captured) -> None:
    two_slots = plan(morning_end=time(10), afternoon_start=None, afternoon_end=None)  # 2 slots
    eid = make_event(svc, tables=2, plan=two_slots, ids=["tn-1", "tn-2", "ma-1", "fr-1", "it-1", "es-1"])
    for a, b, prio in [("fr-1", "tn-1", "must"), ("fr-1", "tn-2", "must"), ("fr-1", "ma-1", "want"),
                       ("fr-1", "it-1", "want"), ("fr-1", "es-1", "want"), ("it-1", "tn-2", "want"),
                       ("es-1", "ma-1", "want")]:
        ev.request(svc, eid, a, b, priority=prio)
    accept_all(svc, eid)
    summary = ev.schedule(svc, eid, time_limit=10)
    instance, result = captured[-1]
    assert scheduling.validate(instance, result, fairness=2) == []
    assert summary.must_held == summary.must_requested == 2
    assert all(x.priority == "want" and x.reason for x in summary.left_out)
    reqs = {r.id: r for r in ev.list_requests(svc, eid)}
    met = {p for a in ev.assignments(svc, eid) for p in (reqs[a.request_id].from_id, reqs[a.request_id].to_id)}
    assert met == {"tn-1", "tn-2", "ma-1", "fr-1", "it-1", "es-1"}  # nobody left with no meeting
    assert all("participant 'fr-1'" in x.reason and not re.search(r"participants? \d", x.reason)
               for x in summary.left_out)  # indices are translated to profile ids


def test_max_meetings_leaves_lowest_priority_out(svc: EventService) -> None:
    eid = make_event(svc, extra={"fr-1": {"max_meetings": "1"}})
    must = ev.request(svc, eid, "fr-1", "tn-1", priority="must")
    want = ev.request(svc, eid, "fr-1", "ma-1", priority="want")
    accept_all(svc, eid)
    summary = ev.schedule(svc, eid, time_limit=5)
    assert [a.request_id for a in ev.assignments(svc, eid)] == [must.id]
    assert [(x.request_id, x.priority) for x in summary.left_out] == [(want.id, "want")]
    assert "maximum of 1 meeting(s)" in summary.left_out[0].reason


def test_rescheduling_replaces_and_cancelling_frees_the_slot(svc: EventService) -> None:
    eid = make_event(svc)
    a = ev.request(svc, eid, "tn-1", "fr-1")
    b = ev.request(svc, eid, "tn-2", "it-1")
    accept_all(svc, eid)
    ev.schedule(svc, eid, time_limit=5)
    assert {x.request_id for x in ev.assignments(svc, eid)} == {a.id, b.id}
    ev.cancel(svc, b.id, by="tn-2")
    assert {x.request_id for x in ev.assignments(svc, eid)} == {a.id}
    ev.schedule(svc, eid, time_limit=5)
    assert {x.request_id for x in ev.assignments(svc, eid)} == {a.id}


def test_solver_reasons_name_requests_and_profiles() -> None:
    """The solver's structured reasons (0-based indexes) come back with profile ids, request ids and slot
    numbers, in fields a page can translate and in English."""
    from matcher.scheduling import Reason
    from service.events.scheduling import _fields, _words

    ids, requests = ["tn-1", "fr-1", "it-1"], [10, 11]
    why = Reason(family="fixed", kind="no_slot", participants=(0, 2), meetings=(1,), slots=(3,), detail="either")
    assert _words(why, ids, requests) == (
        "fixed: request 11 (participants 'tn-1' and 'it-1') has no allowed slot (session either, fixed slot 4)")
    assert _fields(why, ids, requests) == {"family": "fixed", "kind": "no_slot", "participants": ("tn-1", "it-1"),
                                           "requests": (11,), "slots": (4,), "families": (), "counts": (),
                                           "detail": "either"}
    lower = Reason(family="priority", kind="lower_priority", participants=(0, 1), meetings=(0, 1))
    assert _words(lower, ids, [7, 9]) == "lower priority than requests [7, 9] of the same participants"
    assert why.text == "fixed: meeting 2 (participants 1 and 3) has no allowed slot (session either, fixed slot 4)"
