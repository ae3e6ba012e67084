"""A committed write is never reported as failed: index trouble after the commit is logged and repaired;
the database, not one process's view of it, decides whether an id exists (two catalogues on one file stand
for two server processes)."""

from __future__ import annotations

import logging

import pytest

from embeddings.store import current_folder
from service.catalogue import Catalogue, ConflictError, UnknownProfileError, create, delete, ingest, search
from service.settings import Settings
from storage import repository as repo
from tests.conftest import FakeEncoder, record

GOOD = [record("tn-1", description="glazed pottery workshop in Nabeul"),
        record("fr-1", country="FR", description="concept store importing ceramics"),
        record("it-1", country="IT", sectors="music", kind="education", description="conservatory music training")]


def open_catalogue(db: str) -> Catalogue:
    return Catalogue.open(Settings(db=db), encoder=FakeEncoder())


def catalogue_errors(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "ccimatch.catalogue" and r.levelno >= logging.ERROR]


def test_an_index_failure_after_the_commit_is_logged_and_the_next_read_catches_up(
        tmp_db: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    cat = open_catalogue(tmp_db)
    ingest(cat, GOOD[:1])

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("no room for the index")

    monkeypatch.setattr(Catalogue, "_index_rows", broken)  # what a rebuild and a splice both build
    report = ingest(cat, GOOD[1:])  # committed: a success, whatever happens to the index
    assert report.inserted == 2 and [p.id for p in repo.load_profiles(cat.engine)] == ["fr-1", "it-1", "tn-1"]
    assert create(cat, record("ma-1", country="MA")).id == "ma-1"
    delete(cat, "ma-1")
    assert len(catalogue_errors(caplog)) == 3 and catalogue_errors(caplog)[0].exc_info is not None
    monkeypatch.undo()
    hits, eligible = search(cat, "conservatory music training", k=1)
    assert hits[0].id == "it-1" and eligible == 3  # the committed rows spliced in (their change marker)
    assert cat.readiness()["index_fresh"]


def test_a_failed_index_save_is_logged_and_the_index_served_from_memory(
        tmp_db: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    def full(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("service.catalogue.index.save_indexes", full)
    cat = open_catalogue(tmp_db)
    assert ingest(cat, GOOD).inserted == 3
    assert catalogue_errors(caplog) and current_folder(cat.index_dir) is None
    assert search(cat, "conservatory music training", k=1)[0][0].id == "it-1"
    assert cat.readiness()["index_fresh"]
    with pytest.raises(OSError, match="No space"):  # ccimatch index rebuild: saving is the point
        cat.rebuild_index()


def test_the_database_decides_a_create_conflict(tmp_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = open_catalogue(tmp_db), open_catalogue(tmp_db)
    second.state()  # loaded before the other process writes
    create(first, GOOD[0])
    version = repo.catalogue_version(first.engine)
    monkeypatch.setattr(second, "find", lambda profile_id: None)  # as if it had not seen the write yet
    with pytest.raises(ConflictError, match="tn-1"):
        create(second, dict(GOOD[0], description="a different workshop"))
    assert repo.catalogue_version(first.engine) == version  # nothing written
    assert repo.load_profiles(first.engine)[0].description == "glazed pottery workshop in Nabeul"
    assert create(second, GOOD[1]).id == "fr-1"
    assert ingest(second, [GOOD[0]]).updated == 1  # counted from the database, not from this process's view


def test_deleting_a_profile_deleted_elsewhere_is_unknown(tmp_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = open_catalogue(tmp_db), open_catalogue(tmp_db)
    ingest(first, GOOD)
    second.profile("tn-1")
    delete(first, "tn-1")
    version = repo.catalogue_version(first.engine)
    monkeypatch.setattr(second, "profile", lambda profile_id: None)  # it checked just before the other deleted
    with pytest.raises(UnknownProfileError):
        delete(second, "tn-1")
    assert repo.catalogue_version(first.engine) == version
