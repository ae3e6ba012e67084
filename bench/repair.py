"""Benchmark of repair on the day (issue 17, point 2): :func:`matcher.scheduling.repair_schedule` on a synthetic event.

``python -m bench.repair [PARTICIPANTS] [TABLES]`` (default 120 and 30): 14 slots, 6 requested meetings per
participant placed greedily at random (what fits), then at 10:00 (two slots started) 5 cancellations, 3 late
arrivals (slots 3-5 forbidden), 5 new meetings and tables 1-2 lost from slot 7; prints the repair's status,
moves, meetings added and not held, breaks and wall time, after checking the answer with ``validate`` and
``repair_problems``. Standalone (not a section of ``python -m bench``).
"""

from __future__ import annotations

import random
import sys
import time

from matcher.scheduling import Instance, Meeting, Place, repair_schedule, validate
from matcher.scheduling.repair import repair_problems

SLOTS, PER_PARTICIPANT, STARTED = 14, 6, 2


def event(n_participants: int, n_tables: int, seed: int = 0) -> tuple[Instance, list[Place | None], dict[int, int]]:
    """The changed event, where each meeting was (None: new) and the lost tables."""
    rng = random.Random(seed)
    pairs: set[tuple[int, int]] = set()
    while len(pairs) < n_participants * PER_PARTICIPANT // 2:
        a, b = rng.sample(range(n_participants), 2)
        pairs.add((min(a, b), max(a, b)))
    meetings = [Meeting(a=a, b=b, weight=round(rng.random(), 2)) for a, b in sorted(pairs)]
    busy: set[tuple[int, int]] = set()
    used: set[tuple[int, int]] = set()
    placed: list[tuple[Meeting, Place]] = []
    for m in meetings:  # the previous schedule: greedy, random slots
        for s in rng.sample(range(SLOTS), SLOTS):
            free = [t for t in range(n_tables) if (s, t) not in used]
            if (m.a, s) not in busy and (m.b, s) not in busy and free:
                busy |= {(m.a, s), (m.b, s)}
                used.add((s, free[0]))
                placed.append((m, Place(slot=s, table=free[0])))
                break
    cancelled = set(rng.sample([k for k, (_, p) in enumerate(placed) if p.slot >= STARTED], 5))
    kept = [x for k, x in enumerate(placed) if k not in cancelled]
    forbidden = [frozenset[int]() for _ in range(n_participants)]
    for p in rng.sample(range(n_participants), 3):
        forbidden[p] = frozenset(range(STARTED, STARTED + 3))
    have = {(m.a, m.b) for m, _ in kept}
    new: list[Meeting] = []
    while len(new) < 5:
        a, b = sorted(rng.sample(range(n_participants), 2))
        if (a, b) not in have:
            new.append(Meeting(a=a, b=b))
            have.add((a, b))
    instance = Instance(n_participants=n_participants, n_slots=SLOTS, n_morning=7, n_tables=n_tables,
                        meetings=tuple([m for m, _ in kept] + new), forbidden=tuple(forbidden))
    return instance, [p for _, p in kept] + [None] * len(new), {0: 6, 1: 6}


def main(argv: list[str]) -> None:
    n_participants, n_tables = (int(argv[0]) if argv else 120), (int(argv[1]) if len(argv) > 1 else 30)
    instance, previous, lost = event(n_participants, n_tables)
    started = time.monotonic()
    result = repair_schedule(instance, previous, started=STARTED, lost_tables=lost, time_limit=60, workers=2)
    seconds = time.monotonic() - started
    problems = validate(instance, result.schedule, fairness=None)
    problems += repair_problems(instance, previous, result, lost_tables=lost)
    if problems:
        raise SystemExit("invalid repair: " + "; ".join(problems[:5]))
    print(f"{n_participants} participants, {len(instance.meetings)} meetings, {SLOTS} slots, {n_tables} tables: "
          f"status {result.schedule.status}, {len(result.moves)} moves, {len(result.added)} added, "
          f"{len(result.unheld)} not held, breaks {result.schedule.breaks}, {seconds:.1f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
