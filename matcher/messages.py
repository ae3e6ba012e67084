"""Every refusal a user can read, in one registry: a stable code mapped to its English template.

Front ends in other languages (the web pages in Arabic and French) cannot translate an English sentence built
in code, so each refusal is a :class:`Message`: a code from :data:`TEMPLATES` and plain parameters (texts and
whole numbers). The English template is the gettext msgid; a page renders the translated one with the same
parameters::

    text = error.message.render(_(error.message.template))

Templates use :meth:`str.format` placeholders by name, so a translation may reorder them, and may leave some
out (``str.format`` ignores unused names). A value that itself needs translating is passed as a code with its
English rendering beside it (``hint="MA"``, ``hint_name="Morocco"``): a page substitutes its own name
(``render(template, hint_name=COUNTRIES["MA"].fr)``). A few parameters are English words from a closed set
that the page translates as msgids of their own (``kind``: "true/false", "an object", "a list"; ``session``:
"morning", "afternoon").

Codes are stable: a page's catalogue is keyed by template, and its tests by code. Add a code with its
template; never change what an existing code means. ``tests/matcher/test_messages.py`` checks that every code
is used and that every use gives exactly the template's placeholders; :class:`Message` also checks the latter
when it is built, so a mismatch is a ``TypeError`` (a programming error), never a wrong sentence."""

from __future__ import annotations

import string
from dataclasses import dataclass
from functools import cache
from typing import Any

Param = str | int
Params = tuple[tuple[str, Param], ...]  # (name, value) pairs sorted by name: hashable, frozen-dataclass-friendly

_CHARACTER = "character {code_point}"
_AT = "at position {position} is not allowed"
_DIDYOUMEAN = "; did you mean {hint!r}?"
_COUNTRY_NAMES = "ISO 3166-1 alpha-2, or a name in English, French or Arabic"
_COUNTRY_EXAMPLES = "(ISO codes such as {examples}, or names in English, French or Arabic)"

