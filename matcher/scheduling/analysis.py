"""Static analysis of an instance: slot domains, precedence order, time symmetry, and why meetings cannot fit.

Everything here is cheap and solver-free; the CP-SAT and MaxSAT models both start from :func:`domains` and
:func:`reversal_pivot`, and :func:`static_reason` proves the obvious infeasibilities before any search. The
reasons are :class:`~matcher.scheduling.reasons.Reason` values (0-based indexes; ``str()`` reads them).
"""

from __future__ import annotations

from collections.abc import Sequence

from matcher.scheduling.model import Instance
from matcher.scheduling.reasons import SESSION_NAMES, Reason

_SLOT_FAMILIES: tuple[str, ...] = ("fixed", "forbidden", "sessions")  # the families that shape a meeting's slots


def domains(instance: Instance, relax: frozenset[str]) -> list[list[int]]:
    """Per meeting, the slots its session, its participants' forbidden slots and its fixed slot allow."""
    out = []
    for meeting in instance.meetings:
        allowed = set(range(instance.n_slots) if "sessions" in relax else instance.session_slots(meeting.session))
        if "forbidden" not in relax:
            allowed -= instance.forbidden_of(meeting.a) | instance.forbidden_of(meeting.b)
        if meeting.fixed is not None and "fixed" not in relax:
            allowed &= {meeting.fixed}
        out.append(sorted(allowed))
    return out


def precedence_cycle(instance: Instance) -> list[int] | None:
    """A cycle among the precedences (meetings), or None when they form a DAG."""
    colour = [0] * len(instance.meetings)
    for root in range(len(instance.meetings)):
        if colour[root]:
            continue
        stack: list[tuple[int, int]] = [(root, 0)]
        path: list[int] = []
        while stack:
            m, i = stack.pop()
            if i == 0:
                colour[m] = 1
                path.append(m)
            after = instance.meetings[m].after
            if i < len(after):
                stack.append((m, i + 1))
                o = after[i]
                if colour[o] == 1:
                    return path[path.index(o):]
                if colour[o] == 0:
                    stack.append((o, 0))
            else:
                colour[m] = 2
                path.pop()
    return None


def static_reason(instance: Instance) -> Reason | None:
    """A cheap proof of infeasibility (empty domain, overloaded participant, precedence cycle), or None."""
    doms = domains(instance, frozenset())
    relaxed = _relaxed_domains(instance)
    for m, dom in enumerate(doms):
        if dom:
            continue
        meeting = instance.meetings[m]
        family = _blame_domain(relaxed, m)
        return Reason(family=family or "sessions", kind="no_slot" if family else "no_slot_combined", meetings=(m,),
                      participants=(meeting.a, meeting.b), slots=() if meeting.fixed is None else (meeting.fixed,),
                      detail=SESSION_NAMES[meeting.session])
    for p, mine in enumerate(instance.meetings_of()):
        usable = set().union(*(doms[m] for m in mine)) if mine else set()
        if len(mine) > len(usable):
            return Reason(family=_blame_overload(relaxed, mine), kind="overloaded", participants=(p,),
                          counts=(len(mine), len(usable)))
    cycle = precedence_cycle(instance)
    if cycle:
        return Reason(family="precedences", kind="cycle", meetings=tuple(cycle))
    return None


def _relaxed_domains(instance: Instance) -> dict[str, list[list[int]]]:
    """Per family that shapes slot domains, the domains without it."""
    return {family: domains(instance, frozenset({family})) for family in _SLOT_FAMILIES}


def _blame_domain(relaxed: dict[str, list[list[int]]], m: int) -> str | None:
    """The first family whose removal alone gives meeting ``m`` a slot, or None."""
    return next((family for family, doms in relaxed.items() if doms[m]), None)


def _blame_overload(relaxed: dict[str, list[list[int]]], mine: list[int]) -> str:
    """The first family whose removal alone gives these meetings enough usable slots, else ``capacity``."""
    return next((family for family, doms in relaxed.items() if len(set().union(*(doms[k] for k in mine))) >= len(mine)),
                "capacity")


def earliest_latest(instance: Instance, doms: list[list[int]]) -> tuple[list[int], list[int]] | None:
    """Slot bounds implied by chains of precedences (longest path in the DAG), or None if there is a cycle."""
    n = len(instance.meetings)
    if precedence_cycle(instance) is not None:
        return None
    succ: list[list[int]] = [[] for _ in range(n)]
    indeg = [0] * n
    for m, meeting in enumerate(instance.meetings):
        for o in meeting.after:
            succ[o].append(m)
            indeg[m] += 1
    order = [m for m in range(n) if indeg[m] == 0]
    for m in order:
        for k in succ[m]:
            indeg[k] -= 1
            if indeg[k] == 0:
                order.append(k)
    early = [dom[0] if dom else 0 for dom in doms]
    late = [dom[-1] if dom else instance.n_slots - 1 for dom in doms]
    for m in order:
        for o in instance.meetings[m].after:
            early[m] = max(early[m], early[o] + 1)
    for m in reversed(order):
        for k in succ[m]:
            late[m] = min(late[m], late[k] - 1)
    return early, late


