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

from storage.db import ApiKeyRow

ROLES: tuple[str, ...] = ("reader", "editor", "admin")  # each role includes the ones before it


@dataclass(frozen=True, kw_only=True)
class KeyInfo:
    prefix: str
    role: str
    label: str
    created_at: datetime
    revoked: bool


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_key(engine: Engine, role: str, label: str = "") -> str:
    """A new key with ``role``; the clear key is returned once and never stored."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    prefix = secrets.token_hex(4)
    key = f"cci_{prefix}_{secrets.token_urlsafe(24)}"
    with Session(engine) as s, s.begin():
        s.add(ApiKeyRow(prefix=prefix, key_hash=_digest(key), role=role, label=label))
    return key


def revoke_key(engine: Engine, key_or_prefix: str) -> bool:
    """Revoke by full key or by prefix; False if no such key."""
    prefix = key_or_prefix.split("_")[1] if key_or_prefix.startswith("cci_") else key_or_prefix
    with Session(engine) as s, s.begin():
        row = s.get(ApiKeyRow, prefix)
        if row is None:
            return False
        row.revoked_at = datetime.now(UTC)
        return True


def list_keys(engine: Engine) -> list[KeyInfo]:
    with Session(engine) as s:
        return [KeyInfo(prefix=r.prefix, role=r.role, label=r.label, created_at=r.created_at,
                        revoked=r.revoked_at is not None)
                for r in s.scalars(select(ApiKeyRow).order_by(ApiKeyRow.created_at))]


def role_of(engine: Engine, key: str) -> str | None:
    """The role of a valid, unrevoked key, or None. The hash comparison is constant-time."""
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
        return row.role


def allows(role: str | None, needed: str) -> bool:
    return role is not None and ROLES.index(role) >= ROLES.index(needed)
