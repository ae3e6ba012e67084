"""The upper bound on expected mutual meetings: never below the exact optimum over every set of lists (brute
force on tiny events), never below lists any method finds, and equal to the optimum where it is known by
construction (no capacity binds: each viewer's k best)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from matcher.exposure import AcceptanceModel, allowed_pairs, expected_accepted, metrics, probabilities
from matcher.joint_bound import upper_bound
from matcher.joint_recommend import exposure_limits, independent_lists, joint_lists


def tiny_event(seed: int) -> tuple[np.ndarray, np.ndarray, int, float]:
    rng = np.random.default_rng(seed)
    k = int(rng.integers(1, 3))
    n = int(rng.integers(4, 6 if k == 1 else 5))
    s = rng.normal(size=(n, n)) + 1.5 * rng.normal(size=n)[None, :]
    s[rng.random((n, n)) < 0.15] = np.nan
    np.fill_diagonal(s, np.nan)
    return s, rng.integers(0, 3, n), k, float(rng.choice([1.0, 1.5, 2.0, 3.0]))


def optimum(s: np.ndarray, cap: np.ndarray, k: int, multiple: float) -> float:
    """The most expected meetings over every set of lists of at most k allowed partners within the limits."""
    n = s.shape[0]
    ok = allowed_pairs(s)
    _, meet = probabilities(s)
    limits = exposure_limits(cap, multiple)
    choices = [[c for m in range(k + 1) for c in itertools.combinations(np.flatnonzero(ok[a]).tolist(), m)]
               for a in range(n)]
    best = 0.0
    for combo in itertools.product(*choices):
        askers: list[list[int]] = [[] for _ in range(n)]
        for a, row in enumerate(combo):
            for b in row:
                askers[b].append(a)
        if any(len(askers[b]) > limits[b] for b in range(n)):
            continue
        best = max(best, sum(expected_accepted(meet[askers[b], b], int(cap[b])) for b in range(n) if askers[b]))
    return best


@pytest.mark.parametrize("seed", range(12))
def test_the_bound_is_never_below_the_exact_optimum_of_a_tiny_event(seed: int) -> None:
    s, cap, k, multiple = tiny_event(seed)
    best = optimum(s, cap, k, multiple)
    bound = upper_bound(s, cap, k=k, exposure_multiple=multiple)
    assert bound.value >= best - 1e-9
    assert bound.value <= float(cap.sum()) + 1e-9  # nobody meets beyond its capacity


def random_event(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    s = rng.normal(size=(n, n)) + 1.2 * rng.normal(size=n)[None, :]
    s[rng.random((n, n)) < 0.1] = np.nan
    np.fill_diagonal(s, np.nan)
    return s, rng.integers(0, 5, n)


@pytest.mark.parametrize("seed", range(3))
def test_the_bound_is_above_every_method_even_from_a_few_pairs(seed: int) -> None:
    """With 2 LP columns per viewer the dual certificate over every pair keeps the bound valid."""
    s, cap = random_event(60, seed)
    model = AcceptanceModel.fit(s)
    joint = joint_lists(s, cap, k=4, model=model)
    found = max(metrics(lists, s, cap, k=4, model=model).expected_meetings
                for lists in (joint, independent_lists(s, k=4)))
    for columns in (2, 30):
        bound = upper_bound(s, cap, k=4, model=model, columns=columns)
        assert bound.value >= found - 1e-9
        assert bound.value >= bound.relaxation - 1e-6 * max(1.0, bound.relaxation)
    close = upper_bound(s, cap, k=4, model=model, tangents=(joint,))
    assert found - 1e-9 <= close.value <= 1.1 * found  # tangent cuts at good lists keep it close


def test_the_bound_is_each_viewers_k_best_when_no_capacity_binds() -> None:
    """Capacities of n and no exposure limit that binds: every receiver takes all, so the best lists are each
    viewer's k highest q, and the meetings are their sum."""
    s, _ = random_event(15, 7)
    n, k = 15, 3
    cap = np.full(n, n)
    _, meet = probabilities(s)
    best = float(np.sort(meet, axis=1)[:, -k:].sum())
    bound = upper_bound(s, cap, k=k, exposure_multiple=1.0)
    assert bound.value == pytest.approx(best, rel=1e-7)
    lists = np.argsort(-meet, axis=1)[:, :k]
    assert metrics(lists, s, cap, k=k).expected_meetings == pytest.approx(best, rel=1e-9)
