"""The B2B scheduling problem as weighted MaxSAT, solved by core-guided search (PySAT's RC2 over CaDiCaL).

Bofill et al. (JAIR 2022) found MaxSAT the fastest exact approach; here it closes the originals that CP-SAT
alone leaves open within 60 s (forum-13crafc, ticf-13crafc: finding the 1-break schedule; tic-13crafc:
proving 4). What makes it work: one soft literal per (participant, j-th break), so that each core names
participants that cannot all go without breaks, and modulo-totalizer cardinality encodings (tables per slot,
busy slots per participant), which propagate far better here than sequential counters (k <= 1 on
forum-13crafc: 2 s against 13-85 s). :func:`matcher.scheduling.solve` races it against CP-SAT, in a child
process (:mod:`matcher.scheduling.race`).
"""

from __future__ import annotations

import itertools
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection

from pysat.card import CardEnc, EncType
from pysat.examples.rc2 import RC2
from pysat.formula import WCNF, IDPool

from matcher.scheduling.analysis import domains, reversal_pivot
from matcher.scheduling.model import Instance, breaks_per_participant

_ENCODING = EncType.mtotalizer
_ORACLE = "cd19"  # CaDiCaL 1.9


@dataclass(frozen=True, kw_only=True)
class MaxSatAnswer:
    """``optimal`` with a schedule (per meeting, a 0-based slot) and its breaks, or ``infeasible``."""

    status: str  # "optimal" | "infeasible"
    slots: tuple[int, ...] | None
    breaks: int | None


def encodable(instance: Instance, fairness: int | None) -> bool:
    """Whether fairness reduces to "at most d breaks each": true when someone is bound to have none.

    A participant with one meeting, or whose usable slots are exactly as many as its meetings and contiguous,
    has 0 breaks in every schedule; the fairness bound d then caps everybody at d.
    """
    if fairness is None:
        return True
    doms = domains(instance, frozenset())
    for mine in instance.meetings_of():
        if len(mine) == 1:
            return True
        usable = sorted(set().union(*(doms[m] for m in mine))) if mine else []
        if mine and len(usable) == len(mine) and usable[-1] - usable[0] + 1 == len(usable):
            return True
    return False


@dataclass(frozen=True, kw_only=True)
class _Encoding:
    wcnf: WCNF
    x: list[dict[int, int]]  # per meeting, slot -> variable


