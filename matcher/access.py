"""Who may do what: roles, what each grants, and the scope of a key (one event, one participant).

"organiser" runs events (all of them, or one when the key names an event); "participant" is bound to one
event and one profile: it sees and acts on its own requests and agenda only; reader and editor keys have
no access to events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from matcher.errors import InvalidRequestError
from matcher.text import text_problem

ROLES: tuple[str, ...] = ("reader", "editor", "organiser", "participant", "admin")
GRANTS: dict[str, frozenset[str]] = {
    "reader": frozenset({"reader"}),
    "editor": frozenset({"reader", "editor"}),
    "organiser": frozenset({"reader", "organiser"}),
    "participant": frozenset({"participant"}),
    "admin": frozenset({"reader", "editor", "organiser", "admin"}),
}
MAX_LABEL = 200


@dataclass(frozen=True, kw_only=True)
class KeyInfo:
    """A key as the service knows it: never the key itself, only its prefix, role and scope."""

    prefix: str
    role: str
    label: str
    created_at: datetime
    revoked: bool
    event_id: int | None = None  # organiser keys may, participant keys must, name an event
    profile_id: str | None = None  # participant keys: the participant it speaks for

    @property
    def scope(self) -> str:
        parts = [f"event {self.event_id}"] if self.event_id is not None else []
        if self.profile_id is not None:
            parts.append(f"participant {self.profile_id}")
        return ", ".join(parts) or "all"


def allows(role: str | None, needed: str) -> bool:
    """Whether ``role`` grants ``needed`` (see GRANTS); an unknown or missing role grants nothing."""
    return role is not None and needed in GRANTS.get(role, frozenset())


def check_key(role: str, label: str, *, event_id: int | None, profile_id: str | None) -> None:
    """:class:`InvalidRequestError` (naming the option) unless a key with this role, label and scope makes sense."""
    if role not in ROLES:
        raise InvalidRequestError(f"--role: unknown role {role!r}; choose one of {', '.join(ROLES)}")
    if role == "participant" and (event_id is None or not profile_id):
        raise InvalidRequestError("--role: a participant key needs an event and a profile id (the participant it "
                                  "speaks for)")
    if role != "participant" and profile_id is not None:
        raise InvalidRequestError(f"--profile: only a participant key speaks for a profile, not a {role} key")
    if role not in ("participant", "organiser") and event_id is not None:
        raise InvalidRequestError(f"--event: only organiser and participant keys are bound to an event, not a "
                                  f"{role} key")
    problem = text_problem(label, multiline=False, bidi=False) if len(label) <= MAX_LABEL else \
        f"at most {MAX_LABEL} characters"
    if problem is not None:
        raise InvalidRequestError(f"--label: {problem}")
