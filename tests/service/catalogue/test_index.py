from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from embeddings.store import current_folder
from matcher.constraints import Constraints
from matcher.errors import InvalidFieldsError
from service.catalogue import Catalogue, extend_cluster, ingest, patch, put, search
from service.settings import Settings
from storage import repository as repo
from tests.conftest import FakeEncoder, record

GOOD = [
    record("tn-1", country="TN", description="glazed pottery workshop in Nabeul", offers="glazed pottery",
           needs="ceramics distributor in France"),
    record("fr-1", country="FR", sectors="crafts;furniture_interior", description="concept store importing ceramics",
           offers="ceramics distributor in France", needs="handmade pottery suppliers"),
    record("it-1", country="IT", sectors="music", kind="education", description="conservatory music training",
           offers="music training", needs=""),
]
BAD = record("xx-1", country="XX", sectors="craft")


def open_catalogue(db: str, encoder: FakeEncoder) -> Catalogue:
    return Catalogue.open(Settings(db=db), encoder=encoder)


def test_partial_ingest_writes_good_rows_and_reports_each_bad_one(tmp_db: str, fake_encoder: FakeEncoder) -> None:
    cat = open_catalogue(tmp_db, fake_encoder)
    report = ingest(cat, [GOOD[0], BAD, GOOD[1]])
    assert (report.inserted, report.updated) == (2, 0)
    assert {(e.row, e.field) for e in report.errors} == {(2, "country"), (2, "sectors")}
    assert [p.id for p in repo.load_profiles(cat.engine)] == ["fr-1", "tn-1"]
    assert report.to_dict()["rejected_rows"] == 1


def test_atomic_ingest_with_one_bad_row_writes_nothing(tmp_db: str, fake_encoder: FakeEncoder) -> None:
    cat = open_catalogue(tmp_db, fake_encoder)
    report = ingest(cat, [*GOOD, BAD], atomic=True)
    assert report.written == 0 and len(report.errors) == 2
    assert repo.count_profiles(cat.engine) == 0
    assert repo.catalogue_version(cat.engine) == 0
    assert fake_encoder.encoded == []  # nothing computed either
    assert not cat.index_dir.exists()


def test_failure_while_encoding_leaves_the_database_untouched(tmp_db: str) -> None:
    class Broken(FakeEncoder):
        def encode(self, texts, *, role, show_progress=False):
            raise RuntimeError("out of memory")

    cat = open_catalogue(tmp_db, FakeEncoder())
    ingest(cat, GOOD[:1])
    broken = open_catalogue(tmp_db, Broken())
    with pytest.raises(RuntimeError):
        ingest(broken, GOOD[1:])
    assert [p.id for p in repo.load_profiles(cat.engine)] == ["tn-1"]


def test_duplicate_ids_in_one_file_are_reported(tmp_db: str, fake_encoder: FakeEncoder) -> None:
    report = ingest(open_catalogue(tmp_db, fake_encoder), [GOOD[0], GOOD[1], GOOD[0]])
    assert [(e.row, e.field) for e in report.errors] == [(3, "id")]
    assert report.errors[0].reason == "duplicate id in this file (first on row 1)"
    assert (report.errors[0].code, report.errors[0].params) == ("duplicate_id", (("first_row", 1),))


def test_the_id_of_a_profile_cannot_change(tmp_db: str, fake_encoder: FakeEncoder) -> None:
    cat = open_catalogue(tmp_db, fake_encoder)
    ingest(cat, GOOD[:1])
    with pytest.raises(InvalidFieldsError) as caught:
        patch(cat, "tn-1", {"id": "tn-2"})
    [error] = caught.value.errors
    assert (error.field, error.value, error.reason, error.code) == ("id", "tn-2", "the id cannot change",
                                                                    "id_cannot_change")


def test_reingest_updates_and_the_cache_avoids_reencoding(tmp_db: str, fake_encoder: FakeEncoder) -> None:
    cat = open_catalogue(tmp_db, fake_encoder)
    first = ingest(cat, GOOD)
    assert first.encoded == 7  # 3 overall + 3 offers + 2 needs, one text shared by tn-1 and fr-1
    fake_encoder.encoded.clear()
    again = ingest(cat, GOOD)
    assert (again.inserted, again.updated, again.encoded) == (0, 3, 0)
    assert fake_encoder.encoded == []
    changed = dict(GOOD[2], needs="a violin maker")
    report = ingest(cat, [changed])
    assert fake_encoder.encoded == ["a violin maker"] and report.updated == 1
    assert repo.load_profiles(cat.engine)[1].needs == ("a violin maker",)


