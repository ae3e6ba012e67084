"""Who should meet whom at an event: each participant's partners among the other participants (mutual
matches first), chosen jointly so that popular participants are not shown to everyone (the default,
:mod:`matcher.joint_recommend`) or as each one's independent top k; pending requests prefilled from them;
the score and reason of any pair as its viewer's suggestions see them.

Both methods are measured under :mod:`matcher.exposure`'s acceptance model (bench/exposure.py, reports/
bench_exposure.md): joint lists gave more expected mutually accepted meetings and a lower exposure Gini than
independent top-k on every synthetic and sample-data event measured, hence the default. A participant's
capacity is its ``max_meetings`` capped by the slots it is free, else those slots.

The joint method reads each participant's ``POOL_DEPTH`` = 50 best partners. Measured on a 300-participant
sample-data event, judging lists by the scores of each one's 100 best: lists from pools of 10, 20, 30, 50 and
100 gave 496.7, 518.1, 527.1, 540.7 and 545.4 expected meetings (independent top-k: 457.0); 50 explained
suggestions per participant are most of the time (34 s for 2,000 participants under load, bench/exposure.py)."""

from __future__ import annotations

import math
import threading
import weakref
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import numpy as np

from matcher.constraints import Constraints
from matcher.errors import InvalidRequestError
from matcher.events import PRIORITIES, EventData, MeetingRequest, NewRequest
from matcher.exposure import ListMetrics, metrics
from matcher.joint_recommend import METHODS, joint_lists
from service.catalogue import suggest_many
from service.events.plan import EventService, event
from storage import events as store

PREFILL_MESSAGE = "Suggested by the organiser"  # stored on prefilled requests; pages show it translated
DEFAULT_METHOD = "joint"  # measured better than independent top-k (see the module docstring)
EXPOSURE_MULTIPLE = 3.0  # each participant shown to at most this many times its capacity (joint method)
POOL_DEPTH = 50  # candidates per participant read from its suggestions (their scores feed the joint method)


@dataclass(frozen=True, kw_only=True)
class Recommendation:
    participant: str
    partner: str
    partner_name: str
    score: float
    mutual: bool  # each is in the other's list
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"participant": self.participant, "partner": self.partner, "partner_name": self.partner_name,
                "score": round(self.score, 4), "mutual": self.mutual, "reason": self.reason}


@dataclass(frozen=True, kw_only=True)
class Recommendations:
    """The rows asked for and the figures of every participant's lists (the whole event's, also with ``of``)."""

    rows: list[Recommendation]
    method: str
    k: int
    exposure_multiple: float
    figures: ListMetrics
    capacity: dict[str, int]

    def to_dict(self) -> dict[str, Any]:
        return {"method": self.method, "k": self.k, "exposure_multiple": self.exposure_multiple,
                "figures": self.figures.to_dict(), "recommendations": [r.to_dict() for r in self.rows]}


def recommend(svc: EventService, event_id: int, *, k: int = 5, of: str | None = None, method: str = DEFAULT_METHOD,
              exposure_multiple: float = EXPOSURE_MULTIPLE) -> list[Recommendation]:
    """Each participant's ``k`` partners among the event's participants by ``method``, mutual matches first;
    or only the rows of participant ``of`` (mutual flags still use everyone's lists)."""
    return recommendations(svc, event_id, k=k, of=of, method=method, exposure_multiple=exposure_multiple).rows


