"""Who should meet whom at an event: each participant's best partners among the other participants
(mutual matches first), pending requests prefilled from them, and the score and reason of any pair as
its viewer's suggestions see them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from matcher.constraints import Constraints
from matcher.errors import InvalidRequestError
from matcher.events import PRIORITIES, MeetingRequest, NewRequest
from service.catalogue import suggest_many
from service.events.plan import EventService, event
from storage import events as store

PREFILL_MESSAGE = "Suggested by the organiser"  # stored on prefilled requests; pages show it translated


@dataclass(frozen=True, kw_only=True)
class Recommendation:
    participant: str
    partner: str
    partner_name: str
    score: float
    mutual: bool  # each is in the other's top k
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"participant": self.participant, "partner": self.partner, "partner_name": self.partner_name,
                "score": round(self.score, 4), "mutual": self.mutual, "reason": self.reason}


def recommend(svc: EventService, event_id: int, *, k: int = 5, of: str | None = None) -> list[Recommendation]:
    """Each participant's top ``k`` partners among the event's participants, mutual matches first; or only
    the rows of participant ``of`` (mutual flags still use everyone's lists)."""
    if not 1 <= k <= 100:
        raise InvalidRequestError(f"recommend: field 'k' = {k}: must be 1 to 100")
    ids = [p.profile_id for p in event(svc, event_id).participants]
    # one batched call over the event's sub-catalogue; a profile that left the catalogue after the
    # event was created is simply absent from the result
    everyone = frozenset(ids)
    found = suggest_many(svc.catalogue, [pid for pid in ids if everyone - {pid}], k=k,
                         constraints=Constraints(only_ids=everyone), allow_same_country=True)
    tops = {pid: [(s.id, s.name, s.score, s.reason) for s in lst.suggestions] for pid, lst in found.items()}
    listed = {pid: {t[0] for t in top} for pid, top in tops.items()}
    out = []
    for pid in ids:
        if of is not None and pid != of:
            continue
        rows = [Recommendation(participant=pid, partner=b, partner_name=name, score=score, reason=reason,
                               mutual=pid in listed.get(b, set()))
                for b, name, score, reason in tops.get(pid, [])]
        out.extend(sorted(rows, key=lambda r: (not r.mutual, -r.score, r.partner)))
    return out


def prefill(svc: EventService, event_id: int, *, k: int = 5, priority: str = "want", mutual_only: bool = False,
            expires_at: datetime | None = None) -> list[MeetingRequest]:
    """Pending requests from the recommendations (one per pair), skipping pairs that have any request."""
    if priority not in PRIORITIES:
        raise InvalidRequestError(f"prefill: field 'priority' = {priority!r}: choose one of {', '.join(PRIORITIES)}")
    taken = store.requested_pairs(svc.engine, event_id)
    new = []
    for rec in recommend(svc, event_id, k=k):
        pair = frozenset((rec.participant, rec.partner))
        if pair in taken or (mutual_only and not rec.mutual):
            continue
        taken.add(pair)
        new.append(NewRequest(from_id=rec.participant, to_id=rec.partner, priority=priority,
                              message=PREFILL_MESSAGE, expires_at=expires_at, score=rec.score,
                              reason=rec.reason))
    return store.add_requests(svc.engine, event_id, new) if new else []


def matches(svc: EventService, wanted: Mapping[str, Iterable[str]]) -> dict[tuple[str, str], tuple[float, str]]:
    """Score and reason of (viewer, partner) pairs, as the viewer's suggestions see them."""
    only = {viewer: frozenset(partners) - {viewer} for viewer, partners in wanted.items()}
    only = {viewer: ids for viewer, ids in only.items() if ids}
    found = suggest_many(svc.catalogue, list(only), k={v: min(len(ids), 100) for v, ids in only.items()},
                         constraints={v: Constraints(only_ids=ids) for v, ids in only.items()},
                         allow_same_country=True)
    return {(viewer, s.id): (s.score, s.reason) for viewer, lst in found.items() for s in lst.suggestions}