TEMPLATES: dict[str, str] = {
    # --- characters (matcher.text) ------------------------------------------------------------------------
    "control_character": f"{_CHARACTER} ({{char_name}}, a control character) {_AT}",
    "control_character_unnamed": f"{_CHARACTER} (a control character) {_AT}",
    "line_break": f"{_CHARACTER} ({{char_name}}, a control character) {_AT}: this field is one line",
    "bidi_character": f"{_CHARACTER} ({{char_name}}) {_AT}: it can make text display in another order than it "
                      "is stored",
    "surrogate_character": f"{_CHARACTER} (an unpaired surrogate: not a character) {_AT}",
    "forbidden_character": f"{_CHARACTER} ({{char_name}}) {_AT}",
    "forbidden_character_unnamed": f"{_CHARACTER} {_AT}",
    # --- profile records (matcher.profile) ----------------------------------------------------------------
    "unknown_field": "unknown field (see the valid fields)",
    "required_missing": "required field is missing",
    "required_empty": "required field is empty",
    "list_item_not_text": "expected a list of texts, not a list holding {kind}",
    "not_list_or_text": "expected a list or a text, not {kind}",
    "not_text_or_number": "expected a text or a number, not {kind}",
    "invalid_json_list": "looks like a JSON array but is not valid JSON",
    "not_a_list": "expected a list (JSON array or ';'-separated text)",
    "text_too_long": "text is {length} characters, over the limit of {limit}",
    "too_many_items": "{count} items, over the limit of {limit}",
    "item_too_long": "item is {length} characters, over the limit of {limit}",
    "items_too_long": "items total over {limit} characters",
    "invalid_id": "ids are 1-64 characters: letters, digits and _ . : - (not starting with a symbol)",
    "unknown_kind": "unknown kind",
    "unknown_kind_hint": "unknown kind" + _DIDYOUMEAN,
    "unknown_country": f"unknown country code ({_COUNTRY_NAMES})",
    "unknown_country_hint": f"unknown country code ({_COUNTRY_NAMES}); did you mean {{hint!r}} ({{hint_name}})?",
    "unknown_sector": "unknown sector",
    "unknown_sector_hint": "unknown sector" + _DIDYOUMEAN,
    "unknown_partnership_type": "unknown partnership type",
    "unknown_partnership_type_hint": "unknown partnership type" + _DIDYOUMEAN,
    "unknown_language": "unknown language code (ISO 639-1, e.g. ar, fr, en)",
    "unknown_language_hint": "unknown language code (ISO 639-1, e.g. ar, fr, en)" + _DIDYOUMEAN,
    "invalid_member_id": "not a profile id (1-64 characters: letters, digits and _ . : -)",
    "member_is_self": "a cluster cannot list itself as a member",
    "members_not_cluster": "only a profile of kind 'cluster' lists members, not a {kind}",
    "invalid_size": "number of employees must be a whole number between 0 and 10,000,000",
    "invalid_website": "not a web address (e.g. https://example.org)",
    "invalid_email": "not an e-mail address",
    # --- the catalogue (service.catalogue.profiles) -------------------------------------------------------
    "duplicate_id": "duplicate id in this file (first on row {first_row})",
    "id_cannot_change": "the id cannot change",
    # --- event files and forms (matcher.event_rows) -------------------------------------------------------
    "unknown_columns": "unknown column(s); expected {expected}",
    "no_participants": "no participants: the file has no data rows",
    "participant_missing": "missing: every participant needs the id of a catalogue profile",
    "duplicate_participant": "duplicate participant (first on row {first_row})",
    "unknown_profile": "unknown profile id: no such profile in the catalogue",
    "invalid_slot_number": "{item!r} is not a slot number (1-based, ';'-separated)",
    "no_such_slot": "slot {slot} does not exist: slots are numbered 1 to {slots}",
    "invalid_max_meetings": "not a whole number (leave empty for no limit)",
    "invalid_stand": "not a table number (leave empty for no stand)",
    "no_such_table": "table {table} does not exist: tables are numbered 1 to {tables}",
    "stand_taken": "table {table} is already the stand of {other!r} (row {other_row})",
    "not_a_participant": "not a participant of event {event}",
    "self_request": "a participant cannot request a meeting with itself",
    "choose_one": "choose one of {choices}",
    "too_many_characters": "at most {limit} characters",
    "invalid_iso_time": "{detail}",  # Python's own words (datetime.fromisoformat): a page shows its own
    "needs_utc_offset": "give a UTC offset, e.g. 2026-11-20T18:00:00+01:00",
    "pair_active": "this pair already has an active request (id {request})",
    "duplicate_pair": "duplicate pair (first on row {first_row})",
    # --- relationships between profiles (matcher.relationships) -------------------------------------------
    "self_relationship": "a profile cannot be in a relationship with itself",
    "derived_relationship": "{relationship!r} relationships are derived (from a cluster's members, or from "
                            "meetings held at events), never imported; choose {choices}",
    "invalid_date": "not a date: give YYYY-MM-DD, or a year (YYYY)",
    "date_in_future": "{day} is in the future (today is {today}): record a relationship once it exists",
    "date_too_early": "{day} is before {earliest}",
    "duplicate_relationship": "the same relationship is on row {first_row} already (same pair, kind and "
                              "reference)",
    # --- the slot plan (matcher.events) -------------------------------------------------------------------
    "unknown_timezone": "field 'timezone' = {timezone!r}: unknown IANA timezone (e.g. 'Africa/Tunis', "
                        "'Europe/Paris')",
    "no_days": "field 'days' is empty: give at least one day",
    "day_twice": "field 'days' lists a day twice",
    "minutes_out_of_range": "field {field!r} = {minutes}: must be {low} to {high} minutes",
    "time_with_timezone": "time {time} carries a timezone: give wall-clock times (the event's timezone applies)",
    "no_session": "no session: give a morning or an afternoon",
    "session_incomplete": "the {session} needs both a start and an end",
    "session_reversed": "the {session} starts at {start}, not before its end {end}",
    "sessions_overlap": "the afternoon starts at {afternoon_start}, before the morning ends ({morning_end})",
    "no_slot_fits": "no {minutes}-minute slot fits in the sessions",
    "day_in_past": "field 'days' = {day!r}: in the past (today is {today} in {timezone}); to import a past "
                   "event, give --allow-past (HTTP: allow_past=true)",
    # --- options, query strings and form fields (service.params) ------------------------------------------
    "unknown_choice": "unknown value {value!r} (valid: {choices})",
    "unknown_choice_hint": "unknown value {value!r}" + _DIDYOUMEAN + " (valid: {choices})",
    "unknown_country_name": "unknown country {value!r} " + _COUNTRY_EXAMPLES,
    "unknown_country_name_hint": "unknown country {value!r}" + _DIDYOUMEAN + " " + _COUNTRY_EXAMPLES,
    "one_country": "give one country",
    "invalid_role_mix": "expected KIND=COUNT with KIND in {kinds}, got {value!r}",
    "invalid_days": "{value!r} is not a list of dates like 2026-12-01,2026-12-02",
    "invalid_hours": "{value!r} is not a time range like 09:00-12:30 (or 'none')",
    "invalid_moment": "{value!r} is not an ISO 8601 time like 2026-11-25T18:00+01:00",
    "moment_needs_offset": "{value!r} needs a UTC offset, e.g. 2026-11-25T18:00+01:00",
}


