"""Cluster seeding: propose a cross-border group with a working role mix, or who could join one.

Objective, for a set S of members:

    F(S) = Σ_{i∈S} fit(i) + λ_comp · Σ_{i≠j∈S} comp(i → j) / (|S| − 1) + λ_cov · cover(S)

- ``fit(i)`` in [0, 1]: closeness to the focus — the theme (overall view against the theme text,
  calibrated like the ranking: 0 = a typical eligible profile, 1 = the best) and the focus sectors
  (best value-chain affinity, :mod:`matcher.affinity`), averaged over what was given;
- ``comp(i → j)`` in [0, 1]: how well one of i's offers answers one of j's needs (calibrated item
  match), so producers, buyers, designers and trainers who need each other score together;
- ``cover(S)``: number of distinct value-chain sectors and kinds present (diminishing returns).

Given a relationship graph (who already worked with whom), each member's gain also counts its ties
(:mod:`matcher.ties`) to the group's reference members R: ``λ_rel · relation(i, R)`` (mean tie: a direct
link and shared partners) and ``λ_brk · broker(i, R)`` (it is linked to members in several of R's
countries); the pool then also holds the rows best tied to the anchors. R is the anchors when there are
any, else the members chosen so far: on the CORDIS validation split (λ_rel = 4, λ_brk = 1) ties to the
anchors alone recovered 0.102 of the true members, ties to every member chosen so far 0.075 (one wrong
pick pulls in its own partners). Without a graph F is unchanged.

Why greedy. The fit and coverage terms are monotone submodular (a sum of modular terms and a
coverage function); the complementarity term is a normalised sum over pairs, close to modular once
a few members are in. For monotone submodular maximisation under a cardinality constraint the
greedy choice is within 1 − 1/e of the optimum (Nemhauser, Wolsey & Fisher 1978), and it is fast,
deterministic and explainable (each member's reason is its marginal gain). What it does not
guarantee: that bound does not hold exactly with the pairwise term or with the role-mix and
country constraints (a partition-matroid-like structure filled first), so a better group may exist;
``alternatives`` shows the next best candidates for each slot so a coordinator can swap.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from matcher.affinity import SECTOR_AFFINITY, VALUE_CHAINS
from matcher.constraints import CatalogueArrays, Constraints, constraint_mask
from matcher.graph import RelationGraph
from matcher.protocols import VectorIndex
from matcher.taxonomy import SECTORS
from matcher.ties import GroupTies, ties_to_group

ROLE_OF_KIND = {"firm": "producer or buyer", "cluster": "cluster", "association": "association",
                "education": "training body", "public_body": "public body", "funder": "funder",
                "support_org": "support organisation", "individual": "designer or freelance"}


@dataclass(frozen=True, kw_only=True)
class ClusterParams:
    size: int
    min_countries: int = 1
    require: Mapping[str, int] = field(default_factory=dict)  # kind -> at least this many members
    rest: tuple[str, ...] = ("firm", "individual")  # kinds for the slots the role mix leaves (empty: any)
    pool: int = 300  # candidates considered (best fit first)
    complementarity: float = 1.0  # λ_comp
    coverage: float = 0.15  # λ_cov per new sector or kind
    alternatives: int = 2
    # With a graph only: λ_rel and λ_brk. On the CORDIS validation split (1, 0.5) recovered 0.097 of a consortium's
    # members, (0, 0) 0.067 and the best, (16, 4), 0.105: there ties outweigh a theme nobody wrote; here a tie
    # counts as much as the best fit to the coordinator's theme, not more.
    relations: float = 1.0
    brokers: float = 0.5


@dataclass(frozen=True, kw_only=True)
class Focus:
    """What the cluster is about: a theme vector (query role, (d,)) and/or sectors."""

    theme: np.ndarray | None = None
    sectors: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Member:
    row: int
    role: str
    gain: float
    fit: float
    complements: tuple[int, ...]  # rows whose needs this member's offers answer best
    new_country: bool
    anchor: bool
    worked_with: tuple[int, ...] = ()  # rows of the other members it is linked to (with a graph)


@dataclass(frozen=True, kw_only=True)
class Seeded:
    members: tuple[Member, ...]
    cohesion: float  # mean of fit and pairwise complementarity over the group, in [0, 1]
    sectors_covered: tuple[str, ...]
    alternatives: dict[int, tuple[int, ...]]  # member row -> next best rows for that slot
    unmet: tuple[str, ...]  # constraints that could not be met, in words


def calibrate(x: np.ndarray, eligible: np.ndarray) -> np.ndarray:
    """(x - mean over eligible) / (max - mean), clipped to [0, 1]."""
    base = float(np.mean(x[eligible])) if eligible.any() else 0.0
    top = float(np.max(x[eligible])) if eligible.any() else 1.0
    return np.clip((x - base) / max(top - base, 1e-9), 0.0, 1.0)


def fit_scores(focus: Focus, cat: CatalogueArrays, overall: np.ndarray, eligible: np.ndarray) -> np.ndarray:
    """(n,) fit of every row to the focus, in [0, 1]."""
    parts = []
    if focus.theme is not None:
        parts.append(calibrate(overall @ focus.theme, eligible))
    if focus.sectors:
        affinity = SECTOR_AFFINITY[[SECTORS.index(s) for s in focus.sectors]].max(axis=0)
        parts.append((cat.sectors * affinity[None, :]).max(axis=1).astype(np.float64))
    return np.mean(parts, axis=0) if parts else np.zeros(len(cat))


def complementarity(rows: np.ndarray, cat: CatalogueArrays, indexes: Mapping[str, VectorIndex]) -> np.ndarray:
    """(m, m) comp[i, j] = best cosine between one of row i's offers and one of row j's needs,
    calibrated to [0, 1] over the pairs (0 = typical pair, 1 = best); 0 where a side is missing."""
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
    if valid.any():
        out[valid] = calibrate(best[valid], np.ones(int(valid.sum()), bool))
    return out


def _candidates(cat: CatalogueArrays, indexes: Mapping[str, VectorIndex], focus: Focus, constraints: Constraints,
                params: ClusterParams, anchors: Sequence[int], graph: RelationGraph | None
                ) -> tuple[np.ndarray, list[int]]:
    """Fit of every row (n,) and the candidate pool: the ``params.pool`` best-fitting eligible rows, then,
    with a graph, up to as many eligible rows tied to the anchors (best tied first)."""
    if graph is not None and graph.size != len(cat):
        raise ValueError(f"the graph has {graph.size} rows, the catalogue {len(cat)}")
    eligible = constraint_mask(constraints, cat)
    eligible[list(anchors)] = True
    overall = indexes["overall"].vectors(np.arange(len(cat)))
    fit = fit_scores(focus, cat, overall, eligible)
    order = np.lexsort((np.arange(len(cat)), -fit))
    candidates = [int(r) for r in order if eligible[r]][: params.pool]
    if graph is not None and anchors:
        near = np.where(eligible, ties_to_group(graph, anchors), 0.0)
        taken = set(candidates)
        tied = [int(r) for r in np.lexsort((np.arange(len(cat)), -near)) if near[r] > 0][: params.pool]
        candidates += [r for r in tied if r not in taken]
    return fit, candidates


def _reference(members: list[int], anchors: set[int]) -> list[int]:
    """The members whose ties count: the anchors among ``members`` when the group has anchors, else all."""
    return [m for m in members if m in anchors] if anchors else members


def seed_cluster(cat: CatalogueArrays, indexes: Mapping[str, VectorIndex], focus: Focus, constraints: Constraints,
                 params: ClusterParams, *, anchors: Sequence[int] = (), graph: RelationGraph | None = None) -> Seeded:
    """Greedy maximisation of F under the role mix, the country minimum and the anchors (rows); with a
    ``graph`` over the catalogue's rows, ties to the members chosen so far count too."""
    if params.size < max(1, len(anchors)):
        raise ValueError(f"size {params.size} is smaller than the {len(anchors)} anchors")
    if sum(params.require.values()) > params.size:
        needed = sum(params.require.values())
        raise ValueError(f"the required roles need {needed} members, more than the size {params.size}")
    fit, candidates = _candidates(cat, indexes, focus, constraints, params, anchors, graph)
    rows = np.array(sorted(set(candidates) | set(anchors)), dtype=np.int64)
    pos = {int(r): i for i, r in enumerate(rows)}
    comp = complementarity(rows, cat, indexes)
    ties = GroupTies(graph=graph, rows=rows, countries=cat.countries[rows]) if graph is not None else None
    anchor_pos = {pos[a] for a in anchors}
    chain_of = {s: {i for i, chain in enumerate(VALUE_CHAINS) if s in chain} for s in SECTORS}

    chosen: list[int] = []  # positions in rows
    gains: dict[int, float] = {}

    row_sectors = [{SECTORS[c] for c in np.flatnonzero(cat.sectors[r])} for r in rows]
    row_chains = [{ch for sec in secs for ch in chain_of[sec]} for secs in row_sectors]

    def covered(members: list[int]) -> tuple[set[str], set[str], set[int]]:
        sectors = set().union(*(row_sectors[m] for m in members)) if members else set()
        chains = set().union(*(row_chains[m] for m in members)) if members else set()
        return sectors, {str(cat.kinds[rows[m]]) for m in members}, chains

    base: list[tuple[set[str], set[str], set[int]]] = [covered([])]

    def gain(p: int) -> float:
        pair = (comp[chosen, p].sum() + comp[p, chosen].sum()) / max(len(chosen), 1) if chosen else 0.0
        sectors, kinds, chains = base[0]
        cover = (len(row_sectors[p] - sectors) + (str(cat.kinds[rows[p]]) not in kinds)
                 + 0.5 * len(row_chains[p] - chains))
        value = fit[rows[p]] + params.complementarity * pair + params.coverage * math.sqrt(cover)
        if ties is not None:
            ref = _reference(chosen, anchor_pos)
            value += params.relations * ties.relation(p, ref) + params.brokers * ties.broker(p, ref)
        return float(value)

    def countries(members: list[int]) -> set[str]:
        return {str(cat.countries[rows[m]]) for m in members}

    def pick(allowed: list[int]) -> int | None:
        base[0] = covered(chosen)
        best, best_gain = None, -np.inf
        for p in allowed:
            g = gain(p)
            if g > best_gain + 1e-12:
                best, best_gain = p, g
        if best is not None:
            gains[best] = best_gain
        return best

    unmet: list[str] = []
    for a in anchors:
        base[0] = covered(chosen)
        gains[pos[a]] = gain(pos[a])
        chosen.append(pos[a])
    free = [pos[c] for c in candidates if pos[c] not in chosen]
    for kind, count in params.require.items():
        have = sum(1 for m in chosen if cat.kinds[rows[m]] == kind)
        while have < count and len(chosen) < params.size:
            p = pick([f for f in free if cat.kinds[rows[f]] == kind and f not in chosen])
            if p is None:
                unmet.append(f"only {have} {kind} available for the {count} required")
                break
            chosen.append(p)
            have += 1
    while len(chosen) < params.size:
        missing = params.min_countries - len(countries(chosen))
        pool = [f for f in free if f not in chosen and (not params.rest or cat.kinds[rows[f]] in params.rest)]
        if missing > 0 and params.size - len(chosen) <= missing:
            pool = [f for f in pool if str(cat.countries[rows[f]]) not in countries(chosen)]
        p = pick(pool)
        if p is None:
            unmet.append(f"only {len(chosen)} eligible members for a cluster of {params.size}")
            break
        chosen.append(p)
    if len(countries(chosen)) < params.min_countries:
        unmet.append(f"{len(countries(chosen))} countries, fewer than the {params.min_countries} asked")

    members = []
    seen_countries: set[str] = set()
    for m in chosen:
        country = str(cat.countries[rows[m]])
        others = [o for o in chosen if o != m]
        best = sorted(others, key=lambda o: -comp[m, o])[:2]
        members.append(Member(row=int(rows[m]), role=ROLE_OF_KIND.get(str(cat.kinds[rows[m]]), "member"),
                              gain=round(gains.get(m, 0.0), 4), fit=round(float(fit[rows[m]]), 4),
                              complements=tuple(int(rows[o]) for o in best if comp[m, o] > 0.5),
                              new_country=country not in seen_countries, anchor=int(rows[m]) in anchors,
                              worked_with=worked_with(graph, int(rows[m]), [int(rows[o]) for o in others])))
        seen_countries.add(country)
    pair = [comp[i, j] for i in chosen for j in chosen if i != j]
    parts = [float(np.mean([fit[rows[m]] for m in chosen]))] if chosen else []
    cohesion = float(np.mean(parts + ([float(np.mean(pair))] if pair else []))) if parts else 0.0
    alternatives = {}
    base[0] = covered(chosen)
    for m in chosen:
        if int(rows[m]) in anchors:
            continue
        same_kind = [f for f in free if f not in chosen and cat.kinds[rows[f]] == cat.kinds[rows[m]]]
        if not params.alternatives:
            same_kind = []  # none asked: skip scoring them (an evaluation's many seeds)
        ranked = sorted(same_kind, key=lambda f: (-gain(f), int(rows[f])))[: params.alternatives]
        alternatives[int(rows[m])] = tuple(int(rows[f]) for f in ranked)
    sectors, _, _ = covered(chosen)
    return Seeded(members=tuple(members), cohesion=round(cohesion, 4), sectors_covered=tuple(sorted(sectors)),
                  alternatives=alternatives, unmet=tuple(unmet))


