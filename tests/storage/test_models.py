"""Saved ranking models: the latest wins, the JSON text comes back unchanged and predicts the same, drop removes
them; on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from sqlalchemy import Engine

from learning.ranker import RankerModel, TrainingSet, train_ranker
from storage import models
from storage.db import open_database


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path) -> Iterator[Engine]:
    url = str(tmp_path / "models.db") if request.param == "sqlite" else request.getfixturevalue("pg_url")
    engine = open_database(url)
    yield engine
    engine.dispose()


def model(seed: int) -> RankerModel:
    rng = np.random.default_rng(seed)
    x = rng.random((60, 3))
    y = (x[:, 1] > 0.6).astype(float)
    return train_ranker(TrainingSet(x=x, y=y, groups=np.array([20, 20, 20]), features=("a", "b", "c")),
                        catalogue_version=7, threads=1)


def test_the_latest_model_wins_and_round_trips(engine: Engine) -> None:
    assert models.latest_model(engine) is None and models.latest_model_id(engine) is None
    first, second = model(0), model(1)
    a = models.save_model(engine, first.to_json(), catalogue_version=7)
    b = models.save_model(engine, second.to_json(), catalogue_version=8)
    assert b.id > a.id and models.latest_model_id(engine) == b.id
    found = models.latest_model(engine)
    assert found is not None and found.id == b.id and found.catalogue_version == 8 and found.kind == "ranker"
    assert found.body == second.to_json() and found.created_at.tzinfo is not None
    back = RankerModel.from_json(found.body)
    x = np.random.default_rng(2).random((9, 3))
    assert back.features == ("a", "b", "c") and back.catalogue_version == 7
    assert np.array_equal(back.predict(x), second.predict(x))
    assert models.drop_models(engine) == 2 and models.latest_model(engine) is None
    assert models.drop_models(engine) == 0


def test_an_unknown_kind_is_refused(engine: Engine) -> None:
    with pytest.raises(ValueError, match="unknown model kind 'tree'"):
        models.save_model(engine, "{}", catalogue_version=1, kind="tree")
