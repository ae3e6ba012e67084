from __future__ import annotations

from pathlib import Path

import numpy as np

from matcher.profile import validate_record
from storage import repository as repo
from storage.db import database_url, open_database
from tests.conftest import record


def profile(id: str, **kw: object):
    p, errors = validate_record(record(id, **kw))
    assert not errors
    return p


def test_database_url_from_path_or_url() -> None:
    assert database_url("var/x.db") == "sqlite:///var/x.db"
    assert database_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"


def test_write_replace_delete_and_version(tmp_db: str) -> None:
    engine = open_database(tmp_db)
    assert repo.catalogue_version(engine) == 0
    repo.write_profiles(engine, [profile("b"), profile("a", description="ورشة")], model_id="m", vectors={})
    assert [p.id for p in repo.load_profiles(engine)] == ["a", "b"]
    assert repo.load_profiles(engine)[0].description == "ورشة"
    repo.write_profiles(engine, [profile("a", description="changed")], model_id="m", vectors={})
    assert repo.load_profiles(engine)[0].description == "changed"
    assert repo.count_profiles(engine) == 2
    assert repo.delete_profiles(engine, ["b"]) == 1
    assert [p.id for p in repo.load_profiles(engine)] == ["a"]
    assert repo.catalogue_version(engine) == 3


def test_embedding_cache_is_keyed_by_model_and_role(tmp_db: str) -> None:
    engine = open_database(tmp_db)
    h = repo.text_hash("passage", "poterie")
    assert h != repo.text_hash("query", "poterie")
    repo.store_vectors(engine, "m1", {h: np.arange(4, dtype=np.float32)})
    np.testing.assert_array_equal(repo.cached_vectors(engine, "m1", [h, "other"])[h], np.arange(4))
    assert repo.cached_vectors(engine, "m2", [h]) == {}
    many = {repo.text_hash("passage", str(i)): np.full(2, i, np.float32) for i in range(2000)}
    repo.store_vectors(engine, "m1", many)
    assert len(repo.cached_vectors(engine, "m1", many)) == 2000  # beyond SQLite's parameter limit


def test_a_database_from_an_older_version_gains_the_new_nullable_columns(tmp_path: Path) -> None:
    """Columns added since (profiles.members, api_keys scopes) are added on open; rows are kept."""
    import sqlite3

    from storage.db import open_database

    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE profiles (id VARCHAR(64) PRIMARY KEY, name VARCHAR(200), kind VARCHAR(20), "
                     "country VARCHAR(2), city VARCHAR(200), sectors JSON, description TEXT, offers JSON, needs JSON, "
                     "partnership_types JSON, languages JSON, size INTEGER, website VARCHAR(300), "
                     "contact_email VARCHAR(254), updated_at DATETIME)")
        conn.execute("INSERT INTO profiles VALUES ('tn-1', 'Atelier', 'firm', 'TN', '', '[\"crafts\"]', 'pottery', "
                     "'[]', '[]', '[]', '[]', NULL, '', '', '2026-01-01 00:00:00')")
        conn.execute("CREATE TABLE api_keys (prefix VARCHAR(16) PRIMARY KEY, key_hash VARCHAR(64), role VARCHAR(10), "
                     "label VARCHAR(200), created_at DATETIME, revoked_at DATETIME)")
    engine = open_database(path)
    [profile] = repo.load_profiles(engine)
    assert profile.id == "tn-1" and profile.members == ()
    with sqlite3.connect(path) as conn:
        assert "event_id" in {row[1] for row in conn.execute("PRAGMA table_info(api_keys)")}
