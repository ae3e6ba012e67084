"""Reading and writing profiles and cached embeddings; every write is one transaction."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import cast

import numpy as np
from sqlalchemy import Engine, Table, delete, func, insert, select
from sqlalchemy.orm import Session

from matcher.profile import Profile
from matcher.protocols import Role
from storage.db import EmbeddingRow, MetaRow, ProfileRow

VERSION_KEY = "catalogue_version"
_CHUNK = 500  # ids or rows per statement (well under every database's parameter limit)
_LIST_FIELDS = ("sectors", "offers", "needs", "partnership_types", "languages", "members")


def text_hash(role: Role, text: str) -> str:
    """Cache key of one text as the encoder sees it (the role decides the e5 prefix)."""
    return hashlib.sha256(f"{role}\x00{text}".encode()).hexdigest()


def _to_row(p: Profile) -> dict[str, object]:
    record = p.to_record(private=True)
    return {k: (list(v) if k in _LIST_FIELDS else v) for k, v in record.items()}


def _from_row(row: ProfileRow) -> Profile:
    return Profile(
        id=row.id, name=row.name, kind=row.kind, country=row.country, city=row.city or "",
        sectors=tuple(row.sectors), description=row.description, offers=tuple(row.offers or ()),
        needs=tuple(row.needs or ()), partnership_types=tuple(row.partnership_types or ()),
        languages=tuple(row.languages or ()), size=row.size, website=row.website or "",
        contact_email=row.contact_email or "", members=tuple(row.members or ()),
    )


def bump_version(session: Session) -> int:
    row = session.get(MetaRow, VERSION_KEY)
    if row is None:
        row = MetaRow(key=VERSION_KEY, value="0")
        session.add(row)
    row.value = str(int(row.value) + 1)
    return int(row.value)


def catalogue_version(engine: Engine) -> int:
    with Session(engine) as s:
        row = s.get(MetaRow, VERSION_KEY)
        return int(row.value) if row else 0


def write_profiles(
    engine: Engine, profiles: Sequence[Profile], *, model_id: str, vectors: dict[str, np.ndarray]
) -> None:
    """Insert or replace profiles and store their new embeddings, all in one transaction: new ids in one
    multi-row INSERT, existing ones merged (a per-row SELECT is what made ingest slower than encoding)."""
    with Session(engine) as s, s.begin():
        ids = [p.id for p in profiles]
        existing: set[str] = set()
        for start in range(0, len(ids), _CHUNK):
            existing.update(s.scalars(select(ProfileRow.id).where(ProfileRow.id.in_(ids[start : start + _CHUNK]))))
        fresh = [_to_row(p) for p in profiles if p.id not in existing]
        if fresh:
            s.connection().execute(insert(cast(Table, ProfileRow.__table__)), fresh)
        for p in profiles:
            if p.id in existing:
                s.merge(ProfileRow(**_to_row(p)))
        _merge_vectors(s, model_id, vectors)
        bump_version(s)


def delete_profiles(engine: Engine, ids: Iterable[str]) -> int:
    with Session(engine) as s, s.begin():
        result = s.execute(delete(ProfileRow).where(ProfileRow.id.in_(list(ids))))
        bump_version(s)
        return int(getattr(result, "rowcount", 0) or 0)


def load_profiles(engine: Engine) -> list[Profile]:
    """All profiles, sorted by id (the row order of the index)."""
    with Session(engine) as s:
        return [_from_row(r) for r in s.scalars(select(ProfileRow).order_by(ProfileRow.id))]


def count_profiles(engine: Engine) -> int:
    with Session(engine) as s:
        return int(s.scalar(select(func.count()).select_from(ProfileRow)) or 0)


def cached_vectors(engine: Engine, model_id: str, hashes: Iterable[str]) -> dict[str, np.ndarray]:
    """Cached embeddings among ``hashes`` for ``model_id``: hash -> (dim,) float32."""
    wanted = list(set(hashes))
    out: dict[str, np.ndarray] = {}
    with Session(engine) as s:
        for start in range(0, len(wanted), 900):  # stay under SQLite's bound-parameter limit
            chunk = wanted[start : start + 900]
            rows = s.execute(
                select(EmbeddingRow.text_hash, EmbeddingRow.vector).where(
                    EmbeddingRow.model_id == model_id, EmbeddingRow.text_hash.in_(chunk)
                )
            )
            for h, blob in rows:
                out[h] = np.frombuffer(blob, "<f4")
    return out


def store_vectors(engine: Engine, model_id: str, vectors: dict[str, np.ndarray]) -> None:
    """Add embeddings to the cache (used when an index is rebuilt and texts were missing)."""
    if not vectors:
        return
    with Session(engine) as s, s.begin():
        _merge_vectors(s, model_id, vectors)


def _merge_vectors(s: Session, model_id: str, vectors: dict[str, np.ndarray]) -> None:
    """Add cache entries; an entry already there is kept (same model and text: the same vector). SQLite and
    PostgreSQL get one multi-row INSERT ... ON CONFLICT DO NOTHING, other databases a merge per row."""
    rows = [{"model_id": model_id, "text_hash": h, "dim": int(vec.shape[0]), "vector": np.asarray(vec, "<f4").tobytes()}
            for h, vec in vectors.items()]
    if not rows:
        return
    dialect = s.get_bind().dialect.name
    if dialect not in ("sqlite", "postgresql"):
        for row in rows:
            s.merge(EmbeddingRow(**row))
        return
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    else:
        from sqlalchemy.dialects.postgresql import insert as dialect_insert  # type: ignore[assignment]
    statement = dialect_insert(cast(Table, EmbeddingRow.__table__)).on_conflict_do_nothing()
    conn = s.connection()
    for start in range(0, len(rows), _CHUNK):
        conn.execute(statement, rows[start : start + _CHUNK])


def insert_new(engine: Engine, profiles: Sequence[Profile], *, model_id: str,
               vectors: dict[str, np.ndarray]) -> None:
    """Bulk path for profiles and cache entries that are known to be new (a fresh catalogue, a
    benchmark): one multi-row INSERT per table in one transaction, no per-row merge. An existing id
    or cache key is an integrity error; use :func:`write_profiles` to insert or update."""
    with Session(engine) as s, s.begin():
        conn = s.connection()  # Core executemany: no ORM bookkeeping per row
        if profiles:
            conn.execute(insert(cast(Table, ProfileRow.__table__)), [_to_row(p) for p in profiles])
        if vectors:
            conn.execute(insert(cast(Table, EmbeddingRow.__table__)), [
                {"model_id": model_id, "text_hash": h, "dim": int(v.shape[0]),
                 "vector": np.asarray(v, "<f4").tobytes()} for h, v in vectors.items()])
        bump_version(s)
