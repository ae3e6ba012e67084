"""The acceptance model of event recommendations and the figures of a set of lists: expected mutually
accepted meetings (capacities applied), exposure Gini, share of short lists, share of requests to the
most requested tenth. Arrays in, numbers out; :mod:`matcher.joint_recommend` optimises what this measures.

Acceptance model (after Su, Bayoumi, Joachims, "Optimizing Rankings for Recommendation in Matching
Markets", WWW 2022, simplified to unordered lists of k): ``scores[a, b]`` is how well b suits a as a's
own suggestions see it (NaN or -inf: b may not be suggested to a; the diagonal never is). A participant
a shown b sends b a request with probability ``p(scores[a, b])``; b accepts it with probability
``p(scores[b, a])`` (the receiver's own view of the asker; where b's suggestions did not score a, b's
lowest known score: an upper bound when what is known of b is its best partners), independently. ``p`` is
one logistic curve, ``p(s) = 1 / (1 + exp(-(s - center) / scale))``, by default fitted to the event
(center the mean, scale the standard deviation of the scores of each participant's 20 best partners), so
that a participant is as likely as not to ask a typical one of its 20 best and very likely to ask its very
best, whatever the score scale; the fit does not depend on how many more scores are known (the service
reads each participant's top 50, a benchmark all pairs).
Receiver b holds at most ``capacity[b]`` meetings, so its expected meetings are
``E[min(capacity[b], X_b)]`` with ``X_b`` the number of accepted requests it receives (a sum of
independent Bernoulli(q_ab), ``q_ab = p(s_ab) p(s_ba)``): concave in what it receives. Requests are
directed: a pair listed both ways counts two requests (both methods alike; prefill sends one). The
position inside a list is not modelled (lists are short; the whole list is assumed read).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from matcher.errors import InvalidRequestError

TOP_SHARE = 0.10  # "the 10 % most requested participants"
FIT_TOP = 20  # the model is fitted on each participant's 20 best scores: the same however many are known


@dataclass(frozen=True, kw_only=True)
class AcceptanceModel:
    """The logistic curve ``p(s) = 1 / (1 + exp(-(s - center) / scale))`` both sides decide with."""

    center: float
    scale: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.center) and math.isfinite(self.scale) and self.scale > 0):
            raise InvalidRequestError(f"acceptance model: center {self.center}, scale {self.scale}: "
                                      "both must be finite and scale > 0")

    @classmethod
    def fit(cls, scores: np.ndarray, *, top: int | None = FIT_TOP) -> AcceptanceModel:
        """Center the mean and scale the standard deviation of each participant's ``top`` best finite
        off-diagonal scores (None: of all of them)."""
        s = np.asarray(scores, dtype=np.float64).copy()
        if s.ndim == 2 and s.shape[0] == s.shape[1]:
            np.fill_diagonal(s, np.nan)
        s = np.where(np.isfinite(s), s, -np.inf)
        if top is not None and s.ndim == 2 and s.shape[1] > top:
            s = -np.sort(-s, axis=1)[:, :top]
        values = s[np.isfinite(s)]
        if values.size == 0:
            return cls(center=0.0, scale=1.0)
        spread = float(values.std())
        return cls(center=float(values.mean()), scale=spread if spread > 1e-9 else 1.0)

    def probability(self, scores: np.ndarray) -> np.ndarray:
        """p of each score; 0 where the score is not finite."""
        s = np.asarray(scores, dtype=np.float64)
        finite = np.isfinite(s)
        out = np.zeros(s.shape)
        out[finite] = 1.0 / (1.0 + np.exp(-(s[finite] - self.center) / self.scale))
        return out


def allowed_pairs(scores: np.ndarray) -> np.ndarray:
    """(n, n) bool: b may be suggested to a (finite score, off the diagonal)."""
    ok = np.isfinite(np.asarray(scores, dtype=np.float64))
    np.fill_diagonal(ok, False)
    return ok


def probabilities(scores: np.ndarray, model: AcceptanceModel | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``(send, meet)``, both (n, n): a's chance to request b when shown it, and that the request is sent
    and accepted (``q_ab``); 0 for pairs not allowed."""
    s = _square(scores)
    model = model or AcceptanceModel.fit(s)
    ok = allowed_pairs(s)
    p = model.probability(s)  # one pass of exp over the n^2 scores, read both ways
    send = np.where(ok, p, 0.0)
    known = np.where(np.isfinite(s), s, np.inf)
    lowest = known.min(axis=1)  # each receiver's lowest known score of anyone
    lowest = np.where(np.isfinite(lowest), lowest, model.center)
    accept = np.where(np.isfinite(s.T), p.T, model.probability(lowest)[None, :])  # p(scores[b, a]) at [a, b]
    meet = np.where(ok, send * accept, 0.0)
    return send, meet


