"""Who abroad could join an existing cluster: fit with its collective profile, offers for its needs, a new
market, and with a relationship graph the ties to its members (:mod:`matcher.ties`). Seeding a new
cluster and evaluating one are :mod:`matcher.clusters`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from matcher.clusters import calibrate
from matcher.constraints import CatalogueArrays, Constraints, constraint_mask
from matcher.graph import RelationGraph
from matcher.protocols import VectorIndex
from matcher.ties import GroupTies

# Weights of the ties in extend_cluster (with a graph). On the CORDIS validation split (two members given, the
# others abroad to find) 0.103 of them were found at (0.5, 0.25), 0.073 without the graph, 0.110 at best (2, 0.5):
# a tie counts as much as the fit (weight 0.5), not more.
EXTEND_RELATIONS, EXTEND_BROKERS = 0.5, 0.25


def extend_cluster(cat: CatalogueArrays, indexes: Mapping[str, VectorIndex], members: Sequence[int],
                   constraints: Constraints, *, k: int = 10, exclude: Sequence[int] = (),
                   graph: RelationGraph | None = None, relations: float = EXTEND_RELATIONS,
                   brokers: float = EXTEND_BROKERS) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Who could join a cluster: rows (k,), scores (k,) and components (fit with the collective
    profile, new offers for its needs, new market; with a ``graph``, ``relations`` × the mean tie to the
    members and ``brokers`` × the broker share, :mod:`matcher.ties`), excluding members, their countries and
    ``exclude`` (e.g. the cluster's own profile)."""
    rows_m = np.array(sorted(set(members)), dtype=np.int64)
    eligible = constraint_mask(constraints, cat)
    eligible[rows_m] = False
    eligible[np.asarray(exclude, dtype=np.int64)] = False
    eligible &= ~np.isin(cat.countries, cat.countries[rows_m])
    overall = indexes["overall"].vectors(np.arange(len(cat)))
    centroid = overall[rows_m].mean(axis=0)
    centroid /= max(float(np.linalg.norm(centroid)), 1e-12)
    fit = calibrate(overall @ centroid, eligible)
    needs_units, _ = cat.items["needs"].units_of(rows_m)
    adds = np.zeros(len(cat))
    if len(needs_units):
        need_vecs = indexes["needs_items"].vectors(needs_units)
        offer_vecs = indexes["offers_items"].vectors(np.arange(len(cat.items["offers"].owner)))
        per_offer = (offer_vecs @ need_vecs.T).max(axis=1)
        owners = cat.items["offers"].owner
        best = np.full(len(cat), -np.inf)
        np.maximum.at(best, owners, per_offer)
        has = np.isfinite(best)
        adds[has] = calibrate(best[has], eligible[has])
    market = eligible.astype(np.float64)  # every eligible candidate brings a new country by construction
    score = 0.5 * fit + 0.4 * adds + 0.1 * market
    parts = {"fit": fit, "adds": adds, "new_market": market}
    if graph is not None:
        if graph.size != len(cat):
            raise ValueError(f"the graph has {graph.size} rows, the catalogue {len(cat)}")
        ties = GroupTies(graph=graph, rows=np.arange(len(cat)), countries=cat.countries)
        parts["relations"], parts["broker"] = ties.terms([int(r) for r in rows_m])
        score = score + relations * parts["relations"] + brokers * parts["broker"]
    score[~eligible] = -np.inf
    order = np.lexsort((np.arange(len(cat)), -score))
    top = np.array([r for r in order if np.isfinite(score[r])][:k], dtype=np.int64)
    return top, score[top], {name: values[top] for name, values in parts.items()}
