"""Personal links for an event's participants: one participant key each (bound to the event and the
profile, stored hashed), to send by e-mail or print; following it opens the participant's pages. A key is
shown once, here; making links again makes new keys (the old ones work until revoked)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from matcher.errors import InvalidValueError
from service.events.plan import EventService, event, name_of
from storage.keys import create_key


@dataclass(frozen=True, kw_only=True)
class PersonalLink:
    profile_id: str
    name: str
    url: str


def personal_links(svc: EventService, event_id: int, base_url: str, *, lang: str = "en",
                   profile_ids: Sequence[str] | None = None) -> list[PersonalLink]:
    """A new participant key for each participant (or those named), as the URL that opens their pages in
    ``lang`` at ``base_url`` (e.g. ``https://fair.example.org``)."""
    data = event(svc, event_id)
    members = [p.profile_id for p in data.participants]
    chosen = members if profile_ids is None else list(profile_ids)
    strangers = [p for p in chosen if p not in members]
    if strangers:
        raise InvalidValueError("profile_ids", ", ".join(strangers), f"not participants of event {event_id}")
    if not base_url.startswith(("http://", "https://")):
        raise InvalidValueError("base_url", base_url, "give the address the participants will open, e.g. "
                                "https://fair.example.org")
    base = base_url.rstrip("/")
    return [PersonalLink(profile_id=pid, name=name_of(svc, pid),
                         url=f"{base}/{lang}/key/" + create_key(svc.engine, "participant", f"event {event_id} link",
                                                                event_id=event_id, profile_id=pid))
            for pid in chosen]
