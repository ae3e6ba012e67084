"""Relationships between profiles. Partnerships are stored (``relationships``: one row per unordered pair, kind
and reference, upserted); the other kinds are derived at read time, so they can never disagree with what they
come from: ``cluster_member`` from the ``members`` of kind=cluster profiles (dated by the cluster profile's last
write), ``met_at_event`` from the meetings of events (accepted, scheduled, slot started, and not recorded a
no-show by every side that answered; dated by the meeting's day at the venue, with the best outcome either side
recorded). Relationships whose profiles have left the catalogue are not returned.

:func:`load_relationships` reads everything in three queries in one snapshot; :func:`relationships_version`
changes whenever its answer may (see there), so readers can cache on it."""

from __future__ import annotations

import datetime
import functools
import json
import weakref
from collections.abc import Sequence
from typing import Any, TypeVar, cast

from sqlalchemy import (
    BindParameter,
    Date,
    Engine,
    Integer,
    Select,
    String,
    Table,
    UniqueConstraint,
    and_,
    bindparam,
    case,
    delete,
    func,
    null,
    select,
    tuple_,
)
from sqlalchemy import cast as cast_
from sqlalchemy.orm import Mapped, Session, mapped_column

from matcher.events import zone
from matcher.relationships import Relationship, best_outcome, partnership
from storage import outcomes
from storage.db import Base, MetaRow, ProfileRow, snapshot, writing
from storage.events import AssignmentRow, EventRow, RequestRow, SlotRow, UtcDateTime
from storage.outcomes import OutcomeRow
from storage.repository import RELATIONSHIPS_KEY, VERSION_KEY, bump_version, dialect_insert

_CHUNK = 300  # keys per statement (four parameters each)
_STARTED_BITS = 24  # relationships_version: the low bits count the meetings whose slot has started


class RelationshipRow(Base):
    """A stored partnership (the other kinds are derived, never stored)."""

    __tablename__ = "relationships"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(64), index=True)  # the smaller id of the pair
    target: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    day: Mapped[datetime.date] = mapped_column(Date)
    origin: Mapped[str] = mapped_column(String(100), default="")
    reference: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime.datetime] = mapped_column(UtcDateTime)

    __table_args__ = (UniqueConstraint("source", "target", "kind", "reference", name="one_relationship_per_key"),)


def _relationship(row: RelationshipRow) -> Relationship:
    return partnership(row.source, row.target, date=row.day, origin=row.origin or "", reference=row.reference or "",
                       id=row.id)


_READY: weakref.WeakSet[Engine] = weakref.WeakSet()


def ensure_schema(engine: Engine) -> None:
    """Create the tables relationships are read from, once per engine (the events', outcomes' and this one)."""
    if engine in _READY:
        return
    outcomes.ensure_schema(engine)
    Base.metadata.create_all(writing(engine), tables=[cast(Table, RelationshipRow.__table__)])
    _READY.add(engine)


# --- partnerships -----------------------------------------------------------------------------------------
def write_partnerships(engine: Engine, found: Sequence[Relationship]) -> tuple[int, int]:
    """Insert or update partnerships (a stored one with the same pair, kind and reference gets the new date and
    origin), in one transaction; returns (inserted, updated)."""
    ensure_schema(engine)
    rows = sorted(({"source": r.source, "target": r.target, "kind": r.kind, "day": r.date, "origin": r.origin,
                    "reference": r.reference} for r in found),
                  key=lambda x: (x["source"], x["target"], x["kind"], x["reference"]))
    if not rows:
        return 0, 0
    table = cast(Table, RelationshipRow.__table__)
    key = tuple_(table.c.source, table.c.target, table.c.kind, table.c.reference)
    now = datetime.datetime.now(datetime.UTC)
    with Session(writing(engine)) as s, s.begin():
        existing: set[tuple[str, str, str, str]] = set()
        for start in range(0, len(rows), _CHUNK):
            wanted = [(x["source"], x["target"], x["kind"], x["reference"]) for x in rows[start : start + _CHUNK]]
            existing.update(tuple(k) for k in s.execute(select(table.c.source, table.c.target, table.c.kind,
                                                                table.c.reference).where(key.in_(wanted))))
        dialect = s.get_bind().dialect.name
        conn = s.connection()
        if dialect in ("sqlite", "postgresql"):
            statement = dialect_insert(dialect)(table)
            statement = statement.on_conflict_do_update(
                index_elements=[table.c.source, table.c.target, table.c.kind, table.c.reference],
                set_={"day": statement.excluded.day, "origin": statement.excluded.origin})
            for start in range(0, len(rows), _CHUNK):
                conn.execute(statement, [{**x, "created_at": now} for x in rows[start : start + _CHUNK]])
        else:
            for x in rows:
                k = (x["source"], x["target"], x["kind"], x["reference"])
                if k in existing:
                    s.execute(table.update().where(key == k).values(day=x["day"], origin=x["origin"]))
                else:
                    s.execute(table.insert().values(**x, created_at=now))
        bump_version(s, RELATIONSHIPS_KEY)
    updated = sum((x["source"], x["target"], x["kind"], x["reference"]) in existing for x in rows)
    return len(rows) - updated, updated


