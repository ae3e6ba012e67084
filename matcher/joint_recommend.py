"""Every participant's list of k partners at an event, chosen jointly so that the lists yield many mutually
accepted meetings without sending everyone to the same few participants; independent top-k stays an option.

Objective (the acceptance model is :mod:`matcher.exposure`'s, after Su, Bayoumi, Joachims, "Optimizing
Rankings for Recommendation in Matching Markets", WWW 2022): the expected meetings of lists L are
``sum_b E[min(c_b, X_b)] = sum_{(a, b) shown} q_ab - sum_b E[(X_b - c_b)+]``, X_b the accepted requests
receiver b gets. The overflow term depends on who asks b; :func:`joint_lists` replaces it by the overflow of
a binomial with b's mean acceptance ``qbar_b``, ``h_b(n) = E[(Bin(n, qbar_b) - c_b)+]``, convex in the
number n of lists b is in, and maximises the surrogate ``G(L) = sum q_ab - sum_b h_b(n_b)`` exactly as a
min-cost flow (OR-Tools ``SimpleMinCostFlow``, costs scaled to integers by ``SCALE``): source -> viewer a
(capacity k), a -> b (capacity 1, cost -q_ab), b -> sink through parallel arcs of increasing cost
``h_b(j) - h_b(j - 1)`` (the first c_b free), at most ``floor(exposure_multiple * c_b)`` of them (the exposure
bound), and a -> sink at a cost above any gain (j times it for a's j-th missing place), taken only where
the event cannot give a k partners (coverage first, missing places spread over viewers). ``qbar_b`` is the
mean of b's best ``limit_b`` candidate q's (``rounds`` > 1 re-estimates it from the askers the flow gives b
and solves again). Then :func:`matcher.joint_improve.improve_lists` moves single entries while the exact
objective (:func:`matcher.exposure.metrics`) rises, keeping coverage and exposure. Measured on the synthetic
events of bench/exposure.py (k=5, multiple 3, under load): one flow and the moves gave 1,836.9 (2,000,
moderate skew) and 2,764.0 (mild) against 1,834.9 and 2,763.4 from two flows without moves, in about the
time of the second flow; two flows before the moves gained nothing more (1,836.8, 2,764.0). The whole call
took 7.1 s for 2,000 participants at load 10 on 2 cores before the acceptance probabilities were read from
one pass of exp and the overflow arcs built in one batch, 4.9 s after (same lists). How far any lists could
go: :mod:`matcher.joint_bound` (these are within 0.3 % of it on every benchmark event).

Arcs: each viewer's ``CANDIDATES`` best receivers by q_ab only (arcs grow as n L, not n^2). Measured on the
synthetic 2,000-participant event of bench/exposure.py (k=5, multiple 3, under load): L = 20, 50 and 200 gave
the same lists' expected meetings (1,834.9) in 1.16, 1.16 and 1.75 s (with the moves: 1,836.9 each, 2.4, 2.4
and 4.2 s at load 13); 50 keeps a margin for events whose likes are more alike. The moves use the same arcs.
"""

from __future__ import annotations

import math

import numpy as np
from ortools.graph.python.min_cost_flow import SimpleMinCostFlow

from matcher.errors import InvalidRequestError
from matcher.exposure import AcceptanceModel, allowed_pairs, probabilities
from matcher.joint_improve import improve_lists

METHODS = ("joint", "independent")
CANDIDATES = 50  # receivers per viewer the flow may choose from (see the module docstring)
ROUNDS = 1  # flow solves (a second, qbar from the askers given, gains nothing once the moves follow)
SCALE = 1_000_000  # probabilities to integer costs


def independent_lists(scores: np.ndarray, *, k: int) -> np.ndarray:
    """(n, k) int: each viewer's own top k by score (ties: lower index), -1 where fewer are allowed."""
    s = np.asarray(scores, dtype=np.float64)
    n = s.shape[0]
    ok = allowed_pairs(s)
    key = np.where(ok, s, -np.inf)
    order = np.argsort(-key, axis=1, kind="stable")[:, :k]
    out = np.full((n, k), -1, dtype=np.int64)
    take = np.take_along_axis(ok, order, axis=1)
    out[:, : order.shape[1]] = np.where(take, order, -1)
    return out


