"""What a cluster's members bring each other, with evidence, and the quality of the whole group.

- a member's evidence: whose needs its offers answer and whose offers answer its needs (the offer and need
  items, as unit indices a front end turns into phrases), and the gaps it fills (a sector, a role, a country,
  a working language no other member brings);
- the group's quality: cohesion (mean fit, mean complementarity), coverage (the sectors of the focus's value
  chains, the roles, the countries asked for, the working languages) and internal complementarity (how many
  members with needs have one answered inside the group).

A need counts as answered when the calibrated match of an offer with it is at least :data:`ANSWERED` (0.5:
halfway between a typical offer–need pair of the pool, 0, and its best pair, 1), the threshold the earlier
"offers what X needs" reason used.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from matcher.affinity import VALUE_CHAINS
from matcher.cluster_objective import ClusterParams, Objective
from matcher.constraints import CatalogueArrays
from matcher.protocols import VectorIndex

ANSWERED = 0.5
NAMED_ANSWERS = 2  # offer ↔ need pairs named per direction and member


@dataclass(frozen=True, kw_only=True)
class Answer:
    """One offer answering one need inside the group: ``other`` is the member row on the other side, ``offer``
    and ``need`` unit indices (``items["offers"]`` / ``items["needs"]``), ``score`` the calibrated match."""

    other: int
    offer: int
    need: int
    score: float


@dataclass(frozen=True, kw_only=True)
class Gap:
    """Something only this member brings to the group: ``what`` is sector, role, country or language."""

    what: str
    value: str


@dataclass(frozen=True, kw_only=True)
class Quality:
    """The whole group: cohesion and its two means; coverage; internal complementarity."""

    cohesion: float
    fit: float
    complementarity: float
    chain_sectors: tuple[str, ...]  # the sectors on the value chains of the focus (or of the members)
    chain_sectors_covered: tuple[str, ...]
    roles: tuple[str, ...]  # kinds present
    roles_required: int  # kinds of the role mix
    roles_met: int
    countries: tuple[str, ...]  # present
    countries_asked: tuple[str, ...]
    countries_asked_covered: tuple[str, ...]
    languages: tuple[str, ...]  # working languages present, most spoken first
    shared_language: str  # the most spoken ("" if no member gives one)
    sharing: int  # members who speak it
    needs_answered: int  # members with at least one need answered inside the group
    with_needs: int  # members with needs


def best_pairs(rows: np.ndarray, cat: CatalogueArrays, indexes: Mapping[str, VectorIndex]
               ) -> tuple[np.ndarray, np.ndarray]:
    """(m, m) offer unit and need unit of the best offer(i) → need(j) pair between ``rows`` (-1 if none)."""
    m = len(rows)
    offer_at = np.full((m, m), -1, np.int64)
    need_at = np.full((m, m), -1, np.int64)
    o_units, o_off = cat.items["offers"].units_of(rows)
    n_units, n_off = cat.items["needs"].units_of(rows)
    if not len(o_units) or not len(n_units):
        return offer_at, need_at
    sims = indexes["offers_items"].vectors(o_units) @ indexes["needs_items"].vectors(n_units).T
    for i in range(m):
        for j in range(m):
            a, b, c, d = o_off[i], o_off[i + 1], n_off[j], n_off[j + 1]
            if i != j and b > a and d > c:
                k = int(np.argmax(sims[a:b, c:d]))
                offer_at[i, j], need_at[i, j] = o_units[a + k // (d - c)], n_units[c + k % (d - c)]
    return offer_at, need_at


def answers(obj: Objective, chosen: Sequence[int], pairs: tuple[np.ndarray, np.ndarray]
            ) -> tuple[list[tuple[Answer, ...]], list[tuple[Answer, ...]]]:
    """Per member (in ``chosen``'s order, positions of the pool): what it serves and what serves it."""
    offer_at, need_at = pairs
    serves, served = [], []
    for a, i in enumerate(chosen):
        out = [Answer(other=int(obj.rows[j]), offer=int(offer_at[a, b]), need=int(need_at[a, b]),
                      score=round(float(obj.comp[i, j]), 4))
               for b, j in enumerate(chosen) if j != i and obj.comp[i, j] >= ANSWERED and offer_at[a, b] >= 0]
        into = [Answer(other=int(obj.rows[j]), offer=int(offer_at[b, a]), need=int(need_at[b, a]),
                       score=round(float(obj.comp[j, i]), 4))
                for b, j in enumerate(chosen) if j != i and obj.comp[j, i] >= ANSWERED and offer_at[b, a] >= 0]
        serves.append(tuple(sorted(out, key=lambda x: (-x.score, x.other))[:NAMED_ANSWERS]))
        served.append(tuple(sorted(into, key=lambda x: (-x.score, x.other))[:NAMED_ANSWERS]))
    return serves, served


def languages_of(cat: CatalogueArrays, row: int) -> set[str]:
    return {cat.language_codes[c] for c in np.flatnonzero(cat.languages[row])}


def gaps(obj: Objective, chosen: Sequence[int], params: ClusterParams) -> list[tuple[Gap, ...]]:
    """Per member: the sectors, role, country and languages no other member brings (a role counts when the
    role mix asks for it or it is the only one of its kind; a country when it was asked for or is the only
    one)."""
    out = []
    for i in chosen:
        others = [j for j in chosen if j != i]
        found: list[Gap] = []
        other_sectors = set().union(*(obj.sectors[j] for j in others)) if others else set()
        found += [Gap(what="sector", value=s) for s in sorted(obj.sectors[i] - other_sectors)]
        if all(obj.kinds[j] != obj.kinds[i] for j in others) and (obj.kinds[i] in params.require or len(chosen) > 1):
            found.append(Gap(what="role", value=obj.kinds[i]))
        if all(obj.countries[j] != obj.countries[i] for j in others):
            found.append(Gap(what="country", value=obj.countries[i]))
        other_langs = set().union(*(languages_of(obj.cat, int(obj.rows[j])) for j in others)) if others else set()
        found += [Gap(what="language", value=lang)
                  for lang in sorted(languages_of(obj.cat, int(obj.rows[i])) - other_langs)]
        out.append(tuple(found))
    return out


def quality(obj: Objective, chosen: Sequence[int], focus_sectors: Sequence[str], params: ClusterParams) -> Quality:
    """The quality of the group ``chosen`` (positions of the pool)."""
    terms = obj.terms(chosen)
    present = set().union(*(obj.sectors[m] for m in chosen)) if chosen else set()
    base = set(focus_sectors) or present
    chain_sectors = sorted(base.union(*(set(chain) for chain in VALUE_CHAINS if base & set(chain))))
    kinds = sorted({obj.kinds[m] for m in chosen})
    met = sum(1 for kind, count in params.require.items() if sum(obj.kinds[m] == kind for m in chosen) >= count)
    countries = list(dict.fromkeys(obj.countries[m] for m in chosen))
    spoken = Counter(lang for m in chosen for lang in sorted(languages_of(obj.cat, int(obj.rows[m]))))
    ranked = sorted(spoken, key=lambda lang: (-spoken[lang], lang))
    start = obj.cat.items["needs"].start
    with_needs = [m for m in chosen if start[obj.rows[m] + 1] > start[obj.rows[m]]]
    answered = [m for m in with_needs if any(obj.comp[j, m] >= ANSWERED for j in chosen if j != m)]
    fit, pair = round(terms.mean_fit, 4), round(terms.mean_pair, 4)
    return Quality(cohesion=round((fit + pair) / 2, 4) if terms.size > 1 else fit, fit=fit,
                   complementarity=pair, chain_sectors=tuple(chain_sectors),
                   chain_sectors_covered=tuple(s for s in chain_sectors if s in present), roles=tuple(kinds),
                   roles_required=len(params.require), roles_met=met, countries=tuple(countries),
                   countries_asked=tuple(sorted(obj.asked)),
                   countries_asked_covered=tuple(sorted(obj.asked & set(countries))),
                   languages=tuple(ranked), shared_language=ranked[0] if ranked else "",
                   sharing=spoken[ranked[0]] if ranked else 0, needs_answered=len(answered),
                   with_needs=len(with_needs))
