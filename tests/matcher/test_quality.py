"""Profile quality rules: each fires on a profile spoiled for it and stays silent on a good one; every code speaks
Arabic, French and English; the score falls with every finding; twins are found from arrays."""

from __future__ import annotations

import csv
import dataclasses
import itertools
import string

import numpy as np
import pytest

from matcher.duplicates import minhash, name_key, name_shingles, text_shingles, twin_pairs
from matcher.profile import Profile, validate_record
from matcher.quality import CODES, WEIGHTS, Finding, assess, contact_kinds, score
from matcher.quality_messages import HINTS, LANGS, MESSAGES
from matcher.quality_text import sector_hits
from tests.conftest import SAMPLE

GOOD = Profile(
    id="tn-good", name="Atelier Nour", kind="firm", country="TN", city="Nabeul", sectors=("crafts",),
    description="Atelier de poterie à Nabeul : nous tournons et émaillons à la main de la vaisselle en céramique "
                "et des carreaux peints pour les hôtels, les restaurants et les boutiques de décoration.",
    offers=("vaisselle émaillée en petites séries", "carreaux sur mesure"),
    needs=("distributeur en Europe", "argile blanche de qualité"),
    languages=("fr", "ar"), website="https://nour.example.tn", contact_email="contact@nour.example.tn")


def spoiled(**changes: object) -> Profile:
    return dataclasses.replace(GOOD, **changes)  # type: ignore[arg-type]


BAD: dict[str, Profile] = {
    "description_short": spoiled(description="We do crafts."),
    "description_generic": spoiled(description="Nous sommes une entreprise dynamique qui offre des services et des "
                                               "produits de qualité à nos clients et partenaires."),
    "no_offers": spoiled(offers=()),
    "no_needs": spoiled(needs=()),
    "offers_repeat_description": spoiled(offers=(GOOD.description,)),
    "language_not_stated": spoiled(languages=("ar", "en")),
    "contact_in_text": spoiled(offers=("vaisselle émaillée, appelez le +216 72 123 456",)),
    "all_capitals": spoiled(name="ATELIER NOUR DE NABEUL"),
    "sectors_contradict_text": spoiled(sectors=("music",)),
}


def test_the_good_profile_passes_every_rule() -> None:
    report = assess(GOOD)
    assert report.findings == () and report.score == 100


@pytest.mark.parametrize("code", sorted(BAD))
def test_each_rule_fires_on_its_spoiled_profile_only(code: str) -> None:
    assert assess(BAD[code]).codes == (code,)


def test_a_twin_is_a_finding_naming_it() -> None:
    report = assess(GOOD, twins=["tn-other"])
    assert report.codes == ("possible_duplicate",)
    assert "tn-other" in report.findings[0].message("fr")


def test_contact_details_of_every_kind_and_not_years_or_prices() -> None:
    assert contact_kinds("write to a.b@nour.tn") == ["email"]
    assert contact_kinds("see https://nour.tn/shop or www.nour.tn") == ["url"]
    assert contact_kinds("tel. 0021672123456") == ["phone"]
    assert contact_kinds("projects 2014-2017 2019, 5.1 sound, 1 200 000 visitors, 500 pieces") == []


def test_sector_keywords_in_three_languages() -> None:
    assert set(sector_hits("ورشة خزف وفخار في نابل")) == {"crafts"}
    assert set(sector_hits("Studio d'enregistrement et label de musique")) == {"music"}
    assert sector_hits("film and documentary production")["audiovisual"] == 2


def test_needs_naming_other_sectors_are_no_contradiction() -> None:
    assert assess(spoiled(needs=("film producers for documentaries", "music festivals"))).codes == ()


def test_arabic_has_no_capitals_and_arabic_text_needs_ar_stated() -> None:
    arabic = spoiled(description="ورشة خزف في نابل تصنع الأواني الخزفية المطلية يدوياً والبلاط المرسوم للفنادق "
                                 "والمطاعم ومحلات الديكور منذ ثلاثين سنة.", languages=("fr",))
    assert assess(arabic).codes == ("language_not_stated",)
    assert assess(dataclasses.replace(arabic, languages=("ar", "fr"))).codes == ()  # offers are French