def exposure_limits(capacity: np.ndarray, multiple: float) -> np.ndarray:
    """How many lists each participant may appear in: ``floor(multiple * capacity)``."""
    if not (math.isfinite(multiple) and multiple >= 1):
        raise InvalidRequestError(f"exposure_multiple = {multiple}: must be a number >= 1")
    return np.floor(multiple * np.asarray(capacity, dtype=np.float64) + 1e-9).astype(np.int64)


def overflow_marginals(qbar: float, capacity: int, limit: int) -> np.ndarray:
    """``h(j) - h(j - 1)`` for j = 1..limit, ``h(n) = E[(Bin(n, qbar) - capacity)+]``: the j-th asker adds
    ``qbar * P(Bin(j - 1, qbar) >= capacity)`` to the overflow (non-decreasing in j)."""
    out = np.zeros(max(limit, 0))
    below = np.zeros(max(capacity, 1))  # P(Bin(j - 1, qbar) = i) for i < capacity
    below[0] = 1.0
    for j in range(limit):
        out[j] = qbar * max(0.0, 1.0 - float(below[:capacity].sum())) if capacity > 0 else qbar
        moved = below * qbar
        below = below * (1.0 - qbar)
        below[1:] += moved[:-1]
    return out


def overflow_marginals_batch(qbar: np.ndarray, capacity: np.ndarray, limit: np.ndarray) -> np.ndarray:
    """:func:`overflow_marginals` of many receivers at once: (R, max(limit)), row r's first ``limit[r]`` cells
    its marginals (the rest computed as if the limit were higher; callers ignore them)."""
    qbar = np.asarray(qbar, dtype=np.float64)
    cap = np.asarray(capacity, dtype=np.int64)
    rows = len(qbar)
    width = int(np.max(limit, initial=0))
    out = np.zeros((rows, width))
    below = np.zeros((rows, max(1, int(cap.max(initial=0)))))
    below[:, 0] = 1.0
    inside = np.arange(below.shape[1])[None, :] < cap[:, None]
    for j in range(width):
        out[:, j] = np.where(cap > 0, qbar * np.maximum(0.0, 1.0 - (below * inside).sum(axis=1)), qbar)
        moved = below * qbar[:, None]
        below = below * (1.0 - qbar[:, None])
        below[:, 1:] += moved[:, :-1]
    return out


def surrogate(lists: np.ndarray, meet: np.ndarray, capacity: np.ndarray, qbar: np.ndarray) -> float:
    """``G(L) = sum_{(a, b) shown} q_ab - sum_b h_b(n_b)``: what :func:`flow_lists` maximises."""
    n = meet.shape[0]
    viewers, pos = np.nonzero(lists >= 0)
    shown = lists[viewers, pos]
    counts = np.bincount(shown, minlength=n)
    over = sum(float(overflow_marginals(float(qbar[b]), int(capacity[b]), int(counts[b])).sum())
               for b in np.flatnonzero(counts))
    return float(meet[viewers, shown].sum()) - over


