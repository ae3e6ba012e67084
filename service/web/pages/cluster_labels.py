"""Words the cluster pages show for codes and numbers, in the page's language: sectors, kinds and countries as
every page names them (:mod:`service.web.vocabulary`), and what only these pages name here: the groups of
sectors, the roles of :data:`matcher.clusters.ROLE_OF_KIND`, the role mix's fields, a member's fit and what a
group does not meet. The English names are gettext msgids marked with :func:`N_` (``clusters.po``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.numbers import format_decimal
from markupsafe import Markup, escape

from matcher.clusters import ROLE_OF_KIND
from matcher.taxonomy import SECTOR_GROUPS
from service.web import vocabulary as vocab
from service.web.templating import gettext_for
from service.web.vocabulary import N_

# kinds a coordinator may require in the role mix (firms and individuals fill the other slots)
ROLE_KINDS: tuple[str, ...] = ("education", "support_org", "public_body", "funder", "association", "cluster")


GROUP_NAMES: dict[str, str] = {
    "cultural_media": N_("Cultural media"),
    "live_culture": N_("Live culture"),
    "design_based": N_("Design-based industries"),
    "creative_services": N_("Creative services"),
}
ROLE_NAMES: dict[str, str] = {
    "producer or buyer": N_("producer or buyer"), "cluster": N_("cluster"), "association": N_("association"),
    "training body": N_("training body"), "public body": N_("public body"), "funder": N_("funder"),
    "support organisation": N_("support organisation"), "designer or freelance": N_("designer or freelance"),
    "member": N_("member"),
}
# the role mix's inputs: "at least N training bodies"
ROLE_FIELD_NAMES: dict[str, str] = {
    "education": N_("Training bodies"), "support_org": N_("Support organisations"),
    "public_body": N_("Public bodies"), "funder": N_("Funders"), "association": N_("Associations"),
    "cluster": N_("Other clusters"),
}


def fit_level(fit: float) -> str:
    """A word for a fit in [0, 1]: strong from 0.75, good from 0.4, else weak."""
    return "strong" if fit >= 0.75 else "good" if fit >= 0.4 else "weak"


class Labels:
    """The names of codes and the numbers of one page, in its language."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self._ = gettext_for(lang)

    def sector(self, code: str) -> str:
        return vocab.label(vocab.SECTOR_NAMES, code, self.lang)

    def group(self, code: str) -> str:
        return self._(GROUP_NAMES[code]) if code in GROUP_NAMES else code

    def kind(self, code: str) -> str:
        return vocab.label(vocab.KIND_NAMES, code, self.lang)

    def role(self, role: str) -> str:
        return self._(ROLE_NAMES[role]) if role in ROLE_NAMES else role

    def role_field(self, kind: str) -> str:
        return self._(ROLE_FIELD_NAMES[kind])

    def country(self, code: str) -> str:
        """The country's name in the page's language (its code if unknown)."""
        return vocab.country_name(code, self.lang)

    def sector_groups(self) -> list[tuple[str, tuple[str, ...]]]:
        return list(SECTOR_GROUPS.items())

    def number(self, value: float) -> str:
        """Two decimals in the page's conventions (``0,61`` in French)."""
        return format_decimal(value, format="0.00", locale=self.lang)

    def signed(self, value: float) -> str:
        """A change with its sign: ``+0.03``, ``−0.02`` (a true minus sign), ``±0.00``."""
        sign = "+" if value > 0.00499 else "−" if value < -0.00499 else "±"
        return sign + self.number(abs(value))

    def fit(self, value: float) -> str:
        """A member's fit with the focus, in words and figures."""
        level = fit_level(value)
        template = (self._("strong fit with the focus ({value})") if level == "strong"
                    else self._("good fit with the focus ({value})") if level == "good"
                    else self._("weak fit with the focus ({value})"))
        return template.format(value=self.number(value))

    def language(self, code: str) -> str:
        """A working language's name in the page's language (its code if unknown)."""
        try:
            return Locale.parse(code).get_language_name(self.lang) or code
        except (ValueError, UnknownLocaleError):
            return code

    def part(self, name: str) -> str:
        """A part of the fit: theme, sectors, value chain."""
        return self._(PART_NAMES[name]) if name in PART_NAMES else name

    def gap(self, gap: Mapping[str, str]) -> str:
        """What only this member brings, in a phrase."""
        what, value = gap["what"], gap["value"]
        if what == "sector":
            return self._("the only member in {sector}").format(sector=self.sector(value))
        if what == "role":
            return self._("the only {kind}").format(kind=self.role(ROLE_OF_KIND.get(value, "member")))
        if what == "country":
            return self._("the only member from {country}").format(country=self.country(value))
        return self._("the only one working in {language}").format(language=self.language(value))

    def missing(self, miss: Mapping[str, Any]) -> Markup:
        """Why a country asked for has no member, in a sentence (names isolated)."""
        country = escape(self.country(miss["country"]))
        if miss["reason"] == "no_eligible":
            return Markup(escape(self._("{country}: no eligible profile there.")).format(country=country))
        if miss["reason"] == "no_slot":
            return Markup(escape(self._("{country}: eligible profiles, but none of a role the cluster has a place "
                                        "for.")).format(country=country))
        template = (self._("{country}: the best candidate there, {name}, in place of {member}, would lower the "
                           "cohesion by {change}.") if miss["cohesion_change"] < 0 else
                    self._("{country}: the best candidate there, {name}, in place of {member}, would change the "
                           "cohesion by {change} but lower the cluster's objective by {loss} (what the member it "
                           "replaces brings would be lost)."))
        change = abs(miss["cohesion_change"]) if miss["cohesion_change"] < 0 else miss["cohesion_change"]
        shown = self.number(change) if miss["cohesion_change"] < 0 else self.signed(change)
        return Markup(escape(template)).format(
            country=country, name=Markup("<bdi>{}</bdi>").format(miss["candidate"]["name"]),
            member=Markup("<bdi>{}</bdi>").format(miss["replaces"]["name"]),
            change=Markup('<bdi dir="ltr">{}</bdi>').format(shown),
            loss=Markup('<bdi dir="ltr">{}</bdi>').format(self.number(abs(miss["delta"]))))

    def shortfall(self, shortfall: Mapping[str, Any]) -> str:
        """A constraint the group does not meet, in a sentence."""
        what, have, wanted = shortfall["what"], shortfall["have"], shortfall["wanted"]
        if what == "size":
            return self._("Only {have} eligible members were found for a cluster of {wanted}.").format(
                have=have, wanted=wanted)
        if what == "countries":
            return self._("The members come from {have} countries, fewer than the {wanted} asked.").format(
                have=have, wanted=wanted)
        return self._("{role}: {have} in the group, {wanted} required.").format(
            role=self.role_field(what) if what in ROLE_FIELD_NAMES else self.kind(what), have=have, wanted=wanted)