def find_partnership(engine: Engine, found: Relationship) -> Relationship | None:
    """The stored partnership with the same pair, kind and reference as ``found``."""
    ensure_schema(engine)
    low, high, kind, reference = found.key
    with Session(engine) as s:
        row = s.scalars(select(RelationshipRow).where(RelationshipRow.source == low, RelationshipRow.target == high,
                                                      RelationshipRow.kind == kind,
                                                      RelationshipRow.reference == reference)).first()
        return _relationship(row) if row is not None else None


def get_partnership(engine: Engine, relationship_id: int) -> Relationship | None:
    ensure_schema(engine)
    with Session(engine) as s:
        row = s.get(RelationshipRow, relationship_id)
        return _relationship(row) if row is not None else None


def delete_partnership(engine: Engine, relationship_id: int) -> bool:
    """Delete one stored partnership; whether it existed."""
    ensure_schema(engine)
    with Session(writing(engine)) as s, s.begin():
        done = s.execute(delete(RelationshipRow).where(RelationshipRow.id == relationship_id))
        if not getattr(done, "rowcount", 0):
            return False
        bump_version(s, RELATIONSHIPS_KEY)
        return True


# --- every relationship -----------------------------------------------------------------------------------
Query = TypeVar("Query", bound=Select[*tuple[Any, ...]])


def _held(query: Query, now: datetime.datetime | BindParameter[Any]) -> Query:
    """``query`` (on the requests) joined to the slots of the accepted, scheduled meetings whose slot has started
    at ``now``."""
    return (query.join(AssignmentRow, AssignmentRow.request_id == RequestRow.id)
            .join(SlotRow, and_(SlotRow.event_id == AssignmentRow.event_id, SlotRow.index == AssignmentRow.slot))
            .where(RequestRow.state == "accepted", SlotRow.start <= now))


def load_relationships(engine: Engine, *, now: datetime.datetime | None = None) -> list[Relationship]:
    """Every relationship between profiles of the catalogue: stored partnerships (by id), then the derived
    cluster members (by cluster, as listed) and meetings held at events (by meeting). ``now`` (default: now)
    decides which meetings have started. Three queries, in one snapshot."""
    ensure_schema(engine)
    moment = now or datetime.datetime.now(datetime.UTC)
    with Session(snapshot(engine)) as s, s.begin():
        members = case((ProfileRow.kind == "cluster", ProfileRow.members), else_=null()).label("members")
        profiles = s.execute(select(ProfileRow.id, members, ProfileRow.updated_at)).all()  # ~2.5x faster at 100k
        stored, met = _stored_and_met(s, moment)
    ids = {p.id for p in profiles}
    out = [r for r in stored if r.source in ids and r.target in ids]
    for p in sorted(profiles, key=lambda p: p.id):
        if p.members:
            day = p.updated_at.date()
            out += [Relationship(source=p.id, target=m, kind="cluster_member", date=day)
                    for m in dict.fromkeys(p.members) if m in ids and m != p.id]
    return out + [r for r in met if r.source in ids and r.target in ids]


def _stored_and_met(s: Session, moment: datetime.datetime) -> tuple[list[Relationship], list[Relationship]]:
    """The stored partnerships (by id) and the meetings held at events by ``moment`` (by meeting; no-shows left
    out), whether or not their profiles still exist. Two queries in the session's transaction."""
    stored = s.scalars(select(RelationshipRow).order_by(RelationshipRow.id)).all()
    meetings = s.execute(_held(
        select(RequestRow.id, RequestRow.event_id, RequestRow.from_id, RequestRow.to_id, SlotRow.start,
               EventRow.name, EventRow.timezone, OutcomeRow.outcome).select_from(RequestRow), moment)
        .join(EventRow, EventRow.id == RequestRow.event_id)
        .outerjoin(OutcomeRow, OutcomeRow.request_id == RequestRow.id)
        .order_by(RequestRow.id, OutcomeRow.profile_id)).all()
    said: dict[int, list[str]] = {}
    first: dict[int, tuple[int, str, str, datetime.datetime, str, str]] = {}
    for rid, event_id, a, b, start, name, timezone, outcome in meetings:
        first.setdefault(rid, (event_id, a, b, start, name, timezone))
        said.setdefault(rid, []).extend([outcome] if outcome else [])
    met = []
    for rid, (event_id, a, b, start, name, timezone) in first.items():
        best = best_outcome(said[rid])
        if best == "no_show":
            continue
        met.append(Relationship(source=a, target=b, kind="met_at_event", date=start.astimezone(zone(timezone)).date(),
                                origin=name, reference=f"event:{event_id}", outcome=best))
    return [_relationship(r) for r in stored], met