def flow_lists(meet: np.ndarray, capacity: np.ndarray, *, k: int, limits: np.ndarray, arcs: np.ndarray,
               qbar: np.ndarray) -> np.ndarray:
    """(n, k) int (unordered rows, -1 padded): among lists using only ``arcs`` ((n, n) bool) and showing each
    b at most ``limits[b]`` times, those missing fewest places, spread (the sum over viewers of
    ``m (m + 1) / 2`` for m places missed is least: nobody misses two while another misses none, where
    avoidable), then of highest :func:`surrogate`."""
    n = meet.shape[0]
    arcs = arcs & (limits[None, :] > 0)
    want = np.minimum(k, arcs.sum(axis=1)).astype(np.int64)
    total = int(want.sum())
    out = np.full((n, k), -1, dtype=np.int64)
    if total == 0:
        return out
    source, sink = 2 * n, 2 * n + 1
    big = SCALE * (2 * total + 2)  # above any sum of gains: coverage first
    tails: list[np.ndarray] = []
    heads: list[np.ndarray] = []
    caps: list[np.ndarray] = []
    costs: list[np.ndarray] = []

    def add(t: np.ndarray, h: np.ndarray, c: np.ndarray, w: np.ndarray) -> None:
        tails.append(t.astype(np.int64))
        heads.append(h.astype(np.int64))
        caps.append(c.astype(np.int64))
        costs.append(w.astype(np.int64))

    viewers = np.arange(n)
    add(np.full(n, source), viewers, want, np.zeros(n))
    for j in range(1, k + 1):  # shortfall: the j-th place a viewer misses costs j * big (spread, fewest)
        some = viewers[want >= j]
        add(some, np.full(len(some), sink), np.ones(len(some)), np.full(len(some), j * big))
    a_idx, b_idx = np.nonzero(arcs)
    pair_first = len(np.concatenate(tails))
    add(a_idx, n + b_idx, np.ones(len(a_idx)), -np.rint(SCALE * meet[a_idx, b_idx]))
    free = np.minimum(capacity, limits)
    some = np.flatnonzero(free > 0)
    add(n + some, np.full(len(some), sink), free[some], np.zeros(len(some)))  # the first c_b askers overflow nothing
    receivers = np.flatnonzero(limits > free)
    if receivers.size:
        marg = overflow_marginals_batch(qbar[receivers], capacity[receivers], limits[receivers])
        place = np.arange(marg.shape[1])[None, :]
        extra = (place >= free[receivers][:, None]) & (place < limits[receivers][:, None])  # a unit arc per asker
        r_idx, _ = np.nonzero(extra)
        add(n + receivers[r_idx], np.full(len(r_idx), sink), np.ones(len(r_idx)), np.rint(SCALE * marg[extra]))
    flow = SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(np.concatenate(tails), np.concatenate(heads), np.concatenate(caps),
                                              np.concatenate(costs))
    supplies = np.zeros(2 * n + 2, dtype=np.int64)
    supplies[source], supplies[sink] = total, -total
    flow.set_nodes_supplies(np.arange(2 * n + 2), supplies)
    status = flow.solve()
    if status != flow.OPTIMAL:  # cannot happen: the shortfall arcs always make it feasible
        raise RuntimeError(f"min-cost flow ended with status {status}")
    used = flow.flows(np.arange(pair_first, pair_first + len(a_idx))) > 0
    fill = np.zeros(n, dtype=np.int64)
    for a, b in zip(a_idx[used].tolist(), b_idx[used].tolist(), strict=True):
        out[a, fill[a]] = b
        fill[a] += 1
    return out


def joint_lists(scores: np.ndarray, capacity: np.ndarray, *, k: int, exposure_multiple: float = 3.0,
                model: AcceptanceModel | None = None, candidates: int = CANDIDATES,
                rounds: int = ROUNDS, improve: bool = True) -> np.ndarray:
    """(n, k) int: the jointly chosen lists (rows ordered by the viewer's score, -1 padded); see the module
    docstring. Where the candidate arcs leave a viewer short while others have room, the viewer's best
    remaining allowed partners with room fill its list; ``improve`` then applies the exact-objective moves
    of :mod:`matcher.joint_improve` (never lowering the expected meetings)."""
    s = np.asarray(scores, dtype=np.float64)
    n = s.shape[0]
    cap = np.asarray(capacity, dtype=np.int64)
    limits = exposure_limits(cap, exposure_multiple)
    _, meet = probabilities(s, model)
    ok = allowed_pairs(s) & (limits[None, :] > 0)
    arcs = _best(np.where(ok, meet, -1.0), ok, candidates)
    qbar = _start_qbar(meet, arcs, limits)
    lists = np.full((n, k), -1, dtype=np.int64)
    for _ in range(max(1, rounds)):
        lists = flow_lists(meet, cap, k=k, limits=limits, arcs=arcs, qbar=qbar)
        viewers, pos = np.nonzero(lists >= 0)
        shown = lists[viewers, pos]
        got = np.bincount(shown, weights=meet[viewers, shown], minlength=n)
        count = np.bincount(shown, minlength=n)
        qbar = np.where(count > 0, got / np.maximum(count, 1), qbar)
    lists = _fill_short(lists, np.where(ok, meet, -1.0), ok, limits, k)
    if improve:
        lists = improve_lists(lists, meet, cap, limits, _indices(arcs, np.where(ok, meet, -1.0)))
    return order_by_score(lists, s)


