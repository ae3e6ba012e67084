"""An upper bound on the expected mutual meetings any set of lists can reach at an event, under
:mod:`matcher.exposure`'s model and :mod:`matcher.joint_recommend`'s constraints (at most k partners per
viewer, each receiver b in at most ``limit_b = floor(multiple * c_b)`` lists): how much any method could gain.

Why it is valid. Receiver b's term ``f_b(S) = E[min(c_b, X_S)]`` (S the viewers listing b) is a submodular
set function: adding asker j to S adds ``q_jb P(X_S <= c_b - 1)``, which shrinks as S grows. Each *cut* is
an affine function ``alpha + sum_{j in S} beta_j`` that is >= f_b(S) for **every** S of at most limit_b
askers (proofs by each constructor below); so ``t_b <= every cut of b`` holds at every set of lists, and
the linear programme "maximise sum_b t_b over fractional lists x in [0, 1] (row sums <= k, column sums <=
limit_b), t_b under b's cuts" is a relaxation: its optimum is >= the best lists' expected meetings. The LP
is solved (GLOP) on a subset of pairs only (each viewer's best by q, the pairs of the given lists, and pairs
priced in by column generation), so the figure reported is not the LP's value but the objective of a
**dual-feasible point of the LP over every allowed pair**, built from GLOP's duals (viewer prices lambda,
receiver prices mu, cut weights w normalised to sum 1 per receiver) by setting each pair's bound price
``pi_ab = max(0, sum_r w_br beta_bra - lambda_a - mu_b)`` for all n^2 pairs: weak duality makes it an upper
bound whatever the LP's subset or tolerance (floating point aside, ~1e-9).

Cuts per receiver (all valid for every S with |S| <= limit_b):
- capacity: ``f_b(S) <= E[min(c_b, X_W)]``, W the limit_b askers of highest q (X_S is stochastically at
  most X_W; min(c, .) is non-decreasing);
- Jensen: ``f_b(S) <= sum_{j in S} q_jb`` (min(c, X) <= X);
- at a set T (taken from given lists and from the LP's own rounded solutions; Nemhauser, Wolsey, Fisher
  1978, the two modular upper bounds of a submodular function):
  ``f(S) <= f(T) - sum_{j in T \\ S} f(j | T - j) + sum_{j in S \\ T} f(j | {})`` and
  ``f(S) <= f(T) - sum_{j in T \\ S} f(j | S u T - j) + sum_{j in S \\ T} f(j | T)``, where in the second
  ``f(j | S u T - j) = q_jb P(X_{S u T - j} <= c - 1) >= q_jb P(X_W' <= c - 1)``, W' the limit_b + |T| askers
  of highest q (a superset's count is stochastically larger), which keeps it affine in S.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from ortools.linear_solver.python import model_builder_helper as mbh
from scipy.sparse import csr_matrix

from matcher.exposure import (
    AcceptanceModel,
    allowed_pairs,
    expected_accepted,
    probabilities,
    room_left,
    room_left_without_each,
)

COLUMNS = 30  # pairs per viewer in the first LP (its best by q); column generation adds what is priced in
ROUNDS = 4  # LP solves: each adds cuts at the sets the last LP rounded to and the pairs it prices in
PRICED = 10  # pairs per viewer added by one column-generation step at most


@dataclass(frozen=True, kw_only=True)
class Cut:
    """``alpha + sum_j beta_j`` over the askers j of receiver ``b``: ``beta_j = scale * q_jb``, except
    ``beta[askers[i]] = values[i]``."""

    b: int
    alpha: float
    scale: float
    askers: np.ndarray
    values: np.ndarray


@dataclass(frozen=True, kw_only=True)
class Bound:
    """The upper bound (dual objective over every allowed pair) and how it was reached."""

    value: float  # no set of lists has more expected mutual meetings
    relaxation: float  # the last restricted LP's optimum (value >= relaxation up to the pairs left out)
    cuts: int
    pairs: int  # LP columns at the end
    rounds: int


def upper_bound(scores: np.ndarray, capacity: np.ndarray, *, k: int, exposure_multiple: float = 3.0,
                model: AcceptanceModel | None = None, tangents: tuple[np.ndarray, ...] = (),
                rounds: int = ROUNDS, columns: int = COLUMNS) -> Bound:
    """The bound for the event of ``scores`` (as :func:`matcher.joint_recommend.joint_lists` takes it);
    ``tangents`` are lists ((n, m) int, -1 padded) whose receivers' asker sets get cuts from the start (the
    lists a method found: the bound is then tight near them)."""
    from matcher.joint_recommend import exposure_limits  # one definition of the limits

    s = np.asarray(scores, dtype=np.float64)
    n = s.shape[0]
    cap = np.asarray(capacity, dtype=np.int64)
    limits = exposure_limits(cap, exposure_multiple)
    _, meet = probabilities(s, model)
    ok = allowed_pairs(s) & (limits[None, :] > 0) & (cap[None, :] > 0)
    q = np.where(ok, meet, 0.0)
    want = np.minimum(k, ok.sum(axis=1)).astype(np.float64)
    ranked = np.argsort(-np.where(ok, q, -1.0), axis=0, kind="stable")  # each receiver's askers, best first
    cuts = [c for b in np.flatnonzero(ok.any(axis=0)).tolist() for c in _base_cuts(b, q, ranked, cap, limits)]
    cols = _top(np.where(ok, q, -1.0), ok, columns)
    for lists in tangents:
        sets = _sets(lists, n)
        cols |= _pairs(lists, n) & ok
        cuts += [c for b, t in enumerate(sets) if t.size and ok[t, b].all()
                 for c in _tangent_cuts(b, t, q, ranked, cap, limits)]
    value, relaxation = float("inf"), float("inf")
    done = 0
    for done in range(1, max(1, rounds) + 1):
        x, relaxation, lam, mu, w = _solve(cols, cuts, q, want, limits)
        value_now, reduced = _certificate(cuts, w, lam, mu, q, ok, want, limits)
        value = min(value, value_now)
        if done == max(1, rounds):
            break
        new_cols = _top(np.where(ok & ~cols & (reduced > 1e-9), reduced, -1.0), ok & ~cols & (reduced > 1e-9),
                        PRICED)
        cols |= new_cols
        for b in range(n):
            t = np.flatnonzero(x[:, b] > 0.5)
            if t.size:
                cuts += _tangent_cuts(b, t, q, ranked, cap, limits)
    return Bound(value=value, relaxation=relaxation, cuts=len(cuts), pairs=int(cols.sum()), rounds=done)


def _base_cuts(b: int, q: np.ndarray, ranked: np.ndarray, cap: np.ndarray, limits: np.ndarray) -> list[Cut]:
    empty = np.zeros(0, dtype=np.int64)
    best = ranked[: int(limits[b]), b]
    top = expected_accepted(q[best, b], int(cap[b]))
    return [Cut(b=b, alpha=top, scale=0.0, askers=empty, values=np.zeros(0)),
            Cut(b=b, alpha=0.0, scale=1.0, askers=empty, values=np.zeros(0))]


def _tangent_cuts(b: int, t: np.ndarray, q: np.ndarray, ranked: np.ndarray, cap: np.ndarray,
                  limits: np.ndarray) -> list[Cut]:
    """The two modular upper bounds of f_b at the asker set ``t`` (module docstring)."""
    c = int(cap[b])
    qt = q[t, b]
    ft = expected_accepted(qt, c)
    drop = qt * room_left_without_each(qt, c)  # f(j | T - j)
    first = Cut(b=b, alpha=ft - float(drop.sum()), scale=1.0, askers=t, values=drop)
    wide = ranked[: int(limits[b]) + len(t), b]
    floor = qt * room_left(q[wide, b], c)  # <= f(j | S u T - j) for every |S| <= limit_b
    second = Cut(b=b, alpha=ft - float(floor.sum()), scale=room_left(qt, c), askers=t, values=floor)
    return [first, second]


def _solve(cols: np.ndarray, cuts: list[Cut], q: np.ndarray, want: np.ndarray, limits: np.ndarray
           ) -> tuple[np.ndarray, float, np.ndarray, np.ndarray, np.ndarray]:
    """The restricted LP: (x dense, optimum, viewer duals, receiver duals, cut weights)."""
    n = q.shape[0]
    a_idx, b_idx = np.nonzero(cols)
    m = len(a_idx)
    col_of = np.full((n, n), -1, dtype=np.int64)
    col_of[a_idx, b_idx] = np.arange(m)
    by_receiver = [np.flatnonzero(b_idx == b) for b in range(n)] if m else [np.zeros(0, np.int64)] * n
    receivers = sorted({c.b for c in cuts})
    t_of = {b: m + i for i, b in enumerate(receivers)}
    rows: list[np.ndarray] = []
    vals: list[np.ndarray] = []
    upper: list[float] = []
    for cut in cuts:  # t_b - sum beta_j x_jb <= alpha
        idx = by_receiver[cut.b]
        beta = cut.scale * q[a_idx[idx], cut.b]
        if cut.askers.size:
            at = col_of[cut.askers, cut.b]
            pos = {int(v): i for i, v in enumerate(idx.tolist())}
            for j, v in zip(at.tolist(), cut.values.tolist(), strict=True):
                if j >= 0:
                    beta[pos[j]] = v
        rows.append(np.concatenate([[t_of[cut.b]], idx]))
        vals.append(np.concatenate([[1.0], -beta]))
        upper.append(cut.alpha)
    view = [np.flatnonzero(a_idx == a) for a in range(n)]
    for a in range(n):  # sum_b x_ab <= want_a
        rows.append(view[a])
        vals.append(np.ones(len(view[a])))
        upper.append(float(want[a]))
    for b in range(n):  # sum_a x_ab <= limit_b
        rows.append(by_receiver[b])
        vals.append(np.ones(len(by_receiver[b])))
        upper.append(float(limits[b]))
    indptr = np.concatenate([[0], np.cumsum([len(r) for r in rows])])
    matrix = csr_matrix((np.concatenate(vals), np.concatenate(rows).astype(np.int64), indptr),
                        shape=(len(rows), m + len(receivers)))
    lower = np.concatenate([np.zeros(m), np.full(len(receivers), -np.inf)])
    up = np.concatenate([np.ones(m), np.full(len(receivers), np.inf)])
    objective = np.concatenate([np.zeros(m), np.ones(len(receivers))])
    helper = mbh.ModelBuilderHelper()
    fill: Any = helper.fill_model_from_sparse_data  # its stubs want ndarray[float64, ...], not numpy's types
    fill(lower, up, objective, np.full(len(rows), -np.inf), np.array(upper),
         matrix)
    helper.set_maximize(True)
    solver = mbh.ModelSolverHelper("glop")
    solver.solve(helper)
    if not solver.has_solution():
        raise RuntimeError(f"bound LP: {solver.status_string()}")
    values = solver.variable_values()
    duals = np.abs(solver.dual_values())
    x = np.zeros((n, n))
    x[a_idx, b_idx] = values[:m]
    ncut = len(cuts)
    return x, float(solver.objective_value()), duals[ncut:ncut + n], duals[ncut + n:], duals[:ncut]


def _certificate(cuts: list[Cut], w: np.ndarray, lam: np.ndarray, mu: np.ndarray, q: np.ndarray, ok: np.ndarray,
                 want: np.ndarray, limits: np.ndarray) -> tuple[float, np.ndarray]:
    """A dual-feasible objective over every allowed pair (module docstring) and each pair's reduced price."""
    n = q.shape[0]
    total = np.zeros(n)
    for cut, weight in zip(cuts, w.tolist(), strict=True):
        total[cut.b] += weight
    norm = np.where(total > 0, total, 1.0)
    weights = np.where(total[[c.b for c in cuts]] > 0, w / norm[[c.b for c in cuts]], 0.0)
    scale = np.zeros(n)
    alpha = np.zeros(n)
    fallback = total <= 0  # a receiver the LP gave no weight: all on its Jensen cut (any w summing to 1 is valid)
    gamma_fix: list[tuple[int, np.ndarray, np.ndarray]] = []
    for cut, weight in zip(cuts, weights.tolist(), strict=True):
        if fallback[cut.b]:
            if cut.scale == 1.0 and cut.alpha == 0.0 and not cut.askers.size:
                scale[cut.b] = 1.0
            continue
        scale[cut.b] += weight * cut.scale
        alpha[cut.b] += weight * cut.alpha
        if cut.askers.size and weight > 0:
            gamma_fix.append((cut.b, cut.askers, weight * (cut.values - cut.scale * q[cut.askers, cut.b])))
    gamma = q * scale[None, :]
    for b, askers, delta in gamma_fix:
        gamma[askers, b] += delta
    reduced = np.where(ok, gamma - lam[:, None] - mu[None, :], 0.0)
    pi = np.maximum(reduced, 0.0)
    value = float(alpha.sum() + want @ lam + limits.astype(np.float64) @ mu + pi.sum())
    return value, reduced


def _top(values: np.ndarray, ok: np.ndarray, m: int) -> np.ndarray:
    n = values.shape[0]
    if m >= n - 1:
        return ok.copy()
    top = np.argpartition(-values, m, axis=1)[:, :m]
    out = np.zeros_like(ok)
    np.put_along_axis(out, top, True, axis=1)
    return out & ok


def _pairs(lists: np.ndarray, n: int) -> np.ndarray:
    out = np.zeros((n, n), dtype=bool)
    a, place = np.nonzero(lists >= 0)
    out[a, lists[a, place]] = True
    return out


def _sets(lists: np.ndarray, n: int) -> list[np.ndarray]:
    pairs = _pairs(lists, n)
    return [np.flatnonzero(pairs[:, b]) for b in range(n)]
