"""The registry of refusals: every code is used, every use fills exactly its template's placeholders, the
English text of every refusal is its message rendered, and a translated template renders in its own order."""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from matcher import event_rows
from matcher.errors import FieldError, InvalidFieldsError, InvalidRequestError, InvalidValueError, error_report
from matcher.events import Event, EventData, Participant, SlotPlan
from matcher.messages import TEMPLATES, Message, Refusal, placeholders
from matcher.profile import parse_list, validate_record
from matcher.relationships import relationship_rows
from matcher.taxonomy import COUNTRIES
from matcher.text import text_issue, text_problem
from service import params
from tests.conftest import ROOT, record

# --- the registry itself ----------------------------------------------------------------------------------


def _sources() -> Iterator[Path]:
    for package in ("matcher", "service"):
        for path in sorted((ROOT / package).rglob("*.py")):
            if path != ROOT / "matcher" / "messages.py":
                yield path


def test_every_code_is_used_in_the_source() -> None:
    text = "\n".join(path.read_text(encoding="utf-8") for path in _sources())
    quoted = set(re.findall(r"""["']([a-z][a-z0-9_]*)["']""", text))
    assert sorted(set(TEMPLATES) - quoted) == []


def test_templates_name_plain_placeholders() -> None:
    """``{name}`` or ``{name!r}``, nothing a translator could get wrong (no attributes, indexes or formats)."""
    for code, template in TEMPLATES.items():
        assert re.fullmatch(r"[a-z][a-z0-9_]*", code), code
        for _, name, spec, conversion in string.Formatter().parse(template):
            if name is not None:
                assert re.fullmatch(r"[a-z][a-z_]*", name) and not spec and conversion in (None, "r"), (code, name)


def test_a_message_checks_its_code_and_parameters() -> None:
    assert Message.of("too_many_items", limit=30, count=40) == Message(code="too_many_items",
                                                                      params=(("count", 40), ("limit", 30)))
    assert Message.of("too_many_items", limit=30, count=40).text == "40 items, over the limit of 30"
    with pytest.raises(TypeError, match="unknown message code"):
        Message.of("no_such_code")
    with pytest.raises(TypeError, match="takes"):
        Message.of("too_many_items", count=40)  # a placeholder left empty
    with pytest.raises(TypeError, match="takes"):
        Message.of("required_missing", field="name")  # a parameter the template does not show
    with pytest.raises(TypeError, match="not a text or a whole number"):
        Message.of("too_many_items", count=True, limit=30)
    with pytest.raises(TypeError, match="not a text or a whole number"):
        Message(code="too_many_items", params=(("count", 4.5), ("limit", 30)))  # type: ignore[arg-type]
    assert hash(Message.of("too_many_items", count=40, limit=30)) == hash(Message.of("too_many_items", limit=30,
                                                                                   count=40))


def test_a_translated_template_reorders_and_substitutes_names() -> None:
    message = Message.of("unknown_country_hint", hint="MA", hint_name=COUNTRIES["MA"].en)
    assert message.template in TEMPLATES.values() and "{hint!r}" in message.template
    french = ("code pays inconnu (ISO 3166-1 alpha-2, ou un nom en anglais, français ou arabe) ; "
              "vouliez-vous dire {hint_name} ({hint!r}) ?")
    assert message.render(french, hint_name=COUNTRIES["MA"].fr) == (
        "code pays inconnu (ISO 3166-1 alpha-2, ou un nom en anglais, français ou arabe) ; "
        "vouliez-vous dire Maroc ('MA') ?")
    arabic = "رمز بلد غير معروف؛ هل تقصد {hint_name} ({hint})؟"
    assert message.render(arabic, hint_name=COUNTRIES["MA"].ar) == "رمز بلد غير معروف؛ هل تقصد المغرب (MA)؟"
    too_long = Message.of("text_too_long", length=201, limit=200)
    assert too_long.render("الحد {limit} حرفًا، والنص {length}") == "الحد 200 حرفًا، والنص 201"
    assert too_long.render("trop long") == "trop long"  # a translation may leave parameters out
    assert too_long.to_dict() == {"code": "text_too_long", "params": {"length": 201, "limit": 200}}


# --- every refusal's English text is its message ------------------------------------------------------------

