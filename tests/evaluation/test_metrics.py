"""Ranking metrics against hand-computed values (the arithmetic is in the comments), plus the doctests."""

from __future__ import annotations

import doctest
import math
from collections.abc import Callable

import numpy as np
import pytest

import evaluation.metrics
from evaluation.metrics import (
    Interval,
    bootstrap_ci,
    country_diversity,
    coverage,
    cross_border_share,
    hit_rate_at_k,
    mean_defined,
    ndcg_at_k,
    paired_bootstrap_diff,
    precision_at_k,
    recall_at_k,
    reciprocal_rank,
    top_k,
)

RANKED = ["a", "b", "c", "d", "e"]
INV_LOG2_3 = 1.0 / math.log2(3)  # discount of rank 2: 1/log2(2 + 1) = 0.6309297535714575


def test_doctests_pass() -> None:
    result = doctest.testmod(evaluation.metrics)
    assert result.attempted > 0
    assert result.failed == 0


# --- per-query metrics --------------------------------------------------------------------------


def test_relevant_at_rank_1() -> None:
    # top-3 = a b c, relevant {a}: 1 hit.
    assert recall_at_k(RANKED, {"a"}, 3) == 1.0  # 1 / |{a}|
    assert precision_at_k(RANKED, {"a"}, 3) == pytest.approx(1 / 3)  # 1 hit / k=3
    assert ndcg_at_k(RANKED, {"a"}, 3) == 1.0  # DCG 1/log2(2) = 1, ideal 1
    assert reciprocal_rank(RANKED, {"a"}) == 1.0  # 1 / rank 1
    assert hit_rate_at_k(RANKED, {"a"}, 3) == 1.0


def test_relevant_at_rank_3() -> None:
    # c is third: inside the top 3, outside the top 2.
    assert recall_at_k(RANKED, {"c"}, 3) == 1.0
    assert precision_at_k(RANKED, {"c"}, 3) == pytest.approx(1 / 3)
    assert ndcg_at_k(RANKED, {"c"}, 3) == pytest.approx(0.5)  # 1/log2(3 + 1) = 1/2, ideal 1
    assert reciprocal_rank(RANKED, {"c"}) == pytest.approx(1 / 3)
    assert hit_rate_at_k(RANKED, {"c"}, 3) == 1.0
    assert recall_at_k(RANKED, {"c"}, 2) == 0.0
    assert precision_at_k(RANKED, {"c"}, 2) == 0.0
    assert ndcg_at_k(RANKED, {"c"}, 2) == 0.0
    assert hit_rate_at_k(RANKED, {"c"}, 2) == 0.0


def test_relevant_beyond_k() -> None:
    # e is fifth: nothing in the top 3, but reciprocal rank looks at the whole list: 1/5.
    assert recall_at_k(RANKED, {"e"}, 3) == 0.0
    assert precision_at_k(RANKED, {"e"}, 3) == 0.0
    assert ndcg_at_k(RANKED, {"e"}, 3) == 0.0
    assert hit_rate_at_k(RANKED, {"e"}, 3) == 0.0
    assert reciprocal_rank(RANKED, {"e"}) == pytest.approx(0.2)


def test_relevant_never_retrieved() -> None:
    assert reciprocal_rank(RANKED, {"z"}) == 0.0
    assert reciprocal_rank([], {"z"}) == 0.0
    assert recall_at_k([], {"z"}, 3) == 0.0


def test_duplicates_count_once() -> None:
    ranked = ["a", "a", "b", "c"]  # deduplicated: a b c
    # top-2 of the deduplicated list = a b -> both relevant. Without deduplication top-2 = a a,
    # which would give recall 1/2 and precision 2/2 (a counted twice).
    assert recall_at_k(ranked, {"a", "b"}, 2) == 1.0  # 2 / 2
    assert precision_at_k(ranked, {"a", "b"}, 2) == 1.0  # 2 / k=2
    assert precision_at_k(["a", "a"], {"a"}, 2) == 0.5  # 1 distinct hit / k=2, not 2/2
    assert ndcg_at_k(["a", "a"], {"a"}, 2) == 1.0  # DCG 1 (the copy earns nothing), ideal 1
    assert ndcg_at_k(ranked, {"a", "b"}, 2) == pytest.approx(1.0)  # DCG 1 + 1/log2 3 = ideal
    # x x a -> x a: a is second.
    assert reciprocal_rank(["x", "x", "a"], {"a"}) == 0.5
    assert hit_rate_at_k(["x", "x", "a"], {"a"}, 2) == 1.0


