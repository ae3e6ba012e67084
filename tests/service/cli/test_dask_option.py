"""``--dask``: ingest and event recommend partitioned over a Dask cluster (a threaded LocalCluster on loopback)
store and print what one process does; a cluster that fails writes nothing and says so in one line."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

import embeddings.dask_encode as dask_encode
import service.dask_batch as dask_batch
from matcher.profile import Profile
from service.catalogue import Catalogue, ingest
from service.events import EventService
from service.settings import Settings
from storage import repository as repo
from tests.conftest import FakeEncoder, cli_invoker, record
from tests.dask_cluster import FakeFactory, dask_address
from tests.embeddings.test_dask_encode import FailingFactory
from tests.service.events.helpers import MEMBERS, PROFILES, make_event

__all__ = ["dask_address"]

Invoke = Callable[..., tuple[int, str, str]]


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Invoke:
    """``ccimatch ...`` with the fake encoder (built by each worker with ``--dask``), in partitions of 4 texts
    or participants (so the small fixtures are cut into several)."""
    from service.cli import common

    monkeypatch.setattr(dask_batch, "worker_encoder", lambda settings: FakeFactory())
    monkeypatch.setattr(common, "open_catalogue",
                        lambda db: Catalogue.open(common.settings(db), encoder=FakeEncoder()))
    monkeypatch.setattr(dask_encode, "MIN_PART", 4)
    return cli_invoker(monkeypatch, capsys)


@pytest.fixture
def parts(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """(what, partitions) of every job gathered from the cluster."""
    seen: list[tuple[str, int]] = []
    original = dask_batch.gather

    def spy(client: object, futures: list[object], *, what: str, show_progress: bool = False) -> list[object]:
        seen.append((what, len(futures)))
        return original(client, futures, what=what, show_progress=show_progress)  # type: ignore[arg-type]

    monkeypatch.setattr(dask_batch, "gather", spy)
    monkeypatch.setattr(dask_encode, "gather", spy)
    return seen


def write_records(path: Path, rows: list[dict[str, object]]) -> None:
    path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")


def _texts(profiles: list[Profile]) -> list[str]:
    return [t for p in profiles for t in (*p.view_texts().values(), *p.offers, *p.needs) if t]


def test_ingest_on_dask_stores_what_one_process_stores(run: Invoke, parts: list[tuple[str, int]], dask_address: str,
                                                        tmp_path: Path) -> None:
    src = tmp_path / "profiles.json"
    write_records(src, PROFILES)
    code, out, err = run("ingest", str(src), "--db", str(tmp_path / "dask.db"), "--dask", dask_address)
    assert code == 0, err
    assert f"{len(PROFILES)} records, {len(PROFILES)} added" in out
    assert parts and parts[0][1] > 1  # the texts went to the cluster, in several partitions

    alone = Catalogue.open(Settings(db=str(tmp_path / "alone.db")), encoder=FakeEncoder())
    assert not ingest(alone, PROFILES, atomic=True).errors
    dask = Catalogue.open(Settings(db=str(tmp_path / "dask.db")), encoder=FakeEncoder())
    mine, theirs = dask.state(), alone.state()
    assert list(mine.profiles) == list(theirs.profiles) and len(mine.profiles)  # same ids, same profile rows
    texts = _texts(list(mine.profiles))
    (got, missing), (want, _) = dask.embed(texts), alone.embed(texts)
    assert not missing and got.keys() == want.keys()
    for h, vec in want.items():
        np.testing.assert_allclose(got[h], vec, atol=1e-6)
    rows = np.arange(len(mine.profiles))
    np.testing.assert_allclose(mine.indexes["overall"].vectors(rows), theirs.indexes["overall"].vectors(rows),
                               atol=1e-6)


def test_ingest_on_dask_reports_bad_rows_as_one_process_does(run: Invoke, dask_address: str, tmp_path: Path) -> None:
    src = tmp_path / "profiles.json"
    write_records(src, [*PROFILES[:3], record("x-9", country="Marocco")])
    db = str(tmp_path / "dask.db")
    code, _, err = run("ingest", str(src), "--db", db, "--atomic", "--dask", dask_address)
    assert code == 1
    assert "error: row 4 id 'x-9': field 'country' = 'Marocco'" in err and "nothing was written" in err
    assert repo.load_catalogue(Catalogue.open(Settings(db=db), encoder=FakeEncoder()).engine)[1] == []


def test_a_failing_cluster_writes_nothing(run: Invoke, monkeypatch: pytest.MonkeyPatch, dask_address: str,
                                          tmp_path: Path) -> None:
    src = tmp_path / "profiles.json"
    write_records(src, [*PROFILES, record("zz-1", description="poison pottery")])
    db = str(tmp_path / "dask.db")
    monkeypatch.setattr(dask_batch, "worker_encoder", lambda settings: FailingFactory())
    code, out, err = run("ingest", str(src), "--db", db, "--dask", dask_address)
    assert code == 2 and out == ""
    assert err.startswith("error: encoding ") and "ValueError: cannot encode a poisoned text" in err
    assert err.strip().endswith("nothing was written") and len(err.strip().splitlines()) == 1
    assert repo.load_catalogue(Catalogue.open(Settings(db=db), encoder=FakeEncoder()).engine)[1] == []

    monkeypatch.setattr(dask_encode, "CONNECT_TIMEOUT", 1.0)
    code, out, err = run("ingest", str(src), "--db", db, "--dask", "tcp://127.0.0.1:9")
    assert code == 2 and err.startswith("error: --dask tcp://127.0.0.1:9: cannot reach the Dask scheduler")
    assert repo.load_catalogue(Catalogue.open(Settings(db=db), encoder=FakeEncoder()).engine)[1] == []


@pytest.mark.parametrize("method", ["joint", "independent"])
def test_event_recommend_on_dask_lists_what_one_process_lists(run: Invoke, parts: list[tuple[str, int]],
                                                             dask_address: str, tmp_path: Path, method: str) -> None:
    db = str(tmp_path / "events.db")
    cat = Catalogue.open(Settings(db=db), encoder=FakeEncoder())
    assert not ingest(cat, PROFILES, atomic=True).errors
    eid = str(make_event(EventService(cat)))
    args = ("event", "recommend", eid, "--k", "3", "--method", method, "--db", db, "--json")
    code, alone, err = run(*args)
    assert code == 0, err and not parts
    code, on_dask, err = run(*args, "--dask", dask_address)
    assert code == 0, err
    assert [n for what, n in parts if what.startswith("suggestions for")] == [2] * (1 + (method == "independent"))
    mine, theirs = json.loads(on_dask), json.loads(alone)
    assert mine == theirs and len(theirs["recommendations"]) == 3 * len(MEMBERS)
