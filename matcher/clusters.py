"""Cluster seeding: propose a cross-border group with a working role mix, or score a given one.

The objective F (:mod:`matcher.cluster_objective`) adds, over the members, their fit with the focus
(:mod:`matcher.cluster_fit`: theme text, sectors and value-chain position, calibrated 0 = a typical eligible
profile, 1 = the best), how well their offers answer each other's needs (``comp(i → j)``, a calibrated item
match), the sectors, kinds and value chains covered, the countries asked for that are covered and, given a
relationship graph, each member's ties to the group's reference members R (:mod:`matcher.ties`). R is the
anchors when there are any, else the members chosen so far: on the CORDIS validation split (λ_rel = 4,
λ_brk = 1) ties to the anchors alone recovered 0.102 of the true members, ties to every member chosen so far
0.075 (one wrong pick pulls in its own partners); the pool then also holds the rows best tied to the anchors.

Why greedy. The fit, coverage and country terms are monotone submodular (modular terms and coverage
functions); the complementarity term is a normalised sum over pairs, close to modular once a few members are
in. For monotone submodular maximisation under a cardinality constraint the greedy choice is within 1 − 1/e of
the optimum (Nemhauser, Wolsey & Fisher 1978), and it is fast, deterministic and explainable. That bound does
not hold exactly with the pairwise term or with the role-mix and country constraints (filled first), so a
better group may exist: each slot's alternatives (:mod:`matcher.cluster_alternatives`) carry the exact change
of F if swapped, and every country asked for but missing says why. What each member brings, with the offer ↔
need pairs, and the quality of the whole are :mod:`matcher.cluster_quality`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from matcher.cluster_alternatives import MissingCountry, Swap, improve, missing_countries, swaps
from matcher.cluster_fit import Fit, Focus, calibrate, fit_of, fit_scores
from matcher.cluster_objective import ROLE_OF_KIND, ClusterParams, Objective, Terms
from matcher.cluster_quality import Answer, Gap, Quality, answers, best_pairs, gaps, quality
from matcher.constraints import CatalogueArrays, Constraints, constraint_mask
from matcher.graph import RelationGraph
from matcher.protocols import VectorIndex
from matcher.ties import GroupTies, ties_to_group

__all__ = ["ROLE_OF_KIND", "Answer", "ClusterParams", "Evaluation", "Focus", "Gap", "Member", "MissingCountry",
           "Quality", "Seeded", "Shortfall", "Swap", "calibrate", "complementarity", "evaluate_cluster",
           "fit_scores", "seed_cluster", "worked_with"]

PER_COUNTRY = 5  # best-fitting eligible rows of each country asked for, added to the pool


@dataclass(frozen=True, kw_only=True)
class Member:
    row: int
    role: str
    gain: float  # F(S) − F(S ∖ {m}): what it adds to the others
    fit: float
    complements: tuple[int, ...]  # rows whose needs this member's offers answer best
    new_country: bool
    anchor: bool
    worked_with: tuple[int, ...] = ()  # rows of the other members it is linked to (with a graph)
    fit_parts: dict[str, float] = field(default_factory=dict)  # contribution of each part of the fit
    serves: tuple[Answer, ...] = ()  # its offers answering other members' needs
    served_by: tuple[Answer, ...] = ()  # other members' offers answering its needs
    gaps: tuple[Gap, ...] = ()  # what only it brings


@dataclass(frozen=True, kw_only=True)
class Shortfall:
    """A constraint a member set does not meet, as data (a page words it in its own language): ``what`` is
    ``"size"`` (fewer members than asked), ``"countries"`` (fewer countries than asked) or a kind of the role
    mix (fewer of that kind than required); ``have`` and ``wanted`` are the counts."""

    what: str
    have: int
    wanted: int

    @property
    def text(self) -> str:
        """In English, worded as :func:`seed_cluster` words its ``unmet``."""
        if self.what == "size":
            return f"only {self.have} eligible members for a cluster of {self.wanted}"
        if self.what == "countries":
            return f"{self.have} countries, fewer than the {self.wanted} asked"
        return f"only {self.have} {self.what} available for the {self.wanted} required"


@dataclass(frozen=True, kw_only=True)
class Evaluation:
    """A member set scored with the seed's objective: ``objective`` is F, ``cohesion`` the mean of ``fit`` (mean
    fit to the focus) and ``complementarity`` (mean calibrated offer→need match over ordered pairs)."""

    members: tuple[Member, ...]
    objective: float
    cohesion: float
    fit: float
    complementarity: float
    sectors_covered: tuple[str, ...]
    alternatives: dict[int, tuple[int, ...]]  # member row -> next best rows for that slot
    swaps: dict[int, tuple[Swap, ...]]  # the same, with the change of F and of the cohesion
    missing_countries: tuple[MissingCountry, ...]
    quality: Quality
    shortfalls: tuple[Shortfall, ...]
    unmet: tuple[str, ...] = ()  # what the search could not meet, in words (a seed); else the shortfalls'


Seeded = Evaluation  # a seed is its members scored as :func:`evaluate_cluster` scores them


def complementarity(rows: np.ndarray, cat: CatalogueArrays, indexes: Mapping[str, VectorIndex]) -> np.ndarray:
    """(m, m) comp[i, j] in [0, 1]: how well one of row i's offers answers one of row j's needs, calibrated as the
    suggestion scores are (:mod:`matcher.candidates`): per need side j, the best cosine of i's offers with j's
    needs minus its mean over the rows of i's language (0 = what a typical row of that language offers j),
    over the best such margin for j (1 = the best offer j finds among ``rows``), or over the median of the needs'
    best margins when j's best is below it (a need nobody answers well gets no 1); 0 where a side is missing.

    Measured on the sample (the issue's request): calibrated over all pairs at once, as before, the mean pair
    of two French rows scored 0.46 and a French–Arabic pair far less, so the search filled the group with
    French firms whose offers answered no one's need (0 of 8 needs answered inside); per need and language,
    only real answers score high."""
    offers_units, offers_at = cat.items["offers"].units_of(rows)
    needs_units, needs_at = cat.items["needs"].units_of(rows)
    m = len(rows)
    out = np.zeros((m, m))
    if not len(offers_units) or not len(needs_units):
        return out
    sims = indexes["offers_items"].vectors(offers_units) @ indexes["needs_items"].vectors(needs_units).T
    has_o = offers_at[1:] > offers_at[:-1]
    has_n = needs_at[1:] > needs_at[:-1]
    by_offer = np.full((m, sims.shape[1]), -np.inf)
    by_offer[has_o] = np.maximum.reduceat(sims, offers_at[:-1][has_o], axis=0)
    best = np.full((m, m), -np.inf)
    best[:, has_n] = np.maximum.reduceat(by_offer, needs_at[:-1][has_n], axis=1)
    valid = np.isfinite(best)
    np.fill_diagonal(valid, False)
    language = cat.text_language["overall"][rows]
    for bucket in _language_buckets(language[has_o]):
        side = has_o & np.isin(language, bucket)
        cells = valid & side[:, None]
        count = cells.sum(axis=0)
        mean = np.where(count > 0, np.where(cells, best, 0.0).sum(axis=0) / np.maximum(count, 1), 0.0)
        out[cells] = (best - mean[None, :])[cells]
    margin = np.where(valid, out, -np.inf).max(axis=0)
    typical = float(np.median(margin[np.isfinite(margin)])) if np.isfinite(margin).any() else 0.0
    out = np.where(valid, out / np.maximum(np.maximum(margin, typical), 1e-9)[None, :], 0.0)
    return np.clip(out, 0.0, 1.0)


def _language_buckets(languages: np.ndarray, min_rows: int = 10) -> list[np.ndarray]:
    """Languages of at least ``min_rows`` offering rows get their own bucket, the others share one."""
    codes, counts = np.unique(languages, return_counts=True)
    small = codes[counts < min_rows]
    return [np.array([c]) for c in codes[counts >= min_rows]] + ([small] if len(small) else [])


@dataclass(frozen=True, kw_only=True)
class _Pool:
    """The candidates of a request and the objective over them."""

    fit: Fit
    candidates: list[int]  # catalogue rows, best fit first (then the rows tied to the anchors)
    eligible_countries: set[str]
    objective: Objective
    pos: dict[int, int]  # catalogue row -> position in objective.rows


def _pool(cat: CatalogueArrays, indexes: Mapping[str, VectorIndex], focus: Focus, constraints: Constraints,
          params: ClusterParams, anchors: Sequence[int], graph: RelationGraph | None, extra: Sequence[int] = ()
          ) -> _Pool:
    """The ``params.pool`` best-fitting eligible rows, the :data:`PER_COUNTRY` best of each country asked for,
    with a graph up to ``params.pool`` eligible rows tied to the anchors (best tied first), and the objective
    over them, the anchors and ``extra`` (the members of a hand-made set)."""
    if graph is not None and graph.size != len(cat):
        raise ValueError(f"the graph has {graph.size} rows, the catalogue {len(cat)}")
    eligible = constraint_mask(constraints, cat)
    eligible[list(anchors)] = True
    overall = indexes["overall"].vectors(np.arange(len(cat)))
    fit = fit_of(focus, cat, overall, eligible)
    order = np.lexsort((np.arange(len(cat)), -fit.value))
    ranked = [int(r) for r in order if eligible[r]]
    candidates = ranked[: params.pool]
    taken = set(candidates)
    for country in sorted(constraints.countries):
        best = [r for r in ranked if cat.countries[r] == country][:PER_COUNTRY]
        candidates += [r for r in best if r not in taken]
        taken.update(best)
    if graph is not None and anchors:
        near = np.where(eligible, ties_to_group(graph, anchors), 0.0)
        tied = [int(r) for r in np.lexsort((np.arange(len(cat)), -near)) if near[r] > 0][: params.pool]
        candidates += [r for r in tied if r not in taken]
    rows = np.array(sorted(set(candidates) | set(anchors) | set(extra)), dtype=np.int64)
    pos = {int(r): i for i, r in enumerate(rows)}
    ties = GroupTies(graph=graph, rows=rows, countries=cat.countries[rows]) if graph is not None else None
    objective = Objective(cat=cat, rows=rows, fit=fit.value, comp=complementarity(rows, cat, indexes),
                          params=params, asked=frozenset(constraints.countries), anchors=[pos[a] for a in anchors],
                          ties=ties)
    return _Pool(fit=fit, candidates=candidates, pos=pos, objective=objective,
                 eligible_countries={str(c) for c in np.unique(cat.countries[eligible])})


def _check(params: ClusterParams, anchors: Sequence[int]) -> None:
    if params.size < max(1, len(anchors)):
        raise ValueError(f"size {params.size} is smaller than the {len(anchors)} anchors")
    if sum(params.require.values()) > params.size:
        needed = sum(params.require.values())
        raise ValueError(f"the required roles need {needed} members, more than the size {params.size}")


def seed_cluster(cat: CatalogueArrays, indexes: Mapping[str, VectorIndex], focus: Focus, constraints: Constraints,
                 params: ClusterParams, *, anchors: Sequence[int] = (), graph: RelationGraph | None = None) -> Seeded:
    """Greedy maximisation of F under the role mix, the country minimum and the anchors (rows); with a
    ``graph`` over the catalogue's rows, ties count too. The result is the chosen set as
    :func:`evaluate_cluster` scores it, with what the search could not meet in ``unmet``."""
    _check(params, anchors)
    pool = _pool(cat, indexes, focus, constraints, params, anchors, graph)
    obj, pos = pool.objective, pool.pos
    kinds, countries = obj.kinds, obj.countries
    chosen: list[int] = [pos[a] for a in anchors]
    free = [pos[c] for c in pool.candidates if pos[c] not in chosen]

    def pick(allowed: list[int]) -> int | None:
        best, best_gain = None, -np.inf
        for p in allowed:
            g = obj.gain(p, chosen)
            if g > best_gain + 1e-12:
                best, best_gain = p, g
        return best

    unmet: list[str] = []
    for kind, count in params.require.items():
        have = sum(1 for m in chosen if kinds[m] == kind)
        while have < count and len(chosen) < params.size:
            p = pick([f for f in free if kinds[f] == kind and f not in chosen])
            if p is None:
                unmet.append(f"only {have} {kind} available for the {count} required")
                break
            chosen.append(p)
            have += 1
    while len(chosen) < params.size:
        present = {countries[m] for m in chosen}
        missing = params.min_countries - len(present)
        allowed = [f for f in free if f not in chosen and (not params.rest or kinds[f] in params.rest)]
        if missing > 0 and params.size - len(chosen) <= missing:
            allowed = [f for f in allowed if countries[f] not in present]
        p = pick(allowed)
        if p is None:
            unmet.append(f"only {len(chosen)} eligible members for a cluster of {params.size}")
            break
        chosen.append(p)
    chosen = improve(obj, chosen, free, params)
    if len({countries[m] for m in chosen}) < params.min_countries:
        unmet.append(f"{len({countries[m] for m in chosen})} countries, fewer than the {params.min_countries} asked")
    result = _describe(pool, chosen, focus, params, cat, indexes, graph, anchors)
    return Evaluation(**{**result.__dict__, "unmet": tuple(unmet)})


def evaluate_cluster(cat: CatalogueArrays, indexes: Mapping[str, VectorIndex], focus: Focus, constraints: Constraints,
                     params: ClusterParams, members: Sequence[int], *, anchors: Sequence[int] = (),
                     graph: RelationGraph | None = None) -> Evaluation:
    """Score ``members`` (rows, in the order shown) with the objective of :func:`seed_cluster`, so that a
    coordinator who swaps a member sees what the group gains or loses.

    The calibration is the seed's: fit over the rows the constraints admit (and the anchors), complementarity
    over the same candidate pool (and, here, the members), so the seed's own members get exactly the seed's
    objective, cohesion and alternatives, and a swap to an alternative gets F(before) + the swap's delta. A
    member outside that pool (a hand-made set) widens the pool by one row, which moves the calibration a little.
    ``params.size`` is the size asked (a shorter set is a shortfall); the role mix and the country minimum are
    checked, never enforced."""
    chosen_rows = [int(r) for r in members]
    if len(set(chosen_rows)) != len(chosen_rows):
        raise ValueError("a member is listed twice")
    pool = _pool(cat, indexes, focus, constraints, params, anchors, graph, extra=chosen_rows)
    return _describe(pool, [pool.pos[r] for r in chosen_rows], focus, params, cat, indexes, graph, anchors)


def _describe(pool: _Pool, chosen: list[int], focus: Focus, params: ClusterParams, cat: CatalogueArrays,
              indexes: Mapping[str, VectorIndex], graph: RelationGraph | None, anchors: Sequence[int]) -> Evaluation:
    """The group ``chosen`` (positions) with every figure and explanation."""
    obj = pool.objective
    rows = obj.rows
    terms = obj.terms(chosen)
    free = [pool.pos[c] for c in pool.candidates if pool.pos[c] not in chosen and c not in anchors]
    if params.alternatives:
        pairs = best_pairs(rows[chosen], cat, indexes)
        serves, served = answers(obj, chosen, pairs)
        member_gaps = gaps(obj, chosen, params)
    else:  # none asked (an evaluation's many seeds): skip the explanations
        serves = served = [()] * len(chosen)
        member_gaps = [()] * len(chosen)
    members, seen = [], set()
    for i, m in enumerate(chosen):
        others = [o for o in chosen if o != m]
        best = sorted(others, key=lambda o: -obj.comp[m, o])[:2]
        row = int(rows[m])
        members.append(Member(
            row=row, role=ROLE_OF_KIND.get(obj.kinds[m], "member"),
            gain=round(terms.total - obj.value(others), 4) if params.alternatives else 0.0,
            fit=round(float(pool.fit.value[row]), 4), fit_parts=pool.fit.of(row),
            complements=tuple(int(rows[o]) for o in best if obj.comp[m, o] > 0.5),
            new_country=obj.countries[m] not in seen, anchor=row in anchors,
            worked_with=worked_with(graph, row, [int(rows[o]) for o in others]),
            serves=serves[i], served_by=served[i], gaps=member_gaps[i]))
        seen.add(obj.countries[m])
    slot_swaps = swaps(obj, chosen, free, params)
    shortfalls = [Shortfall(what=kind, have=have, wanted=count) for kind, count in params.require.items()
                  if (have := sum(1 for m in chosen if obj.kinds[m] == kind)) < count]
    if len(chosen) < params.size:
        shortfalls.append(Shortfall(what="size", have=len(chosen), wanted=params.size))
    if len(seen) < params.min_countries:
        shortfalls.append(Shortfall(what="countries", have=len(seen), wanted=params.min_countries))
    sectors = set().union(*(obj.sectors[m] for m in chosen)) if chosen else set()
    return Evaluation(
        members=tuple(members), objective=round(terms.total, 4), cohesion=rounded_cohesion(terms),
        fit=round(terms.mean_fit, 4), complementarity=round(terms.mean_pair, 4), sectors_covered=tuple(sorted(sectors)),
        alternatives={int(rows[m]): tuple(s.row for s in found) for m, found in slot_swaps.items()},
        swaps={int(rows[m]): found for m, found in slot_swaps.items()},
        missing_countries=missing_countries(obj, chosen, free, pool.eligible_countries, params)
        if params.alternatives else (),
        quality=quality(obj, chosen, focus.sectors, params), shortfalls=tuple(shortfalls),
        unmet=tuple(f.text for f in shortfalls))


def rounded_cohesion(terms: Terms) -> float:
    """The cohesion from its two rounded means, so the figures shown add up."""
    fit, pair = round(terms.mean_fit, 4), round(terms.mean_pair, 4)
    return round((fit + pair) / 2, 4) if terms.size > 1 else fit


def worked_with(graph: RelationGraph | None, row: int, others: Sequence[int]) -> tuple[int, ...]:
    """The rows of ``others`` that ``row`` is linked to, strongest link first (none without a graph)."""
    if graph is None:
        return ()
    partners, links = graph.partners(row), graph.links(row)
    strength = dict(zip(partners.tolist(), links.tolist(), strict=True))
    return tuple(sorted((o for o in others if o in strength), key=lambda o: (-strength[o], o)))
