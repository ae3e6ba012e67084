"""The catalogue's columnar snapshot: what ranking reads of every profile (:class:`CatalogueArrays` and the
names) as flat numpy columns that are saved beside the index per catalogue version and memory-mapped back,
plus the profiles themselves as JSON records, decoded (:class:`LazyProfiles`) only for the rows a request shows.

Why: building 1M ``Profile`` objects from SQL rows and their arrays took most of the 142 s a saved 1M catalogue
needed to load (reports/bench.md, "catalogue load (saved index)"); mapping the saved columns costs milliseconds,
and the pages are shared by every process that maps the same files (one copy per machine in the page cache).
"""

from __future__ import annotations

import dataclasses
import json
import threading
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

    def __init__(self, records: np.ndarray, offsets: np.ndarray) -> None:
        self._records = records
        self._offsets = offsets
        self._cache: OrderedDict[int, Profile] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._offsets) - 1

    @overload
    def __getitem__(self, index: int) -> Profile: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Profile]: ...

    def __getitem__(self, index: int | slice) -> Profile | Sequence[Profile]:
        if isinstance(index, slice):
            return [self._decode(r) for r in range(len(self))[index]]
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
        lo, hi = int(self._offsets[row]), int(self._offsets[row + 1])
        return profile_of(json.loads(self._records[lo:hi].tobytes()))
