"""Text hygiene: which characters a stored text may hold, and how stored bad text is shown safely."""

from __future__ import annotations

import pytest

from matcher.profile import validate_record
from matcher.text import printable, text_problem
from tests.conftest import record

BAD_EVERYWHERE = ["\x00", "\x07", "\x1b", "\x0c", "\x1c", "\x7f", "\x85", "\u2028", "\u2029", "\ud800", "\ufffe"]
BIDI = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]


@pytest.mark.parametrize("char", BAD_EVERYWHERE + BIDI + ["\t", "\n", "\r"])
def test_short_fields_refuse_controls_and_bidi_overrides(char: str) -> None:
    reason = text_problem(f"Atelier{char}Nabeul", multiline=False, bidi=False)
    assert reason is not None and f"U+{ord(char):04X}" in reason and "position 8" in reason


@pytest.mark.parametrize("char", BAD_EVERYWHERE)
def test_long_texts_refuse_controls_too(char: str) -> None:
    reason = text_problem(f"Poterie{char}émaillée", multiline=True, bidi=True)
    assert reason is not None and f"U+{ord(char):04X}" in reason


def test_long_texts_keep_tabs_newlines_and_ordinary_scripts() -> None:
    text = "ورشة خزف في نابل\n\tPoterie « artisanale » — 2024 ‏(RTL) \u200f\u200e emoji 🏺 中文"
    assert text_problem(text, multiline=True, bidi=True) is None
    assert text_problem("Atelier 🏺 ‎Nabeul — دار الخزف", multiline=False, bidi=False) is None


def test_bidi_isolates_are_allowed_in_long_texts_only() -> None:
    assert text_problem("a \u2067عربي\u2069 b", multiline=True, bidi=True) is None
    assert "U+2067" in (text_problem("a \u2067عربي\u2069 b", multiline=False, bidi=False) or "")


def test_the_reason_names_the_character() -> None:
    assert text_problem("x\u202ey", multiline=False, bidi=False) == (
        "character U+202E (RIGHT-TO-LEFT OVERRIDE) at position 2 is not allowed: it can make text display "
        "in another order than it is stored")
    assert "control character" in (text_problem("x\x07", multiline=False, bidi=False) or "")
    assert "unpaired surrogate" in (text_problem("x\udc00", multiline=True, bidi=True) or "")


@pytest.mark.parametrize(("field", "value"), [
    ("name", "Studio\x07 Bennani"), ("name", "Cuivres\u202eseméS"), ("city", "Tunis\x00"),
    ("description", "Design\x1bstudio"), ("description", "line\u2028break"), ("offers", "identité\x0cvisuelle"),
    ("needs", "distributor\u202d in Europe"), ("website", "https://ex\x00ample.org"), ("name", "x\ud800"),
])
def test_profile_validation_names_field_and_code_point(field: str, value: str) -> None:
    profile, errors = validate_record(record("tn-1", **{field: value}))
    assert profile is None
    assert [e.field for e in errors] == [field]
    bad = next(c for c in value if text_problem(c, multiline=True, bidi=field != "name") or c in "\u202d\u202e")
    assert f"U+{ord(bad):04X}" in errors[0].reason


def test_profile_validation_keeps_newlines_in_descriptions_and_normalises_crlf() -> None:
    profile, errors = validate_record(record("tn-1", description="Ligne 1\r\nLigne 2\rLigne 3\n\tfin"))
    assert errors == [] and profile is not None
    assert profile.description == "Ligne 1\nLigne 2\nLigne 3\n\tfin"
    _, errors = validate_record(record("tn-1", name="Atelier\nNabeul"))
    assert [e.field for e in errors] == ["name"] and "U+000A" in errors[0].reason


def test_printable_replaces_what_validation_refuses() -> None:
    assert printable("a\x00b\x07c\u202ed\u2028e\x85f\ud800g") == "a\ufffdb\ufffdc\ufffdd\ufffde\ufffdf\ufffdg"
    assert printable("keeps\ttabs\nand newlines, ‏RLM and دار") == "keeps\ttabs\nand newlines, ‏RLM and دار"
    assert printable("one line\tonly\n", multiline=False) == "one line\ufffdonly\ufffd"
