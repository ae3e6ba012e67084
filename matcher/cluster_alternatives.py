"""Alternatives per slot, and why a country asked for is missing, both as exact changes of the objective.

For a member m of the group S and a candidate c of the same kind (so the role mix holds), the swap's change is
``F(S − m + c) − F(S)``, computed from scratch (:meth:`matcher.cluster_objective.Objective.value`); a swap that
would take the group under ``min_countries`` is not offered. Slots then differ because what each member
contributes differs (its country, its sectors, the needs its offers answer). Pairs (slot, candidate) are taken
best change first: a candidate is listed under the slot where its swap does best, and under another slot only
when it does nearly as well there (within :data:`SEVERAL`), so the same two firms are no longer every firm's
alternatives unless they truly fit several, and every slot still gets its alternatives.

A country asked for but missing gets one of three reasons: no eligible profile there; eligible profiles, but
none of a kind a slot can take (the role mix); else the best swap bringing it in (candidate, member replaced,
change of the objective and of the cohesion), usually a loss, since the search preferred the group without it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from matcher.cluster_objective import ClusterParams, Objective

SEVERAL = 0.05  # objective units: a candidate within this of its best slot's change is listed there too


@dataclass(frozen=True, kw_only=True)
class Swap:
    """Candidate ``row`` in place of a member: ``delta`` = F(after) − F(before), ``cohesion`` its change."""

    row: int
    delta: float
    cohesion: float


@dataclass(frozen=True, kw_only=True)
class MissingCountry:
    """A country asked for that no member comes from: ``reason`` is ``no_eligible``, ``no_slot`` or ``swap``
    (then ``row`` would replace member ``replaces``, changing F by ``delta`` and the cohesion by ``cohesion``)."""

    country: str
    reason: str
    row: int = -1
    replaces: int = -1
    delta: float = 0.0
    cohesion: float = 0.0


def _swapped(chosen: Sequence[int], out: int, into: int) -> list[int]:
    return [into if m == out else m for m in chosen]


def _keeps_floor(obj: Objective, chosen: Sequence[int], out: int, into: int, params: ClusterParams) -> bool:
    before = len({obj.countries[m] for m in chosen})
    after = len({obj.countries[m] for m in _swapped(chosen, out, into)})
    return after >= min(params.min_countries, before)


def improve(obj: Objective, chosen: Sequence[int], free: Sequence[int], params: ClusterParams) -> list[int]:
    """The greedy group improved by the best 1-swap (a candidate who may take the slot, :func:`_fits_slot`, and
    the country floor kept) while one raises F,
    at most ``params.improve`` times: the greedy fills the role mix first, when it knows little of the group,
    so a required member chosen then may be beaten by another once the group is there (on the sample, the
    issue's request: a support organisation of fit 0.00 had an alternative raising F by 0.40)."""
    current = list(chosen)
    value = obj.value(current)
    for _ in range(params.improve):
        best: tuple[float, int, int] | None = None
        for m in current:
            if m in obj.anchors:
                continue
            for c in free:
                if c in current or not _fits_slot(obj, current, m, c, params) \
                        or not _keeps_floor(obj, current, m, c, params):
                    continue
                v = obj.value(_swapped(current, m, c))
                if v > value + 1e-9 and (best is None or v > best[0]):
                    best = (v, m, c)
        if best is None:
            break
        value, current = best[0], _swapped(current, best[1], best[2])
    return current


def swaps(obj: Objective, chosen: Sequence[int], free: Sequence[int], params: ClusterParams
          ) -> dict[int, tuple[Swap, ...]]:
    """Member position -> its ``params.alternatives`` best swaps among ``free`` (positions), best first;
    anchors get none."""
    if not params.alternatives:
        return {m: () for m in chosen if m not in obj.anchors}
    now = obj.terms(chosen)
    deltas: dict[int, dict[int, tuple[float, float]]] = {}
    for m in chosen:
        if m in obj.anchors:
            continue
        deltas[m] = {}
        for c in free:
            if obj.kinds[c] != obj.kinds[m] or not _keeps_floor(obj, chosen, m, c, params):
                continue
            after = obj.terms(_swapped(chosen, m, c))
            deltas[m][c] = (after.total - now.total, after.cohesion - now.cohesion)
    # every (slot, candidate) pair, best change first: a candidate goes first to the slot it does best in, and
    # to another slot only when it does nearly as well there; each slot takes ``params.alternatives``
    ranked = sorted(((d, c, m) for m, per_slot in deltas.items() for c, (d, _) in per_slot.items()),
                    key=lambda x: (-x[0], int(obj.rows[x[1]]), int(obj.rows[x[2]])))
    listed: dict[int, list[int]] = {m: [] for m in deltas}
    first: dict[int, float] = {}
    for d, c, m in ranked:
        if len(listed[m]) >= params.alternatives or (c in first and d < first[c] - SEVERAL):
            continue
        listed[m].append(c)
        first.setdefault(c, d)
    return {m: tuple(Swap(row=int(obj.rows[c]), delta=round(deltas[m][c][0], 4),
                          cohesion=round(deltas[m][c][1], 4)) for c in found) for m, found in listed.items()}


def missing_countries(obj: Objective, chosen: Sequence[int], free: Sequence[int], eligible_countries: set[str],
                      params: ClusterParams) -> tuple[MissingCountry, ...]:
    """Every country asked for that no member comes from, with its reason (sorted by country)."""
    present = {obj.countries[m] for m in chosen}
    now = obj.terms(chosen)
    out = []
    for country in sorted(obj.asked - present):
        if country not in eligible_countries:
            out.append(MissingCountry(country=country, reason="no_eligible"))
            continue
        found: tuple[float, float, int, int] | None = None
        for c in (f for f in free if obj.countries[f] == country):
            for m in chosen:
                if m in obj.anchors or not _fits_slot(obj, chosen, m, c, params):
                    continue
                after = obj.terms(_swapped(chosen, m, c))
                key = (after.total - now.total, after.cohesion - now.cohesion, int(obj.rows[c]), int(obj.rows[m]))
                if found is None or (key[0], -key[2], -key[3]) > (found[0], -found[2], -found[3]):
                    found = key
        if found is None:
            out.append(MissingCountry(country=country, reason="no_slot"))
        else:
            out.append(MissingCountry(country=country, reason="swap", row=found[2], replaces=found[3],
                                      delta=round(found[0], 4), cohesion=round(found[1], 4)))
    return tuple(out)


def _fits_slot(obj: Objective, chosen: Sequence[int], m: int, c: int, params: ClusterParams) -> bool:
    """Candidate ``c`` may take member ``m``'s place: same kind, or both kinds the role mix leaves to the rest
    and ``m``'s kind stays as required."""
    if obj.kinds[c] == obj.kinds[m]:
        return True
    rest = params.rest or tuple(set(obj.kinds))
    if obj.kinds[c] not in rest or obj.kinds[m] not in rest:
        return False
    wanted = params.require.get(obj.kinds[m], 0)
    return sum(obj.kinds[j] == obj.kinds[m] for j in chosen) - 1 >= wanted