def worked_with(graph: RelationGraph | None, row: int, others: Sequence[int]) -> tuple[int, ...]:
    """The rows of ``others`` that ``row`` is linked to, strongest link first (none without a graph)."""
    if graph is None:
        return ()
    partners, links = graph.partners(row), graph.links(row)
    strength = dict(zip(partners.tolist(), links.tolist(), strict=True))
    return tuple(sorted((o for o in others if o in strength), key=lambda o: (-strength[o], o)))


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
    """A given member set scored with the seed's objective: ``cohesion`` is the mean of ``fit`` (mean fit to
    the focus) and ``complementarity`` (mean calibrated offer→need match over ordered pairs), as in
    :class:`Seeded`; ``gain`` of a member is what it adds to the others (F(S) − F(S∖{m}))."""

    members: tuple[Member, ...]
    cohesion: float
    fit: float
    complementarity: float
    sectors_covered: tuple[str, ...]
    alternatives: dict[int, tuple[int, ...]]  # member row -> best non-members of its kind for that slot
    shortfalls: tuple[Shortfall, ...]


def evaluate_cluster(cat: CatalogueArrays, indexes: Mapping[str, VectorIndex], focus: Focus, constraints: Constraints,
                     params: ClusterParams, members: Sequence[int], *, anchors: Sequence[int] = (),
                     graph: RelationGraph | None = None) -> Evaluation:
    """Score ``members`` (rows, in the order shown) with the objective of :func:`seed_cluster`, so that a
    coordinator who swaps a member sees what the group gains or loses.

    The calibration is the seed's: fit over the rows the constraints admit (and the anchors), complementarity
    over the same candidate pool (the ``params.pool`` best-fitting eligible rows, the anchors and, here, the
    members), so the seed's own members get exactly the seed's cohesion and alternatives. A member outside
    that pool (a hand-made set) widens the pool by one row, which moves the calibration a little. Alternatives
    are ranked by the seed's gain against the whole set; anchors get none. ``params.size`` is the size asked
    (a shorter set is a shortfall); the role mix and the country minimum are checked, never enforced. With the
    seed's ``graph``, the gains and alternatives count the ties as the seed does."""
    chosen_rows = [int(r) for r in members]
    if len(set(chosen_rows)) != len(chosen_rows):
        raise ValueError("a member is listed twice")
    fit, candidates = _candidates(cat, indexes, focus, constraints, params, anchors, graph)
    rows = np.array(sorted(set(candidates) | set(anchors) | set(chosen_rows)), dtype=np.int64)
    pos = {int(r): i for i, r in enumerate(rows)}
    comp = complementarity(rows, cat, indexes)
    ties = GroupTies(graph=graph, rows=rows, countries=cat.countries[rows]) if graph is not None else None
    anchor_pos = {pos[a] for a in anchors}
    chain_of = {s: {i for i, chain in enumerate(VALUE_CHAINS) if s in chain} for s in SECTORS}
    row_sectors = [{SECTORS[c] for c in np.flatnonzero(cat.sectors[r])} for r in rows]
    row_chains = [{ch for sec in secs for ch in chain_of[sec]} for secs in row_sectors]
    chosen = [pos[r] for r in chosen_rows]

    def gain(p: int, others: list[int]) -> float:
        """The seed's marginal gain of position ``p`` joining ``others``."""
        pair = (comp[others, p].sum() + comp[p, others].sum()) / max(len(others), 1) if others else 0.0
        sectors = set().union(*(row_sectors[o] for o in others)) if others else set()
        chains = set().union(*(row_chains[o] for o in others)) if others else set()
        kinds = {str(cat.kinds[rows[o]]) for o in others}
        cover = (len(row_sectors[p] - sectors) + (str(cat.kinds[rows[p]]) not in kinds)
                 + 0.5 * len(row_chains[p] - chains))
        value = fit[rows[p]] + params.complementarity * pair + params.coverage * math.sqrt(cover)
        if ties is not None:
            ref = _reference(others, anchor_pos)
            value += params.relations * ties.relation(p, ref) + params.brokers * ties.broker(p, ref)
        return float(value)

    evaluated, seen = [], set()
    for m in chosen:
        country = str(cat.countries[rows[m]])
        others = [o for o in chosen if o != m]
        best = sorted(others, key=lambda o: -comp[m, o])[:2]
        evaluated.append(Member(row=int(rows[m]), role=ROLE_OF_KIND.get(str(cat.kinds[rows[m]]), "member"),
                                gain=round(gain(m, others), 4), fit=round(float(fit[rows[m]]), 4),
                                complements=tuple(int(rows[o]) for o in best if comp[m, o] > 0.5),
                                new_country=country not in seen, anchor=int(rows[m]) in anchors,
                                worked_with=worked_with(graph, int(rows[m]), [int(rows[o]) for o in others])))
        seen.add(country)
    pair = [comp[i, j] for i in chosen for j in chosen if i != j]
    mean_fit = float(np.mean([fit[rows[m]] for m in chosen])) if chosen else 0.0
    mean_pair = float(np.mean(pair)) if pair else 0.0
    cohesion = float(np.mean([mean_fit] + ([mean_pair] if pair else []))) if chosen else 0.0
    free = [pos[c] for c in candidates if pos[c] not in chosen and c not in anchors]
    alternatives = {}
    for m in chosen:
        if int(rows[m]) in anchors:
            continue
        same_kind = [f for f in free if cat.kinds[rows[f]] == cat.kinds[rows[m]]]
        ranked = sorted(same_kind, key=lambda f: (-gain(f, chosen), int(rows[f])))[: params.alternatives]
        alternatives[int(rows[m])] = tuple(int(rows[f]) for f in ranked)
    shortfalls = [Shortfall(what=kind, have=have, wanted=count) for kind, count in params.require.items()
                  if (have := sum(1 for m in chosen if cat.kinds[rows[m]] == kind)) < count]
    if len(chosen) < params.size:
        shortfalls.append(Shortfall(what="size", have=len(chosen), wanted=params.size))
    if len(seen) < params.min_countries:
        shortfalls.append(Shortfall(what="countries", have=len(seen), wanted=params.min_countries))
    sectors = set().union(*(row_sectors[m] for m in chosen)) if chosen else set()
    return Evaluation(members=tuple(evaluated), cohesion=round(cohesion, 4), fit=round(mean_fit, 4),
                      complementarity=round(mean_pair, 4), sectors_covered=tuple(sorted(sectors)),
                      alternatives=alternatives, shortfalls=tuple(shortfalls))
