"""After writes spliced into a published catalogue, suggestions ranked through the int8 pre-scan of the spliced
indexes (the base's codes plus the new rows) equal those of a full rebuild ranked by the exact reference path; a
compaction publishes the codes with the new folder, so the next process maps them instead of building them."""

from __future__ import annotations

import numpy as np
import pytest

from embeddings.prescan import TARGETS, GatheredPrescan, Int8Prescan
from embeddings.prescan_cache import prescans
from embeddings.store import current_folder
from service.catalogue import delete, patch, suggest
from tests.service.catalogue.test_incremental import ingest_all, open_catalogue, random_records


def test_suggestions_through_the_spliced_prescan_equal_the_rebuilt_reference(tmp_db: str) -> None:
    records = random_records(80, seed=12)
    cat = open_catalogue(tmp_db)
    ingest_all(cat, records)
    reader = open_catalogue(tmp_db)
    prescans(reader.state().indexes)  # the base's pre-scan, built before the writes
    ids = sorted(str(r["id"]) for r in records)
    ingest_all(cat, random_records(6, seed=13, prefix="q"))
    patch(cat, ids[5], {"offers": "film festival; dance residency", "languages": "de"})
    delete(cat, ids[40])
    spliced = reader.state()
    assert spliced.delta_rows == 7
    found = prescans(spliced.indexes, wait=False)  # at once: no new build, the base's codes are reused
    assert set(found) == set(TARGETS) and all(isinstance(p, GatheredPrescan) for p in found.values())
    rebuilt = open_catalogue(tmp_db)
    rebuilt.rebuild_index()
    new = [str(r["id"]) for r in random_records(6, seed=13, prefix="q")]
    for pid in [ids[0], ids[5], ids[60], *new[:3]]:
        got, want = suggest(reader, pid, k=8), suggest(rebuilt, pid, k=8, reference=True)
        assert [(s.id, s.score) for s in got.suggestions] == [(s.id, s.score) for s in want.suggestions]
        assert got.suggestions


def test_a_compaction_publishes_the_codes_and_the_next_process_maps_them(tmp_db: str,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    cat = open_catalogue(tmp_db)
    ingest_all(cat, random_records(70, seed=21))
    prescans(cat.state().indexes)  # built and saved beside the published files
    ingest_all(cat, random_records(4, seed=22, prefix="q"))
    delete(cat, str(random_records(70, seed=21)[7]["id"]))
    spliced = cat.state()
    assert spliced.delta_rows == 4
    gathered = prescans(spliced.indexes)
    cat.compact(spliced)
    folder = current_folder(cat.index_dir)
    assert folder is not None and all((folder / f"{name}.faiss.int8.json").is_file() for name in TARGETS)

    def no_build(*args: object, **kwargs: object) -> Int8Prescan:
        raise AssertionError("the codes published with the folder must be mapped, not built")

    monkeypatch.setattr(Int8Prescan, "build", no_build)
    fresh = open_catalogue(tmp_db)
    st = fresh.state()
    assert st.delta_rows == 0 and st.version == spliced.version
    mapped = prescans(st.indexes, wait=False)
    assert set(mapped) == set(TARGETS)
    for name in TARGETS:  # the gathered codes, in the compacted row order
        rows = np.arange(len(st.indexes[name]))
        want = gathered[name]
        assert isinstance(want, GatheredPrescan)
        got = mapped[name].codes.numpy()
        base, nb = want.base.codes.numpy(), len(want.base.codes)
        expect = np.array([base[s] if s < nb else want.delta.codes.numpy()[s - nb]  # type: ignore[union-attr]
                           for s in want.source[rows]])
        np.testing.assert_array_equal(got, expect)
    rebuilt = open_catalogue(tmp_db)
    rebuilt.rebuild_index()
    for pid in [str(r["id"]) for r in random_records(4, seed=22, prefix="q")][:2]:
        got, want_list = suggest(fresh, pid, k=8), suggest(rebuilt, pid, k=8, reference=True)
        assert [(s.id, s.score) for s in got.suggestions] == [(s.id, s.score) for s in want_list.suggestions]
