"""Rows of a relationships file checked into partnerships: every refusal names its row, field and reason; a pair
is one partnership in either order; a pair listed twice is refused on its second row."""

from __future__ import annotations

from datetime import date

import pytest

from matcher.errors import InvalidFieldsError
from matcher.relationships import (
    OUTCOMES,
    RELATIONSHIP_KINDS,
    Relationship,
    best_outcome,
    partnership,
    relationship_rows,
    valid_relationship,
    validate_relationship,
)

TODAY = date(2026, 6, 1)
KNOWN = {"tn-1", "fr-1", "ma-1"}


def row(**overrides: object) -> dict[str, object]:
    base: dict[str, object] = {"source": "tn-1", "target": "fr-1", "kind": "partnership", "date": "2021-03-15",
                               "origin": "CORDIS", "reference": "H2020-123"}
    return base | overrides


def check(raw: dict[str, object]) -> tuple[Relationship | None, list[tuple[int | None, str, str]]]:
    found, errors = validate_relationship(raw, row=4, known=KNOWN.__contains__, today=TODAY)
    return found, [(e.row, e.field, e.code) for e in errors]


def test_a_good_row_is_a_partnership_kept_with_the_smaller_id_first() -> None:
    found, errors = check(row())
    assert errors == []
    assert found == Relationship(source="fr-1", target="tn-1", kind="partnership", date=date(2021, 3, 15),
                                 origin="CORDIS", reference="H2020-123")
    assert found.key == partnership("tn-1", "fr-1", date=date(2000, 1, 1), reference="H2020-123").key
    assert found.other("fr-1") == "tn-1" and found.involves("tn-1") and not found.involves("ma-1")
    assert RELATIONSHIP_KINDS == ("partnership", "cluster_member", "met_at_event")


@pytest.mark.parametrize(("text", "day"), [("2019", date(2019, 1, 1)), ("2019.0", date(2019, 1, 1)),
                                           ("2019-06-01 00:00:00", date(2019, 6, 1)), ("2026-06-01", TODAY)])
def test_dates_as_days_years_and_spreadsheet_cells(text: str, day: date) -> None:
    found, errors = check(row(date=text))
    assert errors == [] and found is not None and found.date == day


def test_kind_defaults_to_partnership() -> None:
    found, errors = check({k: v for k, v in row().items() if k != "kind"})
    assert errors == [] and found is not None and found.kind == "partnership"
    assert check(row(kind="Partnership"))[1] == []


@pytest.mark.parametrize(("overrides", "field", "code"), [
    ({"source": "zz-9"}, "source", "unknown_profile"),
    ({"target": "zz-9"}, "target", "unknown_profile"),
    ({"target": "tn-1"}, "target", "self_relationship"),
    ({"kind": "friendship"}, "kind", "choose_one"),
    ({"kind": "cluster_member"}, "kind", "derived_relationship"),
    ({"kind": "met_at_event"}, "kind", "derived_relationship"),
    ({"date": "15/03/2021"}, "date", "invalid_date"),
    ({"date": "2021-02-30"}, "date", "invalid_date"),
    ({"date": ""}, "date", "required_missing"),
    ({"date": "2026-06-02"}, "date", "date_in_future"),
    ({"date": "1899"}, "date", "date_too_early"),
    ({"origin": "CORDIS\x07"}, "origin", "control_character"),
    ({"reference": "H2020\u202e321"}, "reference", "bidi_character"),
    ({"source": "tn-\n1"}, "source", "line_break"),
    ({"reference": "x" * 201}, "reference", "too_many_characters"),
    ({"origin": "x" * 101}, "origin", "too_many_characters"),
    ({"source": ""}, "source", "required_missing"),
    ({"partner": "x"}, "columns", "unknown_columns"),
])
def test_each_bad_value_is_refused_naming_row_field_and_reason(overrides: dict[str, object], field: str,
                                                               code: str) -> None:
    found, errors = check(row(**overrides))
    assert found is None and (4, field, code) in errors


def test_refusals_read_as_sentences_with_the_valid_kinds_listed_once() -> None:
    _, errors = validate_relationship(row(kind="friendship", date="2027-01-01"), row=2, known=KNOWN.__contains__,
                                      today=TODAY)
    shown = [str(e) for e in errors]
    assert "row 2 id 'tn-1 -- fr-1': field 'kind' = 'friendship': choose one of partnership" in shown
    assert ("row 2 id 'tn-1 -- fr-1': field 'date' = '2027-01-01': 2027-01-01 is in the future (today is "
            "2026-06-01): record a relationship once it exists") in shown
    assert errors[0].to_dict()["valid_values"] == "relationship kinds"
    _, derived = validate_relationship(row(kind="cluster_member"), row=1, known=KNOWN.__contains__, today=TODAY)
    assert "derived" in derived[0].reason and "choose partnership" in derived[0].reason


def test_a_pair_listed_twice_in_either_order_is_refused_on_its_second_row() -> None:
    rows = [row(), row(source="fr-1", target="tn-1", date="2020"), row(reference="other"), row(target="ma-1")]
    good, errors = relationship_rows(rows, known=KNOWN.__contains__, today=TODAY)
    assert [(r.source, r.target, r.reference) for r in good] == [("fr-1", "tn-1", "H2020-123"),
                                                                  ("fr-1", "tn-1", "other"),
                                                                  ("ma-1", "tn-1", "H2020-123")]
    assert [(e.row, e.field, e.code, dict(e.params)) for e in errors] == [
        (2, "reference", "duplicate_relationship", {"first_row": 1})]


def test_one_record_is_valid_or_every_problem_is_raised() -> None:
    assert valid_relationship(row(), known=KNOWN.__contains__, today=TODAY).source == "fr-1"
    with pytest.raises(InvalidFieldsError) as exc:
        valid_relationship(row(source="zz", date="never"), known=KNOWN.__contains__, today=TODAY)
    assert [(e.row, e.field) for e in exc.value.errors] == [(None, "source"), (None, "date")]


def test_any_cell_type_is_refused_or_read_never_a_crash() -> None:
    for value in (None, 3.5, ["tn-1"], {"a": 1}, float("nan"), True):
        found, _errors = check(row(source=value, date=value))
        assert found is None


def test_the_best_outcome_of_a_meeting() -> None:
    assert OUTCOMES == ("no_show", "not_relevant", "useful", "follow_up", "agreement")
    assert best_outcome(["useful", "agreement", "no_show"]) == "agreement"
    assert best_outcome(["no_show"]) == "no_show"
    assert best_outcome([]) == "" and best_outcome(["bogus"]) == ""
