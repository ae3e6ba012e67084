"""The organisation profile, its validation, and the three texts ("views") that get embedded."""

from __future__ import annotations

import json
import math
import numbers
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from matcher.errors import FieldError, InvalidFieldsError
from matcher.messages import Message, Refusal
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
from matcher.text import normalise_newlines, printable, text_issue

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
    """A list field from a JSON array, a ``;``-separated cell, or a sequence; :class:`Refusal` (a
    ``ValueError``) says why a value is none of these."""
    if _missing(value):
        return []
    if hasattr(value, "tolist") and not isinstance(value, str):
        value = value.tolist()  # numpy arrays from Parquet
    if isinstance(value, str):
        stripped = value.strip()
        if stripped.startswith("["):
            try:
                value = json.loads(stripped)
            except ValueError:  # JSONDecodeError, or an integer over Python's 4,300 digits
                raise Refusal(Message.of("invalid_json_list")) from None
        else:
            value = stripped.split(";")
    if not isinstance(value, list | tuple):
        raise Refusal(Message.of("not_a_list"))
    return [_text(v) for v in value if not _missing(v)]


LIST_FIELDS: tuple[str, ...] = ("sectors", "offers", "needs", "partnership_types", "languages", "members")


def _kind_of(value: Any) -> str:
    """What a value of the wrong type is, in English: one of a few phrases ("true/false", "an object", "a list")
    a page can translate as they are, or a Python type's name."""
    if isinstance(value, bool):
        return "true/false"
    kinds: dict[type, str] = {dict: "an object", list: "a list", tuple: "a list"}
    return kinds.get(type(value), type(value).__name__)


def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, str) or (isinstance(value, numbers.Real) and not isinstance(value, bool))


def _value_issue(name: str, value: Any) -> Message | None:
    """Why a raw field value (from JSON, a spreadsheet or Parquet) is of the wrong type, or holds a character
    that no profile may hold; None if neither."""
    if hasattr(value, "tolist") and not isinstance(value, str):
        value = value.tolist()  # numpy arrays and scalars from Parquet
    if name in LIST_FIELDS and isinstance(value, list | tuple):
        if not all(_scalar(v) for v in value):
            bad = next(v for v in value if not _scalar(v))
            return Message.of("list_item_not_text", kind=_kind_of(bad))
    elif not _scalar(value):
        return Message.of("not_list_or_text" if name in LIST_FIELDS else "not_text_or_number", kind=_kind_of(value))
    texts = [v for v in value if isinstance(v, str)] if isinstance(value, list | tuple) else [value]
    long = name in LONG_TEXTS
    for text in texts:
        if isinstance(text, str):
            issue = text_issue(normalise_newlines(text) if long else text, multiline=long, bidi=long)
            if issue is not None:
                return issue
    return None


