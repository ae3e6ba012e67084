"""The one parsing layer: what a person types in a CLI option, a query string, a JSON body or a web form
(country names in three languages, code lists, ';'- or ','-separated cells, dates, hours) becomes domain
values here, for every front end alike. A bad value raises :class:`matcher.errors.InvalidValueError` naming
the option or field, the value, the reason and the closest valid choice; the reason is a
:class:`matcher.messages.Message`, so a page can show it in its own language."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, time

from matcher.constraints import Constraints
from matcher.errors import InvalidValueError
from matcher.messages import Message
from matcher.suggestions import Draft
from matcher.taxonomy import COUNTRIES, KINDS, PARTNERSHIP_TYPES, SECTORS, closest, closest_country, country_code
from matcher.text import printable

Values = str | Sequence[str] | None  # "MA,TN", "MA;TN", ["MA", "TN"] or nothing


def _bad(field: str, value: str, message: Message) -> InvalidValueError:
    return InvalidValueError(field, printable(value), message)


def items(value: Values) -> list[str]:
    """The items of a list value: a sequence, or a text separated by commas or semicolons; blanks dropped."""
    if value is None:
        return []
    parts = [value] if isinstance(value, str) else list(value)
    return [x.strip() for part in parts for x in part.replace(";", ",").split(",") if x.strip()]


def codes(field: str, value: Values, valid: Iterable[str]) -> frozenset[str]:
    """Codes from a closed list (sectors, kinds, partnership types), case-insensitive, with a hint."""
    choices = tuple(valid)
    out = set()
    for item in items(value):
        key = item.casefold().replace(" ", "_").replace("-", "_")
        if key not in choices:
            hint = closest(item, choices)
            shown, listed = printable(item), ", ".join(choices)
            raise _bad(field, item, Message.of("unknown_choice_hint", value=shown, hint=hint, choices=listed) if hint
                       else Message.of("unknown_choice", value=shown, choices=listed))
        out.add(key)
    return frozenset(out)


def countries(field: str, value: Values) -> frozenset[str]:
    """ISO codes from codes or names in English, French or Arabic (``Maroc``, ``المغرب``, ``Morocco``)."""
    out = set()
    for item in items(value):
        code = country_code(item)
        if code is None:
            hint = closest_country(item)
            shown, examples = printable(item), ", ".join(list(COUNTRIES)[:8])
            raise _bad(field, item, Message.of("unknown_country_name_hint", value=shown, hint=hint, examples=examples)
                       if hint else Message.of("unknown_country_name", value=shown, examples=examples))
        out.add(code)
    return frozenset(out)


def country(field: str, value: str | None) -> str | None:
    """One country, or None when not given."""
    found = countries(field, [value] if value else None)
    if len(found) > 1:
        raise _bad(field, value or "", Message.of("one_country"))
    return next(iter(found), None)


def constraints(*, countries_: Values = None, exclude_countries: Values = None, sectors: Values = None,
                kinds: Values = None, partnership_types: Values = None, prefix: str = "") -> Constraints:
    """Hard constraints from request values; ``prefix`` is how the front end writes option names ("--" in the
    CLI, nothing in HTTP), so that an error names the option the person typed."""
    def name(key: str) -> str:
        return prefix + (key.replace("_", "-") if prefix else key)

    return Constraints(
        countries=countries(name("countries"), countries_),
        exclude_countries=countries(name("exclude_countries"), exclude_countries),
        sectors=codes(name("sectors"), sectors, SECTORS), kinds=codes(name("kinds"), kinds, KINDS),
        partnership_types=codes(name("partnership_types"), partnership_types, PARTNERSHIP_TYPES))


def require(field: str, value: Values) -> dict[str, int]:
    """A role mix such as ``education=1,support_org=1``."""
    out: dict[str, int] = {}
    for part in items(value):
        kind, _, count = part.partition("=")
        if kind.strip() not in KINDS or not count.strip().isdigit():
            raise _bad(field, part, Message.of("invalid_role_mix", kinds=", ".join(KINDS), value=printable(part)))
        out[kind.strip()] = int(count)
    return out


def draft(text: str, *, offers: Values = None, needs: Values = None, country_: str | None = None,
          country_field: str = "country") -> Draft:
    """A free-text search as a draft profile: the text is also what is needed unless needs are given; lists
    of offers and needs are ';'-separated (their items may hold commas)."""
    def phrases(value: Values) -> tuple[str, ...]:
        if value is None:
            return ()
        parts = value.split(";") if isinstance(value, str) else list(value)
        return tuple(p.strip() for p in parts if p.strip())

    result = Draft(text=text, offers=phrases(offers), needs=phrases(needs) or (text,),
                   country=country(country_field, country_))
    result.check()
    return result


def days(field: str, value: str) -> tuple[date, ...]:
    """Dates like ``2026-12-01,2026-12-02``."""
    try:
        return tuple(date.fromisoformat(x) for x in items(value))
    except ValueError:
        raise _bad(field, value, Message.of("invalid_days", value=printable(value))) from None


def hours(field: str, value: str) -> tuple[time | None, time | None]:
    """A session like ``09:00-12:30``, or none (``none``, ``-`` or empty)."""
    if value.strip().lower() in ("", "none", "-"):
        return None, None
    try:
        start, end = (time.fromisoformat(x.strip()) for x in value.split("-"))
    except ValueError:
        raise _bad(field, value, Message.of("invalid_hours", value=printable(value))) from None
    return start, end


def moment(field: str, value: str | None) -> datetime | None:
    """An ISO 8601 time with its UTC offset, or None when not given."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise _bad(field, value, Message.of("invalid_moment", value=printable(value))) from None
    if parsed.tzinfo is None:
        raise _bad(field, value, Message.of("moment_needs_offset", value=printable(value)))
    return parsed