@pytest.mark.parametrize("code", CODES)
@pytest.mark.parametrize("lang", LANGS)
def test_every_code_has_a_message_and_hint_in_every_language(code: str, lang: str) -> None:
    assert MESSAGES[code][lang].strip() and HINTS[code][lang].strip()
    names = {n for text in (MESSAGES[code]["en"], HINTS[code]["en"]) for _, n, _, _ in string.Formatter().parse(text)
             if n}
    for text in (MESSAGES[code][lang], HINTS[code][lang]):  # a translation uses only the English placeholders
        assert {n for _, n, _, _ in string.Formatter().parse(text) if n} <= names


def test_every_finding_renders_in_every_language() -> None:
    findings = [f for p in BAD.values() for f in assess(p).findings] + list(assess(GOOD, twins=["x"]).findings)
    assert {f.code for f in findings} == set(CODES)
    for f in findings:
        for lang in LANGS:
            assert "{" not in f.message(lang) and "{" not in f.hint(lang)
    assert "الاسم" in Finding.of("all_capitals", fields="name").message("ar")
    with pytest.raises(TypeError):
        Finding.of("no_such_code")


def test_score_falls_with_every_finding() -> None:
    findings = [assess(BAD[code]).findings[0] for code in sorted(BAD)]
    scores = [score(findings[:n]) for n in range(len(findings) + 1)]
    assert scores[0] == 100 and all(a > b or b == 0 for a, b in itertools.pairwise(scores))
    assert all(w > 0 for w in WEIGHTS.values())
    assert score(findings[:1] * 3) == score(findings[:1])  # a code counts once


def test_the_sample_is_mostly_good() -> None:
    with SAMPLE.open(encoding="utf-8") as fh:
        profiles = [validate_record({k: v for k, v in row.items() if v})[0] for row in csv.DictReader(fh)]
    reports = [assess(p) for p in profiles if p is not None]
    assert len(reports) == 358
    assert np.mean([r.score for r in reports]) > 85
    assert not any("contact_in_text" in r.codes or "all_capitals" in r.codes for r in reports)


# --- near-duplicates --------------------------------------------------------------------------------------------
def test_name_keys_drop_case_accents_and_legal_forms() -> None:
    assert name_key("Poterie Nour S.A.R.L.") == name_key("POTERIE NOUR SARL") == "poterie nour"
    assert name_key("Société Générale d'Éditions") == "societe generale d editions"


def test_twins_by_name_or_by_text_within_a_country() -> None:
    names = ["Poterie Nour SARL", "POTERIE NOUR", "Poterie Nour", "Studio Lumière", "Atelier Sud", "Atelier Sud 2"]
    countries = ["TN", "TN", "MA", "FR", "TN", "TN"]
    same = "handmade glazed pottery tableware painted tiles hotels restaurants Nabeul workshop"
    texts = [same, "ceramics", same, "film production", same + " family", same]
    name_sigs = minhash([name_shingles(n) for n in names], k=64)
    text_sigs = minhash([text_shingles(t) for t in texts], k=64)
    twins = twin_pairs(countries, name_sigs, text_sigs)
    pairs = set(zip(twins.i.tolist(), twins.j.tolist(), strict=True))
    assert (0, 1) in pairs  # same name, other text
    assert (0, 2) not in pairs  # same name and text, other country
    assert (4, 5) in pairs  # near-identical text, close names
    assert (0, 4) not in pairs and (3, 4) not in pairs
    assert twins.of(0) == [1]


def test_empty_texts_are_never_twins() -> None:
    sigs = minhash([np.array([], dtype=np.uint64)] * 2, k=16)
    names = minhash([name_shingles("A"), name_shingles("B")], k=16)
    assert len(twin_pairs(["TN", "TN"], names, sigs).i) == 0