Clusters = dict[str, tuple[datetime.date, tuple[str, ...]]]  # cluster id -> (day of its last write, members)


def graph_sources(engine: Engine, *, now: datetime.datetime | None = None
                  ) -> tuple[int, list[Relationship], Clusters]:
    """What :func:`load_relationships` derives its answer from, for a reader that keeps only the relationships
    between the rows it holds (the relationship graph): the catalogue version, the stored partnerships and the
    meetings held (as there, whether or not their profiles still exist), and every cluster profile with members
    (found by the kind index: not the 1M profile rows load_relationships reads, 11 of its 12 s at 1M). One
    snapshot."""
    ensure_schema(engine)
    moment = now or datetime.datetime.now(datetime.UTC)
    with Session(snapshot(engine)) as s, s.begin():
        meta = s.get(MetaRow, VERSION_KEY)
        version = int(meta.value) if meta else 0
        stored, met = _stored_and_met(s, moment)
        clusters = _clusters(s, None)
    return version, stored + met, clusters


def clusters_among(engine: Engine, ids: Sequence[str]) -> Clusters:
    """The cluster profiles with members among ``ids``, as :func:`graph_sources` gives them."""
    wanted = sorted(set(ids))
    out: Clusters = {}
    with Session(engine) as s:
        for start in range(0, len(wanted), _CHUNK):
            out |= _clusters(s, wanted[start : start + _CHUNK])
    return out


def _clusters(s: Session, ids: Sequence[str] | None) -> Clusters:
    """Cluster profiles with members: their JSON text compared in SQL and decoded only when not empty (decoding
    the 67k empty lists of the 1M bench catalogue took 2 s)."""
    text = cast_(ProfileRow.members, String)
    query = (select(ProfileRow.id, text, ProfileRow.updated_at)
             .where(ProfileRow.kind == "cluster", ProfileRow.members.is_not(None), text.not_in(("[]", "null"))))
    if ids is not None:
        query = query.where(ProfileRow.id.in_(ids))
    out: Clusters = {}
    for pid, members, updated in s.execute(query):
        listed = json.loads(members) if isinstance(members, str) else members
        if listed:
            out[pid] = (updated.date(), tuple(listed))
    return out


def relationship_marks(engine: Engine, *, now: datetime.datetime | None = None) -> tuple[int, int]:
    """What :func:`relationships_version` counts besides the catalogue version: the relationships counter and
    the meetings whose slot has started at ``now``. While both stay the same, only profile writes can change
    :func:`load_relationships`' answer."""
    _, counter, started = _counters(engine, now)
    return counter, started


def relationships_version(engine: Engine, *, now: datetime.datetime | None = None) -> int:
    """A number that changes whenever :func:`load_relationships` may answer differently, and never goes down:
    the catalogue version (profiles, and so cluster members) plus the relationships counter (partnerships
    written or deleted, outcomes recorded, schedules replaced, scheduled meetings cancelled), shifted left, plus
    the number of scheduled meetings whose slot has started at ``now`` (meetings become relationships as time
    passes; anything that lowers this number also bumps the counter). Two queries."""
    version, counter, started = _counters(engine, now)
    return ((version + counter) << _STARTED_BITS) + min(started, (1 << _STARTED_BITS) - 1)


@functools.cache
def _counter_queries() -> tuple[Select[str, str], Select[Any]]:
    """The two statements of :func:`_counters`, built once (``now`` bound at execution): building them took most
    of its 2.3 ms per suggestion (under load, 10k bench catalogue)."""
    return (select(MetaRow.key, MetaRow.value).where(MetaRow.key.in_((VERSION_KEY, RELATIONSHIPS_KEY))),
            _held(select(func.count(RequestRow.id)).select_from(RequestRow), bindparam("now")))


def _counters(engine: Engine, now: datetime.datetime | None) -> tuple[int, int, int]:
    """(catalogue version, relationships counter, meetings started at ``now``), in one snapshot."""
    ensure_schema(engine)
    moment = now or datetime.datetime.now(datetime.UTC)
    counters_query, started_query = _counter_queries()
    with snapshot(engine).connect() as conn, conn.begin():  # Core, not an ORM session: every suggestion asks
        counters = {key: value for key, value in conn.execute(counters_query)}
        started = conn.scalar(started_query, {"now": moment}) or 0
    return int(counters.get(VERSION_KEY, 0)), int(counters.get(RELATIONSHIPS_KEY, 0)), int(started)