def test_empty_relevance_is_nan_and_skipped() -> None:
    metrics: list[Callable[[], float]] = [
        lambda: recall_at_k(RANKED, set(), 3),
        lambda: precision_at_k(RANKED, set(), 3),
        lambda: ndcg_at_k(RANKED, set(), 3),
        lambda: reciprocal_rank(RANKED, set()),
        lambda: hit_rate_at_k(RANKED, set(), 3),
    ]
    for metric in metrics:
        assert math.isnan(metric())
    per_query = [recall_at_k(RANKED, {"a"}, 1), recall_at_k(RANKED, set(), 1), recall_at_k(RANKED, {"a", "e"}, 1)]
    # 1.0, nan, 0.5 -> mean over the two defined queries = (1 + 0.5) / 2 = 0.75 (not 1.5 / 3 = 0.5).
    assert mean_defined(per_query) == 0.75
    assert mean_defined(np.array([0.25, np.nan, 0.75])) == 0.5
    assert math.isnan(mean_defined([float("nan")]))
    assert math.isnan(mean_defined([]))


def test_k_larger_than_list() -> None:
    ranked, relevant = ["a", "b"], {"b", "z"}
    assert recall_at_k(ranked, relevant, 5) == 0.5  # 1 hit / |{b, z}| = 2
    assert precision_at_k(ranked, relevant, 5) == 0.2  # 1 hit / k=5 (empty slots count)
    assert hit_rate_at_k(ranked, relevant, 5) == 1.0
    assert reciprocal_rank(ranked, relevant) == 0.5
    # DCG = 1/log2(3) = 0.63093; ideal over min(2, 5) = 2 hits = 1 + 1/log2(3) = 1.63093; 0.63093 / 1.63093.
    assert ndcg_at_k(ranked, relevant, 5) == pytest.approx(INV_LOG2_3 / (1 + INV_LOG2_3))
    assert ndcg_at_k(ranked, relevant, 5) == pytest.approx(0.386853, abs=1e-6)


def test_ndcg_two_relevant_one_retrieved() -> None:
    # a at rank 3 of the top 3, b not retrieved: DCG = 1/log2(3 + 1) = 0.5;
    # ideal = both at ranks 1, 2 = 1 + 1/log2(3) = 1.6309298; nDCG = 0.5 / 1.6309298 = 0.3065736.
    value = ndcg_at_k(["x", "y", "a", "z"], {"a", "b"}, 3)
    assert value == pytest.approx(0.5 / (1 + INV_LOG2_3))
    assert value == pytest.approx(0.3065736, abs=1e-7)
    # k = 1 caps the ideal at one hit: a at rank 1 -> 1 / 1.
    assert ndcg_at_k(["a", "x"], {"a", "b"}, 1) == 1.0


@pytest.mark.parametrize("k", [0, -1])
def test_non_positive_k_raises(k: int) -> None:
    with pytest.raises(ValueError, match="k must be positive"):
        recall_at_k(RANKED, {"a"}, k)
    with pytest.raises(ValueError):
        precision_at_k(RANKED, {"a"}, k)
    with pytest.raises(ValueError):
        ndcg_at_k(RANKED, {"a"}, k)
    with pytest.raises(ValueError):
        hit_rate_at_k(RANKED, {"a"}, k)
    with pytest.raises(ValueError):
        top_k(np.array([1.0]), ["a"], k)


def test_bare_string_relevance_is_rejected() -> None:
    # "ab" would otherwise be read as the ids "a" and "b".
    with pytest.raises(TypeError):
        recall_at_k(RANKED, "ab", 2)