PART_NAMES: dict[str, str] = {"theme": N_("theme"), "sectors": N_("sectors"), "value_chain": N_("value chain")}


@dataclass(frozen=True, kw_only=True)
class Segment:
    """One part of a fit bar, on a 0-100 scale: where it starts, how long it is, its name and contribution."""

    part: str
    x: float
    width: float
    value: float


def fit_segments(fit: float, parts: Mapping[str, float]) -> list[Segment]:
    """The bar of a fit: the positive parts end to end, scaled so that the bar is as long as the fit (a part
    below its mean shortens the bar without a segment of its own)."""
    positive = {name: max(value, 0.0) for name, value in parts.items()}
    total = sum(positive.values())
    scale = 100.0 * fit / total if total > 0 else 0.0
    out, x = [], 0.0
    for name, value in positive.items():
        out.append(Segment(part=name, x=round(x, 2), width=round(value * scale, 2), value=parts[name]))
        x += value * scale
    return out


class QualityWords:
    """The group's quality (:func:`service.catalogue.cluster_views.quality_json`), a line each, in one language."""

    def __init__(self, labels: Labels) -> None:
        self.n, self._ = labels, labels._

    def _list(self, names: list[str]) -> str:
        return self._(", ").join(names)

    def cohesion(self, q: Mapping[str, Any]) -> str:
        return self._("The members fit the focus {fit} on average, and their offers answer each other's needs "
                      "{complementarity} (0 is typical, 1 the best).").format(
            fit=self.n.number(q["fit"]), complementarity=self.n.number(q["complementarity"]))

    def value_chain(self, q: Mapping[str, Any]) -> str:
        return self._("{covered} of the {total} sectors on the focus's value chains: {sectors}.").format(
            covered=len(q["covered"]), total=len(q["sectors"]),
            sectors=self._list([self.n.sector(s) for s in q["covered"]]) or "—")

    def roles(self, q: Mapping[str, Any]) -> str:
        text = self._("{count} roles: {roles}.").format(
            count=len(q["present"]), roles=self._list([self.n.kind(k) for k in q["present"]]))
        if q["required"]:
            text += " " + self._("{met} of the {required} roles asked for are there.").format(
                met=q["met"], required=q["required"])
        return text

    def countries(self, q: Mapping[str, Any]) -> str:
        text = self._("{count} countries: {countries}.").format(
            count=len(q["present"]), countries=self._list([self.n.country(c) for c in q["present"]]))
        if q["asked"]:
            text += " " + self._("{covered} of the {asked} countries asked for.").format(
                covered=len(q["covered"]), asked=len(q["asked"]))
        return text

    def languages(self, q: Mapping[str, Any]) -> str:
        if not q["present"]:
            return self._("No member gives its working languages.")
        return self._("{count} working languages; {sharing} members speak {language}.").format(
            count=len(q["present"]), sharing=q["sharing"], language=self.n.language(q["shared"]))

    def complementarity(self, q: Mapping[str, Any]) -> str:
        return self._("{answered} of the {total} members with needs have one answered inside the cluster.").format(
            answered=q["answered"], total=q["with_needs"])