def reversal_pivot(instance: Instance, relax: frozenset[str] = frozenset()) -> int | None:
    """The meeting whose slot may be taken in the first half, when nothing distinguishes early from late slots.

    None when a precedence, fixed slot, forbidden slot or session (not relaxed) breaks the time symmetry.
    """
    if not instance.meetings:
        return None
    if any(m.after for m in instance.meetings) and "precedences" not in relax:
        return None
    if any(m.fixed is not None for m in instance.meetings) and "fixed" not in relax:
        return None
    if any(instance.forbidden) and "forbidden" not in relax:
        return None
    sessions_matter = "sessions" not in relax and instance.n_morning not in (0, instance.n_slots)
    if sessions_matter and any(m.session != 3 for m in instance.meetings):
        return None
    if any(len(dom) != instance.n_slots for dom in domains(instance, relax)):
        return None
    degree = [len(mine) for mine in instance.meetings_of()]
    return max(range(len(instance.meetings)),
               key=lambda m: degree[instance.meetings[m].a] + degree[instance.meetings[m].b])


def has_family(instance: Instance, family: str, fairness: int | None) -> bool:
    """Whether constraints of ``family`` (one of FAMILIES) are present, so that dropping them could matter."""
    if family == "fairness":
        return fairness is not None
    if family == "precedences":
        return any(m.after for m in instance.meetings)
    if family == "fixed":
        return any(m.fixed is not None for m in instance.meetings)
    if family == "forbidden":
        return any(instance.forbidden)
    return instance.n_morning not in (0, instance.n_slots) and any(m.session != 3 for m in instance.meetings)


def left_out_reasons(instance: Instance, slots: Sequence[int | None], fairness: int | None) -> dict[int, Reason]:
    """Why each meeting that is not held could not be: its first cause found."""
    doms = domains(instance, frozenset())
    relaxed = _relaxed_domains(instance)
    mine_all = instance.meetings_of()
    busy: list[set[int]] = [set() for _ in range(instance.n_participants)]
    load = [0] * instance.n_slots
    for meeting, slot in zip(instance.meetings, slots, strict=True):
        if slot is not None:
            busy[meeting.a].add(slot)
            busy[meeting.b].add(slot)
            load[slot] += 1
    out: dict[int, Reason] = {}
    for m, (meeting, slot) in enumerate(zip(instance.meetings, slots, strict=True)):
        if slot is not None:
            continue
        pair = (meeting.a, meeting.b)
        if not doms[m]:
            out[m] = Reason(family=_blame_domain(relaxed, m) or "sessions", kind="no_common_slot", participants=pair)
            continue
        overloaded: list[int] = []
        counts: list[int] = []
        for p in pair:
            usable = set().union(*(doms[k] for k in mine_all[p]))
            if len(mine_all[p]) > len(usable):
                overloaded.append(p)
                counts.extend((len(mine_all[p]), len(usable)))
        if overloaded:
            out[m] = Reason(family=_blame_overload(relaxed, mine_all[overloaded[0]]), kind="overloaded_participants",
                            participants=tuple(overloaded), counts=tuple(counts))
            continue
        free = [s for s in doms[m] if s not in busy[meeting.a] and s not in busy[meeting.b]]
        if not free:
            rivals = sorted({k for k in mine_all[meeting.a] + mine_all[meeting.b]
                             if slots[k] is not None and slots[k] in doms[m]})
            better = [k for k in rivals if (instance.meetings[k].priority, instance.meetings[k].weight)
                      > (meeting.priority, meeting.weight)]
            if better:
                out[m] = Reason(family="priority", kind="lower_priority", participants=pair, meetings=tuple(better))
            else:
                out[m] = Reason(family="capacity", kind="no_common_free_slot", participants=pair)
            continue
        if all(load[s] >= instance.n_tables for s in free):
            out[m] = Reason(family="tables", kind="tables_full", participants=pair, slots=tuple(free),
                            counts=(instance.n_tables,))
            continue
        if any(meeting.after) or any(m in k.after for k in instance.meetings):
            out[m] = Reason(family="precedences", kind="order", participants=pair)
            continue
        out[m] = Reason(family="fairness", kind="fairness_bound", participants=pair,
                        counts=() if fairness is None else (fairness,))
    return out
