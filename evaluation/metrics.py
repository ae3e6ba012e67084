"""Pure ranking-evaluation metrics: per-query scores, list-level diversity, grouped bootstrap intervals.

Conventions shared by the per-query metrics (recall, precision, nDCG, reciprocal rank, hit rate):

* an empty relevance set makes the query undefined and gives ``nan`` (not ``0.0``), so that averaging
  with :func:`mean_defined` skips it instead of dragging the mean down;
* a duplicated id in ``ranked`` counts once, at its first occurrence (later copies are dropped before
  the cut at ``k``, so a repeated hit can neither inflate a score nor push a list past ``k``);
* ``k <= 0`` raises :class:`ValueError`.

Depends on numpy only; no I/O.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

# Bound on the (replicates, groups) index block drawn at once by the bootstrap (about 32 MB of int64).
_BOOT_BLOCK_CELLS = 1 << 22


@dataclass(frozen=True, kw_only=True)
class Interval:
    """A point estimate with its percentile-bootstrap interval over ``n`` defined queries."""

    mean: float
    low: float
    high: float
    n: int

    @property
    def excludes_zero(self) -> bool:
        """True when 0 lies outside [low, high], i.e. the effect is "outside the confidence interval".

        >>> Interval(mean=0.2, low=0.1, high=0.3, n=5).excludes_zero
        True
        >>> Interval(mean=0.0, low=0.0, high=0.0, n=5).excludes_zero
        False
        """
        return self.low > 0.0 or self.high < 0.0


def _check_k(k: int) -> None:
    if k <= 0:
        raise ValueError(f"k must be positive, got {k}")


def _check_ids(name: str, ids: object) -> None:
    # A bare string is a Collection[str] of characters: almost always a caller's mistake.
    if isinstance(ids, str):
        raise TypeError(f"{name} must be a collection of ids, not a single string: {ids!r}")


def _dedupe(ranked: Sequence[str]) -> list[str]:
    """The ranked ids with later duplicates dropped (first occurrence kept, order preserved)."""
    _check_ids("ranked", ranked)
    return list(dict.fromkeys(ranked))


def _relevant_set(relevant: Collection[str]) -> frozenset[str]:
    _check_ids("relevant", relevant)
    return frozenset(relevant)


def _hits_at_k(ranked: Sequence[str], relevant: Collection[str], k: int) -> tuple[int, frozenset[str]]:
    """(number of relevant ids in the deduplicated top k, the relevant set)."""
    _check_k(k)
    rel = _relevant_set(relevant)
    return sum(1 for r in _dedupe(ranked)[:k] if r in rel), rel


def recall_at_k(ranked: Sequence[str], relevant: Collection[str], k: int) -> float:
    """|top-k ∩ relevant| / |relevant|; nan when nothing is relevant.

    >>> recall_at_k(["a", "b", "c"], {"a", "c", "z"}, 2)
    0.3333333333333333
    """
    hits, rel = _hits_at_k(ranked, relevant, k)
    return hits / len(rel) if rel else math.nan


def precision_at_k(ranked: Sequence[str], relevant: Collection[str], k: int) -> float:
    """|top-k ∩ relevant| / k (a list shorter than k is penalised for its empty slots); nan when nothing is relevant.

    >>> precision_at_k(["a", "b", "c"], {"a", "c"}, 2)
    0.5
    """
    hits, rel = _hits_at_k(ranked, relevant, k)
    return hits / k if rel else math.nan


def ndcg_at_k(ranked: Sequence[str], relevant: Collection[str], k: int) -> float:
    """Binary-gain nDCG@k: DCG = Σ_{i<k} rel_i / log2(i + 2) over the ideal DCG of min(|relevant|, k) hits.

    Nan when nothing is relevant.

    >>> ndcg_at_k(["x", "a"], {"a"}, 2)  # 1/log2(3) over 1/log2(2)
    0.6309297535714575
    """
    _check_k(k)
    rel = _relevant_set(relevant)
    if not rel:
        return math.nan
    dcg = sum(1.0 / math.log2(i + 2) for i, r in enumerate(_dedupe(ranked)[:k]) if r in rel)
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(len(rel), k)))
    return dcg / ideal


def reciprocal_rank(ranked: Sequence[str], relevant: Collection[str]) -> float:
    """1 / (1-based rank of the first relevant id in the whole deduplicated list); 0.0 if none, nan if none relevant.

    >>> reciprocal_rank(["x", "x", "y", "a"], {"a"})  # the duplicate x counts once: a is third
    0.3333333333333333
    """
    rel = _relevant_set(relevant)
    if not rel:
        return math.nan
    for rank, r in enumerate(_dedupe(ranked), start=1):
        if r in rel:
            return 1.0 / rank
    return 0.0


def hit_rate_at_k(ranked: Sequence[str], relevant: Collection[str], k: int) -> float:
    """1.0 if any relevant id is in the top k, else 0.0; nan when nothing is relevant.

    >>> hit_rate_at_k(["x", "y", "a"], {"a"}, 2), hit_rate_at_k(["x", "y", "a"], {"a"}, 3)
    (0.0, 1.0)
    """
    hits, rel = _hits_at_k(ranked, relevant, k)
    if not rel:
        return math.nan
    return 1.0 if hits else 0.0


def mean_defined(values: Iterable[float] | np.ndarray) -> float:
    """Mean of the non-nan values (the defined queries); nan when none is defined.

    >>> mean_defined([1.0, float("nan"), 0.5])
    0.75
    """
    arr = np.asarray(values if isinstance(values, np.ndarray) else list(values), dtype=np.float64).ravel()
    defined = arr[~np.isnan(arr)]
    return float(defined.mean()) if defined.size else math.nan


def top_k(scores: np.ndarray, ids: Sequence[str], k: int) -> list[str]:
    """Ids of the k highest of ``scores`` (n,), ties broken by id ascending; nan scores rank last.

    The id tie-break makes results independent of input order, so a tie never favours a relevant
    item merely because it happened to come first in the catalogue.

    >>> top_k(np.array([0.5, 0.9, 0.5, 0.5]), ["d", "a", "b", "c"], 3)
    ['a', 'b', 'c']
    """
    _check_k(k)
    _check_ids("ids", ids)
    s = np.asarray(scores, dtype=np.float64)
    if s.ndim != 1 or s.shape[0] != len(ids):
        raise ValueError(f"scores must have shape ({len(ids)},), got {s.shape}")
    if not len(ids):
        return []
    # lexsort: the last key is primary. -nan stays nan, which sorts after every number.
    order = np.lexsort((np.asarray(ids, dtype=str), -s))[:k]
    return [ids[i] for i in order.tolist()]


def coverage(lists: Iterable[Sequence[str]], catalogue_size: int) -> float:
    """Distinct recommended ids over all lists / catalogue size (catalogue coverage of the recommender).

    >>> coverage([["a", "b"], ["b", "c"]], 10)
    0.3
    """
    if catalogue_size <= 0:
        raise ValueError(f"catalogue_size must be positive, got {catalogue_size}")
    seen: set[str] = set()
    for ranked in lists:
        _check_ids("each list", ranked)
        seen.update(ranked)
    return len(seen) / catalogue_size


def cross_border_share(countries: Sequence[str], query_country: str) -> float:
    """Share of a result list whose country differs from the query's; nan for an empty list.

    >>> cross_border_share(["MA", "FR", "IT", "MA"], "MA")
    0.5
    """
    _check_ids("countries", countries)
    if not countries:
        return math.nan
    return sum(1 for c in countries if c != query_country) / len(countries)


def country_diversity(countries: Sequence[str]) -> float:
    """Shannon entropy of a list's countries over its maximum log(len): 1 = all different, 0 = one country.

    Lists of length <= 1 give 0.0 (no diversity is possible).

    >>> country_diversity(["FR", "FR", "MA", "MA"])  # ln 2 / ln 4
    0.5
    """
    _check_ids("countries", countries)
    n = len(countries)
    if n <= 1:
        return 0.0
    _, counts = np.unique(np.asarray(countries, dtype=str), return_counts=True)
    p = counts / n
    entropy = float(-(p * np.log(p)).sum())
    # Clip float noise (e.g. -0.0 or 1.0000000000000002) into the documented range.
    return min(1.0, max(0.0, entropy / math.log(n)))


def _group_sums(values: np.ndarray, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-group (sum, count) of the defined values, (G,) each, for the G groups with a defined value."""
    v = np.asarray(values, dtype=np.float64)
    g = np.asarray(groups)
    if v.ndim != 1 or g.shape != v.shape:
        raise ValueError(f"values and groups must be 1-D of the same length, got {v.shape} and {g.shape}")
    defined = ~np.isnan(v)
    if not defined.any():
        return np.zeros(0), np.zeros(0)
    _, inverse = np.unique(g[defined], return_inverse=True)
    inverse = inverse.ravel()
    return np.bincount(inverse, weights=v[defined]), np.bincount(inverse).astype(np.float64)