def test_search_respects_filters_and_says_how_many_were_eligible(tmp_db: str, fake_encoder: FakeEncoder) -> None:
    cat = open_catalogue(tmp_db, fake_encoder)
    ingest(cat, GOOD)
    hits, eligible = search(cat, "ceramics distributor in France", k=2, view="offers")
    assert hits[0].id == "fr-1" and eligible == 3
    hits, eligible = search(cat, "ceramics", k=10, constraints=Constraints(exclude_countries=frozenset({"FR"})))
    assert {h.id for h in hits} == {"tn-1", "it-1"} and eligible == 2
    hits, eligible = search(cat, "anything", k=10, view="needs")  # it-1 has no needs: never returned
    assert {h.id for h in hits} == {"tn-1", "fr-1"} and eligible == 2


def test_index_is_saved_with_a_manifest_and_reused(tmp_db: str, fake_encoder: FakeEncoder) -> None:
    cat = open_catalogue(tmp_db, fake_encoder)
    ingest(cat, GOOD)
    manifest = json.loads((published(cat.index_dir) / "manifest.json").read_text())
    assert manifest["model_id"] == FakeEncoder.model_id and manifest["rows"] == 3 and manifest["dim"] == 32
    assert set(manifest["files"]) == {"overall", "offers", "needs", "offers_items", "needs_items"}
    assert manifest["files"]["offers_items"]["rows"] == 3 and manifest["files"]["needs_items"]["rows"] == 2
    again = open_catalogue(tmp_db, fake_encoder)
    again.state()
    assert again.rebuilt is False


def published(index_dir: Path) -> Path:
    """The index version folder that the pointer names."""
    folder = current_folder(index_dir)
    assert folder is not None and folder.is_dir()
    return folder


def corrupt(index_dir: Path) -> None:
    path = published(index_dir) / "offers.faiss"
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("damage", ["missing", "corrupt", "other-model", "database-changed"])
def test_stale_index_is_rebuilt_from_cached_embeddings(tmp_db: str, damage: str) -> None:
    cat = open_catalogue(tmp_db, FakeEncoder())
    ingest(cat, GOOD)
    expected = search(cat, "pottery", k=3)[0]
    if damage == "missing":
        shutil.rmtree(cat.index_dir)
    elif damage == "corrupt":
        corrupt(cat.index_dir)
    elif damage == "other-model":
        path = published(cat.index_dir) / "manifest.json"
        path.write_text(path.read_text().replace(FakeEncoder.model_id, "another-model"))
    else:  # a write that never reached the index (e.g. a crash between commit and index save)
        with repo.Session(cat.engine) as s, s.begin():
            repo.bump_version(s)
    encoder = FakeEncoder()
    fresh = open_catalogue(tmp_db, encoder)
    assert search(fresh, "pottery", k=3)[0] == expected
    # a version moved without a profile change: the published index is that of the same profiles (each written
    # row carries the version that wrote it, storage.repository.changes_since), so nothing is rebuilt
    assert fresh.rebuilt is (damage != "database-changed")
    assert encoder.encoded == ["pottery"]  # only the query: the profiles came from the cache


