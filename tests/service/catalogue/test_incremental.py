"""Start-up from the published snapshot and writes spliced into it (issue 18, point 2): the same vectors after
memory mapping, a spliced state equal to a full rebuild (arrays, index vectors, search and suggestion ids and
scores), a write through one catalogue visible through another, and nothing served from a manifest that does
not match."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from embeddings.store import current_folder
from service.catalogue import Catalogue, delete, ingest, patch, put, suggest
from service.catalogue.index import State
from service.settings import Settings
from storage import repository as repo
from storage.db import open_database
from storage.snapshot import LazyProfiles
from tests.conftest import FakeEncoder, record

WORDS = ("pottery", "glazed", "ceramics", "textile", "weaving", "film", "music", "festival", "design", "furniture",
         "theatre", "dance", "publishing", "books", "distribution", "training", "export", "residency", "gallery",
         "photography", "audio", "games")
COUNTRIES = ("TN", "FR", "IT", "MA", "EG", "ES", "DE", "LB")
SECTORS = ("crafts", "music", "audiovisual", "visual_arts", "performing_arts")


def random_records(n: int, seed: int, prefix: str = "p") -> list[dict[str, object]]:
    rng = np.random.default_rng(seed)

    def words(k: int) -> str:
        return " ".join(rng.choice(WORDS, k))

    return [record(f"{prefix}{rng.integers(10**6):06d}-{i}", country=str(rng.choice(COUNTRIES)),
                   sectors=";".join(rng.choice(SECTORS, 2, replace=False)), description=words(6),
                   offers="; ".join(words(2) for _ in range(int(rng.integers(0, 3)))),
                   needs="; ".join(words(2) for _ in range(int(rng.integers(0, 3)))),
                   languages=str(rng.choice(["fr;ar", "en", "it;en", "es"]))) for i in range(n)]


def ingest_all(cat: Catalogue, records: list[dict[str, object]]) -> None:
    report = ingest(cat, records)
    assert not report.errors and report.written == len(records)


def open_catalogue(db: str) -> Catalogue:
    return Catalogue.open(Settings(db=db), encoder=FakeEncoder())


def assert_same(got: State, want: State) -> None:
    """Equal arrays, index vectors and search results (ids and scores)."""
    assert got.version == want.version
    for f in dataclasses.fields(want.arrays):
        a, b = getattr(got.arrays, f.name), getattr(want.arrays, f.name)
        if isinstance(b, dict):
            assert a.keys() == b.keys()
            for key in b:
                pairs = [(a[key].owner, b[key].owner), (a[key].start, b[key].start)] if hasattr(b[key], "owner") \
                    else [(a[key], b[key])]
                assert all(np.array_equal(x, y) for x, y in pairs), f"{f.name}.{key}"
        else:
            assert np.array_equal(np.asarray(a), np.asarray(b)), f.name
    assert list(got.names) == list(want.names)
    assert [p.id for p in got.profiles] == [p.id for p in want.profiles]
    assert list(got.profiles) == list(want.profiles)
    rng = np.random.default_rng(0)
    for name, index in want.indexes.items():
        rows = np.arange(len(index))
        assert len(got.indexes[name]) == len(index)
        assert np.array_equal(got.indexes[name].vectors(rows), index.vectors(rows)), name
        queries = FakeEncoder().encode(["pottery film", "music training export"], role="query")
        for allowed in (None, rng.random(len(index)) < 0.5):
            g, w = got.indexes[name].search(queries, 7, allowed), index.search(queries, 7, allowed)
            assert_same_hits(g, w)


def assert_same_hits(got: tuple[np.ndarray, np.ndarray], want: tuple[np.ndarray, np.ndarray]) -> None:
    """Equal scores, and equal rows above the k-th score (rows tied with it are an equally exact answer: which
    of them FAISS's heap keeps is not defined, and the bag-of-words encoder makes many ties)."""
    assert np.array_equal(got[0], want[0])
    for scores, g, w in zip(want[0], got[1], want[1], strict=True):
        above = scores > scores[-1]
        assert np.array_equal(g[above], w[above])


def test_a_reopened_catalogue_maps_the_snapshot_with_the_same_vectors(tmp_db: str) -> None:
    cat = open_catalogue(tmp_db)
    ingest_all(cat, random_records(40, seed=1))
    built = cat.state()
    reopened = open_catalogue(tmp_db)
    mapped = reopened.state()
    assert not reopened.rebuilt and isinstance(mapped.profiles, LazyProfiles)
    assert isinstance(mapped.arrays.ids.base, np.memmap)  # mapped, not read (a plain view of the map)
    assert_same(mapped, built)
    # and equal to the cached embeddings themselves
    texts = [p.view_texts()["overall"] for p in mapped.profiles]
    assert np.array_equal(mapped.indexes["overall"].vectors(np.arange(len(texts))), reopened.vectors(texts,
                                                                                                   role="passage"))


def test_a_spliced_state_equals_a_full_rebuild(tmp_db: str) -> None:
    records = random_records(60, seed=2)
    cat = open_catalogue(tmp_db)
    ingest_all(cat, records)
    reader = open_catalogue(tmp_db)
    reader.state()
    ids = sorted(str(r["id"]) for r in records)
    ingest_all(cat, random_records(5, seed=3, prefix="q"))  # new rows between the old ones
    patch(cat, ids[3], {"offers": "film festival; dance residency", "languages": "de"})  # a new language
    put(cat, {**records[10], "description": "audio games gallery", "needs": ""})
    delete(cat, ids[20])
    delete(cat, ids[-1])
    spliced = reader.state()
    assert spliced.delta_rows == 7 and not reader.rebuilt
    rebuilt = open_catalogue(tmp_db)
    rebuilt.rebuild_index()
    full = rebuilt.state()
    assert_same(spliced, full)
    for pid in [ids[0], ids[3], ids[30], str(records[10]["id"])]:
        got, want = suggest(reader, pid, k=8), suggest(rebuilt, pid, k=8)
        assert [(s.id, s.score) for s in got.suggestions] == [(s.id, s.score) for s in want.suggestions]


def test_a_write_through_one_catalogue_is_visible_through_another(tmp_db: str) -> None:
    writer, reader = open_catalogue(tmp_db), open_catalogue(tmp_db)
    ingest_all(writer, random_records(30, seed=4))
    assert len(reader.state().profiles) == 30
    put(writer, record("zz-new", country="MA", description="theatre dance residency", offers="dance residency"))
    st = reader.state()
    assert st.row_of("zz-new") is not None and len(st.profiles) == 31 and st.delta_rows == 1
    delete(writer, "zz-new")
    st = reader.state()
    assert st.row_of("zz-new") is None and len(st.profiles) == 30
    hits = st.indexes["overall"].search(FakeEncoder().encode(["theatre dance residency"], role="query"), 30)[1]
    assert all(st.profiles[r].id != "zz-new" for r in hits[0].tolist() if r >= 0)


def test_compaction_publishes_a_full_index_that_a_new_process_maps(tmp_db: str) -> None:
    cat = open_catalogue(tmp_db)
    ingest_all(cat, random_records(30, seed=5))
    cat.state()
    ingest_all(cat, random_records(4, seed=6, prefix="c"))
    spliced = cat.state()
    assert spliced.delta_rows == 4
    cat.compact(spliced)
    fresh = open_catalogue(tmp_db)
    mapped = fresh.state()
    assert mapped.delta_rows == 0 and not fresh.rebuilt and isinstance(mapped.profiles, LazyProfiles)
    assert_same(mapped, spliced)


@pytest.mark.parametrize("mismatch", ["other-database", "other-model", "newer-version", "other-format"])
def test_nothing_is_served_from_a_manifest_that_does_not_match(tmp_db: str, tmp_path: Path, mismatch: str) -> None:
    cat = open_catalogue(tmp_db)
    ingest_all(cat, random_records(20, seed=7))
    cat.state()
    folder = current_folder(cat.index_dir)
    assert folder is not None
    manifest = json.loads((folder / "manifest.json").read_text())
    if mismatch == "other-database":  # another database that happens to be at the same version
        other = str(tmp_path / "other.db")
        ingest_all(open_catalogue(other), [record("only-here", country="FR")])
        for _ in range(repo.catalogue_version(cat.engine) - 1):
            with repo.Session(open_database(other)) as s, s.begin():
                repo.bump_version(s)
        shutil.rmtree(Catalogue.open(Settings(db=other)).index_dir)
        shutil.copytree(cat.index_dir, Catalogue.open(Settings(db=other)).index_dir)
        reader = open_catalogue(other)
        assert repo.catalogue_version(reader.engine) == manifest["catalogue_version"]
        assert [p.id for p in reader.state().profiles] == ["only-here"]
        return
    if mismatch == "other-model":
        manifest["model_id"] = "another-model"
    elif mismatch == "newer-version":  # a snapshot from the future of this database: never a base
        manifest["catalogue_version"] += 5
    else:
        manifest["snapshot"]["format"] = -1
    (folder / "manifest.json").write_text(json.dumps(manifest))
    reader = open_catalogue(tmp_db)
    st = reader.state(with_index=False)
    assert not isinstance(st.profiles, LazyProfiles) and len(st.profiles) == 20


def test_a_large_folder_is_served_at_once_and_dropped_when_its_checksums_do_not_match(
        tmp_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    from embeddings import store

    cat = open_catalogue(tmp_db)
    ingest_all(cat, random_records(20, seed=8))
    cat.state()
    folder = current_folder(cat.index_dir)
    assert folder is not None
    path = folder / "offers.faiss"
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF  # same size: only a checksum sees it
    path.write_bytes(bytes(data))
    assert (folder / store.VERIFIED).exists()  # hashed when written here
    (folder / store.VERIFIED).unlink()  # as a folder copied from elsewhere
    monkeypatch.setattr(store, "VERIFY_BELOW", 0)  # every folder is "large": checked in the background
    reader = open_catalogue(tmp_db)
    assert isinstance(reader.state().profiles, LazyProfiles)  # served at once, from the mapped files
    for thread in threading.enumerate():
        if thread.name == "ccimatch-verify":
            thread.join()
    st = reader.state()
    assert reader.rebuilt and not isinstance(st.profiles, LazyProfiles) and len(st.profiles) == 20
    assert not (folder / store.VERIFIED).exists()


def test_a_few_writes_are_compacted_a_while_later(tmp_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("service.catalogue.index.COMPACT_AFTER_SECONDS", 0.0)
    cat = open_catalogue(tmp_db)
    ingest_all(cat, random_records(10, seed=9))
    cat.state()
    put(cat, record("zz-late", country="MA", description="gallery photography"))
    assert cat.state().delta_rows == 1
    timer = cat._compact_timer
    assert timer is not None
    timer.join()
    if cat._compacting is not None:
        cat._compacting.join()
    folder = current_folder(cat.index_dir)
    assert folder is not None
    assert json.loads((folder / "manifest.json").read_text())["catalogue_version"] == cat.state().version


def test_the_splice_shortcuts_give_what_the_full_paths_give() -> None:
    """The names edited in place, the languages spoken counted from the base's and the id order noted (not checked)
    equal the runs joined, the columns read and the ids compared, and the arrays equal ``from_profiles`` of the
    spliced rows; here with the only speaker of a language removed and another language added."""
    from collections.abc import Sequence

    from embeddings.index_faiss import FaissIndex
    from matcher.constraints import ITEM_SIDES, CatalogueArrays, ids_sorted
    from matcher.profile import VIEWS, Profile
    from service.catalogue import incremental
    from storage import snapshot

    rng = np.random.default_rng(5)

    def profile(pid: str, languages: tuple[str, ...]) -> Profile:
        return Profile(id=pid, name=f"name of {pid}", kind="firm", country=str(rng.choice(COUNTRIES)),
                       sectors=("crafts",), description=" ".join(rng.choice(WORDS, 5)),
                       offers=tuple(" ".join(rng.choice(WORDS, 2)) for _ in range(int(rng.integers(0, 3)))),
                       languages=languages)

    base = [profile(f"p{i:03d}", ("de",) if i == 8 else ("fr", "en")) for i in range(0, 120, 2)]
    arrays = CatalogueArrays.from_profiles(base)
    changed = sorted([profile("p001", ("it",)), profile("p007x", ("en",)), profile("p014", ("fr",)),
                      profile("zz-a-much-longer-id-than-the-others", ("ar",))], key=lambda p: p.id)
    speaker = next(p.id for p in base if p.languages == ("de",))  # the only one: its column goes
    deleted = sorted({"p118", speaker})

    def index(rows: int) -> FaissIndex:
        return FaissIndex(rng.standard_normal((rows, 8)).astype(np.float32))

    indexes = {name: index(len(base)) for name in VIEWS} | {
        f"{side}_items": index(int(arrays.items[side].start[-1])) for side in ITEM_SIDES}

    def index_rows(profiles: Sequence[Profile]) -> dict[str, FaissIndex]:
        new = CatalogueArrays.from_profiles(list(profiles))
        return {name: index(len(new)) for name in VIEWS} | {
            f"{side}_items": index(int(new.items[side].start[-1])) for side in ITEM_SIDES}

    done = incremental.splice(profiles=base, arrays=arrays, names=[p.name for p in base], indexes=indexes,
                              changed=changed, deleted=deleted, index_rows=index_rows)
    assert done is not None
    want = sorted([p for p in base if p.id not in {c.id for c in changed} | set(deleted)] + changed,
                  key=lambda p: p.id)
    assert [p.id for p in done.profiles] == [p.id for p in want]
    assert done.names == [p.name for p in want]
    full = CatalogueArrays.from_profiles(want)
    assert "de" not in done.arrays.language_codes and done.arrays.language_codes == full.language_codes
    for f in dataclasses.fields(full):
        a, b = getattr(done.arrays, f.name), getattr(full, f.name)
        if isinstance(b, dict):
            for key in b:
                got, exp = a[key], b[key]
                if hasattr(exp, "owner"):
                    assert np.array_equal(got.owner, exp.owner) and np.array_equal(got.start, exp.start)
                else:
                    assert np.array_equal(got, exp), (f.name, key)
        elif isinstance(b, np.ndarray):
            assert np.array_equal(a, b), f.name
        else:
            assert a == b, f.name
    assert ids_sorted(done.arrays) and bool((done.arrays.ids[:-1] <= done.arrays.ids[1:]).all())
    # the two ways to the names and to the languages spoken, side by side on the same splice
    n = len(base)
    removed = np.array(sorted(i for i, p in enumerate(base) if p.id in set(deleted) | {c.id for c in changed}))
    place = np.searchsorted(arrays.ids, [p.id for p in changed])
    place -= np.searchsorted(removed, place)
    source = np.insert(np.setdiff1d(np.arange(n), removed), place, n + np.arange(len(changed)))
    names = [p.name for p in base]
    assert incremental._edited(names, removed, place, [p.name for p in changed]) == snapshot.take_runs(
        names, [p.name for p in changed], snapshot.runs(source, n), n)
    delta = CatalogueArrays.from_profiles(changed)
    counted, _ = snapshot.gathered_arrays(arrays, delta, source, removed=removed)
    read, _ = snapshot.gathered_arrays(arrays, delta, source)
    assert counted.language_codes == read.language_codes and np.array_equal(counted.languages, read.languages)
