"""The catalogue's columnar snapshot: what ranking reads of every profile (:class:`CatalogueArrays` and the
names) as flat numpy columns that are saved beside the index per catalogue version and memory-mapped back,
plus the profiles themselves as JSON records, decoded (:class:`LazyProfiles`) only for the rows a request shows.

Why: building 1M ``Profile`` objects from SQL rows and their arrays took most of the 142 s a saved 1M catalogue
needed to load (reports/bench.md, "catalogue load (saved index)"); mapping the saved columns costs milliseconds,
and the pages are shared by every process that maps the same files (one copy per machine in the page cache).
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import threading
import weakref
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from typing import Any, overload

import numpy as np

from matcher.constraints import CatalogueArrays, UnitLayout
from matcher.profile import Profile

FORMAT = 2  # bumped when the layout of the columns changes: an older snapshot is then rebuilt
_CACHE_ROWS = 4096  # materialised profiles kept per state (a page of results, an event's participants)
RECORDS, OFFSETS = "records.bytes", "records.offsets"  # the profiles' column names (not CatalogueArrays fields)


def columns_of(arrays: CatalogueArrays) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """Flat columns ``{file stem: array}`` of ``arrays`` and the kind of each field (how to rebuild it).

    Fields are arrays, tuples of strings, dicts of arrays or dicts of :class:`UnitLayout`; any other kind is a
    ``TypeError`` (the caller then saves no snapshot and keeps loading from the database)."""
    columns: dict[str, np.ndarray] = {}
    kinds: dict[str, str] = {}
    for f in dataclasses.fields(arrays):
        value = getattr(arrays, f.name)
        if isinstance(value, np.ndarray):
            kinds[f.name], columns[f.name] = "array", value
        elif isinstance(value, tuple) and all(isinstance(v, str) for v in value):
            kinds[f.name], columns[f.name] = "strings", np.array(value, dtype=str)
        elif isinstance(value, dict) and all(isinstance(v, np.ndarray) for v in value.values()):
            kinds[f.name] = "dict"
            columns |= {f"{f.name}.{key}": v for key, v in value.items()}
        elif isinstance(value, dict) and all(isinstance(v, UnitLayout) for v in value.values()):
            kinds[f.name] = "layouts"
            for key, layout in value.items():
                columns |= {f"{f.name}.{key}.owner": layout.owner, f"{f.name}.{key}.start": layout.start}
        else:
            raise TypeError(f"CatalogueArrays.{f.name}: no snapshot layout for {type(value).__name__}")
    return columns, kinds


def arrays_of(columns: dict[str, np.ndarray], kinds: dict[str, str]) -> CatalogueArrays:
    """The :class:`CatalogueArrays` whose :func:`columns_of` these are (the arrays may be memory maps)."""
    values: dict[str, Any] = {}
    for name, kind in kinds.items():
        if kind == "array":
            values[name] = columns[name]
        elif kind == "strings":
            values[name] = tuple(columns[name].tolist())
        elif kind == "dict":
            values[name] = {key.removeprefix(f"{name}."): v for key, v in columns.items()
                            if key.startswith(f"{name}.")}
        elif kind == "layouts":
            sides = {key.split(".")[1] for key in columns if key.startswith(f"{name}.")}
            values[name] = {side: UnitLayout(owner=columns[f"{name}.{side}.owner"],
                                             start=columns[f"{name}.{side}.start"]) for side in sorted(sides)}
        else:
            raise ValueError(f"unknown column kind {kind!r} of {name}")
    return CatalogueArrays(**values)


_GATHERED_FIELDS = {"ids", "countries", "kinds", "sectors", "partnership_types", "languages", "language_codes",
                    "has_view", "items", "text_language"}


def runs(source: np.ndarray, split: int) -> list[tuple[int, int]]:
    """``source`` (n,) as maximal runs ``[lo, hi)`` of consecutive numbers, none crossing ``split``: a splice of a
    few rows into a large base is a few runs, copied as slices (memcpy) instead of gathered row by row."""
    if not len(source):
        return []
    breaks = np.flatnonzero((np.diff(source) != 1) | (source[1:] == split)) + 1
    starts = np.concatenate([[0], breaks])
    ends = np.concatenate([breaks, [len(source)]])
    return [(int(source[i]), int(source[j - 1]) + 1) for i, j in zip(starts.tolist(), ends.tolist(), strict=True)]


def take_runs(base: Sequence[Any] | np.ndarray, delta: Sequence[Any] | np.ndarray, parts: list[tuple[int, int]],
              split: int) -> np.ndarray | list[Any]:
    """The rows ``parts`` (runs of :func:`runs`) of ``base`` then ``delta`` (from ``split`` on), concatenated:
    an array for arrays (the base's dtype), a list for lists."""
    pieces = [base[lo:hi] if lo < split else delta[lo - split : hi - split] for lo, hi in parts]
    if isinstance(base, np.ndarray):
        if not pieces:
            return base[:0].copy()
        kinds = {p.dtype.kind for p in pieces if isinstance(p, np.ndarray)}
        out = np.concatenate([np.asarray(p) for p in pieces])
        return out if kinds == {"U"} else out.astype(base.dtype, copy=False)
    return list(itertools.chain.from_iterable(pieces))


_GATHERED_FIELDS = {"ids", "countries", "kinds", "sectors", "partnership_types", "languages", "language_codes",
                    "has_view", "items", "text_language"}


def gathered_arrays(base: CatalogueArrays, delta: CatalogueArrays, source: np.ndarray, *,
                    parts: list[tuple[int, int]] | None = None, removed: np.ndarray | None = None
                    ) -> tuple[CatalogueArrays, dict[str, np.ndarray]]:
    """The arrays of rows ``source`` (n,) of ``base`` then ``delta`` (rows ``len(base)..``), equal to
    :meth:`CatalogueArrays.from_profiles` of those profiles, and per item side the units' sources in the same
    combined numbering (the base's units first). A ``TypeError`` if the arrays have fields this does not know.
    Copies runs of rows as slices (:func:`runs`): 1M rows with a few changed in ~0.1 s, not a gather per row.
    ``parts`` (:func:`runs` of ``source``) and ``removed`` (the base rows ``source`` leaves out, sorted) when the
    caller has them: the languages spoken are then counted from the base's (once per base) instead of read from
    every new row."""
    if {f.name for f in dataclasses.fields(base)} != _GATHERED_FIELDS:
        raise TypeError("CatalogueArrays has fields gathered_arrays does not know")
    nb = len(base)
    parts = runs(source, nb) if parts is None else parts

    def rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.asarray(take_runs(a, b, parts, nb))

    codes = sorted(set(base.language_codes) | set(delta.language_codes))
    if tuple(codes) == base.language_codes:
        languages = rows(base.languages, _widen(delta.languages, delta.language_codes, codes))
    else:
        languages = rows(_widen(base.languages, base.language_codes, codes),
                         _widen(delta.languages, delta.language_codes, codes))
    # a language nobody speaks any more has no column (as from_profiles)
    if removed is None:
        used = np.asarray(languages.any(axis=0), bool)
    else:  # speakers: the base's (counted once per base), less the rows removed, plus the new rows'
        at = [codes.index(c) for c in base.language_codes]
        speakers = np.zeros(len(codes), np.int64)
        speakers[at] = language_speakers(base) - base.languages[removed].sum(axis=0, dtype=np.int64)
        speakers += _widen(delta.languages, delta.language_codes, codes).sum(axis=0, dtype=np.int64)
        used = speakers > 0
    units: dict[str, np.ndarray] = {}
    items: dict[str, UnitLayout] = {}
    text_language = {"overall": rows(base.text_language["overall"], delta.text_language["overall"])}
    for side, layout in base.items.items():
        ub, dstart = int(layout.start[-1]), delta.items[side].start
        unit_parts = [(int(layout.start[lo]), int(layout.start[hi])) if lo < nb
                      else (ub + int(dstart[lo - nb]), ub + int(dstart[hi - nb])) for lo, hi in parts]
        unit_parts = [(lo, hi) for lo, hi in unit_parts if hi > lo]
        units[side] = (np.concatenate([np.arange(lo, hi) for lo, hi in unit_parts]) if unit_parts
                       else np.zeros(0, np.int64)).astype(np.int64)
        items[side] = _gathered_layout(layout, delta.items[side], parts, nb)
        key = f"{side}_items"
        text_language[key] = np.asarray(take_runs(base.text_language[key], delta.text_language[key], unit_parts, ub))
    arrays = CatalogueArrays(
        ids=rows(base.ids, delta.ids), countries=rows(base.countries, delta.countries),
        kinds=rows(base.kinds, delta.kinds), sectors=rows(base.sectors, delta.sectors),
        partnership_types=rows(base.partnership_types, delta.partnership_types),
        languages=languages if used.all() else languages[:, used],
        language_codes=tuple(c for c, u in zip(codes, used.tolist(), strict=True) if u),
        has_view={v: rows(base.has_view[v], delta.has_view[v]) for v in base.has_view},
        items=items, text_language=text_language)
    return arrays, units


_speakers: dict[int, np.ndarray] = {}  # id(catalogue arrays) -> rows speaking each language, while they live


def language_speakers(arrays: CatalogueArrays) -> np.ndarray:
    """(len(arrays.language_codes),) int64: the rows speaking each language, counted once per arrays (the base a
    catalogue splices every write into: 1M x 12 booleans read per write otherwise)."""
    key = id(arrays)
    found = _speakers.get(key)
    if found is None:
        found = _speakers[key] = arrays.languages.sum(axis=0, dtype=np.int64)
        weakref.finalize(arrays, _speakers.pop, key, None)
    return found


def _gathered_layout(base: UnitLayout, delta: UnitLayout, parts: list[tuple[int, int]], split: int) -> UnitLayout:
    """``UnitLayout.from_counts`` of the rows ``parts`` (runs of :func:`runs`) of ``base`` then ``delta`` (from
    ``split`` on), written run by run from their owners and starts shifted (no ``np.repeat`` over every row: at 1M
    rows from_counts took ~80 ms of each write, under load)."""
    pieces = []  # (layout, first row in its numbering, rows, first unit, units)
    for lo, hi in parts:
        layout, first = (base, lo) if lo < split else (delta, lo - split)
        u0, u1 = int(layout.start[first]), int(layout.start[first + hi - lo])
        pieces.append((layout, first, hi - lo, u0, u1 - u0))
    start = np.empty(sum(p[2] for p in pieces) + 1, np.int64)
    owner = np.empty(sum(p[4] for p in pieces), np.int64)
    start[0] = row = unit = 0
    for layout, first, count, u0, units in pieces:
        np.subtract(layout.start[first + 1 : first + count + 1], u0 - unit, out=start[row + 1 : row + count + 1])
        np.subtract(layout.owner[u0 : u0 + units], first - row, out=owner[unit : unit + units])
        row, unit = row + count, unit + units
    return UnitLayout(owner=owner, start=start)


def _widen(matrix: np.ndarray, codes: Sequence[str], wanted: Sequence[str]) -> np.ndarray:
    """The language matrix over ``codes`` as one over ``wanted`` (a superset), zeros in the new columns."""
    if tuple(codes) == tuple(wanted):
        return matrix
    at = {c: i for i, c in enumerate(wanted)}
    out = np.zeros((len(matrix), len(wanted)), bool)
    out[:, [at[c] for c in codes]] = matrix
    return out


def records_of(profiles: Sequence[Profile]) -> dict[str, np.ndarray]:
    """Every profile as UTF-8 JSON (its private record) in one byte column, with the (n + 1,) offsets of each:
    the columns :class:`LazyProfiles` reads. Part of the snapshot, so a reader gets exactly the profiles of
    its catalogue version, without a query (one took ~1 ms, and ranking asks for rows one at a time)."""
    parts = [json.dumps(p.to_record(private=True), ensure_ascii=False, separators=(",", ":")).encode()
             for p in profiles]
    offsets = np.zeros(len(parts) + 1, np.int64)
    np.cumsum([len(b) for b in parts], out=offsets[1:])
    return {RECORDS: np.frombuffer(b"".join(parts), np.uint8), OFFSETS: offsets}


def profile_of(record: dict[str, Any]) -> Profile:
    """The profile whose :meth:`Profile.to_record` (private) this is."""
    values: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in record.items()}
    return Profile(**values)


