"""The cluster objective F as a set function over the candidate pool, so that a swap's change is exact.

    F(S) = Σ_{i∈S} fit(i) + λ_comp · Σ_{i≠j∈S} comp(i → j) / (|S| − 1) + λ_cov · cover(S) + λ_ctry · |C(S) ∩ asked|
           [+ Σ_{i∈S∖A} (λ_rel · relation(i, R) + λ_brk · broker(i, R))  with a relationship graph]

- ``cover(S)`` = distinct sectors + distinct kinds + ½ · distinct value chains touched (a coverage function);
- ``|C(S) ∩ asked|``: the countries asked for that a member comes from (a preference; ``min_countries`` is a
  hard floor the search enforces, not a term);
- the ties (:mod:`matcher.ties`) count to R = the anchors A when there are any, else to the other members.

:meth:`Objective.gain` is what the greedy search maximises: with anchors it is F(S ∪ {p}) − F(S) up to a term
that does not depend on p (the pairs' normaliser), so the greedy choice is the exact marginal choice;
without anchors the ties are counted to the members chosen so far (a heuristic, as the search itself).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from matcher.affinity import VALUE_CHAINS
from matcher.constraints import CatalogueArrays
from matcher.taxonomy import SECTORS
from matcher.ties import GroupTies

ROLE_OF_KIND = {"firm": "producer or buyer", "cluster": "cluster", "association": "association",
                "education": "training body", "public_body": "public body", "funder": "funder",
                "support_org": "support organisation", "individual": "designer or freelance"}
CHAIN_OF = {s: frozenset(i for i, chain in enumerate(VALUE_CHAINS) if s in chain) for s in SECTORS}


@dataclass(frozen=True, kw_only=True)
class ClusterParams:
    size: int
    min_countries: int = 1
    require: Mapping[str, int] = field(default_factory=dict)  # kind -> at least this many members
    rest: tuple[str, ...] = ("firm", "individual")  # kinds for the slots the role mix leaves (empty: any)
    pool: int = 300  # candidates considered (best fit first)
    complementarity: float = 1.0  # λ_comp
    coverage: float = 0.15  # λ_cov per new sector or kind
    # λ_ctry per country asked for that the group covers: on the sample (the request) 0.25 brings IT and
    # EG in for firms of fit ≥ 0.75 of the best FR ones; a member's fit still counts more than a country.
    countries: float = 0.25
    alternatives: int = 2
    improve: int = 10  # best 1-swaps after the greedy search, at most (0: the greedy group as it is)
    # With a graph only: λ_rel and λ_brk. On the CORDIS validation split (1, 0.5) recovered 0.097 of a consortium's
    # members, (0, 0) 0.067 and the best, (16, 4), 0.105: there ties outweigh a theme nobody wrote; here a tie
    # counts as much as the best fit to the coordinator's theme, not more.
    relations: float = 1.0
    brokers: float = 0.5


@dataclass(frozen=True, kw_only=True)
class Terms:
    """F(S) by term (each already weighted) and the cohesion's two means."""

    fit: float
    complementarity: float
    coverage: float
    countries: float
    ties: float
    mean_fit: float
    mean_pair: float
    size: int

    @property
    def total(self) -> float:
        return self.fit + self.complementarity + self.coverage + self.countries + self.ties

    @property
    def cohesion(self) -> float:
        """Mean of the mean fit and, with two members or more, the mean pairwise complementarity."""
        return (self.mean_fit + self.mean_pair) / 2 if self.size > 1 else self.mean_fit


