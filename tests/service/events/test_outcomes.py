"""Outcomes during an event: a meeting's outcome can be recorded from its slot's start, the figures count the
meetings that have started, and recording again replaces what a side said."""

from __future__ import annotations

from datetime import timedelta

import pytest

from matcher.outcomes import OutcomeTooEarlyError
from service import events as ev
from service.events import EventService
from tests.service.events.helpers import scheduled_event


def test_outcomes_follow_the_clock_of_the_event(svc: EventService) -> None:
    eid = scheduled_event(svc)  # three meetings on 2031-12-01
    listed = ev.meetings(svc, eid)
    starts = sorted({m.start for m in listed})
    first = next(m for m in listed if m.start == starts[0])
    before, at = starts[0] - timedelta(seconds=1), starts[0]
    assert all(not m.started for m in ev.meetings(svc, eid, now=before))
    with pytest.raises(OutcomeTooEarlyError, match=f"meeting {first.request_id} starts at "):
        ev.record_outcome(svc, eid, first.request_id, by=first.from_id, outcome="useful", now=before)
    ev.record_outcome(svc, eid, first.request_id, by=first.from_id, outcome="useful", note="à suivre", now=at)
    ev.record_outcome(svc, eid, first.request_id, by=first.from_id, outcome="follow_up", now=at)  # replaces
    mine = ev.meetings(svc, eid, of=first.from_id, now=at)
    shown = next(m for m in mine if m.request_id == first.request_id)
    assert shown.started and [(o.profile_id, o.outcome, o.note) for o in shown.outcomes.values()] == [
        (first.from_id, "follow_up", "")]
    assert {m.request_id for m in mine} == {m.request_id for m in listed if first.from_id in (m.from_id, m.to_id)}
    during = ev.outcome_summary(svc, eid, now=at)
    started = sum(m.start <= at for m in listed)
    assert (during.scheduled, during.held, during.overall.fruitful) == (3, started, 1)
    after = ev.outcome_summary(svc, eid, now=starts[-1] + timedelta(hours=1))
    assert (after.held, after.unrecorded, after.share) == (3, 2, pytest.approx(1 / 3))