class LazyProfiles(Sequence[Profile]):
    """The profiles of a catalogue state, row ``i`` decoded from the snapshot's record columns
    (:func:`records_of`, memory-mapped) when asked for; a small cache keeps the recent ones."""

    def __init__(self, records: np.ndarray, offsets: np.ndarray, *, source: np.ndarray | None = None,
                 delta: Sequence[Profile] = ()) -> None:
        """Row ``r`` is record ``source[r]`` (default ``r``); a source from ``len(offsets) - 1`` on names
        ``delta[source[r] - (len(offsets) - 1)]`` (the profiles written since the records were saved)."""
        self._records = records
        self._offsets = offsets
        self._source = source
        self._delta = list(delta)
        self._cache: OrderedDict[int, Profile] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._offsets) - 1 if self._source is None else len(self._source)

    def gathered(self, source: np.ndarray, delta: Sequence[Profile]) -> LazyProfiles:
        """Rows ``source`` of these records then ``delta`` (see :meth:`__init__`); only on ungathered ones."""
        if self._source is not None:
            raise ValueError("already gathered")
        return LazyProfiles(self._records, self._offsets, source=source, delta=delta)

    @overload
    def __getitem__(self, index: int) -> Profile: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Profile]: ...

    def __getitem__(self, index: int | slice) -> Profile | Sequence[Profile]:
        if isinstance(index, slice):  # a view, decoded as it is read (a page of a 1M catalogue decodes a page)
            rows = np.arange(len(self))[index] if self._source is None else self._source[index]
            return LazyProfiles(self._records, self._offsets, source=rows, delta=self._delta)
        n = len(self)
        row = int(index) + n if int(index) < 0 else int(index)
        if not 0 <= row < n:
            raise IndexError(f"profile row {index} out of range 0..{n - 1}")
        with self._lock:
            found = self._cache.get(row)
            if found is not None:
                self._cache.move_to_end(row)
                return found
        found = self._decode(row)
        with self._lock:
            self._cache[row] = found
            while len(self._cache) > _CACHE_ROWS:
                self._cache.popitem(last=False)
        return found

    def __iter__(self) -> Iterator[Profile]:
        return (self._decode(r) for r in range(len(self)))

    def _decode(self, row: int) -> Profile:
        if self._source is not None:
            row = int(self._source[row])
            if row >= len(self._offsets) - 1:
                return self._delta[row - (len(self._offsets) - 1)]
        lo, hi = int(self._offsets[row]), int(self._offsets[row + 1])
        return profile_of(json.loads(self._records[lo:hi].tobytes()))
