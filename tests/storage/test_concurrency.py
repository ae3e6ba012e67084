"""Several writers at once, each with its own engine (as separate processes have), on SQLite and PostgreSQL:
no "database is locked", no integrity error on a concurrent upsert of one id, no lost version bump, a
create-only write that loses a race writes nothing, and a catalogue read is one snapshot."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from matcher.profile import Profile, validate_record
from storage import repository as repo
from storage.db import open_database, writing
from tests.conftest import record

THREADS = 4


def profile(pid: str, **kw: object) -> Profile:
    p, errors = validate_record(record(pid, **kw))
    assert p is not None, errors
    return p


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "c.db")
    return str(request.getfixturevalue("pg_url"))


def run_threads(db: str, work: Callable[[Engine, int], Any]) -> list[Any]:
    """``work(engine, number)`` in THREADS threads, each with its own engine; their results; errors re-raised."""
    engines = [open_database(db) for _ in range(THREADS)]
    results: list[Any] = [None] * THREADS
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def run(i: int) -> None:
        try:
            start.wait()
            results[i] = work(engines[i], i)
        except BaseException as exc:  # reported in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for e in engines:
        e.dispose()
    if errors:
        raise errors[0]
    return results


def test_concurrent_upserts_and_deletes_never_fail_and_every_write_counts(db: str) -> None:
    open_database(db).dispose()

    def work(engine: Engine, i: int) -> int:
        writes = 0
        for n in range(12):
            # every thread also rewrites the same "shared" id: an insert racing an insert is an update
            repo.write_profiles(engine, [profile(f"t{i}-{n}"), profile("shared", description=f"by {i} {n}")],
                                model_id="m", vectors={})
            writes += 1
            if n % 4 == 3:
                writes += repo.delete_profiles(engine, [f"t{i}-{n - 1}"])
        return writes

    writes = sum(run_threads(db, work))
    engine = open_database(db)
    assert repo.catalogue_version(engine) == writes  # no two writers wrote the same version
    assert repo.count_profiles(engine) == 1 + THREADS * 12 - THREADS * 3


def test_the_version_bump_is_atomic(db: str) -> None:
    open_database(db).dispose()

    def work(engine: Engine, _: int) -> list[int]:
        seen = []
        for _ in range(15):
            with Session(writing(engine)) as s, s.begin():
                seen.append(repo.bump_version(s))
        return seen

    seen = [v for vs in run_threads(db, work) for v in vs]
    assert sorted(seen) == list(range(1, THREADS * 15 + 1))


def test_a_create_only_write_of_a_stored_id_writes_nothing(db: str) -> None:
    engine = open_database(db)
    repo.write_profiles(engine, [profile("a")], model_id="m", vectors={})
    with pytest.raises(repo.ExistingProfileError):
        repo.write_profiles(engine, [profile("a", description="other"), profile("b")], model_id="m", vectors={},
                            create_only=True)
    assert [p.description for p in repo.load_profiles(engine)] == ["Handmade pottery workshop a"]
    assert repo.catalogue_version(engine) == 1
    assert repo.write_profiles(engine, [profile("b")], model_id="m", vectors={}, create_only=True) == set()
    assert repo.write_profiles(engine, [profile("a"), profile("c")], model_id="m", vectors={}) == {"a"}


def test_concurrent_creates_of_one_id_one_wins(db: str) -> None:
    open_database(db).dispose()
    rounds = 8
    barrier = threading.Barrier(THREADS)

    def work(engine: Engine, i: int) -> list[bool]:
        won = []
        for r in range(rounds):
            barrier.wait()
            try:
                repo.write_profiles(engine, [profile(f"race-{r}", description=f"by {i}")], model_id="m", vectors={},
                                    create_only=True)
                won.append(True)
            except repo.ExistingProfileError:
                won.append(False)
        return won

    results = run_threads(db, work)
    assert [sum(r[k] for r in results) for k in range(rounds)] == [1] * rounds
    engine = open_database(db)
    assert repo.catalogue_version(engine) == rounds and repo.count_profiles(engine) == rounds


def test_a_catalogue_read_is_one_snapshot(db: str) -> None:
    """Each write adds one profile and one version: a reader must always see as many profiles as the version."""
    open_database(db).dispose()
    done = threading.Event()

    def work(engine: Engine, i: int) -> list[tuple[int, int]]:
        if i == 0:
            try:
                for n in range(60):
                    repo.write_profiles(engine, [profile(f"p{n:03d}")], model_id="m", vectors={})
            finally:
                done.set()
            return []
        seen = []
        while not done.is_set():
            version, profiles = repo.load_catalogue(engine)
            seen.append((version, len(profiles)))
        return seen

    seen = [pair for pairs in run_threads(db, work) for pair in pairs]
    assert seen and all(version == count for version, count in seen), [p for p in seen if p[0] != p[1]][:3]