def expected_accepted(q: np.ndarray, capacity: int) -> float:
    """``E[min(capacity, X)]`` for X the number of successes of independent Bernoulli(q) (exact, O(len(q) c))."""
    if capacity <= 0 or len(q) == 0:
        return 0.0
    dist = np.zeros(capacity + 1)  # P(X = j) for j < capacity, P(X >= capacity) in the last cell
    dist[0] = 1.0
    for p in np.asarray(q, dtype=np.float64):
        moved = dist * p
        dist = dist * (1.0 - p)
        dist[1:] += moved[:-1]
        dist[-1] += moved[-1]
    return float(np.arange(capacity + 1) @ dist)


def room_left(q: np.ndarray, capacity: int) -> float:
    """``P(X <= capacity - 1)`` for X the successes of independent Bernoulli(q): the chance a further
    accepted request still finds a free slot, so that adding an asker of probability q' adds ``q' * room_left``
    to ``E[min(capacity, X)]`` (0 when capacity is 0)."""
    return float(room_left_batch(np.asarray(q, dtype=np.float64)[None, :], np.array([capacity]))[0][0])


def room_left_without_each(q: np.ndarray, capacity: int) -> np.ndarray:
    """``P(X_{-j} <= capacity - 1)`` for each j, X_{-j} the successes of every Bernoulli but the j-th, so
    that removing asker j lowers ``E[min(capacity, X)]`` by ``q[j] * out[j]``."""
    return room_left_batch(np.asarray(q, dtype=np.float64)[None, :], np.array([capacity]))[1][0]


