"""Writing and browsing profiles: validated ingest (atomic or partial), create, replace, patch, delete.
Texts are encoded before the one transaction that writes profiles and their new vectors; the index is
brought up to date after the commit (see :meth:`Catalogue.refresh_after_write`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from matcher.errors import ConflictError, FieldError, InvalidFieldsError, error_report
from matcher.messages import Message
from matcher.profile import Profile, valid_profile, validate_record
from matcher.suggestions import check_text
from service.catalogue.index import Catalogue, UnknownProfileError
from storage import repository as repo


@dataclass(frozen=True, kw_only=True)
class IngestReport:
    records: int
    inserted: int
    updated: int
    errors: tuple[FieldError, ...]
    atomic: bool
    encoded: int  # texts sent to the encoder
    reused: int  # texts found in the embedding cache

    @property
    def written(self) -> int:
        return self.inserted + self.updated

    def to_dict(self) -> dict[str, Any]:
        return {
            "records": self.records, "written": self.written, "inserted": self.inserted,
            "updated": self.updated, "rejected_rows": len({(e.row, e.record_id) for e in self.errors}),
            "atomic": self.atomic, "encoded_texts": self.encoded, "cached_texts": self.reused,
            **error_report(self.errors),
        }


def ingest(cat: Catalogue, records: Sequence[Mapping[str, Any]], *, atomic: bool = False,
           show_progress: bool = False) -> IngestReport:
    """Validate every record; write the good ones (or none if ``atomic`` and any is bad)."""
    good: list[Profile] = []
    errors: list[FieldError] = []
    first_row: dict[str, int] = {}
    for row, raw in enumerate(records, 1):
        profile, errs = validate_record(raw, row=row)
        if profile is not None and profile.id in first_row:
            errs = [FieldError.of(Message.of("duplicate_id", first_row=first_row[profile.id]), row=row,
                                  record_id=profile.id, field="id", value=profile.id)]
            profile = None
        errors.extend(errs)
        if profile is not None:
            first_row[profile.id] = row
            good.append(profile)
    if not good or (atomic and errors):
        return IngestReport(records=len(records), inserted=0, updated=0, errors=tuple(errors),
                            atomic=atomic, encoded=0, reused=0)
    updated, encoded, reused = _write(cat, good, show_progress=show_progress)
    return IngestReport(records=len(records), inserted=len(good) - updated, updated=updated,
                        errors=tuple(errors), atomic=atomic, encoded=encoded, reused=reused)


def _write(cat: Catalogue, profiles: Sequence[Profile], *, create_only: bool = False, show_progress: bool = False
           ) -> tuple[int, int, int]:
    """Encode the texts the cache lacks, write the profiles in one transaction, then bring the index up
    to date. Returns (updated, encoded, reused): "updated" counts ids the database already held when
    the write ran (exact even when another process wrote them meanwhile)."""
    texts = [t for p in profiles for t in (*p.view_texts().values(), *p.offers, *p.needs) if t]
    cached, new = cat.embed(texts, show_progress=show_progress)
    with cat.lock:
        existed = repo.write_profiles(cat.engine, profiles, model_id=cat.model_id, vectors=new,
                                      create_only=create_only)
        cat.refresh_after_write()
    return len(existed), len(new), len(cached)


def create(cat: Catalogue, record: Mapping[str, Any]) -> Profile:
    """Add one profile; :class:`ConflictError` if the id exists, :class:`InvalidFieldsError` if bad.
    The database decides (a plain INSERT), so two processes creating one id get one success, one 409."""
    profile = valid_profile(record)
    conflict = ConflictError(f"a profile with id {profile.id!r} already exists")
    if cat.find(profile.id) is not None:  # known here already: no need to encode anything
        raise conflict
    try:
        _write(cat, [profile], create_only=True)
    except repo.ExistingProfileError:
        raise conflict from None
    return profile


def put(cat: Catalogue, record: Mapping[str, Any]) -> Profile:
    """Create or replace one profile; searchable (with its new text) on return."""
    profile = valid_profile(record)
    _write(cat, [profile])
    return profile


def patch(cat: Catalogue, profile_id: str, changes: Mapping[str, Any]) -> Profile:
    """Change some fields of an existing profile (the id cannot change)."""
    with cat.lock:
        current = cat.profile(profile_id)
        if "id" in changes and changes["id"] != profile_id:
            raise InvalidFieldsError([FieldError.of(Message.of("id_cannot_change"), row=None, record_id=profile_id,
                                                    field="id", value=str(changes["id"]))])
        return put(cat, {**current.to_record(private=True), **changes})


def delete(cat: Catalogue, profile_id: str) -> None:
    """Delete one profile; :class:`UnknownProfileError` if absent (or deleted meanwhile elsewhere)."""
    cat.profile(profile_id)
    with cat.lock:
        if not repo.delete_profiles(cat.engine, [profile_id]):
            raise UnknownProfileError(f"no profile with id {profile_id!r}")
        cat.refresh_after_write()


def browse(cat: Catalogue, *, country: str | None = None, sector: str | None = None, kind: str | None = None,
           q: str | None = None, limit: int = 50, cursor: str | None = None) -> tuple[list[Profile], str | None]:
    """Profiles by id, filtered; ``cursor`` is the last id of the previous page. Returns the page
    and the next cursor (None at the end)."""
    check_text("q", q or "", multiline=False)
    st = cat.state(with_index=False)
    start = int(np.searchsorted(st.arrays.ids, cursor, side="right")) if cursor else 0
    needle = q.casefold() if q else None
    page: list[Profile] = []
    for p in st.profiles[start:]:
        if (country and p.country != country) or (sector and sector not in p.sectors) or (kind and p.kind != kind):
            continue
        if needle and needle not in f"{p.name} {p.description}".casefold():
            continue
        if len(page) == limit:
            return page, page[-1].id
        page.append(p)
    return page, None
