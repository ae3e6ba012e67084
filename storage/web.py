"""Browser sessions of the web app: a random token in an HttpOnly cookie, only its SHA-256 stored. A session
is opened with an API key (an organiser's, a participant's personal link, an editor's) and carries that
key's role and scope; revoking the key ends its sessions at once."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, Integer, String, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage.db import ApiKeyRow, Base, writing
from storage.events import UtcDateTime

SESSION_HOURS = 24 * 14  # a fair lasts days; a personal link should survive the week of the fair


class WebSessionRow(Base):
    __tablename__ = "web_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    role: Mapped[str] = mapped_column(String(12))
    key_prefix: Mapped[str | None] = mapped_column(String(16), nullable=True)  # the API key it was opened with
    event_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    profile_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)


@dataclass(frozen=True, kw_only=True)
class WebSession:
    role: str
    event_id: int | None
    profile_id: str | None
    key_prefix: str | None
    expires_at: datetime


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def ensure_schema(engine: Engine) -> None:
    Base.metadata.create_all(writing(engine), tables=[WebSessionRow.__table__])  # type: ignore[list-item]


def open_session(engine: Engine, *, role: str, event_id: int | None = None, profile_id: str | None = None,
                 key_prefix: str | None = None, hours: int = SESSION_HOURS) -> str:
    """A new session; the clear token is returned once (for the cookie) and never stored."""
    token = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    with Session(writing(engine)) as s, s.begin():
        s.add(WebSessionRow(token_hash=_digest(token), role=role, key_prefix=key_prefix, event_id=event_id,
                            profile_id=profile_id, created_at=now, expires_at=now + timedelta(hours=hours)))
    return token


def find_session(engine: Engine, token: str) -> WebSession | None:
    """The live session of a cookie's token: not expired, and its key (if any) not revoked."""
    with Session(engine) as s:
        row = s.get(WebSessionRow, _digest(token))
        if row is None or row.expires_at <= datetime.now(UTC):
            return None
        if row.key_prefix is not None:
            key = s.get(ApiKeyRow, row.key_prefix)
            if key is None or key.revoked_at is not None:
                return None
        return WebSession(role=row.role, event_id=row.event_id, profile_id=row.profile_id,
                          key_prefix=row.key_prefix, expires_at=row.expires_at)


def close_session(engine: Engine, token: str) -> None:
    with Session(writing(engine)) as s, s.begin():
        s.execute(delete(WebSessionRow).where(WebSessionRow.token_hash == _digest(token)))


def close_expired(engine: Engine) -> int:
    with Session(writing(engine)) as s, s.begin():
        rows = s.scalars(select(WebSessionRow.token_hash).where(WebSessionRow.expires_at <= datetime.now(UTC)))
        gone = list(rows)
        if gone:
            s.execute(delete(WebSessionRow).where(WebSessionRow.token_hash.in_(gone)))
        return len(gone)