def recommendations(svc: EventService, event_id: int, *, k: int = 5, of: str | None = None,
                    method: str = DEFAULT_METHOD, exposure_multiple: float = EXPOSURE_MULTIPLE) -> Recommendations:
    """:func:`recommend` with the figures of the lists (expected mutual meetings, exposure Gini, ...).

    The whole event's lists are kept (a few per process) until the event, the catalogue, the relationships
    or the ranking model change: a participant's page asks for its own rows, which need everyone's lists."""
    if not 1 <= k <= 100:
        raise InvalidRequestError(f"recommend: field 'k' = {k}: must be 1 to 100")
    if method not in METHODS:
        raise InvalidRequestError(f"recommend: field 'method' = {method!r}: choose one of {', '.join(METHODS)}")
    if not (isinstance(exposure_multiple, int | float) and math.isfinite(exposure_multiple)
            and 1 <= exposure_multiple <= 100):
        raise InvalidRequestError(f"recommend: field 'exposure_multiple' = {exposure_multiple}: must be 1 to 100")
    data = event(svc, event_id)
    cat = svc.catalogue
    key = (id(cat), event_id, data, cat.graph_state(cat.state()).key, k, method, float(exposure_multiple))
    with _LOCK:
        kept = _KEPT.get(key)
    found = kept[1] if kept is not None and kept[0]() is cat else None  # the same catalogue, not a namesake
    if found is None:
        found = _all_lists(svc, data, k=k, method=method, exposure_multiple=float(exposure_multiple))
        with _LOCK:
            _KEPT[key] = (weakref.ref(cat), found)
            while len(_KEPT) > _KEEP:
                _KEPT.popitem(last=False)
    return replace(found, rows=[r for r in found.rows if of is None or r.participant == of])


_KEEP = 8  # events' lists kept per process
_KEPT: OrderedDict[tuple[Any, ...], tuple[weakref.ref[Any], Recommendations]] = OrderedDict()
_LOCK = threading.Lock()


def _all_lists(svc: EventService, data: EventData, *, k: int, method: str, exposure_multiple: float
               ) -> Recommendations:
    ids = [p.profile_id for p in data.participants]
    cap = capacities(data)
    pool = _pool(svc, ids, depth=max(k, POOL_DEPTH))
    if method == "independent":
        # one batched call over the event's sub-catalogue, as one suggest per participant gives; a profile
        # that left the catalogue after the event was created is simply absent from the result
        everyone = frozenset(ids)
        many = svc.suggest_many or suggest_many  # partitioned over a Dask cluster with --dask
        found = many(svc.catalogue, [pid for pid in ids if everyone - {pid}], k=k,
                     constraints=Constraints(only_ids=everyone), allow_same_country=True)
        tops = {pid: [(s.id, s.name, s.score, s.reason) for s in lst.suggestions] for pid, lst in found.items()}
        for pid, top in tops.items():
            pool.setdefault(pid, {}).update({b: (name, score, reason) for b, name, score, reason in top})
    scores = _matrix(ids, pool)
    index = {pid: i for i, pid in enumerate(ids)}
    cap_array = np.array([cap[pid] for pid in ids], dtype=np.int64)
    if method == "joint":
        lists = joint_lists(scores, cap_array, k=k, exposure_multiple=exposure_multiple)
        tops = {pid: [(ids[b], *pool[pid][ids[b]]) for b in lists[index[pid]].tolist() if b >= 0]
                for pid in ids if pid in pool}
    else:
        lists = np.full((len(ids), k), -1, dtype=np.int64)
        for pid, top in tops.items():
            lists[index[pid], : len(top)] = [index[b] for b, *_ in top]
    figures = metrics(lists, scores, cap_array, k=k)
    listed = {pid: {t[0] for t in top} for pid, top in tops.items()}
    out = []
    for pid in ids:
        rows = [Recommendation(participant=pid, partner=b, partner_name=name, score=score, reason=reason,
                               mutual=pid in listed.get(b, set()))
                for b, name, score, reason in tops.get(pid, [])]
        out.extend(sorted(rows, key=lambda r: (not r.mutual, -r.score, r.partner)))
    return Recommendations(rows=out, method=method, k=k, exposure_multiple=exposure_multiple, figures=figures,
                           capacity=cap)