def bootstrap_ci(
    values: np.ndarray, groups: np.ndarray, *, n_boot: int = 1000, alpha: float = 0.05, seed: int = 0
) -> Interval:
    """Mean of the defined ``values`` (n,) with a percentile-bootstrap interval resampling whole ``groups`` (n,).

    Queries of one group (e.g. one held-out project) are correlated, so groups, not queries, are drawn
    with replacement; each replicate's statistic is the mean of the defined values in the drawn groups.
    Nan values are ignored (a group with none defined takes no part). Deterministic for a given seed.

    >>> bootstrap_ci(np.array([0.5, 0.5, np.nan, 0.5]), np.array([1, 1, 2, 3]))
    Interval(mean=0.5, low=0.5, high=0.5, n=3)
    """
    if n_boot < 1:
        raise ValueError(f"n_boot must be at least 1, got {n_boot}")
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    sums, counts = _group_sums(values, groups)
    n_groups = sums.shape[0]
    if n_groups == 0:
        return Interval(mean=math.nan, low=math.nan, high=math.nan, n=0)
    rng = np.random.default_rng(seed)
    stats = np.empty(n_boot)
    block = max(1, _BOOT_BLOCK_CELLS // n_groups)
    for start in range(0, n_boot, block):
        stop = min(start + block, n_boot)
        drawn = rng.integers(0, n_groups, size=(stop - start, n_groups))  # (replicates, G) group indices
        stats[start:stop] = sums[drawn].sum(axis=1) / counts[drawn].sum(axis=1)
    low, high = np.quantile(stats, [alpha / 2.0, 1.0 - alpha / 2.0])
    return Interval(mean=float(sums.sum() / counts.sum()), low=float(low), high=float(high), n=int(counts.sum()))


def paired_bootstrap_diff(
    a: np.ndarray,
    b: np.ndarray,
    groups: np.ndarray,
    *,
    n_boot: int = 1000,
    alpha: float = 0.05,
    seed: int = 0,
) -> Interval:
    """Bootstrap interval of the mean per-query difference a − b, (n,) each, over queries where both are defined.

    Pairing on the same queries removes the between-query variance both methods share; the difference
    is significant at level ``alpha`` when the interval ``excludes_zero``.

    >>> paired_bootstrap_diff(np.array([0.75, 1.0]), np.array([0.25, 0.5]), np.array([1, 2]))
    Interval(mean=0.5, low=0.5, high=0.5, n=2)
    """
    fa = np.asarray(a, dtype=np.float64)
    fb = np.asarray(b, dtype=np.float64)
    if fa.shape != fb.shape:
        raise ValueError(f"a and b must have the same shape, got {fa.shape} and {fb.shape}")
    return bootstrap_ci(fa - fb, groups, n_boot=n_boot, alpha=alpha, seed=seed)  # nan - x is nan
