"""API keys with roles. Keys look like ``cci_<prefix>_<secret>``; the database keeps the prefix (to
find the row) and the SHA-256 of the whole key, compared in constant time."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from matcher.text import text_problem
from storage.db import ApiKeyRow, writing

ROLES: tuple[str, ...] = ("reader", "editor", "organiser", "participant", "admin")
# What each role may do. "organiser" runs events (all of them, or one when the key names an event);
# "participant" is bound to one event and one profile: it sees and acts on its own requests and agenda only.
GRANTS: dict[str, frozenset[str]] = {
    "reader": frozenset({"reader"}),
    "editor": frozenset({"reader", "editor"}),
    "organiser": frozenset({"reader", "organiser"}),
    "participant": frozenset({"participant"}),
    "admin": frozenset({"reader", "editor", "organiser", "admin"}),
}


@dataclass(frozen=True, kw_only=True)
class KeyInfo:
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


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_key(engine: Engine, role: str, label: str = "", *, event_id: int | None = None,
               profile_id: str | None = None) -> str:
    """A new key with ``role`` (and scope); the clear key is returned once and never stored."""
    if role not in ROLES:
        raise ValueError(f"role: unknown role {role!r}; choose one of {', '.join(ROLES)}")
    if role == "participant" and (event_id is None or not profile_id):
        raise ValueError("role: a participant key needs an event and a profile id (the participant it speaks for)")
    if role != "participant" and profile_id is not None:
        raise ValueError(f"profile: only a participant key speaks for a profile, not a {role} key")
    if role not in ("participant", "organiser") and event_id is not None:
        raise ValueError(f"event: only organiser and participant keys are bound to an event, not a {role} key")
    problem = text_problem(label, multiline=False, bidi=False) if len(label) <= 200 else "at most 200 characters"
    if problem is not None:
        raise ValueError(f"label: {problem}")
    prefix = secrets.token_hex(4)
    key = f"cci_{prefix}_{secrets.token_urlsafe(24)}"
    with Session(writing(engine)) as s, s.begin():
        s.add(ApiKeyRow(prefix=prefix, key_hash=_digest(key), role=role, label=label, event_id=event_id,
                        profile_id=profile_id))
    return key


def revoke_key(engine: Engine, key_or_prefix: str) -> bool:
    """Revoke by full key or by prefix; False if no such key."""
    prefix = key_or_prefix.split("_")[1] if key_or_prefix.startswith("cci_") else key_or_prefix
    with Session(writing(engine)) as s, s.begin():
        row = s.get(ApiKeyRow, prefix)
        if row is None:
            return False
        row.revoked_at = datetime.now(UTC)
        return True


def list_keys(engine: Engine) -> list[KeyInfo]:
    with Session(engine) as s:
        return [_info(r) for r in s.scalars(select(ApiKeyRow).order_by(ApiKeyRow.created_at))]


def _info(row: ApiKeyRow) -> KeyInfo:
    return KeyInfo(prefix=row.prefix, role=row.role, label=row.label, created_at=row.created_at,
                   revoked=row.revoked_at is not None, event_id=row.event_id, profile_id=row.profile_id)


def role_of(engine: Engine, key: str) -> str | None:
    """The role of a valid, unrevoked key, or None."""
    info = identify(engine, key)
    return info.role if info else None


def identify(engine: Engine, key: str) -> KeyInfo | None:
    """Role and scope of a valid, unrevoked key, or None. The hash comparison is constant-time."""
    parts = key.split("_")
    if len(parts) < 3 or parts[0] != "cci":
        return None
    with Session(engine) as s:
        row = s.get(ApiKeyRow, parts[1])
        digest = _digest(key)
        if row is None:
            hmac.compare_digest(digest, digest)  # same work whether or not the prefix exists
            return None
        if not hmac.compare_digest(row.key_hash, digest) or row.revoked_at is not None:
            return None
        return _info(row)


def allows(role: str | None, needed: str) -> bool:
    """Whether ``role`` grants ``needed`` (see GRANTS); an unknown or missing role grants nothing."""
    return role is not None and needed in GRANTS.get(role, frozenset())
