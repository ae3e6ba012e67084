"""API keys with roles. Keys look like ``cci_<prefix>_<secret>``; the database keeps the prefix (to
find the row) and the SHA-256 of the whole key, compared in constant time."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from matcher.access import KeyInfo, check_key
from storage.db import ApiKeyRow, writing


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_key(engine: Engine, role: str, label: str = "", *, event_id: int | None = None,
               profile_id: str | None = None) -> str:
    """A new key with ``role`` (and scope); the clear key is returned once and never stored."""
    check_key(role, label, event_id=event_id, profile_id=profile_id)
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
