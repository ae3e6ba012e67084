from __future__ import annotations

from pathlib import Path

import numpy as np

from embeddings.columns import load_columns, save_columns
from matcher.constraints import CatalogueArrays
from matcher.profile import Profile
from storage.snapshot import OFFSETS, RECORDS, LazyProfiles, arrays_of, columns_of, gathered_arrays, records_of, runs


def profile(pid: str, *, langs: tuple[str, ...] = ("fr",), offers: tuple[str, ...] = ("pottery",)) -> Profile:
    return Profile(id=pid, name=f"Org {pid}", kind="firm", country="TN", sectors=("crafts",),
                   description=f"workshop {pid} à Nabeul", offers=offers, needs=("distributor",) * len(offers),
                   languages=langs, contact_email="a@example.org")


PROFILES = [profile(f"p{i:02d}", langs=("fr", "ar") if i % 2 else ("en",), offers=("a", "b")[: i % 3])
            for i in range(12)]


def test_columns_round_trip_through_memory_maps(tmp_path: Path) -> None:
    arrays = CatalogueArrays.from_profiles(PROFILES)
    columns, kinds = columns_of(arrays)
    columns |= records_of(PROFILES)
    files = save_columns(tmp_path, columns, [p.name for p in PROFILES])
    loaded, names = load_columns(tmp_path, files)
    back = arrays_of(loaded, kinds)
    assert isinstance(back.ids.base, np.memmap) and names == [p.name for p in PROFILES]  # a view of the map
    assert back.language_codes == arrays.language_codes
    for key, column in columns_of(back)[0].items():
        assert np.array_equal(column, columns[key]), key
    lazy = LazyProfiles(loaded[RECORDS], loaded[OFFSETS])
    assert list(lazy) == PROFILES and lazy[-1] == PROFILES[-1] and list(lazy[3:7]) == PROFILES[3:7]


def test_runs_split_at_breaks_and_at_the_delta() -> None:
    assert runs(np.array([0, 1, 2, 5, 6, 7, 8, 3]), 7) == [(0, 3), (5, 7), (7, 9), (3, 4)]
    assert runs(np.zeros(0, np.int64), 3) == []


def test_gathered_arrays_equal_those_built_from_the_spliced_profiles() -> None:
    base = PROFILES[:10]
    delta = [profile("p03", langs=("de",), offers=("x", "y", "z")), profile("p05b"), profile("p99", offers=())]
    kept = [i for i in range(10) if i not in (3, 7)]  # p03 rewritten, p07 deleted
    spliced = sorted([base[i] for i in kept] + delta, key=lambda p: p.id)
    rows = {p.id: i for i, p in enumerate(base)} | {p.id: 10 + j for j, p in enumerate(delta)}
    source = np.array([rows[p.id] for p in spliced])
    got, units = gathered_arrays(CatalogueArrays.from_profiles(base), CatalogueArrays.from_profiles(delta), source)
    want = CatalogueArrays.from_profiles(spliced)
    assert got.language_codes == want.language_codes
    for key, column in columns_of(want)[0].items():
        assert np.array_equal(columns_of(got)[0][key], column), key
    combined = [t for p in base for t in p.offers] + [t for p in delta for t in p.offers]
    assert [combined[u] for u in units["offers"]] == [t for p in spliced for t in p.offers]


def test_a_gathered_unit_layout_equals_the_one_built_from_the_spliced_counts() -> None:
    """The layout written run by run (owners and starts shifted) equals ``from_counts`` of the rows' unit counts,
    rows without units, runs of one row, a delta before and after base rows and an empty result included."""
    from matcher.constraints import UnitLayout
    from storage.snapshot import _gathered_layout

    rng = np.random.default_rng(11)
    for trial in range(40):
        nb, nd = int(rng.integers(0, 30)), int(rng.integers(0, 6))
        counts = rng.integers(0, 4, nb + nd)
        base, delta = UnitLayout.from_counts(counts[:nb]), UnitLayout.from_counts(counts[nb:])
        kept = np.flatnonzero(rng.random(nb) < 0.8)
        source = np.sort(np.concatenate([kept, nb + np.arange(nd)])) if trial % 2 else \
            rng.permutation(np.concatenate([kept, nb + np.arange(nd)]))
        got = _gathered_layout(base, delta, runs(source, nb), nb)
        want = UnitLayout.from_counts(counts[source])
        assert np.array_equal(got.start, want.start) and np.array_equal(got.owner, want.owner)
        assert got.start.dtype == want.start.dtype == got.owner.dtype == want.owner.dtype
