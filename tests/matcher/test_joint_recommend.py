"""Jointly chosen event lists: bounds and coverage on random events, the exact optimum on tiny ones (brute
force over every set of lists), and a star everyone likes that independent top-k overloads."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from ortools.graph.python.max_flow import SimpleMaxFlow

from matcher.errors import InvalidRequestError
from matcher.exposure import AcceptanceModel, expected_accepted, metrics, probabilities
from matcher.joint_recommend import (
    SCALE,
    exposure_limits,
    flow_lists,
    independent_lists,
    joint_lists,
    recommend_lists,
    surrogate,
)


def random_event(n: int, seed: int, *, forbid: float = 0.2) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    s = rng.normal(size=(n, n)) + rng.normal(size=n)[None, :]  # some are liked by everyone
    s[rng.random((n, n)) < forbid] = np.nan
    np.fill_diagonal(s, np.nan)
    return s, rng.integers(0, 4, n)  # capacity 0 (no free slot) happens


def max_coverage(ok: np.ndarray, limits: np.ndarray, k: int) -> int:
    """How many list places can be filled at best (a max flow, independent of the code under test)."""
    n = ok.shape[0]
    flow = SimpleMaxFlow()
    for a in range(n):
        flow.add_arc_with_capacity(2 * n, a, k)
        flow.add_arc_with_capacity(n + a, 2 * n + 1, int(limits[a]))
        for b in np.flatnonzero(ok[a]):
            flow.add_arc_with_capacity(a, n + int(b), 1)
    assert flow.solve(2 * n, 2 * n + 1) == flow.OPTIMAL
    return int(flow.optimal_flow())


@pytest.mark.parametrize("seed", range(6))
def test_joint_lists_respect_exposure_and_fill_every_place_the_event_allows(seed: int) -> None:
    n, k, multiple = 30, 3, 2.0
    s, cap = random_event(n, seed)
    lists = joint_lists(s, cap, k=k, exposure_multiple=multiple)
    limits = exposure_limits(cap, multiple)
    ok = np.isfinite(s)
    for a in range(n):
        row = lists[a][lists[a] >= 0]
        assert len(set(row.tolist())) == len(row) and a not in row
        assert all(ok[a, b] for b in row)
        assert list(lists[a][len(row):]) == [-1] * (k - len(row))  # empty places last
        assert list(s[a, row]) == sorted(s[a, row], reverse=True)  # best first by the viewer's score
    shown = np.bincount(lists[lists >= 0], minlength=n)
    assert np.all(shown <= limits)
    assert int((lists >= 0).sum()) == max_coverage(ok & (limits[None, :] > 0), limits, k)


def test_candidate_arcs_too_few_are_filled_with_the_best_remaining_room() -> None:
    s, cap = random_event(40, 11, forbid=0.0)
    lists = joint_lists(s, cap, k=4, exposure_multiple=3.0, candidates=2)
    limits = exposure_limits(cap, 3.0)
    assert np.all(np.bincount(lists[lists >= 0], minlength=40) <= limits)
    assert int((lists >= 0).sum()) == max_coverage(np.isfinite(s) & (limits[None, :] > 0), limits, 4)


def brute_force(meet: np.ndarray, cap: np.ndarray, limits: np.ndarray, k: int, qbar: np.ndarray, *,
                exact: bool = False) -> tuple[int, float]:
    """The most places filled and, among lists filling them with the missing places spread (least sum of
    m (m + 1) / 2), the best surrogate (``exact``: the best exact expected meetings), over every set of
    lists: full lists first, shorter ones only if none fits."""
    n = meet.shape[0]
    others = [[b for b in range(n) if b != a and limits[b] > 0] for a in range(n)]
    for shorter in (False, True):
        choices = [[c for m in (range(min(k, len(o)) + 1) if shorter else [min(k, len(o))])
                    for c in itertools.combinations(o, m)] for o in others]
        best: tuple[int, int, float] = (-1, 0, -np.inf)
        for combo in itertools.product(*choices):
            counts = np.bincount([b for row in combo for b in row], minlength=n)
            if np.any(counts > limits):
                continue
            if exact:
                value = sum(expected_accepted(meet[[a for a in range(n) if b in combo[a]], b], int(cap[b]))
                            for b in range(n))
            else:
                lists = np.full((n, k), -1)
                for a, row in enumerate(combo):
                    lists[a, : len(row)] = row
                value = surrogate(lists, meet, cap, qbar)
            missing = [min(k, len(o)) - len(row) for o, row in zip(others, combo, strict=True)]
            best = max(best, (int(counts.sum()), -sum(m * (m + 1) // 2 for m in missing), value))
        if best[0] >= 0:
            return best[0], best[2]
    raise AssertionError("no set of lists fits")


@pytest.mark.parametrize(("seed", "n", "k", "multiple"),
                         [(0, 4, 1, 1.0), (1, 5, 1, 2.0), (2, 5, 2, 1.5), (3, 5, 2, 2.0), (4, 6, 1, 1.0),
                          (5, 4, 2, 3.0), (6, 5, 2, 1.0), (7, 6, 1, 2.0)])
def test_flow_equals_the_brute_force_optimum_on_tiny_events(seed: int, n: int, k: int, multiple: float) -> None:
    rng = np.random.default_rng(seed)
    s = rng.normal(size=(n, n)) + 1.5 * rng.normal(size=n)[None, :]
    np.fill_diagonal(s, np.nan)
    cap = rng.integers(1, 3, n)
    _, meet = probabilities(s)
    limits = exposure_limits(cap, multiple)
    qbar = rng.uniform(0.2, 0.9, n)
    arcs = np.isfinite(s)
    lists = flow_lists(meet, cap, k=k, limits=limits, arcs=arcs, qbar=qbar)
    filled, best = brute_force(meet, cap, limits, k, qbar)
    assert int((lists >= 0).sum()) == filled
    assert surrogate(lists, meet, cap, qbar) == pytest.approx(best, abs=n * k / SCALE * 4)


def test_joint_lists_come_close_to_the_exact_objectives_optimum_on_tiny_events() -> None:
    """The flow optimises the surrogate, the moves after it the exact expected meetings: within 1 % of the
    optimum on every event, never below the flow alone, and equal to the optimum on most (6 of these 8 when
    written; the others are local optima of single moves, 0.6 % below)."""
    reached = 0
    for seed in range(8):
        rng = np.random.default_rng(100 + seed)
        n, k = 5, 2
        s = rng.normal(size=(n, n)) + 1.5 * rng.normal(size=n)[None, :]
        np.fill_diagonal(s, np.nan)
        cap = rng.integers(1, 3, n)
        _, meet = probabilities(s)
        _, optimum = brute_force(meet, cap, exposure_limits(cap, 2.0), k, np.full(n, 0.5), exact=True)
        got = metrics(joint_lists(s, cap, k=k, exposure_multiple=2.0), s, cap, k=k).expected_meetings
        flow = metrics(joint_lists(s, cap, k=k, exposure_multiple=2.0, improve=False), s, cap, k=k).expected_meetings
        assert optimum * 0.99 <= got <= optimum + 1e-9
        assert got >= flow - 1e-12
        reached += got >= optimum - 1e-9
    assert reached >= 5


def star_event() -> tuple[np.ndarray, np.ndarray]:
    """Participant 0 is everyone's favourite (0.9) and has one free slot; the others like each other
    moderately (0.5 to 0.62) and each has three."""
    n = 6
    s = np.array([[0.5 + 0.02 * ((a + b) % 7) for b in range(n)] for a in range(n)])
    s[:, 0] = 0.9
    np.fill_diagonal(s, np.nan)
    cap = np.array([1, 3, 3, 3, 3, 3])
    return s, cap


def test_a_star_everyone_likes_gets_everyone_independently_and_two_jointly() -> None:
    s, cap = star_event()
    independent = independent_lists(s, k=1)
    assert independent[1:, 0].tolist() == [0] * 5  # every list is the star, who can meet one
    joint = joint_lists(s, cap, k=1, exposure_multiple=2.0)
    assert int((joint == 0).sum()) <= 2 and int((joint >= 0).sum()) == 6  # spread, and nobody left empty
    model = AcceptanceModel.fit(s)
    before, after = metrics(independent, s, cap, k=1, model=model), metrics(joint, s, cap, k=1, model=model)
    assert after.expected_meetings > 1.2 * before.expected_meetings
    assert after.exposure_gini < before.exposure_gini and after.top_share < before.top_share


def test_methods_and_bad_values() -> None:
    s, cap = star_event()
    assert np.array_equal(recommend_lists(s, cap, k=2, method="independent"), independent_lists(s, k=2))
    with pytest.raises(InvalidRequestError, match="method"):
        recommend_lists(s, cap, k=2, method="best")
    with pytest.raises(InvalidRequestError, match="exposure_multiple"):
        recommend_lists(s, cap, k=2, exposure_multiple=0.5)
    with pytest.raises(InvalidRequestError, match="k = 0"):
        recommend_lists(s, cap, k=0)
