from __future__ import annotations

import numpy as np

from matcher.constraints import CatalogueArrays, Constraints, constraint_mask, is_in
from matcher.profile import Profile, validate_record
from tests.conftest import record


def catalogue() -> tuple[list[Profile], CatalogueArrays]:
    raws = [
        record("a", country="TN", sectors="crafts", kind="firm", languages="fr;ar", partnership_types="distribution"),
        record("b", country="FR", sectors="crafts;fashion_textile", kind="firm", languages="fr"),
        record("c", country="IT", sectors="music", kind="education", languages="it;en", partnership_types="training"),
        record("d", country="MA", sectors="jewellery", kind="funder", languages="ar", offers=""),
    ]
    profiles = [p for p, _ in (validate_record(r) for r in raws) if p is not None]
    return profiles, CatalogueArrays.from_profiles(profiles)


def ids(mask: np.ndarray, arrays: CatalogueArrays) -> list[str]:
    return arrays.ids[mask].tolist()


def test_each_constraint_selects_what_it_says() -> None:
    _, cat = catalogue()
    assert ids(constraint_mask(Constraints(), cat), cat) == ["a", "b", "c", "d"]
    assert ids(constraint_mask(Constraints(countries=frozenset({"TN", "MA"})), cat), cat) == ["a", "d"]
    assert ids(constraint_mask(Constraints(exclude_countries=frozenset({"TN"})), cat), cat) == ["b", "c", "d"]
    assert ids(constraint_mask(Constraints(sectors=frozenset({"fashion_textile", "music"})), cat), cat) == ["b", "c"]
    assert ids(constraint_mask(Constraints(kinds=frozenset({"funder"})), cat), cat) == ["d"]
    assert ids(constraint_mask(Constraints(partnership_types=frozenset({"training"})), cat), cat) == ["c"]
    assert ids(constraint_mask(Constraints(languages=frozenset({"ar"})), cat), cat) == ["a", "d"]
    assert ids(constraint_mask(Constraints(exclude_ids=frozenset({"a", "c"})), cat), cat) == ["b", "d"]
    assert ids(constraint_mask(Constraints(only_ids=frozenset({"a", "c", "zz"})), cat), cat) == ["a", "c"]


def test_constraints_combine_with_and() -> None:
    _, cat = catalogue()
    c = Constraints(sectors=frozenset({"crafts"}), exclude_countries=frozenset({"TN"}), languages=frozenset({"fr"}))
    assert ids(constraint_mask(c, cat), cat) == ["b"]


def test_has_view_and_counts() -> None:
    _, cat = catalogue()
    assert cat.has_view["offers"].tolist() == [True, True, True, False]
    counts = cat.counts()
    assert counts["sector"]["crafts"] == 2
    assert counts["kind"] == {"firm": 2, "education": 1, "funder": 1}
    assert counts["language"]["ar"] == 2


def test_is_in_compares_short_codes_as_integers_with_the_same_answer() -> None:
    codes = np.array(["FR", "TN", "IT", "", "F", "MA"])
    column = codes[np.random.default_rng(0).integers(0, len(codes), 500)]
    assert column.dtype == np.dtype("<U2")
    wanted_sets = [{"FR"}, {"FR", "IT"}, {"F"}, {""}, {"FRA"}, {"fr"}, {"FR", "FRA", "x"}, set(codes.tolist()),
                   {"FR", "TN", "IT", "MA", "F", "", "ES", "DE", "NL", "BE"}]  # more than 8: np.isin on the integers
    for wanted in wanted_sets:
        for col in (column, column[::-3], column.astype("<U1"), column.astype("<U3"), column.astype(object)):
            want = np.isin(col, sorted(wanted))
            assert np.array_equal(is_in(col, frozenset(wanted)), want), (wanted, col.dtype)
    assert not is_in(column, frozenset({"FRA"})).any()  # a longer value is never cut to a stored one
    assert is_in(column, frozenset({"F"})).sum() == (column == "F").sum() > 0
