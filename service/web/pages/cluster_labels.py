"""Words the cluster pages show for codes and numbers, in the page's language: sectors, kinds and countries as
every page names them (:mod:`service.web.vocabulary`), and what only these pages name here: the groups of
sectors, the roles of :data:`matcher.clusters.ROLE_OF_KIND`, the role mix's fields, a member's fit and what a
group does not meet. The English names are gettext msgids marked with :func:`N_` (``clusters.po``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from babel.numbers import format_decimal

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
