"""Profiles from the public web form reach the catalogue only through an editor: a new organisation's
record, or a change to one, waits (validated with the same rules as ingest) until an editor approves it,
and the organisation keeps a private edit link (its token returned once)."""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from matcher.errors import ConflictError, InvalidValueError, NotFoundError
from matcher.profile import Profile, valid_profile
from service import params
from service.catalogue.index import Catalogue
from service.catalogue.profiles import put
from storage import submissions as store
from storage.submissions import Submission


@dataclass(frozen=True, kw_only=True)
class Sent:
    """What the organisation gets back: the profile as it will be published, and its edit token (new
    registrations only; shown once, kept by nobody else)."""

    profile: Profile
    submission_id: int
    token: str | None


def new_id(name: str, country: str, taken: Any) -> str:
    """A readable id for a new organisation: its country and the Latin letters of its name, e.g.
    ``ma-poterie-safi-3f2a`` (a random tail: two "Atelier Nour" never collide)."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:30].strip("-")
    while True:
        candidate = "-".join(x for x in (country.lower(), slug, secrets.token_hex(2)) if x)
        if not taken(candidate):
            return candidate


def submit_new(cat: Catalogue, record: Mapping[str, Any]) -> Sent:
    """A new organisation from the web form: validated (every problem at once), kept pending, with an edit token."""
    store.ensure_schema(cat.engine)
    draft = dict(record)
    try:  # the form may give a country's name; the id wants its code (a bad one is reported by validation)
        code = params.country("country", str(draft.get("country") or "")) or "xx"
    except InvalidValueError:
        code = "xx"
    draft["id"] = new_id(str(draft.get("name") or ""), code, lambda i: cat.find(i) is not None
                         or store.latest(cat.engine, i) is not None)
    profile = valid_profile(draft)
    submission_id, token = store.submit(cat.engine, profile_id=profile.id, change="new",
                                        record=profile.to_record(private=True), new_owner=True)
    return Sent(profile=profile, submission_id=submission_id, token=token)


def editable(cat: Catalogue, token: str) -> tuple[str, dict[str, Any]]:
    """The profile id an edit link may change and its current record: the newest submission if one waits,
    else the published profile. :class:`NotFoundError` for a link that is not one."""
    store.ensure_schema(cat.engine)
    profile_id = store.owner_of(cat.engine, token)
    if profile_id is None:
        raise NotFoundError("this edit link is not valid")
    latest = store.latest(cat.engine, profile_id)
    if latest is not None and latest.status == "pending":
        return profile_id, latest.record
    published = cat.find(profile_id)
    if published is not None:
        return profile_id, published.to_record(private=True)
    if latest is not None:
        return profile_id, latest.record
    raise NotFoundError("this edit link is not valid")


def submit_edit(cat: Catalogue, token: str, record: Mapping[str, Any]) -> Sent:
    """A change sent through an edit link: validated, kept pending; the published profile stays as it is."""
    profile_id, _current = editable(cat, token)
    profile = valid_profile({**record, "id": profile_id})
    submission_id, _ = store.submit(cat.engine, profile_id=profile_id, change="edit",
                                    record=profile.to_record(private=True), new_owner=False)
    return Sent(profile=profile, submission_id=submission_id, token=None)


def queue(cat: Catalogue) -> list[tuple[Submission, Profile | None]]:
    """Pending submissions, oldest first, each with the published profile it would replace (None if new)."""
    store.ensure_schema(cat.engine)
    return [(s, cat.find(s.profile_id)) for s in store.pending(cat.engine)]


def approve(cat: Catalogue, submission_id: int, *, by: str | None) -> Profile:
    """Publish a pending submission (written like any ingest: encoded, indexed, searchable on return)."""
    found = store.get(cat.engine, submission_id)
    if found is None:
        raise NotFoundError(f"no submission with id {submission_id}")
    if not store.decide(cat.engine, submission_id, status="approved", by=by):  # claimed: no second approval
        raise ConflictError(f"submission {submission_id} is {found.status} already")
    try:
        return put(cat, found.record)
    except Exception:
        store.reopen(cat.engine, submission_id)  # not published: it waits again
        raise


def reject(cat: Catalogue, submission_id: int, *, by: str | None, note: str = "") -> None:
    if not store.decide(cat.engine, submission_id, status="rejected", by=by, note=note):
        raise ConflictError(f"submission {submission_id} is not pending")