@cache
def placeholders(template: str) -> frozenset[str]:
    """The names a template formats (``{hint!r}`` and ``{hint}`` both name ``hint``)."""
    return frozenset(name for _, name, _, _ in string.Formatter().parse(template) if name is not None)


@dataclass(frozen=True, kw_only=True)
class Message:
    """One refusal: a code of :data:`TEMPLATES` and its parameters (sorted by name, whatever order they are
    given in, so that equal messages compare equal). Build it with :meth:`of`."""

    code: str
    params: Params = ()

    def __post_init__(self) -> None:
        template = TEMPLATES.get(self.code)
        if template is None:
            raise TypeError(f"unknown message code {self.code!r}")
        for name, value in self.params:
            if not isinstance(name, str) or isinstance(value, bool) or not isinstance(value, str | int):
                raise TypeError(f"message {self.code!r}: parameter {name!r} = {value!r} is not a text or a "
                                "whole number")
        names = [name for name, _ in self.params]
        if len(set(names)) != len(names) or set(names) != placeholders(template):
            raise TypeError(f"message {self.code!r} takes {sorted(placeholders(template))}, given {names}")
        object.__setattr__(self, "params", tuple(sorted(self.params)))

    @classmethod
    def of(cls, code: str, /, **params: Param) -> Message:
        """``Message.of("unknown_country_hint", hint="MA", hint_name="Morocco")``."""
        return cls(code=code, params=tuple(params.items()))

    @property
    def template(self) -> str:
        """The English template: the gettext msgid a page translates."""
        return TEMPLATES[self.code]

    @property
    def text(self) -> str:
        """The message in English, as the CLI and the HTTP API print it."""
        return self.render(self.template)

    def render(self, template: str, /, **overrides: Param) -> str:
        """The message in another language: ``template`` is the translation of :attr:`template`; ``overrides``
        replace parameters the reader needs in their own language (``hint_name``)."""
        return template.format_map({**dict(self.params), **overrides})

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "params": dict(self.params)}


class Refusal(ValueError):
    """A ``ValueError`` carrying its :class:`Message`, raised by helpers that check a value without knowing
    which field it came from (:func:`matcher.profile.parse_list`); the caller names the field. ``str()`` is the
    English text, as for a plain ``ValueError``."""

    def __init__(self, message: Message) -> None:
        super().__init__(message.text)
        self.message = message
