"""The catalogue with ``vector_engine=milvus``: its views are milvus-lite collections (``<index dir>/milvus.db`` by
default) and every search and suggestion equals the FAISS engine's on the same database, before and after writes."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import pandas as pd
import pytest

from embeddings.index_factory import database_key
from embeddings.index_milvus import MilvusIndex, client_for
from matcher.constraints import Constraints
from service.catalogue import Catalogue, delete, ingest, patch, put, search, suggest
from service.settings import Settings
from storage import repository as repo
from tests.conftest import FakeEncoder, cli_invoker, record
from tests.service.catalogue.test_index import GOOD

PROFILES = [
    *GOOD,  # test_index's three profiles, then these
    record("ma-1", country="MA", sectors="crafts", description="Fez leather tannery and handmade bags",
           offers="leather bags; tanned hides", needs="design partners in Italy; fair stand"),
    record("eg-1", country="EG", sectors="music", description="Cairo independent music label",
           offers="recording studio; music distribution", needs="festival bookings in Europe"),
    record("es-1", country="ES", sectors="crafts;furniture_interior",
           description="Valencia ceramic tiles design studio", offers="ceramic tile design",
           needs="pottery workshop partners in the Maghreb", languages="es;fr"),
    record("lb-1", country="LB", sectors="music", kind="education", description="Beirut music school",
           offers="music training; teacher exchange", needs="conservatory partners", languages="ar;en"),
]
QUERIES = ["ceramics distributor in France", "music training", "handmade pottery", "leather design"]


def catalogues(db: str, encoder: FakeEncoder) -> tuple[Catalogue, Catalogue]:
    """The same database through the FAISS engine and through Milvus (milvus-lite in its default place)."""
    return (Catalogue.open(Settings(db=db), encoder=encoder),
            Catalogue.open(Settings(db=db, vector_engine="milvus"), encoder=encoder))


class Hit(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def score(self) -> float: ...


def assert_same_ranking(got: Sequence[Hit], expected: Sequence[Hit], *, k: int) -> int:
    """The same scores (within 1e-5) and the same ids, up to the order among equal scores (the engines break
    ties differently; the bag-of-words encoder gives many 0s): a profile tied with the k-th may stand in for it.
    Returns how many ids were checked."""
    assert [h.score for h in got] == pytest.approx([h.score for h in expected], abs=1e-5)
    assert len({h.id for h in got}) == len(got)
    cut = expected[-1].score if len(expected) == k else float("-inf")
    checked = 0
    for mine, theirs in zip(got, expected, strict=True):
        if theirs.score > cut + 1e-5:
            assert mine.id in {e.id for e in expected if abs(e.score - theirs.score) <= 1e-5}
            checked += 1
    return checked


def assert_same_results(faiss: Catalogue, milvus: Catalogue) -> None:
    assert milvus.state().version == faiss.state().version
    checked = 0
    for query in QUERIES:
        for view in ("overall", "offers", "needs"):
            for constraints in (None, Constraints(exclude_countries=frozenset({"FR"}))):
                expected, eligible = search(faiss, query, k=5, view=view, constraints=constraints)
                got, got_eligible = search(milvus, query, k=5, view=view, constraints=constraints)
                checked += assert_same_ranking(got, expected, k=5)
                assert got_eligible == eligible
    for profile_id in faiss.state().arrays.ids.tolist():
        expected_list = suggest(faiss, profile_id, k=5, allow_same_country=True)
        got_list = suggest(milvus, profile_id, k=5, allow_same_country=True)
        checked += assert_same_ranking(got_list.suggestions, expected_list.suggestions, k=5)
        assert got_list.eligible == expected_list.eligible
    assert checked >= 40  # ids compared, not only tied zeros


def collections(cat: Catalogue, db: str) -> set[str]:
    client = client_for(str(cat.index_dir / "milvus.db"))
    key = database_key(Settings(db=db).db)
    return {name for name in client.list_collections() if name.startswith(f"ccimatch_{key}_")}


def test_milvus_catalogue_equals_faiss_and_follows_writes(tmp_db: str, fake_encoder: FakeEncoder) -> None:
    faiss, milvus = catalogues(tmp_db, fake_encoder)
    ingest(faiss, PROFILES)
    assert_same_results(faiss, milvus)
    st = milvus.state()
    assert all(isinstance(index, MilvusIndex) for index in st.indexes.values())
    assert len(st.indexes) == 5
    version = st.version
    assert {name for name in collections(milvus, tmp_db) if f"_v{version}_" in name} == {
        index.collection for index in st.indexes.values()}  # type: ignore[attr-defined]

    put(milvus, record("gr-1", country="GR", sectors="crafts", description="Athens ceramics gallery",
                       offers="ceramics distributor in Greece", needs="glazed pottery from Tunisia"))
    assert search(milvus, "ceramics distributor in Greece", k=1, view="offers")[0][0].id == "gr-1"
    assert_same_results(faiss, milvus)
    patch(faiss, "it-1", {"offers": "leather design courses"})  # a write through the other catalogue
    assert "it-1" in [h.id for h in search(milvus, "leather design", k=3, view="offers")[0]]
    assert_same_results(faiss, milvus)
    delete(milvus, "ma-1")
    assert "ma-1" not in [h.id for h in search(milvus, "leather bags", k=10)[0]]
    assert_same_results(faiss, milvus)

    now = repo.catalogue_version(milvus.engine)
    names = collections(milvus, tmp_db)
    live = {index.collection for index in milvus.state().indexes.values()}  # type: ignore[attr-defined]
    assert live <= names and all(f"_v{now}_" in name for name in live)
    assert f"_v{version}_" not in " ".join(names)  # older than the two newest versions: dropped


def test_a_new_process_reuses_the_collections_of_the_current_version(tmp_db: str, fake_encoder: FakeEncoder) -> None:
    _, milvus = catalogues(tmp_db, fake_encoder)
    ingest(milvus, PROFILES[:4])
    before = {name: index.collection for name, index in milvus.state().indexes.items()}  # type: ignore[attr-defined]
    again = Catalogue.open(Settings(db=tmp_db, vector_engine="milvus"), encoder=fake_encoder)
    assert {name: index.collection for name, index in again.state().indexes.items()} == before  # type: ignore[attr-defined]
    assert Path(again.index_dir / "milvus.db").exists()


def test_the_setting_reaches_the_commands(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                          tmp_db: str, tmp_path: Path, fake_encoder: FakeEncoder) -> None:
    """``CCIMATCH_VECTOR_ENGINE=milvus`` in the environment: ``ccimatch ingest``/``search``/``index rebuild`` (each
    opening the catalogue from the settings, as the server does) build and search the views in Milvus."""
    from service.cli import common

    monkeypatch.setenv("CCIMATCH_VECTOR_ENGINE", "milvus")
    opened: list[Catalogue] = []

    def open_catalogue(db: str | None) -> Catalogue:
        opened.append(Catalogue.open(Settings(db=db or tmp_db), encoder=fake_encoder))
        return opened[-1]

    monkeypatch.setattr(common, "open_catalogue", open_catalogue)
    run = cli_invoker(monkeypatch, capsys)
    path = tmp_path / "in.csv"
    pd.DataFrame(PROFILES).to_csv(path, index=False)
    assert run("ingest", str(path))[0] == 0
    code, out, _ = run("search", "ceramics distributor in France", "--k", "2", "--json")
    assert code == 0 and json.loads(out)["suggestions"][0]["id"] in {"fr-1", "tn-1"}
    assert run("index", "rebuild")[0] == 0
    st = opened[-1].state()
    assert all(isinstance(index, MilvusIndex) for index in st.indexes.values())
    assert {index.collection for index in st.indexes.values()} <= collections(opened[-1], tmp_db)  # type: ignore[attr-defined]
    assert [p.name for p in opened[-1].index_dir.iterdir()] == ["milvus.db"]  # no FAISS files, no snapshot


def test_a_milvus_lite_file_held_by_another_process_is_a_clear_error(tmp_db: str, fake_encoder: FakeEncoder) -> None:
    """milvus-lite serves one process: a second one (``ccimatch search`` beside ``ccimatch serve``) is told why."""
    cat = Catalogue.open(Settings(db=tmp_db, vector_engine="milvus"), encoder=fake_encoder)
    uri = cat.index_dir / "milvus.db"
    uri.parent.mkdir(parents=True)
    holder = subprocess.Popen(  # this interpreter, a fixed script holding the file
        [sys.executable, "-c", "import sys, time; from pymilvus import MilvusClient; MilvusClient(uri=sys.argv[1]); "
         "print('open', flush=True); time.sleep(60)", str(uri)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        ingest(cat, PROFILES[:2])  # committed; the index build fails and is logged (refresh_after_write)
        with pytest.raises(RuntimeError, match="milvus-lite serves one process"):
            cat.state()
    finally:
        holder.kill()
        holder.wait()