def validate_record(raw: Mapping[str, Any], *, row: int | None = None) -> tuple[Profile | None, list[FieldError]]:
    """Check one raw record and build its :class:`Profile`; every problem is reported, not just the first."""
    errors: list[FieldError] = []
    bad_characters = {key: issue for key in FIELDS if key in raw
                      and (issue := _value_issue(key, raw[key])) is not None}
    original, raw = raw, {k: v for k, v in raw.items() if k not in bad_characters}
    rid = None if _missing(raw.get("id")) else _text(raw.get("id"))
    shown_id = rid if rid is None or len(rid) <= 64 else rid[:61] + "..."  # a bad id is echoed in every error

    def err(name: str, value: Any, message: Message, valid: tuple[str, ...] = (), valid_key: str = "") -> None:
        if hasattr(value, "tolist") and not isinstance(value, str):
            value = value.tolist()
        if isinstance(value, list | tuple):
            shown = json.dumps(list(value), ensure_ascii=False, default=str)
        else:
            shown = "" if _missing(value) else _text(value)
        shown = printable(shown)
        errors.append(FieldError.of(message, row=row, record_id=shown_id, field=printable(name, multiline=False),
                                    value=shown, valid=valid, valid_key=valid_key))

    for key in raw:
        if key not in FIELDS:
            err(str(key), raw[key], Message.of("unknown_field"), FIELDS, "fields")
    for key, issue in bad_characters.items():
        err(key, original[key], issue)
    for key in REQUIRED:
        if key in bad_characters:
            continue
        if _missing(raw.get(key)) or (isinstance(raw.get(key), list | tuple) and not raw.get(key)):
            err(key, raw.get(key), Message.of("required_empty" if key in raw else "required_missing"))
    values: dict[str, Any] = {}

    def text(name: str, limit: int) -> None:
        value = raw.get(name)
        if _missing(value):
            return
        value = normalise_newlines(_text(value))
        if len(value) > limit:
            err(name, value, Message.of("text_too_long", length=len(value), limit=limit))
        else:
            values[name] = value

    def choice_list(name: str, check: Callable[[str], str | Message], limit: int = MAX_ITEMS,
                    valid: tuple[str, ...] = ()) -> None:
        """A list field whose items ``check`` turns into values, or refuses with a message."""
        try:
            items = parse_list(raw.get(name))
        except Refusal as exc:
            err(name, raw.get(name), exc.message)
            return
        if len(items) > limit:
            err(name, raw.get(name), Message.of("too_many_items", count=len(items), limit=limit))
            return
        good: list[str] = []
        for item in items:
            value = check(item)
            if isinstance(value, Message):
                err(name, item, value, valid)
            elif value not in good:
                good.append(value)
        values[name] = tuple(good)

    if rid is not None and not _ID_RE.match(rid):
        err("id", rid, Message.of("invalid_id"))
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
            err("kind", kind, Message.of("unknown_kind_hint", hint=hint) if hint else Message.of("unknown_kind"),
                KINDS)

    country = raw.get("country")
    if not _missing(country):
        code = country_code(_text(country))
        if code is not None:
            values["country"] = code
        else:
            hint = closest_country(_text(country))
            err("country", country, Message.of("unknown_country_hint", hint=hint, hint_name=COUNTRIES[hint].en)
                if hint else Message.of("unknown_country"), tuple(COUNTRIES))

    def vocab(choices: tuple[str, ...] | frozenset[str], code: str, hint_code: str) -> Callable[[str], str | Message]:
        """Items from a closed list, refused with ``code``, or ``hint_code`` when one choice is close."""
        def check(item: str) -> str | Message:
            key = item.casefold().replace(" ", "_").replace("-", "_")
            if key in choices:
                return key
            hint = closest(item, sorted(choices))
            return Message.of(hint_code, hint=hint) if hint else Message.of(code)
        return check

    choice_list("sectors", vocab(SECTORS, "unknown_sector", "unknown_sector_hint"), valid=tuple(SECTORS))
    choice_list("partnership_types", vocab(PARTNERSHIP_TYPES, "unknown_partnership_type",
                                           "unknown_partnership_type_hint"), valid=tuple(PARTNERSHIP_TYPES))
    choice_list("languages", vocab(LANGUAGES, "unknown_language", "unknown_language_hint"),
                valid=tuple(sorted(LANGUAGES)))

    def free_items(item: str) -> str | Message:
        if len(item) > MAX_TEXT:
            return Message.of("item_too_long", length=len(item), limit=MAX_TEXT)
        return normalise_newlines(item)

    for name in ("offers", "needs"):
        choice_list(name, free_items)
        if sum(len(x) for x in values.get(name, ())) > MAX_TEXT:
            err(name, raw.get(name), Message.of("items_too_long", limit=MAX_TEXT))
            values.pop(name)

    def member_id(item: str) -> str | Message:
        if not _ID_RE.match(item):
            return Message.of("invalid_member_id")
        if item == rid:
            return Message.of("member_is_self")
        return item

    choice_list("members", member_id, limit=MAX_MEMBERS)
    if values.get("members") and values.get("kind", "cluster") != "cluster":
        err("members", raw.get("members"), Message.of("members_not_cluster", kind=values["kind"]))

    size = raw.get("size")
    if not _missing(size):
        try:
            number = float(_text(size))
            if not number.is_integer() or not 0 <= number <= 10_000_000:
                raise ValueError
            values["size"] = int(number)
        except ValueError:
            err("size", size, Message.of("invalid_size"))

    website = raw.get("website")
    if not _missing(website):
        url = _text(website)
        if len(url) > 300 or not _URL_RE.match(url):
            err("website", url, Message.of("invalid_website"))
        else:
            values["website"] = url if url.lower().startswith(("http://", "https://")) else "https://" + url
    email = raw.get("contact_email")
    if not _missing(email):
        address = _text(email)
        if len(address) > 254 or not _EMAIL_RE.match(address):
            err("contact_email", address, Message.of("invalid_email"))
        else:
            values["contact_email"] = address

    if errors:
        return None, errors
    return Profile(**values), []


def valid_profile(raw: Mapping[str, Any]) -> Profile:
    """The :class:`Profile` of one record, or :class:`InvalidFieldsError` listing every problem."""
    profile, errors = validate_record(raw)
    if profile is None:
        raise InvalidFieldsError(errors)
    return profile