class Objective:
    """F over positions of ``rows`` (catalogue rows of the pool); ``fit`` (n,) over the catalogue."""

    def __init__(self, *, cat: CatalogueArrays, rows: np.ndarray, fit: np.ndarray, comp: np.ndarray,
                 params: ClusterParams, asked: frozenset[str], anchors: Sequence[int] = (),
                 ties: GroupTies | None = None) -> None:
        self.cat, self.rows, self.params, self.asked, self.ties = cat, rows, params, asked, ties
        self.fit = fit[rows].astype(np.float64)
        self.comp = comp
        self.anchors = set(anchors)  # positions
        self.kinds = [str(k) for k in cat.kinds[rows]]
        self.countries = [str(c) for c in cat.countries[rows]]
        self.sectors = [frozenset(SECTORS[c] for c in np.flatnonzero(cat.sectors[r])) for r in rows]
        self.chains = [frozenset().union(*(CHAIN_OF[s] for s in secs)) for secs in self.sectors]
        self._covered: tuple[tuple[int, ...], set[str], set[str], set[int]] = ((), set(), set(), set())

    def reference(self, members: Sequence[int]) -> list[int]:
        """The members whose ties count: the anchors among ``members`` when the group has anchors, else all."""
        return [m for m in members if m in self.anchors] if self.anchors else list(members)

    def cover(self, members: Sequence[int]) -> float:
        sectors = set().union(*(self.sectors[m] for m in members)) if members else set()
        chains = set().union(*(self.chains[m] for m in members)) if members else set()
        return len(sectors) + len({self.kinds[m] for m in members}) + 0.5 * len(chains)

    def terms(self, members: Sequence[int]) -> Terms:
        """F(``members``) term by term, from scratch."""
        s = list(members)
        p = self.params
        n = len(s)
        block = self.comp[s][:, s]
        pairs = float(block.sum() - np.trace(block)) if n > 1 else 0.0
        ties = 0.0
        if self.ties is not None:
            ties = self._ties(s)
        covered = len({self.countries[m] for m in s} & self.asked)
        return Terms(fit=float(self.fit[s].sum()), complementarity=p.complementarity * pairs / max(n - 1, 1),
                     coverage=p.coverage * self.cover(s), countries=p.countries * covered, ties=ties,
                     mean_fit=float(self.fit[s].mean()) if n else 0.0,
                     mean_pair=pairs / (n * (n - 1)) if n > 1 else 0.0, size=n)

    def _ties(self, members: list[int]) -> float:
        """Σ over the non-anchors of λ_rel · relation + λ_brk · broker to the reference members (the others
        among them), as :class:`matcher.ties.GroupTies` computes them, from the reference members' tie columns."""
        assert self.ties is not None
        ref = self.reference(members)
        if not ref or not members:
            return 0.0
        columns = [self.ties.column(g) for g in ref]
        tie = np.array([c[0][members] for c in columns])  # (r, s)
        other = np.array(ref)[:, None] != np.array(members)[None, :]  # (r, s): g is another member than m
        direct = np.array([c[1][members] for c in columns]) & other
        count = other.sum(axis=0)
        relation = (tie * other).sum(axis=0) / np.maximum(count, 1)
        codes = sorted({self.countries[g] for g in ref})
        in_country = np.zeros((len(codes), len(ref)))
        in_country[[codes.index(self.countries[g]) for g in ref], np.arange(len(ref))] = 1.0
        countries = ((in_country @ other) > 0).sum(axis=0)  # the others' countries, per member
        linked = ((in_country @ direct) > 0).sum(axis=0)
        broker = np.where(countries >= 2, np.maximum(linked - 1, 0) / np.maximum(countries - 1, 1), 0.0)
        keep = (count > 0) & np.array([m not in self.anchors for m in members])
        return float(np.sum(np.where(keep, self.params.relations * relation + self.params.brokers * broker, 0.0)))

    def value(self, members: Sequence[int]) -> float:
        return self.terms(members).total

    def gain(self, p: int, chosen: Sequence[int]) -> float:
        """What the greedy search maximises when ``p`` joins ``chosen`` (see the module's docstring)."""
        prm = self.params
        c = list(chosen)
        pair = (self.comp[c, p].sum() + self.comp[p, c].sum()) / len(c) if c else 0.0
        new_country = self.countries[p] in self.asked and all(self.countries[m] != self.countries[p] for m in c)
        if self._covered[0] != tuple(c):  # the greedy asks about one group for every candidate in turn
            self._covered = (tuple(c), set().union(*(self.sectors[m] for m in c)) if c else set(),
                             {self.kinds[m] for m in c}, set().union(*(self.chains[m] for m in c)) if c else set())
        _, sectors, kinds, chains = self._covered
        cover = len(self.sectors[p] - sectors) + (self.kinds[p] not in kinds) + 0.5 * len(self.chains[p] - chains)
        value = (self.fit[p] + prm.complementarity * pair + prm.coverage * cover + prm.countries * new_country)
        if self.ties is not None:
            ref = self.reference(c)
            value += prm.relations * self.ties.relation(p, ref) + prm.brokers * self.ties.broker(p, ref)
        return float(value)
