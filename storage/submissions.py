"""Profiles sent through the web form, waiting for an editor: a new organisation, or a change to one, is
kept here (the record as sent) until an editor approves it (then it is written to the catalogue like any
ingest) or rejects it. The organisation's private edit link is a random token whose SHA-256 is kept with
the profile id it may edit."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Engine, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage.db import Base, writing
from storage.events import UtcDateTime

STATUSES: tuple[str, ...] = ("pending", "approved", "rejected")


class SubmissionRow(Base):
    __tablename__ = "profile_submissions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    profile_id: Mapped[str] = mapped_column(String(64), index=True)
    change: Mapped[str] = mapped_column(String(8))  # "new" or "edit"
    record: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(10), index=True)
    note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    decided_by: Mapped[str | None] = mapped_column(String(16), nullable=True)  # the editor's key prefix


class OwnerRow(Base):
    __tablename__ = "profile_owners"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    profile_id: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


@dataclass(frozen=True, kw_only=True)
class Submission:
    id: int
    profile_id: str
    change: str
    record: dict[str, Any]
    status: str
    note: str
    created_at: datetime
    decided_at: datetime | None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _submission(row: SubmissionRow) -> Submission:
    return Submission(id=row.id, profile_id=row.profile_id, change=row.change, record=dict(row.record),
                      status=row.status, note=row.note or "", created_at=row.created_at, decided_at=row.decided_at)


def ensure_schema(engine: Engine) -> None:
    Base.metadata.create_all(writing(engine), tables=[SubmissionRow.__table__, OwnerRow.__table__])  # type: ignore[list-item]


def submit(engine: Engine, *, profile_id: str, change: str, record: dict[str, Any],
           new_owner: bool) -> tuple[int, str | None]:
    """Keep a submission (pending); with ``new_owner``, also a new edit token for the profile, returned once.
    An earlier pending submission for the same profile is replaced (the latest one is what an editor sees)."""
    token = secrets.token_urlsafe(24) if new_owner else None
    now = datetime.now(UTC)
    with Session(writing(engine)) as s, s.begin():
        for row in s.scalars(select(SubmissionRow).where(SubmissionRow.profile_id == profile_id,
                                                         SubmissionRow.status == "pending")):
            row.status, row.decided_at, row.note = "rejected", now, "replaced by a newer submission"
        row = SubmissionRow(profile_id=profile_id, change=change, record=record, status="pending", created_at=now)
        s.add(row)
        if token is not None:
            s.add(OwnerRow(token_hash=_digest(token), profile_id=profile_id, created_at=now))
        s.flush()
        return row.id, token


def owner_of(engine: Engine, token: str) -> str | None:
    """The profile id an edit token may edit, or None."""
    with Session(engine) as s:
        row = s.get(OwnerRow, _digest(token))
        return row.profile_id if row else None


def get(engine: Engine, submission_id: int) -> Submission | None:
    with Session(engine) as s:
        row = s.get(SubmissionRow, submission_id)
        return _submission(row) if row else None


def pending(engine: Engine) -> list[Submission]:
    with Session(engine) as s:
        return [_submission(r) for r in s.scalars(select(SubmissionRow).where(SubmissionRow.status == "pending")
                                                  .order_by(SubmissionRow.created_at))]


def latest(engine: Engine, profile_id: str) -> Submission | None:
    """The newest submission of a profile (pending or decided)."""
    with Session(engine) as s:
        row = s.scalars(select(SubmissionRow).where(SubmissionRow.profile_id == profile_id)
                        .order_by(SubmissionRow.id.desc()).limit(1)).first()
        return _submission(row) if row else None


def decide(engine: Engine, submission_id: int, *, status: str, by: str | None, note: str = "") -> bool:
    """Mark a pending submission approved or rejected; False if it is no longer pending."""
    with Session(writing(engine)) as s, s.begin():
        row = s.get(SubmissionRow, submission_id)
        if row is None or row.status != "pending":
            return False
        row.status, row.decided_at, row.decided_by, row.note = status, datetime.now(UTC), by, note[:500]
        return True


def reopen(engine: Engine, submission_id: int) -> None:
    """Back to pending (an approval whose publication failed)."""
    with Session(writing(engine)) as s, s.begin():
        row = s.get(SubmissionRow, submission_id)
        if row is not None:
            row.status, row.decided_at, row.decided_by = "pending", None, None
