"""Scheduling pre-arranged B2B meetings at a fair: slots that minimise participants' idle breaks.

The problem
    Bofill, Coll, Garcia, Giráldez-Cru, Pesant, Suy, Villaret, "Constraint Solving Approaches to the
    Business-to-Business Meeting Scheduling Problem", JAIR 74 (2022); its instances are the benchmark
    (``python -m bench.schedule``, ``reports/bench_schedule.md``). Every meeting gets one slot; a participant has
    at most one meeting per slot; at most ``n_tables`` meetings per slot; sessions (morning, afternoon),
    forbidden slots, fixed slots and precedences are hard. The objective is the total number of breaks (two
    consecutive meetings of a participant in non-adjacent slots) under a fairness bound ``d``: no participant
    with a meeting has more than ``d`` breaks beyond another.

Usage::

    from matcher.scheduling import Instance, Meeting, solve, validate
    event = Instance(n_participants=3, n_slots=4, n_morning=2, n_tables=2,
                     meetings=(Meeting(a=0, b=1), Meeting(a=1, b=2, session=2)))
    schedule = solve(event, fairness=2, time_limit=60)   # status optimal | feasible | infeasible | unknown
    assert validate(event, schedule) == []               # independent of both solvers
    schedule.infeasible_reason, schedule.left_out         # Reason | None, {meeting: Reason}; str() reads them

    stop = threading.Event()                              # set it from another thread: the best so far comes back
    solve(event, progress=print, stop=stop)               # print gets Progress(phase, breaks, bound, held, ...)

    solve(event, allow_partial=True)  # over-subscribed: keep the most meetings, say why each other one is not held

How it is solved
    Two exact solvers race on events of 30 meetings or more, when the MaxSAT model can express the fairness
    bound (:mod:`.race`); the first proof wins and stops the other. Together they prove all 20 published
    instances optimal, at the published optimum, in 93 s in all; each alone leaves some open within a minute.

    - CP-SAT (:mod:`.cpsat`; Perron and Didier, CP-SAT, Google OR-Tools,
      https://developers.google.com/optimization): quick "at most k breaks?" probes, which CP-SAT's presolve
      refutes for small k where the core-based search stalls, then core-based minimisation with redundant
      constraints (breaks counted in both time directions, windows without breaks, time-reversal symmetry
      breaking); it alone closes forum-13crafb.
    - MaxSAT (:mod:`.maxsat`): PySAT's RC2 (Ignatiev, Morgado, Marques-Silva, "RC2: an Efficient MaxSAT
      Solver", JSAT 11, 2019, pp. 53-64), core-guided, over CaDiCaL, as Bofill et al. found fastest; one soft
      literal per (participant, j-th break) and modulo-totalizer cardinality encodings. It closes forum-13crafc
      and tic-13crafc, which CP-SAT alone leaves open.

Reasons
    Infeasible events are explained: :func:`.analysis.static_reason` catches empty domains, overloaded
    participants and precedence cycles before any search; otherwise bounded re-solves name the constraint
    family whose removal alone restores feasibility. Over-subscribed events (``allow_partial``) first keep the
    most meetings (musts before wants, then match score) with at least one meeting for everyone who asked, then
    minimise breaks, and give a reason for every meeting left out. Reasons are :class:`.reasons.Reason` values:
    a ``family`` to blame and a ``kind`` of sentence from closed sets, 0-based indexes, and ``text``, the
    English sentence numbered from 1.

Progress and stop
    ``progress`` receives what the solvers report on the way (the best schedule's breaks and meetings held, the
    proven bound, the phase), coalesced to at most five calls a second; ``stop`` ends the solve within a fraction
    of a second with the best schedule so far, as a time-out does (:mod:`.progress`).

Modules: :mod:`.model` (the problem, the answer, breaks, the validator, tables), :mod:`.reasons` (structured
reasons), :mod:`.analysis` (domains, precedences, symmetry, reasons found without search), :mod:`.progress`
(progress reports and stop), :mod:`.cpsat`, :mod:`.maxsat`, :mod:`.race`, :mod:`.solving` (:func:`solve`: the
full and the partial paths), :mod:`.repair` (:func:`repair_schedule`: on the day, keep every meeting it can
where it was, then fewest moves, then fewest breaks; its greedy start and table placement in :mod:`.repair_greedy`).
"""

from matcher.scheduling.model import (
    STATUSES,
    Instance,
    Meeting,
    Place,
    Schedule,
    assign_tables,
    breaks_per_participant,
    validate,
)
from matcher.scheduling.progress import PHASES, Progress
from matcher.scheduling.reasons import FAMILIES, REASON_FAMILIES, REASON_KINDS, SESSION_NAMES, Reason
from matcher.scheduling.repair import Moved, Repair, repair_schedule
from matcher.scheduling.solving import solve

__all__ = [
    "FAMILIES",
    "PHASES",
    "REASON_FAMILIES",
    "REASON_KINDS",
    "SESSION_NAMES",
    "STATUSES",
    "Instance",
    "Meeting",
    "Moved",
    "Place",
    "Progress",
    "Reason",
    "Repair",
    "Schedule",
    "assign_tables",
    "breaks_per_participant",
    "repair_schedule",
    "solve",
    "validate",
]
