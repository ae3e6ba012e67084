"""Profile quality: rules that find what makes a profile match badly or leak private data, each finding with a
stable code, a message and a fix hint in Arabic, French and English (:mod:`matcher.quality_messages`), and a
score from 0 to 100 (100 minus the weight of each code found, at least 0: more findings, lower score).

Pure: one profile in, one report out; whether it is a twin of another profile needs the whole catalogue and
comes from :func:`matcher.duplicates.twin_pairs` (the caller passes the twins' ids). Thresholds were set on
``data/sample_profiles.csv`` (358 profiles; its generator makes 6 % of them thin, leaves needs out of 8 %, gives
non-firms a random sector, and writes a few texts in a language their plan does not speak), so that each rule
fires on those defects and stays quiet on the sample's ordinary profiles; how often each fires there and on
CORDIS-derived profiles: ``ccimatch eval quality`` (reports/quality.md).

- ``description_short``: fewer than :data:`MIN_CONTENT_WORDS` content words (function words left out); the
  sample's thin descriptions have 5-9, ordinary ones 8-20.
- ``description_generic``: at least :data:`GENERIC_SHARE` of the content words are generic vocabulary
  (quality, services, products...), or fewer than :data:`MIN_SPECIFIC_WORDS` distinct specific ones.
- ``no_offers``, ``no_needs``: the list is empty.
- ``offers_repeat_description``: :data:`REPEAT_SHARE` or more of the offers' content words (at least 3) are
  words of the description, and they cover :data:`REPEAT_COVER` of the description's words (a restatement, not
  products the description names: on the sample, offers covering 80 % or more of their words by the
  description cover at most 60 % of it).
- ``language_not_stated``: a text of at least :data:`MIN_LANGUAGE_WORDS` words is detected
  (:func:`matcher.language.detect`, clear winners only, confirmed by a function word only that language
  has) in a language the profile does not list.
- ``contact_in_text``: an e-mail, a web address or a phone number (9-15 digits, not a run of years) in the
  name, description, offers or needs: those are public; contact details have private fields. A web address in
  the name ("Liftshare.com") is the name, and a bare domain in capitals ("SOLAR-ERA.NET") a project's name: on
  CORDIS-derived profiles these made 37 of the 38 findings this rule had before (the one left: "Swap.com" in a
  project title).
- ``all_capitals``: a field with at least :data:`MIN_CASED_LETTERS` cased letters, :data:`CAPITALS_SHARE` of them
  capitals (Arabic has no case and is never flagged).
- ``possible_duplicate``: the catalogue holds a likely twin (:mod:`matcher.duplicates`).
- ``sectors_contradict_text``: the description and offers (not the needs, which name other sectors by nature)
  hold at least :data:`MIN_SECTOR_HITS` distinct words of some sector (:data:`matcher.quality_text.SECTOR_KEYWORDS`)
  and none of any stated sector.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from matcher.language import detect
from matcher.profile import Profile
from matcher.quality_messages import HINTS, LANGS, MESSAGES, SEPARATOR, WORDS
from matcher.quality_text import content_words, is_generic, sector_hits
from matcher.taxonomy import SECTOR_LABELS

# Weights: what each finding costs out of 100; privacy and empty matching fields cost most.
WEIGHTS: dict[str, int] = {
    "description_short": 25, "description_generic": 15, "no_offers": 15, "no_needs": 15,
    "offers_repeat_description": 10, "language_not_stated": 10, "contact_in_text": 20, "all_capitals": 10,
    "possible_duplicate": 20, "sectors_contradict_text": 15,
}
CODES: tuple[str, ...] = tuple(WEIGHTS)
MIN_CONTENT_WORDS = 8
GENERIC_SHARE = 0.5
MIN_SPECIFIC_WORDS = 4
REPEAT_SHARE = 0.8
REPEAT_COVER = 0.7
MIN_LANGUAGE_WORDS = 6
MIN_CASED_LETTERS = 12
CAPITALS_SHARE = 0.9
MIN_SECTOR_HITS = 2

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
# A bare domain ("nour.ma"); one in capitals ("SOLAR-ERA.NET", "VALUECHAIN.COM") is a project's or a firm's name.
_DOMAIN = re.compile(r"\b[a-z0-9][a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|org|net|info|biz|io|eu|fr|ma|tn|dz|eg|lb|jo|ps|"
                     r"it|es|de|be|gr|pt|uk|co)\b(?:/\S*)?", re.IGNORECASE)
_PHONE = re.compile(r"(?<![\w.])(?:\+|00)?\d[\d .\-/()]{6,}\d(?![\w])")
_YEAR = re.compile(r"(?:19|20)\d\d")
# Function words of one Latin-script language that its neighbours do not share ("de", "en", "la" are French,
# Spanish and more): a detected language is believed only with one of them, so that a Spanish text full of
# "de" and "en" is not called French.
_DISTINCTIVE: dict[str, frozenset[str]] = {
    "fr": frozenset("le les des du et pour au aux avec dans nous sur est à ou par une".split()),  # noqa: SIM905
    "en": frozenset("the and of for with to our we from on by is".split()),  # noqa: SIM905
    "es": frozenset("el los las del y para con una por nuestro".split()),  # noqa: SIM905
    "it": frozenset("il gli della delle per con di che nostro dei nei".split()),  # noqa: SIM905
    "pt": frozenset("os da das do dos para com uma em nosso".split()),  # noqa: SIM905
}


@dataclass(frozen=True, kw_only=True)
class Finding:
    """One problem of a profile: a code of :data:`CODES` and its parameters (texts, sorted by name)."""

    code: str
    params: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if self.code not in WEIGHTS:
            raise TypeError(f"unknown quality code {self.code!r}")
        object.__setattr__(self, "params", tuple(sorted(self.params)))

    @classmethod
    def of(cls, code: str, /, **params: str) -> Finding:
        return cls(code=code, params=tuple(params.items()))

    @property
    def weight(self) -> int:
        return WEIGHTS[self.code]

    def _values(self, lang: str, sector_names: Mapping[str, str] | None) -> dict[str, str]:
        names = sector_names or SECTOR_LABELS
        sep = SEPARATOR[lang]
        out = {}
        for key, value in self.params:
            parts = value.split(",") if value else []
            if key in ("fields", "kinds"):
                value = sep.join(WORDS[p][lang] for p in parts)
            elif key in ("sectors", "stated"):
                value = sep.join(names.get(p, p) for p in parts)
            elif key in ("others", "languages"):
                value = sep.join(parts)
            out[key] = value
        return out

    def message(self, lang: str = "en", *, sector_names: Mapping[str, str] | None = None) -> str:
        """What is wrong, in ``lang`` (ar, fr or en); ``sector_names`` maps sector codes to names in ``lang``."""
        return MESSAGES[self.code][_lang(lang)].format_map(self._values(_lang(lang), sector_names))

    def hint(self, lang: str = "en", *, sector_names: Mapping[str, str] | None = None) -> str:
        """How to fix it, in ``lang``."""
        return HINTS[self.code][_lang(lang)].format_map(self._values(_lang(lang), sector_names))

    def to_dict(self, lang: str = "en") -> dict[str, Any]:
        return {"code": self.code, "weight": self.weight, "params": dict(self.params),
                "message": self.message(lang), "hint": self.hint(lang)}


def _lang(lang: str) -> str:
    return lang if lang in LANGS else "en"


@dataclass(frozen=True, kw_only=True)
class QualityReport:
    """A profile's findings, heaviest first, and its score."""

    profile_id: str
    findings: tuple[Finding, ...]

    @property
    def score(self) -> int:
        return score(self.findings)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(f.code for f in self.findings)

    def to_dict(self, lang: str = "en") -> dict[str, Any]:
        return {"profile_id": self.profile_id, "score": self.score,
                "findings": [f.to_dict(lang) for f in self.findings]}