SPOILED: dict[str, list[Any]] = {
    "id": ["", None, "-x", "a" * 70, "a b", "x\x07"],
    "name": ["", "a" * 201, "x\u202e", ["a"], {"a": 1}, True, "Atelier\nNabeul"],
    "kind": ["firmm", "zzzzzz", ""],
    "country": ["Marocco", "Zzzz", "FRA", ""],
    "city": ["c" * 201, "Tunis\x00"],
    "sectors": ["jewelery", "qqqq", "", "crafts;" * 40, '["a", ', 5, [1, {"a": 1}], ["crafts", ["x"]],
                "[" + "1" * 5000 + "]", np.array(["crafts", "zz"]), {"a": 1}],
    "description": ["x" * 5001, "", None, "a\ud800b", "a\ufffeb", "a\x01b", "a\u2028b"],
    "offers": ["x" * 5001, ";".join(f"{i}" + "y" * 300 for i in range(20)), "a\x00b", "ok\u202dno"],
    "needs": ["x" * 5001, "a\x85b"],
    "partnership_types": ["distrib", "zz"],
    "languages": ["fre", "qqqqqq;ar"],
    "members": ["a b", "tn-1", "ok-1;x y"],
    "size": ["-1", "1.5", "abc", "10000001", datetime(2020, 1, 1)],
    "website": ["notaurl", "x" * 301],
    "contact_email": ["nope", "a@b"],
    "bogus": ["1"],
}


def _spoiled_records() -> Iterator[dict[str, Any]]:
    for field, values in SPOILED.items():
        for value in values:
            raw = record("tn-1")
            raw[field] = value
            yield raw
    for field in ("name", "sectors", "description"):
        raw = record("tn-1")
        del raw[field]
        yield raw
    yield record("tn-1", kind="cluster", members="tn-1;tn-2")


def _check(message: Message | None, reason: str) -> Message:
    assert message is not None
    assert message.code in TEMPLATES
    assert {name for name, _ in message.params} == placeholders(message.template)
    assert message.text == reason
    return message


def _field_errors() -> list[FieldError]:
    errors = [e for raw in _spoiled_records() for e in validate_record(raw, row=3)[1]]
    errors += validate_record(record("tn-1", members="a;b"))[1]  # a firm listing members
    errors += validate_record(record("tn-1", kind="cluster", members="tn-1"))[1]
    return errors


def _event() -> EventData:
    event = Event(id=7, name="Fair", venue="Kram", timezone="Africa/Tunis", created_at=datetime(2026, 1, 1, tzinfo=UTC))
    return EventData(event=event, slots=(), tables=(),
                     participants=tuple(Participant(profile_id=p) for p in ("a", "b", "c")))


def _row_errors() -> list[FieldError]:
    out: list[FieldError] = []
    participants: list[dict[str, Any]] = [
        {"profile_id": "a", "forbidden_slots": "1;x;0;99", "max_meetings": "2.5", "stand": "q"},
        {"profile_id": "a", "stand": "3"}, {"profile_id": "", "stand": "99"},
        {"profile_id": "zz", "stand": "3", "extra": 1}, {"profile_id": "c", "stand": "3"}]
    requests: list[dict[str, Any]] = [
        {"from_id": "a", "to_id": "a", "priority": "may", "state": "lost", "message": "m" * 2001},
        {"from_id": "x", "to_id": "b", "message": "bad\x07", "expires_at": "nope"},
        {"from_id": "a", "to_id": "b", "expires_at": "2026-01-01T10:00"},
        {"from_id": "b", "to_id": "a", "expires_at": "2026-13-01T10:00Z"},
        {"from_id": "a", "to_id": "c", "junk": 1}, {"from_id": "c", "to_id": "b", "message": "a\u202eb"}]
    calls: list[Callable[[], object]] = [
        lambda: event_rows.participants(participants, n_slots=4, n_tables=5, known=lambda p: p != "zz"),
        lambda: event_rows.participants([], n_slots=4, n_tables=5, known=lambda p: True),
        lambda: event_rows.request_rows(_event(), requests, {frozenset(("a", "c")): 12}),
    ]
    for call in calls:
        with pytest.raises(InvalidFieldsError) as caught:
            call()
        out += caught.value.errors
    relationships: list[dict[str, Any]] = [
        {"source": "a", "target": "a", "date": "1899"}, {"source": "a", "target": "b", "date": "2999-01-01"},
        {"source": "a", "target": "b", "kind": "cluster_member", "date": "no"},
        {"source": "b", "target": "a", "date": "2020"}, {"source": "b", "target": "a", "date": "2021"}]
    out += relationship_rows(relationships, known=lambda p: True, today=date(2026, 1, 1))[1]
    return out


# codes the record and row batteries do not reach: the parameter and slot plan tests below check them, and
# tests/service/catalogue the catalogue's (duplicate_id, id_cannot_change)
_OTHER_CODES = frozenset({
    "duplicate_id", "id_cannot_change", "unknown_timezone", "no_days", "day_twice", "minutes_out_of_range",
    "time_with_timezone", "no_session", "session_incomplete", "session_reversed", "sessions_overlap", "no_slot_fits",
    "day_in_past", "unknown_choice", "unknown_choice_hint", "unknown_country_name", "unknown_country_name_hint",
    "one_country", "invalid_role_mix", "invalid_days", "invalid_hours", "invalid_moment", "moment_needs_offset",
})


