"""Typed relationships between two profiles, and the rows of a relationships file checked into them.

Three kinds: a ``partnership`` (a project or contract two organisations had together, from a source such as
CORDIS or EEN) is stored, imported and deleted; a ``cluster_member`` (the cluster as source, a member as target)
is derived from a kind=cluster profile's ``members``; ``met_at_event`` is derived from the meetings held at
events (with the best outcome either side recorded). A partnership has no direction: it is kept with the
smaller id as source, so one pair, kind and reference is one relationship however a file orders it."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from matcher.errors import FieldError, InvalidFieldsError
from matcher.event_rows import cell
from matcher.messages import Message, Refusal
from matcher.text import printable, text_issue

RELATIONSHIP_KINDS = ("partnership", "cluster_member", "met_at_event")
IMPORTED_KINDS = ("partnership",)  # the others are derived, never stored
OUTCOMES = ("no_show", "not_relevant", "useful", "follow_up", "agreement")  # worst to best
RELATIONSHIP_COLUMNS: tuple[str, ...] = ("source", "target", "kind", "date", "origin", "reference")
MAX_ORIGIN, MAX_REFERENCE = 100, 200
EARLIEST = datetime.date(1900, 1, 1)
_YEAR = re.compile(r"(\d{4})(?:\.0+)?")  # 2019, or 2019.0 from a spreadsheet's number cell
_DAY = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[ T]00:00(?::00(?:\.0+)?)?)?")  # a spreadsheet's date cell has 00:00:00


@dataclass(frozen=True, kw_only=True)
class Relationship:
    """One relationship between two profiles; ``id`` is set for stored partnerships only."""

    source: str  # profile id (for cluster_member: the cluster)
    target: str  # profile id (for cluster_member: the member)
    kind: str
    date: datetime.date
    origin: str = ""
    reference: str = ""
    outcome: str = ""  # met_at_event only: the best outcome recorded by either side ("" if none)
    id: int | None = None  # stored partnerships only; None for derived ones

    @property
    def key(self) -> tuple[str, str, str, str]:
        """What makes two relationships the same one: the unordered pair, the kind and the reference."""
        low, high = sorted((self.source, self.target))
        return low, high, self.kind, self.reference

    def involves(self, profile_id: str) -> bool:
        return profile_id in (self.source, self.target)

    def other(self, profile_id: str) -> str:
        """The other side, seen from ``profile_id``."""
        return self.target if self.source == profile_id else self.source

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "source": self.source, "target": self.target, "kind": self.kind,
                "date": self.date.isoformat(), "origin": self.origin, "reference": self.reference,
                "outcome": self.outcome}


def partnership(a: str, b: str, *, date: datetime.date, origin: str = "", reference: str = "",
                id: int | None = None) -> Relationship:
    """A partnership between ``a`` and ``b``, in its one order (the smaller id as source)."""
    low, high = sorted((a, b))
    return Relationship(source=low, target=high, kind="partnership", date=date, origin=origin, reference=reference,
                        id=id)


def best_outcome(outcomes: Sequence[str]) -> str:
    """The best of the outcomes recorded for one meeting ("" if none): agreement over follow_up over useful..."""
    known = [o for o in outcomes if o in OUTCOMES]
    return max(known, key=OUTCOMES.index) if known else ""


def parse_date(text: str, *, today: datetime.date) -> datetime.date:
    """A day (YYYY-MM-DD) or a year (YYYY: its first of January), not before 1900 and not after ``today``;
    :class:`Refusal` says why not."""
    if (year := _YEAR.fullmatch(text)) is not None:
        day = datetime.date(int(year.group(1)), 1, 1) if int(year.group(1)) >= 1 else None
    elif (full := _DAY.fullmatch(text)) is not None:
        try:
            day = datetime.date.fromisoformat(full.group(1))
        except ValueError:
            day = None
    else:
        day = None
    if day is None:
        raise Refusal(Message.of("invalid_date"))
    if day < EARLIEST:
        raise Refusal(Message.of("date_too_early", day=day.isoformat(), earliest=EARLIEST.isoformat()))
    if day > today:
        raise Refusal(Message.of("date_in_future", day=day.isoformat(), today=today.isoformat()))
    return day


def _unknown_columns(raw: Mapping[str, Any], row: int | None, where: str | None) -> list[FieldError]:
    unknown = sorted(str(k) for k in raw if k not in RELATIONSHIP_COLUMNS)
    if not unknown:
        return []
    return [FieldError.of(Message.of("unknown_columns", expected=", ".join(RELATIONSHIP_COLUMNS)), row=row,
                          record_id=where, field="columns", value=printable(", ".join(unknown)))]


def validate_relationship(raw: Mapping[str, Any], *, row: int | None, known: Callable[[str], bool],
                          today: datetime.date) -> tuple[Relationship | None, list[FieldError]]:
    """Check one row (:data:`RELATIONSHIP_COLUMNS`; kind defaults to partnership) and build its relationship;
    every problem is reported with the row, the field and the reason. ``known`` says whether a profile id is in
    the catalogue."""
    source, target = cell(raw, "source"), cell(raw, "target")
    where = printable(f"{source} -- {target}", multiline=False)
    errors = _unknown_columns(raw, row, where)

    def err(field: str, value: str, message: Message, valid: tuple[str, ...] = ()) -> None:
        errors.append(FieldError.of(message, row=row, record_id=where, field=field, value=printable(value),
                                    valid=valid, valid_key="relationship kinds" if valid else ""))

    values = {name: cell(raw, name) for name in RELATIONSHIP_COLUMNS}
    clean = {}
    for name, value in values.items():
        issue = text_issue(value, multiline=False, bidi=False)
        if issue is not None:
            err(name, value, issue)
        else:
            clean[name] = value
    for name in ("source", "target"):
        if name not in clean:
            continue
        if not clean[name]:
            err(name, "", Message.of("required_missing"))
        elif not known(clean[name]):
            err(name, clean[name], Message.of("unknown_profile"))
    if clean.get("source") and clean.get("source") == clean.get("target"):
        err("target", clean["target"], Message.of("self_relationship"))
    kind = clean.get("kind", "").casefold() or "partnership"
    if "kind" in clean and kind not in IMPORTED_KINDS:
        choices = ", ".join(IMPORTED_KINDS)
        err("kind", clean["kind"], Message.of("derived_relationship", relationship=kind, choices=choices)
            if kind in RELATIONSHIP_KINDS else Message.of("choose_one", choices=choices), IMPORTED_KINDS)
    day = None
    if "date" in clean:
        if not clean["date"]:
            err("date", "", Message.of("required_missing"))
        else:
            try:
                day = parse_date(clean["date"], today=today)
            except Refusal as exc:
                err("date", clean["date"], exc.message)
    for name, limit in (("origin", MAX_ORIGIN), ("reference", MAX_REFERENCE)):
        if len(clean.get(name, "")) > limit:
            err(name, clean[name][:40], Message.of("too_many_characters", limit=limit))
    if errors or day is None:
        return None, errors
    return partnership(clean["source"], clean["target"], date=day, origin=clean["origin"],
                       reference=clean["reference"]), []


def relationship_rows(rows: Sequence[Mapping[str, Any]], *, known: Callable[[str], bool], today: datetime.date
                      ) -> tuple[list[Relationship], list[FieldError]]:
    """The good rows' relationships and every bad row's problems; a relationship listed twice (same pair, kind
    and reference, in either order) is refused on its second row, as a profile id listed twice is."""
    good: list[Relationship] = []
    errors: list[FieldError] = []
    first: dict[tuple[str, str, str, str], int] = {}
    for row, raw in enumerate(rows, 1):
        found, problems = validate_relationship(raw, row=row, known=known, today=today)
        if found is not None and found.key in first:
            problems = [FieldError.of(Message.of("duplicate_relationship", first_row=first[found.key]), row=row,
                                      record_id=printable(f"{found.source} -- {found.target}"), field="reference",
                                      value=printable(found.reference))]
            found = None
        errors.extend(problems)
        if found is not None:
            first[found.key] = row
            good.append(found)
    return good, errors


def valid_relationship(raw: Mapping[str, Any], *, known: Callable[[str], bool], today: datetime.date
                       ) -> Relationship:
    """The relationship of one record, or :class:`InvalidFieldsError` listing every problem."""
    found, errors = validate_relationship(raw, row=None, known=known, today=today)
    if found is None:
        raise InvalidFieldsError(errors)
    return found
