from __future__ import annotations

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
