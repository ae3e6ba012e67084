"""A catalogue state updated from the previous one instead of reloaded: the profiles written or deleted since a
base state (read by their change marker, :func:`storage.repository.changes_since`) are spliced into its row
order, and the indexes become the base's (memory-mapped, unchanged) plus a small index of the new rows
(:class:`embeddings.index_gathered.GatheredIndex`; tombstones for the rows replaced). The result equals a full
reload, row for row (tests/service/catalogue/test_incremental.py); a write to a 1M catalogue is visible in well
under a second instead of the minutes a rebuild took. The catalogue compacts (saves a full index) in the
background once the delta grows (:data:`COMPACT_ROWS`) or has lived :data:`COMPACT_AFTER_SECONDS`.

Profiled at 1M (py-spy, 5 single-profile writes, under load): the splice took ~0.43 s of each write's main-thread
CPU, most of it copying columns (ids, countries and kinds ~0.13 s: the ids widened to the new id's longer string
type; the layouts 74 ms, now 10; the names 55 ms, now ~30), and the suggestion for the new profile ~0.37 s
(candidate_pool ~0.2 s, the per-version Grouping ~0.05 s). End to end, write to a suggestion for the new profile
was 1.27-1.40 s before those two cuts and 1.28-1.39 s after (medians of 5 writes, two rounds each): below the load's
noise; what is left needs the columns gathered lazily instead of copied.

Then (1M, one process, 12 writes of a copy of one profile alternating the old and the new code, medians of 6 each,
under load): the names copied once and edited in place (:func:`_edited`), the languages spoken counted from the
base's (:func:`storage.snapshot.language_speakers`) instead of read from every new row, the row maps of the
:class:`GatheredIndex` not checked again, the id order of the spliced arrays noted instead of compared
(:func:`matcher.constraints.note_sorted`), and per spliced index the pre-scan's row map made once instead of per
suggestion: write visible 112 -> 71 ms, write to a suggestion for the new profile 794 -> 736 ms. Tried and dropped:
making the new version's groupings and id check (:mod:`matcher.candidates`) in a thread started by the splice, so
that the second core made them while the request read the graph: visible 201 -> 475 ms and write to suggestion
1,271 -> 1,509 ms (medians of 6, alternated): the argsorts and gathers hold the GIL and stalled the request.

What was left of a write to a suggestion for a new profile at 1M was mostly that suggestion's own reads: the rows it
re-scores, read at random from the mapped index files, were disk reads once the page cache no longer held them
(11-15k major faults per suggestion, per-function perf_counter timings, under load; 515-871 ms in
``FaissIndex.vectors``). Those gathers now read in four parts side by side, the pages asked ahead
(:func:`embeddings.gather.gather`): copies of random profiles written one at a time, alternating old and new
code, write to suggestion 3,738 -> 2,554 ms with the parallel gather and then 1,419 -> 1,145 ms with the pages asked
ahead (medians of 6 each, under load from other jobs, so the two pairs are not comparable with each other)."""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import cast

import numpy as np

from embeddings.index_faiss import FaissIndex
from embeddings.index_gathered import GatheredIndex
from matcher.constraints import ITEM_SIDES, CatalogueArrays, ids_sorted, note_sorted
from matcher.profile import VIEWS, Profile
from matcher.protocols import VectorIndex
from storage import snapshot

MAX_DELTA_FRACTION = 0.2  # more changes than this share of the rows: a full reload is cheaper than the splice
COMPACT_ROWS = 10_000  # delta rows from which a background compaction saves a full index
COMPACT_AFTER_SECONDS = 600.0  # and at the latest this long after the first splice on a base: the delta's rows are
# kept in memory and every state of the base re-gathers them


@dataclass(frozen=True, kw_only=True)
class Spliced:
    """The parts of the new state (the caller labels them with the version read with the changes)."""

    profiles: Sequence[Profile]
    arrays: CatalogueArrays
    names: list[str]
    indexes: dict[str, VectorIndex]
    delta_rows: int


def _positions(ids: np.ndarray, values: Sequence[str]) -> np.ndarray:
    """``np.searchsorted(ids, values)`` without widening the sorted ``ids`` to the string type of a longer value (a
    copy of the whole column per call: 35 ms each at 1M rows, under load): a binary search per value when few."""
    if len(values) > 1024:
        return np.searchsorted(ids, np.array(values, dtype=str)).astype(np.int64)
    return np.array([bisect.bisect_left(ids, v) for v in values], np.int64)