# --- top_k ----------------------------------------------------------------------------------------


def test_top_k_ties_broken_by_id() -> None:
    scores = np.array([0.5, 0.9, 0.5, 0.5])
    ids = ["d", "a", "b", "c"]
    # a (0.9) first, then the 0.5 tie in id order b c d; input order alone would give a d b.
    assert top_k(scores, ids, 3) == ["a", "b", "c"]
    # The same scores in another input order give the same answer.
    assert top_k(scores[::-1].copy(), ids[::-1], 3) == ["a", "b", "c"]


def test_top_k_edges() -> None:
    scores = np.array([0.1, np.nan, 0.3])
    assert top_k(scores, ["x", "y", "z"], 10) == ["z", "x", "y"]  # k > n: all, nan last
    assert top_k(np.array([]), [], 3) == []
    with pytest.raises(ValueError, match="shape"):
        top_k(np.array([0.1, 0.2]), ["x"], 1)


# --- list-level measures --------------------------------------------------------------------------


def test_coverage() -> None:
    # distinct ids {a, b, c} = 3 over a catalogue of 10.
    assert coverage([["a", "b"], ["b", "c"], []], 10) == 0.3
    assert coverage([], 5) == 0.0
    with pytest.raises(ValueError):
        coverage([["a"]], 0)


def test_cross_border_share() -> None:
    # MA query: FR and IT are foreign, the two MA results are not: 2 / 4.
    assert cross_border_share(["MA", "FR", "IT", "MA"], "MA") == 0.5
    assert cross_border_share(["FR", "IT"], "MA") == 1.0
    assert cross_border_share(["MA"], "MA") == 0.0
    assert math.isnan(cross_border_share([], "MA"))


def test_country_diversity() -> None:
    assert country_diversity(["A", "A"]) == 0.0  # H = -1·ln 1 = 0
    assert country_diversity(["A", "B"]) == pytest.approx(1.0)  # H = ln 2, max ln 2
    assert country_diversity(["A", "B", "C", "D"]) == pytest.approx(1.0)  # H = ln 4, max ln 4
    assert country_diversity(["A", "A", "B", "B"]) == pytest.approx(0.5)  # H = ln 2, max ln 4 = 2 ln 2
    # p = (2/3, 1/3): H = -(2/3 ln 2/3 + 1/3 ln 1/3) = 0.6365142; / ln 3 = 1.0986123 -> 0.5793802.
    assert country_diversity(["A", "A", "B"]) == pytest.approx(0.5793802, abs=1e-7)
    assert country_diversity(["A"]) == 0.0
    assert country_diversity([]) == 0.0


# --- bootstrap ------------------------------------------------------------------------------------


def test_bootstrap_constant_values_zero_width() -> None:
    values = np.full(12, 0.25)
    groups = np.repeat(np.arange(4), 3)
    ci = bootstrap_ci(values, groups, n_boot=200)
    assert ci == Interval(mean=0.25, low=0.25, high=0.25, n=12)
    assert ci.excludes_zero
    third = bootstrap_ci(np.full(12, 1 / 3), groups, n_boot=200)  # not exact in binary: width ~ 0
    assert third.high - third.low == pytest.approx(0.0, abs=1e-12)


def test_bootstrap_mean_is_query_weighted_and_skips_nan() -> None:
    # group a: 1, 1, 1; group b: 0, nan -> defined values 1, 1, 1, 0: mean 3/4 over n = 4
    # (not the mean of group means (1 + 0) / 2 = 0.5).
    values = np.array([1.0, 1.0, 1.0, 0.0, np.nan])
    groups = np.array(["a", "a", "a", "b", "b"])
    ci = bootstrap_ci(values, groups, n_boot=500)
    assert ci.mean == 0.75
    assert ci.n == 4
    # With two groups every replicate is aaa+aaa (1), bb+bb (0) or aaa+b (0.75): bounds lie in [0, 1].
    assert 0.0 <= ci.low <= ci.mean <= ci.high <= 1.0


