"""Controlled vocabularies: sectors (UNIDO CCI grouping), kinds, partnership types, countries
(names in English, French and Arabic) and ISO 639-1 languages."""

from __future__ import annotations

import difflib
import unicodedata
from dataclasses import dataclass

SECTOR_GROUPS: dict[str, tuple[str, ...]] = {
    "cultural_media": ("publishing", "audiovisual", "music", "broadcasting_press"),
    "live_culture": ("performing_arts", "festivals_events", "heritage_museums", "visual_arts"),
    "design_based": (
        "crafts", "fashion_textile", "jewellery", "furniture_interior",
        "graphic_product_design", "architecture",
    ),
    "creative_services": ("advertising", "games_digital", "cultural_tourism", "culinary_heritage"),
}
SECTORS: tuple[str, ...] = tuple(s for group in SECTOR_GROUPS.values() for s in group)
SECTOR_GROUP: dict[str, str] = {s: g for g, members in SECTOR_GROUPS.items() for s in members}

# English labels, used for display and inside the "overall" text that is embedded.
SECTOR_LABELS: dict[str, str] = {
    "publishing": "publishing, books and printing",
    "audiovisual": "audiovisual, film, photography and video",
    "music": "music production and live music",
    "broadcasting_press": "broadcasting, radio, television and press",
    "performing_arts": "performing arts, theatre and dance",
    "festivals_events": "festivals and cultural events",
    "heritage_museums": "heritage, museums and historical sites",
    "visual_arts": "visual arts, painting, sculpture and galleries",
    "crafts": "crafts and artisanal products",
    "fashion_textile": "fashion, clothing, footwear and textile",
    "jewellery": "jewellery",
    "furniture_interior": "furniture, home decoration and interior design",
    "graphic_product_design": "graphic and product design",
    "architecture": "architecture",
    "advertising": "advertising, communication and multimedia",
    "games_digital": "video games and digital creation",
    "cultural_tourism": "cultural tourism",
    "culinary_heritage": "culinary heritage and gastronomy",
}

KINDS: tuple[str, ...] = (
    "firm", "cluster", "association", "education", "public_body", "funder", "support_org", "individual",
)
PARTNERSHIP_TYPES: tuple[str, ...] = (
    "distribution", "supply", "subcontracting", "co_production", "joint_venture", "licensing",
    "investment", "training", "research", "network",
)


@dataclass(frozen=True, kw_only=True)
class Country:
    """An ISO 3166-1 alpha-2 country with display names and its region."""

    code: str
    en: str
    fr: str
    ar: str
    region: str  # south_med | eu | europe_other | other


