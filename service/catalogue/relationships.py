"""Relationships between the catalogue's profiles: partnerships imported from a file (all or nothing by default,
or the good rows), added and deleted one by one, and every relationship (derived ones included) listed by
profile and kind. Rows are checked by :mod:`matcher.relationships`; storage and the derived kinds are
:mod:`storage.relationships`."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from matcher.errors import FieldError, NotFoundError, error_report
from matcher.relationships import RELATIONSHIP_KINDS, Relationship, relationship_rows, valid_relationship
from service import params
from service.catalogue.index import Catalogue
from storage import relationships as store


class RelationshipNotFoundError(NotFoundError):
    """No stored relationship with this id."""


@dataclass(frozen=True, kw_only=True)
class RelationshipImport:
    """What an import did: rows read, partnerships added and updated (the same pair, kind and reference as a
    stored one), and every bad row's problems."""

    records: int
    inserted: int
    updated: int
    errors: tuple[FieldError, ...]
    atomic: bool

    @property
    def written(self) -> int:
        return self.inserted + self.updated

    def to_dict(self) -> dict[str, Any]:
        return {"records": self.records, "written": self.written, "inserted": self.inserted,
                "updated": self.updated, "rejected_rows": len({e.row for e in self.errors}), "atomic": self.atomic,
                **error_report(self.errors)}


def _known(cat: Catalogue) -> Callable[[str], bool]:
    """Whether a profile id is in the catalogue."""
    return lambda pid: cat.find(pid) is not None


def import_relationships(cat: Catalogue, records: Sequence[Mapping[str, Any]], *, atomic: bool = True,
                         today: datetime.date | None = None) -> RelationshipImport:
    """Check every row (:data:`matcher.relationships.RELATIONSHIP_COLUMNS`); write the good ones in one
    transaction, or none if ``atomic`` and any row is bad. Importing a file again changes nothing."""
    good, errors = relationship_rows(records, known=_known(cat), today=today or datetime.date.today())
    inserted = updated = 0
    if good and not (atomic and errors):
        inserted, updated = store.write_partnerships(cat.engine, good)
    return RelationshipImport(records=len(records), inserted=inserted, updated=updated, errors=tuple(errors),
                              atomic=atomic)


def add_relationship(cat: Catalogue, record: Mapping[str, Any], *, today: datetime.date | None = None
                     ) -> tuple[Relationship, bool]:
    """Store one partnership (:class:`InvalidFieldsError` if bad); the same pair, kind and reference as a stored
    one updates it. Returns the stored relationship and whether it is new."""
    found = valid_relationship(record, known=_known(cat), today=today or datetime.date.today())
    inserted, _updated = store.write_partnerships(cat.engine, [found])
    stored = store.find_partnership(cat.engine, found)
    if stored is None:  # deleted by another process in between
        raise RelationshipNotFoundError("the relationship was deleted meanwhile")
    return stored, bool(inserted)


def get_relationship(cat: Catalogue, relationship_id: int) -> Relationship:
    """A stored relationship (derived ones have no id)."""
    found = store.get_partnership(cat.engine, relationship_id)
    if found is None:
        raise RelationshipNotFoundError(f"no stored relationship with id {relationship_id}")
    return found


def delete_relationship(cat: Catalogue, relationship_id: int) -> None:
    """Delete a stored relationship; derived ones change with what they come from (a cluster's members, the
    meetings of an event)."""
    if not store.delete_partnership(cat.engine, relationship_id):
        raise RelationshipNotFoundError(f"no stored relationship with id {relationship_id}")


def list_relationships(cat: Catalogue, *, profile: str | None = None, kind: str | None = None) -> list[Relationship]:
    """Every relationship (derived ones included), or those of one profile (an unknown id is a
    :class:`NotFoundError`) and of one kind."""
    if profile is not None:
        cat.profile(profile)
    kinds = params.codes("kind", kind, RELATIONSHIP_KINDS)
    return [r for r in store.load_relationships(cat.engine)
            if (profile is None or r.involves(profile)) and (not kinds or r.kind in kinds)]
