"""SQLAlchemy 2.0 schema. SQLite file by default; any SQLAlchemy URL (e.g. PostgreSQL) works."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, Connection, Engine, Integer, LargeBinary, String, Text, create_engine, event, inspect
from sqlalchemy import text as sql
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


def _now() -> datetime:
    return datetime.now(UTC)


class ProfileRow(Base):
    __tablename__ = "profiles"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), index=True)
    country: Mapped[str] = mapped_column(String(2), index=True)
    city: Mapped[str] = mapped_column(String(200), default="")
    sectors: Mapped[list[str]] = mapped_column(JSON)
    description: Mapped[str] = mapped_column(Text)
    offers: Mapped[list[str]] = mapped_column(JSON, default=list)
    needs: Mapped[list[str]] = mapped_column(JSON, default=list)
    partnership_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    size: Mapped[int | None] = mapped_column(Integer, nullable=True)
    website: Mapped[str] = mapped_column(String(300), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    members: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)  # kind=cluster only
    updated_at: Mapped[datetime] = mapped_column(default=_now, onupdate=_now)
    # The catalogue version that last wrote this row (NULL: written before the column existed, so older than
    # any saved snapshot): a process holding version v reads only the rows changed since (see repository).
    changed_in: Mapped[int | None] = mapped_column(Integer, nullable=True)


class DeletionRow(Base):
    """Tombstone of a deleted profile: the catalogue version that deleted it (rows changed since v = the
    profiles written after v plus these)."""

    __tablename__ = "profile_deletions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, index=True)


class EmbeddingRow(Base):
    """Cache: one vector per (model, role + text); re-ingesting unchanged text costs nothing."""

    __tablename__ = "embeddings"

    model_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    text_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    dim: Mapped[int] = mapped_column(Integer)
    vector: Mapped[bytes] = mapped_column(LargeBinary)  # float32 little-endian


class MetaRow(Base):
    """Key-value facts about the catalogue, e.g. its version (bumped by every write)."""

    __tablename__ = "meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


def database_url(db: str | Path) -> str:
    """A SQLAlchemy URL from a URL or a file path (a path means SQLite)."""
    text = str(db)
    return text if "://" in text else f"sqlite:///{Path(text).expanduser()}"


WRITE = "ccimatch_write"  # execution option: this transaction will write (see :func:`writing`)


def writing(engine: Engine) -> Engine:
    """The engine for transactions that write. On SQLite they start with BEGIN IMMEDIATE, taking the write
    lock at once: a deferred transaction that read first and then writes after another process committed
    gets SQLITE_BUSY at once, without waiting for the busy timeout (seen with two servers on one file).
    Reads stay deferred, so they never wait for writers. Other databases: the same transactions as before."""
    return engine.execution_options(**{WRITE: True})


def snapshot(engine: Engine) -> Engine:
    """The engine for reads that must see one state of the database across several statements (a
    catalogue version and the profiles it counts): REPEATABLE READ on PostgreSQL; SQLite's own transactions
    are snapshots already once SQLAlchemy, not pysqlite, emits BEGIN (see :func:`open_database`)."""
    return engine.execution_options(isolation_level="REPEATABLE READ") if engine.dialect.name == "postgresql" \
        else engine


def open_database(db: str | Path) -> Engine:
    """Engine with the schema created; SQLite gets WAL, a busy timeout and real transactions.

    pysqlite by default emits no BEGIN before a SELECT (two reads in one "transaction" may see two states)
    and a deferred BEGIN before the first write; the SQLAlchemy recipe turns that off
    (``isolation_level=None``) and emits BEGIN itself, BEGIN IMMEDIATE for :func:`writing` transactions.
    Measured cost: a read transaction takes 0.29 ms instead of 0.23 (the BEGIN and ROLLBACK round trips).
    """
    url = database_url(db)
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30} if url.startswith("sqlite") else {})
    if url.startswith("sqlite"):
        @event.listens_for(engine, "connect")
        def _pragmas(conn: Any, _record: Any) -> None:
            conn.isolation_level = None  # pysqlite emits no BEGIN of its own; _begin below does
            cur = conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin(conn: Connection) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(WRITE) else "BEGIN")

    with writing(engine).begin() as conn:  # one process at a time creates or migrates the schema
        if engine.dialect.name == "postgresql":
            conn.execute(sql("SELECT pg_advisory_xact_lock(7220531)"))  # any constant: ccimatch's schema lock
        Base.metadata.create_all(conn)
        _add_new_columns(conn)
        _ensure_uid(conn)
        conn.execute(sql(f"CREATE INDEX IF NOT EXISTS {CHANGED_INDEX} ON profiles (changed_in)"))
    return engine


CHANGED_INDEX = "ix_profiles_changed_in"  # made here, not by create_all: a database made before gets it too
UID_KEY = "database_uid"  # meta key: this database's random identity, named by its saved indexes


def _ensure_uid(conn: Connection) -> None:
    """Give the database its random identity once (inside the schema lock, so two processes agree)."""
    if conn.execute(sql("SELECT value FROM meta WHERE key = :key"), {"key": UID_KEY}).first() is None:
        conn.execute(sql("INSERT INTO meta (key, value) VALUES (:key, :value)"),
                     {"key": UID_KEY, "value": secrets.token_hex(16)})


def _add_new_columns(conn: Connection) -> None:
    """Bring a database made by an older version up to date: add the nullable columns it lacks.

    Only additive, nullable columns are ever introduced, so this is the whole migration story.
    """
    found = inspect(conn)
    for table in Base.metadata.sorted_tables:
        have = {c["name"] for c in found.get_columns(table.name)}
        for column in table.columns:
            if column.name not in have:
                if not column.nullable:
                    raise RuntimeError(f"database table {table.name} lacks the required column {column.name}")
                kind = column.type.compile(dialect=conn.dialect)
                conn.execute(sql(f'ALTER TABLE {table.name} ADD COLUMN "{column.name}" {kind}'))


class ApiKeyRow(Base):
    """An API key: only its SHA-256 is stored; the clear key is shown once, at creation."""

    __tablename__ = "api_keys"

    prefix: Mapped[str] = mapped_column(String(16), primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(10))
    label: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=_now)
    revoked_at: Mapped[datetime | None] = mapped_column(nullable=True)
    event_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # organiser/participant scope
    profile_id: Mapped[str | None] = mapped_column(String(64), nullable=True)  # participant keys: who
