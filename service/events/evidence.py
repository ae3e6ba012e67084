"""Why two participants of an event should meet, as evidence a page can word in its own language: the
suggestion the viewer's search makes of each partner (score, the best-matching pair of phrases, the sectors),
not only its one-line English reason.

:func:`recommended` gives a participant's recommendations (mutual matches first, exactly as
:func:`service.events.recommend`) each with its suggestion; :func:`explained` gives the suggestions for partners
already chosen (an agenda, requests), as the agendas' reasons are computed (:func:`service.events.matches`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from matcher.constraints import Constraints
from matcher.explain import Suggestion
from service.catalogue import suggest_many
from service.events.matching import Recommendation, recommend
from service.events.plan import EventService, event

MAX_K = 100


@dataclass(frozen=True, kw_only=True)
class Recommended:
    """One recommended partner and the suggestion that explains it (None if the partner left the catalogue)."""

    recommendation: Recommendation
    suggestion: Suggestion | None


def recommended(svc: EventService, event_id: int, profile_id: str, *, k: int = 5) -> list[Recommended]:
    """``profile_id``'s recommendations at the event, mutual matches first, each with its suggestion: the
    same call on the same sub-catalogue as :func:`recommend`, so scores and phrases agree with it."""
    recs = recommend(svc, event_id, k=k, of=profile_id)
    everyone = event(svc, event_id).members
    found = suggest_many(svc.catalogue, [profile_id], k=k, constraints=Constraints(only_ids=everyone),
                         allow_same_country=True).get(profile_id)
    by_id = {s.id: s for s in found.suggestions} if found is not None else {}
    return [Recommended(recommendation=r, suggestion=by_id.get(r.partner)) for r in recs]


def explained(svc: EventService, viewer: str, partners: Iterable[str]) -> dict[str, Suggestion]:
    """Each partner as the viewer's suggestions see it, restricted to these partners (as an agenda's
    reasons are); partners or a viewer absent from the catalogue are left out."""
    only = frozenset(partners) - {viewer}
    if not only or svc.catalogue.find(viewer) is None:
        return {}
    found = suggest_many(svc.catalogue, [viewer], k=min(len(only), MAX_K), constraints=Constraints(only_ids=only),
                         allow_same_country=True).get(viewer)
    return {s.id: s for s in found.suggestions} if found is not None else {}