def score(findings: Sequence[Finding]) -> int:
    """100 minus the weight of each distinct code found, at least 0."""
    return max(0, 100 - sum(WEIGHTS[c] for c in {f.code for f in findings}))


# --- the rules -------------------------------------------------------------------------------------------------
def _without_contacts(text: str) -> str:
    return _PHONE.sub(" ", _DOMAIN.sub(" ", _URL.sub(" ", _EMAIL.sub(" ", text))))


def _description(p: Profile) -> list[Finding]:
    found = content_words(_without_contacts(p.description))
    if len(found) < MIN_CONTENT_WORDS:
        return [Finding.of("description_short", count=str(len(found)))]
    specific = {w for w in found if not is_generic(w)}
    generic_share = 1 - sum(not is_generic(w) for w in found) / len(found)
    if generic_share >= GENERIC_SHARE or len(specific) < MIN_SPECIFIC_WORDS:
        return [Finding.of("description_generic")]
    return []


def _lists(p: Profile) -> list[Finding]:
    return ([Finding.of("no_offers")] if not p.offers else []) + ([Finding.of("no_needs")] if not p.needs else [])


def _repeat(p: Profile) -> list[Finding]:
    offered = content_words(" ".join(p.offers))
    if len(offered) < 3:
        return []
    described = set(content_words(p.description))
    covered = len(described & set(offered)) / max(1, len(described))
    if sum(w in described for w in offered) / len(offered) >= REPEAT_SHARE and covered >= REPEAT_COVER:
        return [Finding.of("offers_repeat_description")]
    return []