def splice(*, profiles: Sequence[Profile], arrays: CatalogueArrays, names: Sequence[str],
           indexes: Mapping[str, VectorIndex], changed: Sequence[Profile], deleted: Sequence[str],
           index_rows: Callable[[Sequence[Profile]], dict[str, FaissIndex]]) -> Spliced | None:
    """The base (``profiles``, ``arrays``, ``names``, ``indexes``: FAISS indexes of the same rows) with
    ``changed`` (sorted by id, written since) replacing or joining its rows and ``deleted`` ids removed;
    ``index_rows`` builds the indexes of the new rows. None when there is too much to splice or the base's
    indexes are not plain FAISS indexes."""
    n = len(arrays)
    if len(changed) + len(deleted) > max(100, MAX_DELTA_FRACTION * n):
        return None
    if not all(isinstance(indexes.get(name), FaissIndex) for name in (*VIEWS, *(f"{s}_items" for s in ITEM_SIDES))):
        return None
    ids = arrays.ids
    touched = sorted({p.id for p in changed} | set(deleted))
    removed = np.zeros(0, np.int64)
    if len(touched) and n:
        at = np.minimum(_positions(ids, touched), n - 1)
        removed = np.unique(at[ids[at] == np.array(touched, dtype=str)])
    keep = np.ones(n, bool)
    keep[removed] = False
    # where each new row goes among the kept ones: its place among all base rows less the removed before it
    place = _positions(ids, [p.id for p in changed])
    place -= np.searchsorted(removed, place)
    source = np.insert(np.flatnonzero(keep), place, n + np.arange(len(changed)))
    parts = snapshot.runs(source, n)
    try:
        new_arrays, units = snapshot.gathered_arrays(arrays, CatalogueArrays.from_profiles(changed), source,
                                                     parts=parts, removed=removed)
    except TypeError:  # CatalogueArrays grew a field this does not know: reload in full
        return None
    if _strictly_increasing([p.id for p in changed]) and ids_sorted(arrays):
        # sorted base ids, each new id placed by binary search among them (and the new ones in order): sorted
        note_sorted(new_arrays, True)
    delta = index_rows(changed)
    new_indexes: dict[str, VectorIndex] = {}
    for name, index in indexes.items():
        if not isinstance(index, FaissIndex):
            return None
        rows = source if name in VIEWS else units[name.removesuffix("_items")]
        new_indexes[name] = GatheredIndex(index, delta[name], rows, checked=True)  # in range by construction
    if isinstance(profiles, snapshot.LazyProfiles):
        new_profiles: Sequence[Profile] = profiles.gathered(source, changed)
    else:
        new_profiles = list(snapshot.take_runs(list(profiles), list(changed), parts, n))
    new_names: Sequence[str] | None = (_edited(names, removed, place, [p.name for p in changed])
                                       if isinstance(names, list) else None)
    if new_names is None:  # a list's runs joined once (copying the 1M names before and after took ~55 ms a write)
        new_names = cast("list[str]", snapshot.take_runs(names if isinstance(names, list) else list(names),
                                                         [p.name for p in changed], parts, n))
    return Spliced(profiles=new_profiles, arrays=new_arrays, names=cast("list[str]", new_names), indexes=new_indexes,
                   delta_rows=len(changed))


EDITS = 64  # most rows removed and inserted for which a list is copied and edited in place rather than joined from runs


def _edited(base: list[str], removed: np.ndarray, place: np.ndarray, added: list[str]) -> list[str] | None:
    """``base`` less the rows ``removed`` (sorted) with ``added[k]`` inserted before the kept row ``place[k]``
    (``np.insert``'s order: the rows :func:`splice` makes), as one copy and a few in-place edits: 20 ms against 50 for
    the runs joined (1M names, under load); None when there are more than :data:`EDITS` edits."""
    if len(removed) + len(added) > EDITS:
        return None
    out = base.copy()
    for row in reversed(removed.tolist()):
        del out[row]
    for at, name in sorted(zip(place.tolist(), range(len(added)), strict=True), reverse=True):
        out.insert(at, added[name])
    return out


def _strictly_increasing(values: Sequence[str]) -> bool:
    return all(a < b for a, b in itertools.pairwise(values))