def score_matrix(svc: EventService, event_id: int, *, k: int = 5) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The event's participant ids, the (n, n) scores the joint method reads (each one's best
    ``max(k, POOL_DEPTH)``, NaN elsewhere) and the capacities: what :mod:`matcher.joint_bound` bounds
    (bench/exposure.py)."""
    data = event(svc, event_id)
    ids = [p.profile_id for p in data.participants]
    cap = capacities(data)
    scores = _matrix(ids, _pool(svc, ids, depth=max(k, POOL_DEPTH)))
    return ids, scores, np.array([cap[pid] for pid in ids], dtype=np.int64)


def capacities(data: EventData) -> dict[str, int]:
    """Meetings each participant can hold: the slots it is free, capped by its ``max_meetings``."""
    slots = {s.index for s in data.slots}
    out = {}
    for p in data.participants:
        free = len(slots - p.forbidden)
        out[p.profile_id] = free if p.max_meetings is None else min(free, p.max_meetings)
    return out


Pool = dict[str, dict[str, tuple[str, float, str]]]  # viewer -> partner -> (name, score, reason)


def _pool(svc: EventService, ids: list[str], *, depth: int) -> Pool:
    """Each participant's best ``depth`` partners in the event with their names, scores and reasons."""
    everyone = frozenset(ids)
    many = svc.suggest_many or suggest_many  # partitioned over a Dask cluster with --dask
    found = many(svc.catalogue, [pid for pid in ids if everyone - {pid}], k=min(depth, len(ids)),
                 constraints=Constraints(only_ids=everyone), allow_same_country=True)
    return {pid: {s.id: (s.name, s.score, s.reason) for s in lst.suggestions} for pid, lst in found.items()}


def _matrix(ids: list[str], pool: Pool) -> np.ndarray:
    """The (n, n) score matrix of the pool, NaN where b is not among a's candidates. A receiver's score of an
    asker outside its own candidates is left unknown (the acceptance model then takes the receiver's lowest
    known score): asking the receiver's suggestions for it restricts them to other rows, which changes their
    calibration (on the sample data a third of such scores moved, by up to 0.68)."""
    index = {pid: i for i, pid in enumerate(ids)}
    scores = np.full((len(ids), len(ids)), np.nan)
    for a, partners in pool.items():
        for b, (_, score, _) in partners.items():
            scores[index[a], index[b]] = score
    return scores


def prefill(svc: EventService, event_id: int, *, k: int = 5, priority: str = "want", mutual_only: bool = False,
            expires_at: datetime | None = None, method: str = DEFAULT_METHOD,
            exposure_multiple: float = EXPOSURE_MULTIPLE) -> list[MeetingRequest]:
    """Pending requests from the recommendations by ``method`` (one per pair), skipping pairs that have any
    request."""
    if priority not in PRIORITIES:
        raise InvalidRequestError(f"prefill: field 'priority' = {priority!r}: choose one of {', '.join(PRIORITIES)}")
    taken = store.requested_pairs(svc.engine, event_id)
    new = []
    for rec in recommend(svc, event_id, k=k, method=method, exposure_multiple=exposure_multiple):
        pair = frozenset((rec.participant, rec.partner))
        if pair in taken or (mutual_only and not rec.mutual):
            continue
        taken.add(pair)
        new.append(NewRequest(from_id=rec.participant, to_id=rec.partner, priority=priority,
                              message=PREFILL_MESSAGE, expires_at=expires_at, score=rec.score,
                              reason=rec.reason))
    return store.add_requests(svc.engine, event_id, new) if new else []


def matches(svc: EventService, wanted: Mapping[str, Iterable[str]]) -> dict[tuple[str, str], tuple[float, str]]:
    """Score and reason of (viewer, partner) pairs, as the viewer's suggestions see them."""
    only = {viewer: frozenset(partners) - {viewer} for viewer, partners in wanted.items()}
    only = {viewer: ids for viewer, ids in only.items() if ids}
    found = suggest_many(svc.catalogue, list(only), k={v: min(len(ids), 100) for v, ids in only.items()},
                         constraints={v: Constraints(only_ids=ids) for v, ids in only.items()},
                         allow_same_country=True)
    return {(viewer, s.id): (s.score, s.reason) for viewer, lst in found.items() for s in lst.suggestions}
