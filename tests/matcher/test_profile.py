from __future__ import annotations

import pytest

from matcher.profile import MAX_ITEMS, MAX_TEXT, FieldError, parse_list, validate_record
from tests.conftest import record


def errors_by_field(raw: dict[str, object]) -> dict[str, FieldError]:
    profile, errors = validate_record(raw, row=7)
    assert profile is None
    return {e.field: e for e in errors}


def test_valid_record_builds_profile_with_normalised_values() -> None:
    profile, errors = validate_record(record("tn-1", country="Tunisie", sectors="Crafts; jewellery",
                                             languages='["fr", "AR"]', website="atelier.example.tn"))
    assert errors == []
    assert profile is not None
    assert profile.country == "TN"
    assert profile.sectors == ("crafts", "jewellery")
    assert profile.languages == ("fr", "ar")
    assert profile.offers == ("glazed pottery", "small series")
    assert profile.size == 5
    assert profile.website == "https://atelier.example.tn"


@pytest.mark.parametrize("name", ["Maroc", "المغرب", "morocco", "MA", "ma"])
def test_country_accepts_code_or_name_in_three_languages(name: str) -> None:
    profile, _ = validate_record(record("x", country=name))
    assert profile is not None and profile.country == "MA"


def test_unknown_country_names_row_field_value_and_reason() -> None:
    err = errors_by_field(record("x-1", country="XX"))["country"]
    assert (err.row, err.record_id, err.value) == (7, "x-1", "XX")
    assert "unknown country code" in err.reason
    assert str(err).startswith("row 7 id 'x-1': field 'country' = 'XX': unknown country code")


def test_misspelt_country_name_gets_a_suggestion() -> None:
    assert "did you mean 'TN'" in errors_by_field(record("x", country="Tunisi"))["country"].reason


def test_unknown_sector_suggests_the_closest_valid_one() -> None:
    err = errors_by_field(record("x", sectors="crafts;jewelery"))["sectors"]
    assert err.value == "jewelery"
    assert "did you mean 'jewellery'?" in err.reason


def test_empty_description_and_missing_fields_are_reported() -> None:
    raw = record("x", description="   ")
    del raw["name"]
    errors = errors_by_field(raw)
    assert errors["description"].reason == "required field is empty"
    assert errors["name"].reason == "required field is missing"


def test_text_over_the_limit_is_refused_with_its_length() -> None:
    err = errors_by_field(record("x", description="a" * (MAX_TEXT + 1)))["description"]
    assert f"{MAX_TEXT + 1} characters, over the limit of {MAX_TEXT}" in err.reason


def test_too_many_list_items() -> None:
    err = errors_by_field(record("x", needs=";".join(f"n{i}" for i in range(MAX_ITEMS + 1))))["needs"]
    assert f"over the limit of {MAX_ITEMS}" in err.reason


def test_every_problem_of_a_record_is_reported_at_once() -> None:
    errors = errors_by_field(record("x", kind="firme", size="-3", contact_email="nope", languages="fr;xx",
                                    partnership_types="distribution;coproduction", colour="red"))
    assert set(errors) == {"kind", "size", "contact_email", "languages", "partnership_types", "colour"}
    assert "did you mean 'firm'" in errors["kind"].reason
    assert "did you mean 'co_production'" in errors["partnership_types"].reason
    assert "unknown field" in errors["colour"].reason


def test_bad_id_is_refused() -> None:
    assert "ids are 1-64 characters" in errors_by_field(record("a b/c"))["id"].reason


def test_arabic_text_round_trips_unchanged() -> None:
    text = "ورشة خزف في نابل — Poterie « artisanale » 2024"
    profile, _ = validate_record(record("x", description=text, name="دار الخزف"))
    assert profile is not None and profile.description == text and profile.name == "دار الخزف"


def test_private_email_is_left_out_of_public_record() -> None:
    profile, _ = validate_record(record("x"))
    assert profile is not None
    assert "contact_email" not in profile.to_record()
    assert profile.to_record(private=True)["contact_email"] == "contact@example.org"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("a; b ;", ["a", "b"]), ('["a", "b;c"]', ["a", "b;c"]), (["x", None, " y "], ["x", "y"]), (None, []),
     (float("nan"), [])],
)
def test_parse_list(value: object, expected: list[str]) -> None:
    assert parse_list(value) == expected


def test_parse_list_rejects_broken_json() -> None:
    with pytest.raises(ValueError, match="not valid JSON"):
        parse_list('["a", ')


def test_views_overall_offers_needs() -> None:
    profile, _ = validate_record(record("x", offers="", sectors="crafts"))
    assert profile is not None
    views = profile.view_texts()
    assert views["offers"] == ""
    assert views["needs"] == "distributor in Europe"
    assert views["overall"].startswith("Org x. crafts and artisanal products. Handmade pottery")
