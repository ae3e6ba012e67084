"""The organisation profile, its validation, and the three texts ("views") that get embedded."""

from __future__ import annotations

import json
import math
import numbers
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from matcher.errors import FieldError
from matcher.taxonomy import (
    COUNTRIES,
    KINDS,
    LANGUAGES,
    PARTNERSHIP_TYPES,
    SECTOR_LABELS,
    SECTORS,
    closest,
    closest_country,
    country_code,
)
from matcher.text import normalise_newlines, printable, text_problem

MAX_TEXT = 5000  # characters in one free-text field
MAX_ITEMS = 30  # items in one list field
MAX_MEMBERS = 1000  # member ids a cluster profile may list
MAX_NAME = 200
VIEWS: tuple[str, ...] = ("overall", "offers", "needs")
LONG_TEXTS: tuple[str, ...] = ("description", "offers", "needs")  # may hold tabs, newlines, bidi isolates
_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:\-]{0,63}$")
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_URL_RE = re.compile(r"^(https?://)?[\w.-]+\.[a-z]{2,}(/\S*)?$", re.IGNORECASE)


@dataclass(frozen=True, kw_only=True)
class Profile:
    """One organisation. Lists are tuples so that a profile is hashable and immutable."""

    id: str
    name: str
    kind: str
    country: str
    sectors: tuple[str, ...]
    description: str
    city: str = ""
    offers: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()
    partnership_types: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    size: int | None = None
    website: str = ""
    contact_email: str = field(default="", repr=False)  # private: never shown to the public
    members: tuple[str, ...] = ()  # a kind=cluster profile's member profile ids (not embedded)

    def view_texts(self) -> dict[str, str]:
        """The text of each view; an empty string means the profile has no such view."""
        sectors = ", ".join(SECTOR_LABELS[s] for s in self.sectors)
        return {
            "overall": f"{self.name}. {sectors}. {self.description}".strip(),
            "offers": "; ".join(self.offers),
            "needs": "; ".join(self.needs),
        }

    def to_record(self, *, private: bool = False) -> dict[str, Any]:
        """Plain JSON-able dict; ``contact_email`` only when ``private`` is true."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        for key, value in out.items():
            if isinstance(value, tuple):
                out[key] = list(value)
        if not private:
            del out["contact_email"]
        return out


FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Profile))
REQUIRED: tuple[str, ...] = ("id", "name", "kind", "country", "sectors", "description")


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or (
        isinstance(value, str) and not value.strip()
    )


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # spreadsheet cells: 42.0 -> "42"
    return str(value).strip()


def parse_list(value: Any) -> list[str]:
    """A list field from a JSON array, a ``;``-separated cell, or a sequence."""
    if _missing(value):
        return []
    if hasattr(value, "tolist") and not isinstance(value, str):
        value = value.tolist()  # numpy arrays from Parquet
    if isinstance(value, str):
        stripped = value.strip()
        if stripped.startswith("["):
            try:
                value = json.loads(stripped)
            except json.JSONDecodeError:
                raise ValueError("looks like a JSON array but is not valid JSON") from None
        else:
            value = stripped.split(";")
    if not isinstance(value, list | tuple):
        raise ValueError("expected a list (JSON array or ';'-separated text)")
    return [_text(v) for v in value if not _missing(v)]


LIST_FIELDS: tuple[str, ...] = ("sectors", "offers", "needs", "partnership_types", "languages", "members")


def _kind_of(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    kinds: dict[type, str] = {dict: "an object", list: "a list", tuple: "a list"}
    return kinds.get(type(value), type(value).__name__)


def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, str) or (isinstance(value, numbers.Real) and not isinstance(value, bool))


def _value_problem(name: str, value: Any) -> str | None:
    """Why a raw field value (from JSON, a spreadsheet or Parquet) is of the wrong type, or holds a character
    that no profile may hold; None if neither."""
    if hasattr(value, "tolist") and not isinstance(value, str):
        value = value.tolist()  # numpy arrays and scalars from Parquet
    if name in LIST_FIELDS and isinstance(value, list | tuple):
        if not all(_scalar(v) for v in value):
            bad = next(v for v in value if not _scalar(v))
            return f"expected a list of texts, not a list holding {_kind_of(bad)}"
    elif not _scalar(value):
        return f"expected {'a list or a text' if name in LIST_FIELDS else 'a text or a number'}, " \
               f"not {_kind_of(value)}"
    texts = [v for v in value if isinstance(v, str)] if isinstance(value, list | tuple) else [value]
    long = name in LONG_TEXTS
    for text in texts:
        if isinstance(text, str):
            reason = text_problem(normalise_newlines(text) if long else text, multiline=long, bidi=long)
            if reason:
                return reason
    return None


def validate_record(raw: Mapping[str, Any], *, row: int | None = None) -> tuple[Profile | None, list[FieldError]]:
    """Check one raw record and build its :class:`Profile`; every problem is reported, not just the first."""
    errors: list[FieldError] = []
    bad_characters = {key: reason for key in FIELDS if key in raw
                      and (reason := _value_problem(key, raw[key])) is not None}
    original, raw = raw, {k: v for k, v in raw.items() if k not in bad_characters}
    rid = None if _missing(raw.get("id")) else _text(raw.get("id"))
    shown_id = rid if rid is None or len(rid) <= 64 else rid[:61] + "..."  # a bad id is echoed in every error

    def err(name: str, value: Any, reason: str, valid: tuple[str, ...] = (), valid_key: str = "") -> None:
        if hasattr(value, "tolist") and not isinstance(value, str):
            value = value.tolist()
        if isinstance(value, list | tuple):
            shown = json.dumps(list(value), ensure_ascii=False, default=str)
        else:
            shown = "" if _missing(value) else _text(value)
        shown = printable(shown)
        errors.append(FieldError(row=row, record_id=shown_id, field=printable(name, multiline=False), value=shown,
                                 reason=reason, valid=valid,
                                 valid_key=valid_key))

    for key in raw:
        if key not in FIELDS:
            err(str(key), raw[key], "unknown field (see the valid fields)", FIELDS, "fields")
    for key, reason in bad_characters.items():
        err(key, original[key], reason)
    for key in REQUIRED:
        if key in bad_characters:
            continue
        if _missing(raw.get(key)) or (isinstance(raw.get(key), list | tuple) and not raw.get(key)):
            err(key, raw.get(key), "required field is empty" if key in raw else "required field is missing")
    values: dict[str, Any] = {}

    def text(name: str, limit: int) -> None:
        value = raw.get(name)
        if _missing(value):
            return
        value = normalise_newlines(_text(value))
        if len(value) > limit:
            err(name, value, f"text is {len(value)} characters, over the limit of {limit}")
        else:
            values[name] = value

    def choice_list(name: str, check: Callable[[str], tuple[str | None, str]], limit: int = MAX_ITEMS,
                    valid: tuple[str, ...] = ()) -> None:
        try:
            items = parse_list(raw.get(name))
        except ValueError as exc:
            err(name, raw.get(name), str(exc))
            return
        if len(items) > limit:
            err(name, raw.get(name), f"{len(items)} items, over the limit of {limit}")
            return
        good: list[str] = []
        for item in items:
            value, reason = check(item)
            if value is None:
                err(name, item, reason, valid)
            elif value not in good:
                good.append(value)
        values[name] = tuple(good)

    if rid is not None and not _ID_RE.match(rid):
        err("id", rid, "ids are 1-64 characters: letters, digits and _ . : - (not starting with a symbol)")
    elif rid is not None:
        values["id"] = rid
    text("name", MAX_NAME)
    text("city", MAX_NAME)
    text("description", MAX_TEXT)

    kind = raw.get("kind")
    if not _missing(kind):
        k = _text(kind).casefold()
        if k in KINDS:
            values["kind"] = k
        else:
            hint = closest(k, KINDS)
            err("kind", kind, f"unknown kind{f'; did you mean {hint!r}?' if hint else ''}", KINDS)

    country = raw.get("country")
    if not _missing(country):
        code = country_code(_text(country))
        if code is not None:
            values["country"] = code
        else:
            hint = closest_country(_text(country))
            err("country", country, "unknown country code (ISO 3166-1 alpha-2, or a name in English, French "
                "or Arabic)" + (f"; did you mean {hint!r} ({COUNTRIES[hint].en})?" if hint else ""),
                tuple(COUNTRIES))

    def vocab(choices: tuple[str, ...] | frozenset[str], what: str) -> Callable[[str], tuple[str | None, str]]:
        def check(item: str) -> tuple[str | None, str]:
            key = item.casefold().replace(" ", "_").replace("-", "_")
            if key in choices:
                return key, ""
            hint = closest(item, sorted(choices))
            return None, f"unknown {what}" + (f"; did you mean {hint!r}?" if hint else "")
        return check

    choice_list("sectors", vocab(SECTORS, "sector"), valid=tuple(SECTORS))
    choice_list("partnership_types", vocab(PARTNERSHIP_TYPES, "partnership type"), valid=tuple(PARTNERSHIP_TYPES))
    choice_list("languages", vocab(LANGUAGES, "language code (ISO 639-1, e.g. ar, fr, en)"),
                valid=tuple(sorted(LANGUAGES)))

    def free_items(item: str) -> tuple[str | None, str]:
        if len(item) > MAX_TEXT:
            return None, f"item is {len(item)} characters, over the limit of {MAX_TEXT}"
        return normalise_newlines(item), ""

    for name in ("offers", "needs"):
        choice_list(name, free_items)
        if sum(len(x) for x in values.get(name, ())) > MAX_TEXT:
            err(name, raw.get(name), f"items total over {MAX_TEXT} characters")
            values.pop(name)

    def member_id(item: str) -> tuple[str | None, str]:
        if not _ID_RE.match(item):
            return None, "not a profile id (1-64 characters: letters, digits and _ . : -)"
        if item == rid:
            return None, "a cluster cannot list itself as a member"
        return item, ""

    choice_list("members", member_id, limit=MAX_MEMBERS)
    if values.get("members") and values.get("kind", "cluster") != "cluster":
        err("members", raw.get("members"), f"only a profile of kind 'cluster' lists members, not a {values['kind']}")

    size = raw.get("size")
    if not _missing(size):
        try:
            number = float(_text(size))
            if not number.is_integer() or not 0 <= number <= 10_000_000:
                raise ValueError
            values["size"] = int(number)
        except ValueError:
            err("size", size, "number of employees must be a whole number between 0 and 10,000,000")

    website = raw.get("website")
    if not _missing(website):
        url = _text(website)
        if len(url) > 300 or not _URL_RE.match(url):
            err("website", url, "not a web address (e.g. https://example.org)")
        else:
            values["website"] = url if url.lower().startswith(("http://", "https://")) else "https://" + url
    email = raw.get("contact_email")
    if not _missing(email):
        address = _text(email)
        if len(address) > 254 or not _EMAIL_RE.match(address):
            err("contact_email", address, "not an e-mail address")
        else:
            values["contact_email"] = address

    if errors:
        return None, errors
    return Profile(**values), []