def test_every_profile_and_row_refusal_is_its_message_in_english() -> None:
    errors = _field_errors() + _row_errors()
    for e in errors:
        message = _check(e.message, e.reason)
        assert (e.code, e.params) == (message.code, message.params)
        assert e.to_dict()["code"] == e.code and e.to_dict()["params"] == dict(e.params)
        assert e.to_dict()["reason"] == e.reason and e.to_dict()["message"] == str(e)
    seen = {e.code for e in errors}
    # the battery reaches every code of records, rows and characters
    expected = {code for code in TEMPLATES if code not in _OTHER_CODES}
    assert sorted(expected - seen) == []


def test_reasons_read_as_before() -> None:
    """A few reasons word for word, as the CLI prints them (the English text must not drift)."""
    by_value = {(e.field, e.value): e.reason for e in _field_errors()}
    assert by_value[("country", "Marocco")] == ("unknown country code (ISO 3166-1 alpha-2, or a name in English, "
                                               "French or Arabic); did you mean 'MA' (Morocco)?")
    assert by_value[("sectors", "jewelery")] == "unknown sector; did you mean 'jewellery'?"
    assert by_value[("name", "a" * 201)] == "text is 201 characters, over the limit of 200"
    assert by_value[("city", "Tunis\ufffd")] == ("character U+0000 (NUL, a control character) at position 6 is not "
                                                 "allowed")
    assert by_value[("bogus", "1")] == "unknown field (see the valid fields)"
    rows = {(e.field, e.row): e.reason for e in _row_errors() if e.row is not None}
    assert rows[("stand", 5)] == "table 3 is already the stand of 'a' (row 2)"
    assert rows[("expires_at", 2)] == "Invalid isoformat string: 'nope'"


def test_a_profile_record_error_report_carries_codes() -> None:
    _, errors = validate_record(record("x-9", country="Marocco"), row=4)
    report = error_report(errors)
    assert report["errors"][0] == {
        "row": 4, "id": "x-9", "field": "country", "value": "Marocco",
        "reason": "unknown country code (ISO 3166-1 alpha-2, or a name in English, French or Arabic); did you mean "
                  "'MA' (Morocco)?",
        "message": "row 4 id 'x-9': field 'country' = 'Marocco': unknown country code (ISO 3166-1 alpha-2, or a "
                   "name in English, French or Arabic); did you mean 'MA' (Morocco)?",
        "code": "unknown_country_hint", "params": {"hint": "MA", "hint_name": "Morocco"},
        "valid_values": "country"}


def test_request_problems_are_request_issues_in_english() -> None:
    issues = event_rows.request_issues(_event(), "a", "z\x07", "x", "m\x00", "pending")
    assert event_rows.request_problems(_event(), "a", "z\x07", "x", "m\x00", "pending") == [
        (field, value, issue.text) for field, value, issue in issues]
    assert [issue.code for _, _, issue in issues] == ["not_a_participant", "choose_one", "control_character"]


CHARACTERS = [chr(c) for c in (*range(0x00, 0xA0), 0x2028, 0x2029, 0xD800, 0xDFFF, 0xFFFE, 0xFFFF,
                               *range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x41)]


@pytest.mark.parametrize("multiline", [False, True])
@pytest.mark.parametrize("bidi", [False, True])
def test_text_problem_is_text_issue_in_english(multiline: bool, bidi: bool) -> None:
    for char in CHARACTERS:
        issue = text_issue(f"ab{char}", multiline=multiline, bidi=bidi)
        reason = text_problem(f"ab{char}", multiline=multiline, bidi=bidi)
        assert (issue is None) == (reason is None)
        if issue is not None and reason is not None:
            _check(issue, reason)
            assert dict(issue.params)["code_point"] == f"U+{ord(char):04X}" and dict(issue.params)["position"] == 3


def test_parse_list_refusals_are_messages() -> None:
    for value, code in (('["a", ', "invalid_json_list"), (5, "not_a_list")):
        with pytest.raises(Refusal) as caught:
            parse_list(value)
        assert caught.value.message.code == code and str(caught.value) == caught.value.message.text


# --- options and fields of the front ends (service.params), the slot plan -------------------------------------