def recommend_lists(scores: np.ndarray, capacity: np.ndarray, *, k: int, method: str = "joint",
                    exposure_multiple: float = 3.0, model: AcceptanceModel | None = None,
                    candidates: int = CANDIDATES) -> np.ndarray:
    """Lists by ``method``: "joint" (:func:`joint_lists`) or "independent" (:func:`independent_lists`)."""
    if method not in METHODS:
        raise InvalidRequestError(f"method = {method!r}: choose one of {', '.join(METHODS)}")
    if k < 1:
        raise InvalidRequestError(f"k = {k}: must be at least 1")
    if method == "independent":
        return independent_lists(scores, k=k)
    return joint_lists(scores, capacity, k=k, exposure_multiple=exposure_multiple, model=model,
                       candidates=candidates)


def order_by_score(lists: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """Each row's entries by the viewer's score, best first (ties: lower index), -1 last."""
    rows = np.arange(lists.shape[0])[:, None]
    key = np.where(lists >= 0, np.asarray(scores, dtype=np.float64)[rows, np.maximum(lists, 0)], -np.inf)
    key = np.where(np.isnan(key), -np.inf, key)
    order = np.lexsort((np.where(lists >= 0, lists, np.iinfo(np.int64).max), -key), axis=1)
    return np.take_along_axis(lists, order, axis=1)


def _best(values: np.ndarray, ok: np.ndarray, m: int) -> np.ndarray:
    """(n, n) bool: each row's m allowed entries of highest value."""
    n = values.shape[0]
    if m >= n - 1:
        return ok.copy()
    top = np.argpartition(-values, m, axis=1)[:, :m]
    out = np.zeros_like(ok)
    np.put_along_axis(out, top, True, axis=1)
    return out & ok


def _indices(arcs: np.ndarray, value: np.ndarray) -> np.ndarray:
    """(n, L) int: each row's arcs by value, best first, -1 padded (L the most arcs of a row)."""
    width = max(1, int(arcs.sum(axis=1).max(initial=0)))
    order = np.argsort(-np.where(arcs, value, -np.inf), axis=1, kind="stable")[:, :width]
    return np.where(np.take_along_axis(arcs, order, axis=1), order, -1)


def _start_qbar(meet: np.ndarray, arcs: np.ndarray, limits: np.ndarray) -> np.ndarray:
    """Per receiver: the mean q of its ``limits[b]`` best candidate askers (who a flow would give it)."""
    col = np.where(arcs, meet, -1.0)
    depth = min(col.shape[0], max(1, int(limits.max(initial=1))))
    ranked = -np.sort(-np.partition(-col, depth - 1, axis=0)[:depth], axis=0)  # each column's best, in order
    n = meet.shape[0]
    qbar = np.zeros(n)
    for b in range(n):
        top = ranked[: max(1, int(limits[b])), b]
        top = top[top >= 0]
        qbar[b] = float(top.mean()) if top.size else 0.0
    return qbar


def _fill_short(lists: np.ndarray, value: np.ndarray, ok: np.ndarray, limits: np.ndarray, k: int) -> np.ndarray:
    lists = lists.copy()
    have = (lists >= 0).sum(axis=1)
    short = np.flatnonzero(have < np.minimum(k, ok.sum(axis=1)))
    if short.size == 0:
        return lists
    shown = lists[lists >= 0]
    room = limits - np.bincount(shown, minlength=len(limits))
    for a in short.tolist():
        mine = set(lists[a][lists[a] >= 0].tolist())
        for b in np.argsort(-value[a], kind="stable").tolist():
            if have[a] >= k or not ok[a, b]:
                break
            if b not in mine and room[b] > 0:
                lists[a, have[a]] = b
                have[a] += 1
                room[b] -= 1
    return lists