_C = Country
COUNTRIES: dict[str, Country] = {
    c.code: c
    for c in (
        # Southern and Eastern Mediterranean
        _C(code="MA", en="Morocco", fr="Maroc", ar="المغرب", region="south_med"),
        _C(code="DZ", en="Algeria", fr="Algérie", ar="الجزائر", region="south_med"),
        _C(code="TN", en="Tunisia", fr="Tunisie", ar="تونس", region="south_med"),
        _C(code="LY", en="Libya", fr="Libye", ar="ليبيا", region="south_med"),
        _C(code="EG", en="Egypt", fr="Égypte", ar="مصر", region="south_med"),
        _C(code="PS", en="Palestine", fr="Palestine", ar="فلسطين", region="south_med"),
        _C(code="IL", en="Israel", fr="Israël", ar="إسرائيل", region="south_med"),
        _C(code="JO", en="Jordan", fr="Jordanie", ar="الأردن", region="south_med"),
        _C(code="LB", en="Lebanon", fr="Liban", ar="لبنان", region="south_med"),
        _C(code="SY", en="Syria", fr="Syrie", ar="سوريا", region="south_med"),
        _C(code="TR", en="Türkiye", fr="Turquie", ar="تركيا", region="south_med"),
        _C(code="MR", en="Mauritania", fr="Mauritanie", ar="موريتانيا", region="south_med"),
        # European Union
        _C(code="AT", en="Austria", fr="Autriche", ar="النمسا", region="eu"),
        _C(code="BE", en="Belgium", fr="Belgique", ar="بلجيكا", region="eu"),
        _C(code="BG", en="Bulgaria", fr="Bulgarie", ar="بلغاريا", region="eu"),
        _C(code="HR", en="Croatia", fr="Croatie", ar="كرواتيا", region="eu"),
        _C(code="CY", en="Cyprus", fr="Chypre", ar="قبرص", region="eu"),
        _C(code="CZ", en="Czechia", fr="Tchéquie", ar="التشيك", region="eu"),
        _C(code="DK", en="Denmark", fr="Danemark", ar="الدنمارك", region="eu"),
        _C(code="EE", en="Estonia", fr="Estonie", ar="إستونيا", region="eu"),
        _C(code="FI", en="Finland", fr="Finlande", ar="فنلندا", region="eu"),
        _C(code="FR", en="France", fr="France", ar="فرنسا", region="eu"),
        _C(code="DE", en="Germany", fr="Allemagne", ar="ألمانيا", region="eu"),
        _C(code="GR", en="Greece", fr="Grèce", ar="اليونان", region="eu"),
        _C(code="HU", en="Hungary", fr="Hongrie", ar="المجر", region="eu"),
        _C(code="IE", en="Ireland", fr="Irlande", ar="أيرلندا", region="eu"),
        _C(code="IT", en="Italy", fr="Italie", ar="إيطاليا", region="eu"),
        _C(code="LV", en="Latvia", fr="Lettonie", ar="لاتفيا", region="eu"),
        _C(code="LT", en="Lithuania", fr="Lituanie", ar="ليتوانيا", region="eu"),
        _C(code="LU", en="Luxembourg", fr="Luxembourg", ar="لوكسمبورغ", region="eu"),
        _C(code="MT", en="Malta", fr="Malte", ar="مالطا", region="eu"),
        _C(code="NL", en="Netherlands", fr="Pays-Bas", ar="هولندا", region="eu"),
        _C(code="PL", en="Poland", fr="Pologne", ar="بولندا", region="eu"),
        _C(code="PT", en="Portugal", fr="Portugal", ar="البرتغال", region="eu"),
        _C(code="RO", en="Romania", fr="Roumanie", ar="رومانيا", region="eu"),
        _C(code="SK", en="Slovakia", fr="Slovaquie", ar="سلوفاكيا", region="eu"),
        _C(code="SI", en="Slovenia", fr="Slovénie", ar="سلوفينيا", region="eu"),
        _C(code="ES", en="Spain", fr="Espagne", ar="إسبانيا", region="eu"),
        _C(code="SE", en="Sweden", fr="Suède", ar="السويد", region="eu"),
        # Rest of Europe (frequent partners in EU programmes)
        _C(code="GB", en="United Kingdom", fr="Royaume-Uni", ar="المملكة المتحدة", region="europe_other"),
        _C(code="CH", en="Switzerland", fr="Suisse", ar="سويسرا", region="europe_other"),
        _C(code="NO", en="Norway", fr="Norvège", ar="النرويج", region="europe_other"),
        _C(code="IS", en="Iceland", fr="Islande", ar="آيسلندا", region="europe_other"),
        _C(code="AL", en="Albania", fr="Albanie", ar="ألبانيا", region="europe_other"),
        _C(code="BA", en="Bosnia and Herzegovina", fr="Bosnie-Herzégovine", ar="البوسنة والهرسك",
           region="europe_other"),
        _C(code="ME", en="Montenegro", fr="Monténégro", ar="الجبل الأسود", region="europe_other"),
        _C(code="MK", en="North Macedonia", fr="Macédoine du Nord", ar="مقدونيا الشمالية", region="europe_other"),
        _C(code="RS", en="Serbia", fr="Serbie", ar="صربيا", region="europe_other"),
        _C(code="UA", en="Ukraine", fr="Ukraine", ar="أوكرانيا", region="europe_other"),
        _C(code="US", en="United States", fr="États-Unis", ar="الولايات المتحدة", region="other"),
    )
}
SOUTH_MED: frozenset[str] = frozenset(c.code for c in COUNTRIES.values() if c.region == "south_med")
EU: frozenset[str] = frozenset(c.code for c in COUNTRIES.values() if c.region == "eu")

# ISO 639-1 two-letter language codes.
LANGUAGES: frozenset[str] = frozenset(
    """aa ab ae af ak am an ar as av ay az ba be bg bi bm bn bo br bs ca ce ch co cr cs cu cv cy
    da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu
    hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb
    lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om
    or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw
    ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu""".split()  # noqa: SIM905
)


def fold(text: str) -> str:
    """Case-, accent- and space-insensitive key for matching names ("Égypte" == "egypte")."""
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    return " ".join("".join(ch for ch in decomposed if not unicodedata.combining(ch)).split())


_COUNTRY_KEYS: dict[str, str] = {}
for _c in COUNTRIES.values():
    for _name in (_c.code, _c.en, _c.fr, _c.ar):
        _COUNTRY_KEYS[fold(_name)] = _c.code
for _alias, _code in {"UK": "GB", "EL": "GR", "Turkey": "TR", "Czech Republic": "CZ",
                      "Tunisia": "TN", "Lybia": "LY", "Syrian Arab Republic": "SY"}.items():
    _COUNTRY_KEYS[fold(_alias)] = _code


def country_code(value: str) -> str | None:
    """ISO code for a code or a name in English, French or Arabic; ``None`` if unknown."""
    return _COUNTRY_KEYS.get(fold(value))


_HINT_MAX = 100  # characters: longer values get no "did you mean" hint


def closest(value: str, choices: tuple[str, ...] | list[str], *, cutoff: float = 0.5) -> str | None:
    """The valid choice closest to a misspelt ``value`` (for "did you mean" messages); none for long texts,
    which are no misspelling (and would make difflib slow)."""
    if len(value) > _HINT_MAX:
        return None
    folded = {fold(c).replace(" ", "_"): c for c in choices}
    hits = difflib.get_close_matches(fold(value).replace(" ", "_"), list(folded), n=1, cutoff=cutoff)
    return folded[hits[0]] if hits else None


def closest_country(value: str) -> str | None:
    """The country code whose code or name is closest to ``value``."""
    if len(value) > _HINT_MAX:
        return None
    hits = difflib.get_close_matches(fold(value), list(_COUNTRY_KEYS), n=1, cutoff=0.6)
    return _COUNTRY_KEYS[hits[0]] if hits else None
