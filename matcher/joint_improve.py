"""Local search on the exact expected meetings: the min-cost flow of :mod:`matcher.joint_recommend` optimises
a surrogate (a binomial overflow per receiver); this step moves single list entries while the exact objective
of :mod:`matcher.exposure` rises.

A move replaces, in viewer a's list, receiver b by a candidate b' not in it that has exposure room. Only b's
and b''s terms change (a's own term as a receiver does not: it depends on who lists a), so the change is
exact and cheap: ``q_ab' P(X_b' <= c_b' - 1) - q_ab P(X_b without a <= c_b - 1)`` (:func:`matcher.exposure.
room_left_batch`), re-computed for the two receivers after each move. Each pass prices every viewer's
best move (best addition against least loss) at once, then applies the gaining ones, best first, each
re-priced just before (earlier moves change it); passes repeat until none gains (or ``passes``). List
lengths never change and exposure stays within the limits, so the coverage and exposure of the flow's lists
are kept, and the objective never falls.
"""

from __future__ import annotations

import numpy as np

from matcher.exposure import room_left_batch

PASSES = 8  # passes over all viewers at most (the synthetic 2,000-participant events settle in fewer)
GAIN = 1e-9  # a move must raise the expected meetings by more than this (no cycling on rounding noise)


def improve_lists(lists: np.ndarray, meet: np.ndarray, capacity: np.ndarray, limits: np.ndarray,
                  candidates: np.ndarray, *, passes: int = PASSES) -> np.ndarray:
    """``lists`` ((n, m) int, -1 padded) after single-entry moves that raise the exact expected meetings
    (``meet[a, b]`` = q_ab), each b' taken from ``candidates[a]`` ((n, L) int receiver indices, -1 padded)
    and kept at most ``limits[b']`` lists; rows keep their lengths (order within a row is not kept)."""
    lists = np.array(lists, dtype=np.int64, copy=True)
    n = meet.shape[0]
    cap = np.asarray(capacity, dtype=np.int64)
    limits = np.asarray(limits, dtype=np.int64)
    members: list[list[int]] = [[] for _ in range(n)]  # who lists each receiver
    for a, place in zip(*np.nonzero(lists >= 0), strict=True):
        members[int(lists[a, place])].append(int(a))
    count = np.array([len(m) for m in members], dtype=np.int64)
    room = (cap > 0).astype(np.float64)  # P(X_b <= c_b - 1): the gain factor of one more asker
    loss = np.full(lists.shape, np.inf)  # loss[a, place]: what removing that entry costs (inf: empty place)

    def refresh(receivers: list[int]) -> None:
        width = max(len(members[b]) for b in receivers)
        q = np.zeros((len(receivers), width))  # padded with askers who never accept (change nothing)
        for i, b in enumerate(receivers):
            q[i, : len(members[b])] = meet[members[b], b]
        got, without = room_left_batch(q, cap[receivers])
        room[receivers] = got
        for i, b in enumerate(receivers):
            who = members[b]
            if who:
                place = np.argmax(lists[who] == b, axis=1)
                loss[who, place] = q[i, : len(who)] * without[i, : len(who)]

    if count.any():
        refresh(np.flatnonzero(count).tolist())
    cand = np.asarray(candidates, dtype=np.int64)
    safe = np.maximum(cand, 0)
    cand_q = np.where(cand >= 0, meet[np.arange(n)[:, None], safe], -1.0)

    def best_move(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For viewers ``rows``: gain, place to empty, candidate column to take (all exact at call time)."""
        mine = lists[rows]
        ok = (cand[rows] >= 0) & (count[safe[rows]] < limits[safe[rows]])
        ok &= ~(cand[rows][:, :, None] == mine[:, None, :]).any(axis=2)
        value = np.where(ok, cand_q[rows] * room[safe[rows]], -1.0)
        take = np.argmax(value, axis=1)
        drop = np.argmin(loss[rows], axis=1)
        gain = value[np.arange(len(rows)), take] - loss[rows, drop]
        return gain, drop, take

    everyone = np.arange(n)
    for _ in range(max(0, passes)):
        gain, _, _ = best_move(everyone)
        hopeful = everyone[gain > GAIN]
        moved = 0
        for a in hopeful[np.argsort(-gain[hopeful], kind="stable")].tolist():
            g, drop, take = best_move(np.array([a]))  # earlier moves may have changed it
            if g[0] <= GAIN:
                continue
            old, new = int(lists[a, drop[0]]), int(cand[a, take[0]])
            lists[a, drop[0]] = new
            members[old].remove(a)
            members[new].append(a)
            count[old] -= 1
            count[new] += 1
            refresh([old, new])
            moved += 1
        if moved == 0:
            break
    return lists
