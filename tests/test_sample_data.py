"""The bundled sample data meets its specification, and its constructed pairs are findable."""

from __future__ import annotations

import csv
from collections import Counter

import pytest

from matcher.language import detect as language
from matcher.profile import Profile, validate_record
from matcher.taxonomy import KINDS
from storage.files import read_records
from tests.conftest import PAIRS, SAMPLE


@pytest.fixture(scope="module")
def profiles() -> list[Profile]:
    out = []
    for row, raw in enumerate(read_records(SAMPLE), 1):
        profile, errors = validate_record(raw, row=row)
        assert not errors, [str(e) for e in errors]
        assert profile is not None
        out.append(profile)
    return out


@pytest.fixture(scope="module")
def pairs() -> list[dict[str, str]]:
    with PAIRS.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_size_countries_and_kinds(profiles: list[Profile]) -> None:
    assert len(profiles) >= 300
    assert len({p.id for p in profiles}) == len(profiles)
    countries = Counter(p.country for p in profiles)
    assert len(countries) >= 12
    assert {"MA", "DZ", "TN", "EG", "LB", "JO", "PS", "FR", "IT", "ES", "GR"} <= set(countries)
    assert set(KINDS) <= {p.kind for p in profiles}


def test_descriptions_in_three_languages_and_offers_needs_mostly_filled(profiles: list[Profile]) -> None:
    share = Counter(language(p.description) for p in profiles)
    for lang in ("ar", "fr", "en"):
        assert share[lang] / len(profiles) >= 0.20, share
    assert sum(bool(p.offers) for p in profiles) / len(profiles) >= 0.7
    assert sum(bool(p.needs) for p in profiles) / len(profiles) >= 0.7


def test_pairs_are_cross_border_and_written_in_different_languages(profiles: list[Profile], pairs) -> None:
    by_id = {p.id: p for p in profiles}
    assert len(pairs) >= 10
    for pair in pairs:
        seeker, partner = by_id[pair["seeker_id"]], by_id[pair["partner_id"]]
        assert seeker.country != partner.country
        assert pair["seeker_need"] in seeker.needs
        assert pair["partner_offer"] in partner.offers
        assert language(pair["seeker_need"]) != language(pair["partner_offer"]), pair
    assert sum(language(p["seeker_need"]) == "ar" for p in pairs) >= 5


@pytest.mark.model
def test_arabic_need_finds_its_constructed_partner_in_top_5(sample_catalogue, pairs) -> None:
    """`ccimatch search NEED --country CC`: the need, as a draft, finds the partner across languages."""
    from service.catalogue import Draft, suggest

    country = {p.id: p.country for p in sample_catalogue.state().profiles}
    ranks: dict[str, int | None] = {}
    for pair in pairs:
        draft = Draft(text=pair["seeker_need"], needs=(pair["seeker_need"],), country=country[pair["seeker_id"]])
        ids = [s.id for s in suggest(sample_catalogue, draft, k=5).suggestions]
        ranks[pair["seeker_id"]] = ids.index(pair["partner_id"]) + 1 if pair["partner_id"] in ids else None
    arabic = [p["seeker_id"] for p in pairs if p["languages"] in ("ar->fr", "ar->en")]
    assert len(arabic) >= 10
    missed = {s: ranks[s] for s in arabic if ranks[s] is None}
    assert not missed, f"Arabic needs whose French/English partner is not in the top 5: {missed}"
    assert sum(r is not None for r in ranks.values()) / len(ranks) >= 0.9, ranks


def test_sample_relationships_are_valid_and_none_is_a_constructed_pair(profiles: list[Profile], pairs) -> None:
    from datetime import date

    from matcher.relationships import relationship_rows
    from tests.conftest import ROOT

    ids = {p.id for p in profiles}
    found, errors = relationship_rows(read_records(ROOT / "data" / "sample_relationships.csv"),
                                      known=ids.__contains__, today=date.today())
    assert errors == [] and len(found) >= 10
    constructed = {frozenset((p["seeker_id"], p["partner_id"])) for p in pairs}
    assert not constructed & {frozenset((r.source, r.target)) for r in found}  # the sample recall stays meaningful
    by_id = {p.id: p for p in profiles}
    assert all(by_id[r.source].country != by_id[r.target].country for r in found)
