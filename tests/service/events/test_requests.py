"""Meeting requests: the state machine, deadlines, imports."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from service import events as ev
from service.events import (
    DuplicateRequestError,
    EventService,
    InvalidFieldsError,
    TransitionError,
)
from tests.service.events.helpers import (
    make_event,
)


def test_request_state_machine(svc: EventService) -> None:
    eid = make_event(svc)
    r = ev.request(svc, eid, "tn-1", "fr-1", priority="must", message="Nos plats, vos boutiques ?")
    assert (r.state, r.priority, r.decided_by) == ("pending", "must", None)
    with pytest.raises(DuplicateRequestError):
        ev.request(svc, eid, "fr-1", "tn-1")  # same pair, other direction
    with pytest.raises(ValueError, match="cannot request a meeting with itself"):
        ev.request(svc, eid, "tn-1", "tn-1")
    with pytest.raises(ValueError, match="not a participant"):
        ev.request(svc, eid, "tn-1", "de-1")
    with pytest.raises(ValueError, match="'priority'"):
        ev.request(svc, eid, "tn-1", "it-1", priority="urgent")
    with pytest.raises(TransitionError, match="only its addressee"):
        ev.accept(svc, r.id, by="tn-1")  # the sender cannot accept its own request
    assert ev.accept(svc, r.id, by="fr-1").state == "accepted"
    with pytest.raises(TransitionError, match="is accepted; only a pending request"):
        ev.decline(svc, r.id, as_organiser=True)
    with pytest.raises(TransitionError, match="only its sender"):
        ev.cancel(svc, r.id, by="fr-1")
    assert ev.cancel(svc, r.id, by="tn-1").state == "cancelled"
    with pytest.raises(TransitionError, match="is cancelled"):
        ev.accept(svc, r.id, by="fr-1")
    again = ev.request(svc, eid, "fr-1", "tn-1")  # a cancelled request does not block the pair
    declined = ev.decline(svc, again.id, as_organiser=True)
    assert (declined.state, declined.decided_by) == ("declined", "organiser")
    with pytest.raises(ValueError, match="either a participant id or the organiser"):
        ev.accept(svc, again.id, by="tn-1", as_organiser=True)


def test_expiry(svc: EventService) -> None:
    eid = make_event(svc)
    deadline = datetime(2026, 11, 25, 18, 0, tzinfo=UTC)
    a = ev.request(svc, eid, "tn-1", "fr-1", expires_at=deadline)
    b = ev.request(svc, eid, "tn-2", "it-1", expires_at=deadline)
    c = ev.request(svc, eid, "ma-1", "it-1")
    assert ev.expire(svc, deadline - timedelta(minutes=1)) == []
    assert ev.expire(svc, deadline) == [a.id, b.id]
    assert ev.get_request(svc, a.id).state == "expired" and ev.get_request(svc, c.id).state == "pending"
    with pytest.raises(TransitionError, match="is expired"):
        ev.accept(svc, a.id, by="fr-1")
    late = ev.request(svc, eid, "lb-1", "es-1", expires_at=deadline)  # accepting after the deadline fails too
    with pytest.raises(TransitionError, match="expired at"):
        ev.accept(svc, late.id, by="es-1", now=deadline + timedelta(hours=1))
    assert ev.get_request(svc, late.id).state == "expired"
    with pytest.raises(ValueError, match="timezone-aware"):
        ev.expire(svc, datetime(2026, 11, 25))


def test_import_requests_all_or_nothing(svc: EventService) -> None:
    eid = make_event(svc)
    ev.request(svc, eid, "tn-1", "fr-1")
    bad = [{"from_id": "tn-2", "to_id": "it-1", "priority": "must", "message": "", "state": "accepted"},
           {"from_id": "fr-1", "to_id": "tn-1", "priority": "", "message": "", "state": ""},
           {"from_id": "lb-1", "to_id": "de-1", "priority": "want", "message": "", "state": ""},
           {"from_id": "ma-1", "to_id": "it-1", "priority": "soon", "message": "", "state": "maybe"},
           {"from_id": "it-1", "to_id": "tn-2", "priority": "", "message": "", "state": ""}]
    with pytest.raises(InvalidFieldsError) as exc:
        ev.import_requests(svc, eid, bad)
    text = "\n".join(str(e) for e in exc.value.errors)
    assert "row 2 id 'fr-1 -> tn-1': field 'to_id' = 'tn-1': this pair already has an active request" in text
    assert "row 3 id 'lb-1 -> de-1': field 'to_id' = 'de-1': not a participant" in text
    assert "row 4" in text and "'priority' = 'soon'" in text and "'state' = 'maybe'" in text
    assert "row 5" in text and "duplicate pair (first on row 1)" in text
    assert len(ev.list_requests(svc, eid)) == 1
    added = ev.import_requests(svc, eid, [bad[0], bad[3] | {"priority": "want", "state": ""}])
    assert [(r.state, r.decided_by) for r in added] == [("accepted", "organiser"), ("pending", None)]