def test_bootstrap_all_nan() -> None:
    ci = bootstrap_ci(np.array([np.nan, np.nan]), np.array([0, 1]))
    assert ci.n == 0
    assert math.isnan(ci.mean) and math.isnan(ci.low) and math.isnan(ci.high)
    assert not ci.excludes_zero


def test_bootstrap_deterministic_for_a_seed() -> None:
    rng = np.random.default_rng(42)
    values = rng.random(60)
    groups = np.repeat(np.arange(12), 5)
    first = bootstrap_ci(values, groups, seed=7)
    assert bootstrap_ci(values, groups, seed=7) == first
    other = bootstrap_ci(values, groups, seed=8)
    assert other.mean == first.mean
    assert (other.low, other.high) != (first.low, first.high)


def test_bootstrap_groups_widen_the_interval() -> None:
    # 4 projects of 10 queries each; a project's queries are perfectly correlated (values 0, 1/3, 2/3, 1).
    # Resampling 4 projects is far noisier than resampling 40 "independent" queries:
    # sd of the mean ≈ 0.373/√4 = 0.19 versus 0.373/√40 = 0.06, about √10 ≈ 3.2 times wider.
    values = np.repeat(np.array([0.0, 1 / 3, 2 / 3, 1.0]), 10)
    projects = np.repeat(np.arange(4), 10)
    by_project = bootstrap_ci(values, projects, n_boot=2000)
    by_query = bootstrap_ci(values, np.arange(40), n_boot=2000)
    assert by_project.mean == by_query.mean == pytest.approx(0.5)
    assert by_project.low <= by_project.mean <= by_project.high
    assert (by_project.high - by_project.low) > 2 * (by_query.high - by_query.low)


def test_bootstrap_rejects_bad_arguments() -> None:
    values, groups = np.array([0.1, 0.2]), np.array([0, 1])
    with pytest.raises(ValueError):
        bootstrap_ci(values, groups, n_boot=0)
    with pytest.raises(ValueError):
        bootstrap_ci(values, groups, alpha=1.0)
    with pytest.raises(ValueError):
        bootstrap_ci(values, np.array([0, 1, 2]))
    with pytest.raises(ValueError):
        paired_bootstrap_diff(values, np.array([0.1]), groups)


def test_paired_diff_clearly_better_excludes_zero() -> None:
    rng = np.random.default_rng(0)
    groups = np.repeat(np.arange(20), 5)
    b = rng.uniform(0.0, 0.5, size=100)
    a = b + 0.2 + rng.uniform(-0.05, 0.05, size=100)  # better by 0.15 to 0.25 on every query
    ci = paired_bootstrap_diff(a, b, groups)
    assert ci.excludes_zero
    assert 0.15 <= ci.low <= ci.mean <= ci.high <= 0.25
    assert ci.n == 100


def test_paired_diff_identical_includes_zero() -> None:
    rng = np.random.default_rng(1)
    groups = np.repeat(np.arange(10), 4)
    a = rng.random(40)
    assert paired_bootstrap_diff(a, a.copy(), groups) == Interval(mean=0.0, low=0.0, high=0.0, n=40)
    assert not paired_bootstrap_diff(a, a.copy(), groups).excludes_zero
    # Differences of +0.1 on five projects and -0.1 on five others: mean 0, the interval straddles 0.
    noisy = a + np.where(groups % 2 == 0, 0.1, -0.1)
    ci = paired_bootstrap_diff(noisy, a, groups)
    assert ci.mean == pytest.approx(0.0, abs=1e-12)
    assert ci.low < 0.0 < ci.high
    assert not ci.excludes_zero


def test_paired_diff_only_uses_queries_defined_in_both() -> None:
    # Only query 0 is defined in both: 1 - 0 = 1 over n = 1.
    a = np.array([1.0, np.nan, 0.5])
    b = np.array([0.0, 0.0, np.nan])
    ci = paired_bootstrap_diff(a, b, np.array([0, 1, 2]), n_boot=50)
    assert ci == Interval(mean=1.0, low=1.0, high=1.0, n=1)