class _Cnf:
    """Clauses and fresh variables, with the cardinality helpers the model needs."""

    def __init__(self) -> None:
        self.pool = IDPool()
        self.wcnf = WCNF()

    def var(self) -> int:
        return int(self.pool.id())

    def add(self, clause: list[int]) -> None:
        self.wcnf.append(clause)

    def at_most(self, lits: list[int], bound: int) -> None:
        if len(lits) > bound:
            for clause in CardEnc.atmost(lits=lits, bound=bound, vpool=self.pool, encoding=_ENCODING).clauses:
                self.add(clause)

    def equals(self, lits: list[int], bound: int) -> None:
        if bound >= len(lits):  # all true, or more than there are (infeasible: a fresh variable both ways)
            v = self.var()
            for clause in ([[lit] for lit in lits] if bound == len(lits) else [[v], [-v]]):
                self.add(clause)
            return
        for clause in CardEnc.equals(lits=lits, bound=bound, vpool=self.pool, encoding=_ENCODING).clauses:
            self.add(clause)

    def counter(self, lits: list[int], cap: int) -> list[int]:
        """``out[i] <=> sum(lits) >= i + 1`` for i < cap: a totalizer encoded in both directions."""
        if len(lits) == 1:
            return lits[:cap]
        left = self.counter(lits[: len(lits) // 2], cap)
        right = self.counter(lits[len(lits) // 2:], cap)
        out = [self.var() for _ in range(min(len(left) + len(right), cap))]
        for i, j in itertools.product(range(-1, len(left)), range(-1, len(right))):
            k = i + j + 1  # left >= i+1 and right >= j+1  ->  sum >= k+1
            if 0 <= k < len(out) and (i >= 0 or j >= 0):
                self.add([out[k]] + ([-left[i]] if i >= 0 else []) + ([-right[j]] if j >= 0 else []))
            k = i + j + 2  # left <= i+1 and right <= j+1  ->  sum <= k
            if 0 <= k < len(out):
                self.add([-out[k]] + ([left[i + 1]] if i + 1 < len(left) else [])
                         + ([right[j + 1]] if j + 1 < len(right) else []))
        return out


def encode(instance: Instance, *, fairness: int | None) -> _Encoding:
    """Hard clauses for every constraint of the problem; soft unit clauses, one per possible break.

    Variables: ``x[m][s]`` (meeting m in slot s), ``busy[p][s]``, ``seen`` (p met at or before s) and one
    "a break ends at s" literal per participant and slot, counted per participant in unary.
    """
    if not encodable(instance, fairness):
        raise ValueError("fairness needs a participant bound to have no break; use the CP-SAT model")
    cnf = _Cnf()
    n_slots = instance.n_slots
    doms = domains(instance, frozenset())
    x = [{s: cnf.var() for s in dom} for dom in doms]
    for lits in x:
        cnf.add(list(lits.values()))
        cnf.at_most(list(lits.values()), 1)
    for s in range(n_slots):
        cnf.at_most([x[m][s] for m in range(len(x)) if s in x[m]], instance.n_tables)
    _precedences(cnf, instance, x)
    busy_at: list[list[int]] = [[] for _ in range(n_slots)]
    for mine in instance.meetings_of():
        if not mine:
            continue
        busy: list[int | None] = []
        for s in range(n_slots):
            here = [x[m][s] for m in mine if s in x[m]]
            if not here:
                busy.append(None)
                continue
            cnf.at_most(here, 1)
            b = cnf.var()
            cnf.add([-b, *here])
            for lit in here:
                cnf.add([-lit, b])
            busy.append(b)
            busy_at[s].append(b)
        cnf.equals([b for b in busy if b is not None], len(mine))  # implied: a busy slot per meeting
        ends = _break_ends(cnf, busy)
        if not ends:
            continue
        usable = [s for s in range(n_slots) if busy[s] is not None]
        for s, t in itertools.combinations(usable, 2):  # implied: no break -> all within len(mine) slots
            if t - s >= len(mine):
                cnf.add([-_lit(busy[s]), -_lit(busy[t]), *ends])
        count = cnf.counter(ends, len(ends) if fairness is None else min(len(ends), fairness + 1))
        if fairness is not None and len(count) > fairness:
            cnf.add([-count[fairness]])
        for j in range(len(count) if fairness is None else min(len(count), fairness)):
            cnf.wcnf.append([-count[j]], weight=1)  # one unit of cost per break of this participant
    for s in range(n_slots):  # implied: a meeting keeps two participants busy
        cnf.at_most(busy_at[s], 2 * instance.n_tables)
    pivot = reversal_pivot(instance)
    if pivot is not None:
        for s, lit in x[pivot].items():
            if 2 * s > n_slots - 1:
                cnf.add([-lit])
    return _Encoding(wcnf=cnf.wcnf, x=x)


def _lit(v: int | None) -> int:
    if v is None:
        raise ValueError("no literal")
    return v


def _break_ends(cnf: _Cnf, busy: list[int | None]) -> list[int]:
    """Literals e[s] <=> busy[s] & ~busy[s-1] & (busy at some slot <= s-2): one per break."""
    ends: list[int] = []
    seen: list[int | None] = []  # seen[s]: busy at some slot <= s
    for s, b in enumerate(busy):
        before = seen[s - 2] if s >= 2 else None
        if b is not None and before is not None:
            e = cnf.var()
            cnf.add([-e, b])
            cnf.add([-e, before])
            clause = [-b, -before, e]
            if busy[s - 1] is not None:
                cnf.add([-e, -_lit(busy[s - 1])])
                clause.append(_lit(busy[s - 1]))
            cnf.add(clause)
            ends.append(e)
        prev = seen[s - 1] if s >= 1 else None
        if b is None or prev is None:
            seen.append(prev if b is None else b)
        else:
            now = cnf.var()
            cnf.add([-now, prev, b])
            cnf.add([-prev, now])
            cnf.add([-b, now])
            seen.append(now)
    return ends


def _precedences(cnf: _Cnf, instance: Instance, x: list[dict[int, int]]) -> None:
    """Meeting o before m: m in slot s forces o in some slot < s (order literals "o held by slot t")."""
    by: dict[tuple[int, int], int | None] = {}

    def held_by(o: int, t: int) -> int | None:  # o is held in a slot <= t; None = impossible
        if (o, t) not in by:
            if t < 0:
                by[(o, t)] = None
            else:
                prev, here = held_by(o, t - 1), x[o].get(t)
                if prev is None or here is None:
                    by[(o, t)] = prev if here is None else here
                else:
                    v = cnf.var()
                    cnf.add([-v, prev, here])
                    cnf.add([-prev, v])
                    cnf.add([-here, v])
                    by[(o, t)] = v
        return by[(o, t)]

    for m, meeting in enumerate(instance.meetings):
        for o in meeting.after:
            for s, lit in x[m].items():
                earlier = held_by(o, s - 1)
                cnf.add([-lit] if earlier is None else [-lit, earlier])


class _ReportingRC2(RC2):
    """RC2 that reports its lower bound (the cost of the cores found so far) after each core."""

    def __init__(self, formula: WCNF, on_bound: Callable[[int], None] | None) -> None:
        # exhausting and minimising cores: tic-13crafc.prec25 gets its optimum (4) in 8 s instead of stalling at 2
        super().__init__(formula, solver=_ORACLE, exhaust=True, minz=True)
        self._on_bound = on_bound

    def process_core(self) -> None:
        super().process_core()
        if self._on_bound is not None:
            self._on_bound(int(self.cost))


def solve_maxsat(instance: Instance, *, fairness: int | None,
                 on_bound: Callable[[int], None] | None = None) -> MaxSatAnswer:
    """Optimal slots by core-guided MaxSAT (no time limit: run it where it can be stopped, see :func:`worker`)."""
    enc = encode(instance, fairness=fairness)
    with _ReportingRC2(enc.wcnf, on_bound) as rc2:
        model = rc2.compute()
        if model is None:
            return MaxSatAnswer(status="infeasible", slots=None, breaks=None)
        true = {lit for lit in model if lit > 0}
    slots = tuple(next(s for s, lit in lits.items() if lit in true) for lits in enc.x)
    return MaxSatAnswer(status="optimal", slots=slots, breaks=sum(breaks_per_participant(instance, slots)))


def worker(instance: Instance, fairness: int | None, conn: Connection, *, parent: int, seconds: float) -> None:
    """Child-process entry: sends ("bound", int) after each core, then ("done", MaxSatAnswer).

    Exits by itself after ``seconds`` or when process ``parent`` is gone (killed before it could stop us).
    """
    deadline = time.monotonic() + seconds

    def watchdog() -> None:
        while os.getppid() == parent and time.monotonic() < deadline:
            time.sleep(0.2)
        os._exit(0)

    threading.Thread(target=watchdog, daemon=True).start()
    try:
        answer = solve_maxsat(instance, fairness=fairness, on_bound=lambda cost: conn.send(("bound", cost)))
        conn.send(("done", answer))
    except (BrokenPipeError, EOFError):  # the parent stopped listening: it has its answer
        pass
    finally:
        conn.close()