def test_crash_between_commit_and_index_save_is_repaired(tmp_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    cat = open_catalogue(tmp_db, FakeEncoder())
    ingest(cat, GOOD[:2])

    def crash(*args: object, **kwargs: object) -> None:
        raise SystemExit("killed")

    monkeypatch.setattr("service.catalogue.index.splice", crash)  # a write is spliced in, not saved
    with pytest.raises(SystemExit):
        ingest(cat, GOOD[2:])
    monkeypatch.undo()
    reopened = open_catalogue(tmp_db, FakeEncoder())
    hits, eligible = search(reopened, "conservatory music training", k=1)
    # the committed rows carry their version: the reopened catalogue splices them into the published index
    assert hits[0].id == "it-1" and eligible == 3 and not reopened.rebuilt


def test_other_writer_is_seen_by_a_long_lived_catalogue(tmp_db: str) -> None:
    reader = open_catalogue(tmp_db, FakeEncoder())
    ingest(reader, GOOD[:1])
    assert search(reader, "music", k=5)[1] == 1
    ingest(open_catalogue(tmp_db, FakeEncoder()), GOOD[1:])
    hits, eligible = search(reader, "conservatory music training", k=5)
    assert eligible == 3 and hits[0].id == "it-1"


def test_stats(tmp_db: str, fake_encoder: FakeEncoder) -> None:
    cat = open_catalogue(tmp_db, fake_encoder)
    ingest(cat, GOOD)
    stats = cat.stats()
    assert stats["profiles"] == 3
    assert stats["country"] == {"TN": 1, "FR": 1, "IT": 1}
    assert stats["sector"]["crafts"] == 2 and stats["kind"]["education"] == 1


def test_vectors_in_index_equal_cached_embeddings(tmp_db: str, fake_encoder: FakeEncoder) -> None:
    cat = open_catalogue(tmp_db, fake_encoder)
    ingest(cat, GOOD)
    st = cat.state()
    text = st.profiles[0].view_texts()["offers"]
    want = FakeEncoder().encode([text], role="passage")
    scores, rows = st.indexes["offers"].search(want, 1)
    assert rows[0, 0] == 0 and np.isclose(scores[0, 0], 1.0)


def test_concurrent_writers_are_serialised_and_readers_see_whole_states(tmp_db: str) -> None:
    import threading

    cat = open_catalogue(tmp_db, FakeEncoder())
    ingest(cat, GOOD[:1])
    errors: list[BaseException] = []

    def writer(i: int) -> None:
        try:
            put(cat, record(f"w-{i}", country="FR", description=f"writer {i} ceramics"))
        except BaseException as exc:  # collected and re-raised in the test thread
            errors.append(exc)

    def reader() -> None:
        for _ in range(20):
            st = cat.state()
            assert len(st.indexes["overall"]) == len(st.profiles)  # never a half-updated index

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(8)] + [threading.Thread(target=reader)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    st = cat.state()
    assert len(st.profiles) == 9 and len(st.indexes["overall"]) == 9
    assert cat.readiness()["index_fresh"]


def test_extend_a_cluster_given_by_its_profile_that_lists_members(tmp_db: str, fake_encoder: FakeEncoder) -> None:
    """A kind=cluster profile's listed members stand for the cluster: the same candidates as giving the member
    ids, minus the cluster's own profile; unknown members are reported, an empty list is refused."""
    from service.catalogue import InvalidRequestError

    cat = open_catalogue(tmp_db, fake_encoder)
    extra = [
        record("tn-9", country="TN", kind="cluster", description="Nabeul ceramics cluster",
               members="tn-1;zz-404"),
        record("es-1", country="ES", description="Valencia ceramics importer", offers="ceramics import"),
        record("ma-9", country="MA", kind="cluster", description="Fès crafts cluster"),
    ]
    report = ingest(cat, [*GOOD, *extra], atomic=True)
    assert not report.errors
    by_cluster = extend_cluster(cat, ["tn-9"], k=5)
    by_ids = extend_cluster(cat, ["tn-1"], k=5)
    assert by_cluster["cluster"] == "tn-9" and by_cluster["members"] == ["tn-1"]
    assert by_cluster["missing_members"] == ["zz-404"]
    assert [c["id"] for c in by_cluster["candidates"]] == [c["id"] for c in by_ids["candidates"] if c["id"] != "tn-9"]
    assert {c["country"] for c in by_cluster["candidates"]}.isdisjoint({"TN"})
    with pytest.raises(InvalidRequestError, match="'ma-9': field 'members' is empty"):
        extend_cluster(cat, ["ma-9"])
    assert cat.profile("tn-9").members == ("tn-1", "zz-404")


def test_members_only_on_clusters(tmp_db: str, fake_encoder: FakeEncoder) -> None:
    cat = open_catalogue(tmp_db, fake_encoder)
    report = ingest(cat, [record("tn-1", members="tn-2"), record("tn-9", kind="cluster", members="tn-9;bad id!")])
    assert [(e.record_id, e.field, e.reason[:40]) for e in report.errors] == [
        ("tn-1", "members", "only a profile of kind 'cluster' lists m"),
        ("tn-9", "members", "a cluster cannot list itself as a member"),
        ("tn-9", "members", "not a profile id (1-64 characters: lette"),
    ]
