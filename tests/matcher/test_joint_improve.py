"""Exact-objective moves after the flow: never lower the expected meetings, keep list lengths and exposure
limits, and stop at a list set no single move improves (checked by trying every move on small events)."""

from __future__ import annotations

import numpy as np
import pytest

from matcher.exposure import allowed_pairs, metrics, probabilities
from matcher.joint_improve import improve_lists
from matcher.joint_recommend import exposure_limits, joint_lists


def random_event(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    s = rng.normal(size=(n, n)) + 1.2 * rng.normal(size=n)[None, :]  # some are liked by everyone
    s[rng.random((n, n)) < 0.15] = np.nan
    np.fill_diagonal(s, np.nan)
    return s, rng.integers(0, 4, n)


def all_candidates(ok: np.ndarray) -> np.ndarray:
    n = ok.shape[0]
    return np.where(ok, np.arange(n)[None, :], -1)


def random_lists(ok: np.ndarray, limits: np.ndarray, k: int, seed: int) -> np.ndarray:
    """Lists drawn at random within the exposure limits (a poor start the moves must improve)."""
    rng = np.random.default_rng(seed)
    n = ok.shape[0]
    out = np.full((n, k), -1)
    count = np.zeros(n, dtype=np.int64)
    for a in range(n):
        pick = [b for b in rng.permutation(n).tolist() if ok[a, b] and count[b] < limits[b]][:k]
        out[a, : len(pick)] = pick
        count[pick] += 1
    return out


def expected(lists: np.ndarray, s: np.ndarray, cap: np.ndarray, k: int) -> float:
    return metrics(lists, s, cap, k=k).expected_meetings


@pytest.mark.parametrize("seed", range(5))
def test_moves_never_lower_the_objective_and_keep_lengths_and_limits(seed: int) -> None:
    n, k, multiple = 25, 3, 2.0
    s, cap = random_event(n, seed)
    limits = exposure_limits(cap, multiple)
    ok = allowed_pairs(s) & (limits[None, :] > 0)
    _, meet = probabilities(s)
    for start in (random_lists(ok, limits, k, seed), joint_lists(s, cap, k=k, exposure_multiple=multiple,
                                                                  improve=False)):
        after = improve_lists(start, meet, cap, limits, all_candidates(ok))
        assert expected(after, s, cap, k) >= expected(start, s, cap, k) - 1e-12
        assert np.array_equal((after >= 0).sum(axis=1), (start >= 0).sum(axis=1))
        assert np.all(np.bincount(after[after >= 0], minlength=n) <= limits)
        for a in range(n):
            row = after[a][after[a] >= 0]
            assert len(set(row.tolist())) == len(row) and all(ok[a, b] for b in row)


def test_a_full_receiver_loses_an_asker_to_one_with_room() -> None:
    """Receiver 1 (one slot) is asked by viewers 0 and 2, each accepted with 0.8; receiver 3 (one slot) is
    free and 0 likes it nearly as much (0.7): moving 0 there adds 0.7 * 1 - 0.8 * (1 - 0.8) = 0.54."""
    meet = np.zeros((4, 4))
    meet[0, 1] = meet[2, 1] = 0.8
    meet[0, 3] = 0.7
    cap = np.array([1, 1, 1, 1])
    start = np.array([[1], [-1], [1], [-1]])
    after = improve_lists(start, meet, cap, np.array([2, 2, 2, 2]), np.array([[1, 3], [-1, -1], [1, -1], [-1, -1]]))
    assert after.tolist() == [[3], [-1], [1], [-1]]


@pytest.mark.parametrize("seed", range(3))
def test_no_single_move_improves_the_result(seed: int) -> None:
    n, k, multiple = 12, 2, 2.0
    s, cap = random_event(n, 50 + seed)
    limits = exposure_limits(cap, multiple)
    ok = allowed_pairs(s) & (limits[None, :] > 0)
    _, meet = probabilities(s)
    lists = improve_lists(random_lists(ok, limits, k, seed), meet, cap, limits, all_candidates(ok), passes=100)
    value = expected(lists, s, cap, k)
    count = np.bincount(lists[lists >= 0], minlength=n)
    for a in range(n):
        for place in np.flatnonzero(lists[a] >= 0).tolist():
            for b in np.flatnonzero(ok[a]).tolist():
                if b in lists[a] or count[b] >= limits[b]:
                    continue
                other = lists.copy()
                other[a, place] = b
                assert expected(other, s, cap, k) <= value + 1e-9


def test_joint_lists_with_moves_are_never_below_the_flow_alone() -> None:
    for seed in range(4):
        s, cap = random_event(40, 100 + seed)
        flow = joint_lists(s, cap, k=4, improve=False)
        moved = joint_lists(s, cap, k=4)
        assert expected(moved, s, cap, 4) >= expected(flow, s, cap, 4) - 1e-12