def _language(p: Profile) -> list[Finding]:
    if not p.languages:
        return []
    for field, text in (("description", p.description), ("offers", "; ".join((*p.offers, *p.needs)))):
        if len(text.split()) < MIN_LANGUAGE_WORDS:
            continue
        found = detect(text, default="?")
        distinctive = _DISTINCTIVE.get(found)
        if distinctive is not None and sum(w in distinctive for w in re.findall(r"\w+", text.lower())) < 1:
            continue
        if found not in ("?", "other") and found not in p.languages:
            return [Finding.of("language_not_stated", fields=field, language=found,
                               languages=",".join(p.languages))]
    return []


def contact_kinds(text: str, *, urls: bool = True) -> list[str]:
    """Which kinds of contact detail a text holds: 'email', 'url' (unless not ``urls``), 'phone' (in that
    order)."""
    kinds: list[str] = []
    if _EMAIL.search(text):
        kinds.append("email")
    rest = _EMAIL.sub(" ", text)
    if urls and (_URL.search(rest) or any(not m.group().isupper() for m in _DOMAIN.finditer(rest))):
        kinds.append("url")
    for match in _PHONE.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        groups = re.findall(r"\d+", match.group())
        if 9 <= len(digits) <= 15 and not all(_YEAR.fullmatch(g) for g in groups):
            kinds.append("phone")
            break
    return kinds


def _texts(p: Profile) -> dict[str, str]:
    return {"name": p.name, "description": p.description, "offers": "; ".join(p.offers),
            "needs": "; ".join(p.needs)}


def _contact(p: Profile) -> list[Finding]:
    fields: list[str] = []
    kinds: list[str] = []
    for field, text in _texts(p).items():
        found = contact_kinds(text, urls=field != "name")  # "Liftshare.com" is a name, and public anyway
        if found:
            fields.append(field)
            kinds.extend(k for k in found if k not in kinds)
    return [Finding.of("contact_in_text", fields=",".join(fields), kinds=",".join(kinds))] if fields else []


def _capitals(p: Profile) -> list[Finding]:
    fields = []
    for field, text in _texts(p).items():
        upper, lower = sum(map(str.isupper, text)), sum(map(str.islower, text))
        if upper + lower >= MIN_CASED_LETTERS and upper >= CAPITALS_SHARE * (upper + lower):
            fields.append(field)
    return [Finding.of("all_capitals", fields=",".join(fields))] if fields else []


def _sectors(p: Profile) -> list[Finding]:
    if not p.sectors:  # nothing stated to contradict (a stored profile always states one)
        return []
    hits = sector_hits(" ".join((p.description, *p.offers)))  # needs name other sectors by nature
    if any(hits.get(s) for s in p.sectors):
        return []
    pointed = sorted((s for s, n in hits.items() if n >= MIN_SECTOR_HITS), key=lambda s: (-hits[s], s))[:2]
    if not pointed:
        return []
    return [Finding.of("sectors_contradict_text", sectors=",".join(pointed), stated=",".join(p.sectors))]


def assess(profile: Profile, *, twins: Sequence[str] = ()) -> QualityReport:
    """The quality report of one profile; ``twins`` are the ids of its likely duplicates in the catalogue."""
    findings = [*_description(profile), *_lists(profile), *_repeat(profile), *_language(profile),
                *_contact(profile), *_capitals(profile), *_sectors(profile)]
    if twins:
        findings.append(Finding.of("possible_duplicate", others=",".join(sorted(twins)[:5])))
    findings.sort(key=lambda f: (-f.weight, CODES.index(f.code)))
    return QualityReport(profile_id=profile.id, findings=tuple(findings))