def room_left_batch(q: np.ndarray, capacity: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`room_left` and :func:`room_left_without_each` of each row of ``q`` ((R, m); pad with 0: an asker
    who never accepts changes nothing) with its own capacity ((R,)): ``(room (R,), without (R, m))``.
    Prefix and suffix distributions of the count, cells below the capacity only (no division: stable for q
    near 1); O(m R max(capacity))."""
    q = np.asarray(q, dtype=np.float64)
    cap = np.asarray(capacity, dtype=np.int64).reshape(-1)
    rows, m = q.shape
    width = max(1, int(cap.max(initial=0)))
    pre = _cells(q, width)  # pre[j, r, i] = P(successes among q[r, :j] = i), i < width
    suf = _cells(q[:, ::-1], width)[::-1]  # suf[j, r, i] = P(successes among q[r, j:] = i)
    cells = np.arange(width)
    inside = cells[None, :] < cap[:, None]  # (R, width): the cells below each row's capacity
    room = (pre[-1] * inside).sum(axis=1)
    tail = np.cumsum(suf[1:], axis=2)  # tail[j, r, v] = P(successes among q[r, j+1:] <= v)
    back = cap[:, None] - 1 - cells[None, :]  # (R, width): c - 1 - u
    picked = np.take_along_axis(tail, np.broadcast_to(np.maximum(back, 0)[None], tail.shape), axis=2)
    without = (pre[:-1] * np.where(inside, picked, 0.0)).sum(axis=2).T  # (R, m)
    return np.where(cap > 0, room, 0.0), without.reshape(rows, m)


def _cells(q: np.ndarray, width: int) -> np.ndarray:
    """(m + 1, R, width): row j is the distribution of the successes among q[:, :j], cells below width."""
    rows, m = q.shape
    out = np.zeros((m + 1, rows, width))
    out[0, :, 0] = 1.0
    for j in range(m):
        p = q[:, j : j + 1]
        out[j + 1] = out[j] * (1.0 - p)
        out[j + 1, :, 1:] += out[j, :, :-1] * p
    return out


@dataclass(frozen=True, kw_only=True)
class ListMetrics:
    """The figures of one set of lists under one acceptance model."""

    expected_meetings: float  # sum over receivers of E[min(capacity, accepted requests)]
    expected_requests: float  # sum of the send probabilities over every shown pair
    exposure_gini: float  # Gini of how many lists each participant appears in (0: all equal)
    short_share: float  # share of participants shown fewer than k partners
    top_share: float  # share of the expected requests that go to the 10 % most requested participants

    def to_dict(self) -> dict[str, Any]:
        return {"expected_meetings": round(self.expected_meetings, 3),
                "expected_requests": round(self.expected_requests, 3),
                "exposure_gini": round(self.exposure_gini, 4), "short_share": round(self.short_share, 4),
                "top_share": round(self.top_share, 4)}


def gini(values: np.ndarray) -> float:
    """Gini coefficient of non-negative values: 0 when all are equal, (n - 1) / n when one holds all."""
    x = np.sort(np.asarray(values, dtype=np.float64))
    n, total = len(x), float(x.sum())
    if n == 0 or total <= 0:
        return 0.0
    ranks = np.arange(1, n + 1)
    return float(2.0 * (ranks @ x) / (n * total) - (n + 1) / n)


def metrics(lists: np.ndarray, scores: np.ndarray, capacity: np.ndarray, *, k: int,
            model: AcceptanceModel | None = None) -> ListMetrics:
    """The figures of ``lists`` ((n, m) int, row a = the indices shown to a, -1 for an empty place)."""
    s = _square(scores)
    n = s.shape[0]
    lists = np.asarray(lists, dtype=np.int64).reshape(n, -1)
    cap = _capacity(capacity, n)
    send, meet = probabilities(s, model)
    viewers, pos = np.nonzero(lists >= 0)
    shown = lists[viewers, pos]
    if np.any(shown == viewers) or np.any(shown >= n):
        raise InvalidRequestError("lists: a participant is shown itself or an index out of range")
    exposure = np.bincount(shown, minlength=n)
    requests = np.bincount(shown, weights=send[viewers, shown], minlength=n)
    by_receiver: list[list[float]] = [[] for _ in range(n)]
    for a, b in zip(viewers.tolist(), shown.tolist(), strict=True):
        by_receiver[b].append(float(meet[a, b]))
    total_requests = float(requests.sum())
    top = max(1, math.ceil(TOP_SHARE * n)) if n else 0
    top_requests = float(np.sort(requests)[::-1][:top].sum())
    return ListMetrics(
        expected_meetings=sum(expected_accepted(np.array(q), int(cap[b])) for b, q in enumerate(by_receiver) if q),
        expected_requests=total_requests, exposure_gini=gini(exposure),
        short_share=float(np.mean((lists >= 0).sum(axis=1) < k)) if n else 0.0,
        top_share=top_requests / total_requests if total_requests > 0 else 0.0)


def _square(scores: np.ndarray) -> np.ndarray:
    s = np.asarray(scores, dtype=np.float64)
    if s.ndim != 2 or s.shape[0] != s.shape[1]:
        raise InvalidRequestError(f"scores: shape {s.shape}: must be a square n × n matrix")
    return s


def _capacity(capacity: np.ndarray, n: int) -> np.ndarray:
    cap = np.asarray(capacity, dtype=np.int64).reshape(-1)
    if cap.shape != (n,) or np.any(cap < 0):
        raise InvalidRequestError(f"capacity: {cap.shape[0]} values: must be {n} non-negative integers")
    return cap