PARAM_CALLS: list[Callable[[], object]] = [
    lambda: params.codes("sectors", "jewelery,crafts", ("crafts", "jewellery")),
    lambda: params.codes("kinds", "zzzzzz", ("firm",)),
    lambda: params.countries("countries", "MA;Marocco"), lambda: params.countries("countries", "zzzz\x07"),
    lambda: params.country("country", "MA,TN"), lambda: params.require("--require", "education=1,bogus=x"),
    lambda: params.days("--days", "2026-12-01,xx"), lambda: params.hours("--morning", "9h-12h"),
    lambda: params.moment("expires_at", "tomorrow"), lambda: params.moment("expires_at", "2026-01-01T10:00"),
    lambda: params.draft("hello\x07"), lambda: params.draft("ok", offers="a;b\u202e"),
    lambda: params.constraints(exclude_countries="Frence", prefix="--"),
]


@pytest.mark.parametrize("call", PARAM_CALLS)
def test_every_parameter_refusal_is_its_message_in_english(call: Callable[[], object]) -> None:
    with pytest.raises(InvalidValueError) as caught:
        call()
    exc = caught.value
    message = _check(exc.message, exc.reason)
    assert (exc.code, exc.params) == (message.code, message.params)
    assert str(exc) == f"{exc.field}: {exc.reason}"


def test_parameter_messages_read_as_before() -> None:
    with pytest.raises(InvalidValueError) as caught:
        params.countries("countries", "Marocco")
    assert str(caught.value) == ("countries: unknown country 'Marocco'; did you mean 'MA'? (ISO codes such as MA, "
                                 "DZ, TN, LY, EG, PS, IL, JO, or names in English, French or Arabic)")
    assert caught.value.params == (("examples", "MA, DZ, TN, LY, EG, PS, IL, JO"), ("hint", "MA"),
                                   ("value", "Marocco"))


def test_a_plain_text_reason_still_makes_an_invalid_value_error() -> None:
    exc = InvalidValueError("id", "x", "body id 'x' differs from the path id 'y'")
    assert str(exc) == "id: body id 'x' differs from the path id 'y'" and exc.message is None and exc.code == ""


D = date(2026, 12, 1)
PLANS: list[tuple[dict[str, Any], str]] = [
    ({"days": ()}, "SlotPlan: field 'days' is empty: give at least one day"),
    ({"days": (D, D)}, "SlotPlan: field 'days' lists a day twice"),
    ({"days": (D,), "slot_minutes": 4}, "SlotPlan: field 'slot_minutes' = 4: must be 5 to 480 minutes"),
    ({"days": (D,), "break_minutes": 300}, "SlotPlan: field 'break_minutes' = 300: must be 0 to 240 minutes"),
    ({"days": (D,), "morning_start": time(9, tzinfo=UTC)},
     "SlotPlan: time 09:00:00+00:00 carries a timezone: give wall-clock times (the event's timezone applies)"),
    ({"days": (D,), "morning_start": None, "morning_end": None, "afternoon_start": None, "afternoon_end": None},
     "SlotPlan: no session: give a morning or an afternoon"),
    ({"days": (D,), "morning_end": None}, "SlotPlan: the morning needs both a start and an end"),
    ({"days": (D,), "morning_start": time(13)}, "SlotPlan: the morning starts at 13:00, not before its end 12:30"),
    ({"days": (D,), "afternoon_start": time(12)},
     "SlotPlan: the afternoon starts at 12:00, before the morning ends (12:30)"),
    ({"days": (D,), "slot_minutes": 480}, "SlotPlan: no 480-minute slot fits in the sessions"),
]


@pytest.mark.parametrize(("plan", "printed"), PLANS)
def test_slot_plan_refusals_carry_their_message(plan: dict[str, Any], printed: str) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        SlotPlan(**plan).slots("Africa/Tunis")
    assert str(caught.value) == printed
    _check(caught.value.message, printed.removeprefix("SlotPlan: "))


def test_timezone_and_past_day_refusals_carry_their_message() -> None:
    with pytest.raises(InvalidRequestError) as caught:
        SlotPlan(days=(D,)).slots("Mars/Olympus")
    assert str(caught.value) == ("event: field 'timezone' = 'Mars/Olympus': unknown IANA timezone (e.g. "
                                 "'Africa/Tunis', 'Europe/Paris')")
    _check(caught.value.message, str(caught.value).removeprefix("event: "))
    plan = SlotPlan(days=(D, date(2020, 1, 2)))
    printed = ("event: field 'days' = '2020-01-02': in the past (today is 2026-01-01 in Africa/Tunis); to import a "
               "past event, give --allow-past (HTTP: allow_past=true)")
    assert plan.past_day("Africa/Tunis", date(2026, 1, 1)) == printed
    _check(plan.past_day_issue("Africa/Tunis", date(2026, 1, 1)), printed.removeprefix("event: "))
    assert SlotPlan(days=(D,)).past_day("Africa/Tunis", date(2026, 1, 1)) is None
