"""After writes spliced into a published catalogue, suggestions ranked through the int8 pre-scan of the spliced
indexes (the base's codes plus the new rows) equal those of a full rebuild ranked by the exact reference path."""

from __future__ import annotations

from embeddings.prescan import TARGETS, GatheredPrescan, prescans
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
