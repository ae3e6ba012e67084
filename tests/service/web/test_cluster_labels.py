"""The cluster pages' words without a browser: names of roles in step with the domain's, refusals of the form
parsed by service.params and shown in the page's language, numbers written the page's way."""

from __future__ import annotations

import pytest

from matcher.clusters import ROLE_OF_KIND
from matcher.errors import InvalidValueError
from matcher.taxonomy import KINDS
from service import params
from service.web import vocabulary as vocab
from service.web.pages.cluster_labels import ROLE_FIELD_NAMES, ROLE_KINDS, ROLE_NAMES, Labels
from service.web.pages.clusters import Problem, country_examples, problem_of


def test_names_cover_the_domains_codes() -> None:
    assert set(ROLE_OF_KIND.values()) <= set(ROLE_NAMES)
    assert set(ROLE_KINDS) == set(ROLE_FIELD_NAMES) and set(ROLE_KINDS) < set(KINDS)


def refusal(value: str) -> InvalidValueError:
    with pytest.raises(InvalidValueError) as caught:
        params.countries("countries", value)
    return caught.value


@pytest.mark.parametrize(("lang", "expected"), [
    ("fr", "pays inconnu 'Marocco' ; vouliez-vous dire 'MA' ?"),
    ("ar", "بلد غير معروف 'Marocco'؛ هل تقصد 'MA'؟"),
    ("en", "unknown country 'Marocco'; did you mean 'MA'?"),
])
def test_a_country_refusal_is_said_in_the_pages_language_with_its_hint(lang: str, expected: str) -> None:
    shown = problem_of(refusal("Marocco"), lang)
    assert shown.text.startswith(expected) and shown.lang is None


def test_a_refusal_without_a_message_falls_back_to_english_marked_as_such() -> None:
    plain = InvalidValueError("countries", "x", "some older English reason")
    assert problem_of(plain, "ar") == Problem(text="some older English reason", lang="en")
    assert problem_of(plain, "en") == Problem(text="some older English reason", lang=None)


def test_numbers_and_changes_are_written_the_pages_way() -> None:
    fr, ar = Labels("fr"), Labels("ar")
    assert fr.number(0.6151) == "0,62" and fr.signed(-0.0746) == "−0,07" and fr.signed(0.03) == "+0,03"
    assert fr.signed(0.0) == "±0,00" and ar.number(0.5) == "0.50"
    assert fr.country("MA") == "Maroc" and ar.country("MA") == "المغرب" and fr.country("ZZ") == "ZZ"
    assert fr.shortfall({"what": "funder", "have": 0, "wanted": 2}) == "Financeurs : 0 dans le groupe, 2 demandés."
    assert ar.sector("crafts") == vocab.label(vocab.SECTOR_NAMES, "crafts", "ar") != "Crafts"
    assert fr.kind("support_org") == vocab.label(vocab.KIND_NAMES, "support_org", "fr") != "Support organisation"
    assert str(country_examples("ar")) == "<bdi>MA</bdi>، <bdi>Tunisie</bdi>، <bdi>إيطاليا</bdi>"
