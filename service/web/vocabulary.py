"""The controlled vocabularies as a page shows them: country names from the taxonomy (English, French,
Arabic), and sector, kind, partnership-type, relationship and meeting-outcome labels through the gettext catalogs
(``vocabulary.po``)."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from matcher.taxonomy import COUNTRIES
from service.web import i18n


def N_(message: str) -> str:
    return message


SECTOR_NAMES: dict[str, str] = {
    "publishing": N_("Publishing and printing"), "audiovisual": N_("Film, photography and video"),
    "music": N_("Music"), "broadcasting_press": N_("Broadcasting and press"),
    "performing_arts": N_("Performing arts"), "festivals_events": N_("Festivals and events"),
    "heritage_museums": N_("Heritage and museums"), "visual_arts": N_("Visual arts"),
    "crafts": N_("Crafts"), "fashion_textile": N_("Fashion and textile"), "jewellery": N_("Jewellery"),
    "furniture_interior": N_("Furniture and interior design"),
    "graphic_product_design": N_("Graphic and product design"),
    "architecture": N_("Architecture"), "advertising": N_("Advertising and communication"),
    "games_digital": N_("Video games and digital creation"), "cultural_tourism": N_("Cultural tourism"),
    "culinary_heritage": N_("Culinary heritage"),
}
KIND_NAMES: dict[str, str] = {
    "firm": N_("Company"), "cluster": N_("Cluster"), "association": N_("Association"),
    "education": N_("School or university"), "public_body": N_("Public body"), "funder": N_("Funder"),
    "support_org": N_("Support organisation"), "individual": N_("Individual"),
}
PARTNERSHIP_NAMES: dict[str, str] = {
    "distribution": N_("Distribution"), "supply": N_("Supply"), "subcontracting": N_("Subcontracting"),
    "co_production": N_("Co-production"), "joint_venture": N_("Joint venture"), "licensing": N_("Licensing"),
    "investment": N_("Investment"), "training": N_("Training"), "research": N_("Research"), "network": N_("Network"),
}

# a relationship as the profile page shows it, from that profile's side ("member_of": the profile is the member)
RELATIONSHIP_NAMES: dict[str, str] = {
    "partnership": N_("Partnership"), "cluster_member": N_("Member of this cluster"),
    "member_of": N_("Member of the cluster"), "met_at_event": N_("Met at a B2B event"),
}
OUTCOME_NAMES: dict[str, str] = {
    "no_show": N_("No-show"), "not_relevant": N_("Not relevant"), "useful": N_("Useful"),
    "follow_up": N_("Follow-up planned"), "agreement": N_("Agreement"),
}


COUNTRY_CODES = frozenset(COUNTRIES)


def gettext(lang: str) -> Callable[[str], str]:
    return i18n.translations(lang).gettext


def country_name(code: str, lang: str) -> str:
    country = COUNTRIES.get(code)
    if country is None:
        return code
    return {"ar": country.ar, "fr": country.fr}.get(lang, country.en)


def label(names: dict[str, str], code: str, lang: str) -> str:
    """A vocabulary code's label in ``lang`` (the code itself if it has none)."""
    return i18n.translations(lang).gettext(names[code]) if code in names else code


@cache
def countries(lang: str) -> tuple[tuple[str, str], ...]:
    """(code, name) of every country, sorted by name in ``lang`` (made once per language: every form shows it)."""
    return tuple(sorted(((c, country_name(c, lang)) for c in COUNTRIES), key=lambda pair: pair[1].casefold()))


VOCABULARIES = {"sectors": SECTOR_NAMES, "kinds": KIND_NAMES, "partnership_types": PARTNERSHIP_NAMES}


def choices(names: dict[str, str], lang: str) -> tuple[tuple[str, str], ...]:
    """(code, label) of a vocabulary, sorted by label in ``lang``."""
    return _choices(next(k for k, v in VOCABULARIES.items() if v is names), lang)


@cache
def _choices(vocabulary: str, lang: str) -> tuple[tuple[str, str], ...]:
    names = VOCABULARIES[vocabulary]
    return tuple(sorted(((c, label(names, c, lang)) for c in names), key=lambda pair: pair[1].casefold()))
