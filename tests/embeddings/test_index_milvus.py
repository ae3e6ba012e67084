"""Milvus specifics beyond the shared contract (tests/embeddings/test_index_contract.py): constraints as
Milvus expressions select exactly what the masks select, collections named per catalogue version are reused
and cleaned up, an approximate index keeps recall under filters, and the limits of Milvus are handled."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import embeddings.index_milvus as index_milvus
from embeddings.index_milvus import MilvusIndex, client_for, collection_name, content_digest, drop_stale
from embeddings.milvus_filters import catalogue_fields, constraint_expression, mask_expression
from matcher.constraints import CatalogueArrays, Constraints, constraint_mask
from matcher.profile import Profile
from matcher.taxonomy import KINDS, PARTNERSHIP_TYPES, SECTORS
from tests.embeddings.milvus_lite import milvus_uri
from tests.embeddings.test_index_contract import assert_same, brute_force, clustered

COUNTRIES = ("MA", "TN", "DZ", "EG", "LB", "FR", "IT", "ES")
LANGUAGES = ("ar", "fr", "en", "it", "es")


def random_catalogue(n: int, seed: int) -> CatalogueArrays:
    rng = np.random.default_rng(seed)

    def some(values: tuple[str, ...], most: int) -> tuple[str, ...]:
        return tuple(sorted(rng.choice(values, size=int(rng.integers(0, most + 1)), replace=False).tolist()))

    profiles = [Profile(id=f"p{i:04d}", name=f"P {i}", kind=str(rng.choice(KINDS)), country=str(rng.choice(COUNTRIES)),
                        sectors=some(SECTORS, 3) or (SECTORS[0],), description="d",
                        offers=tuple(f"offer {i}.{j}" for j in range(int(rng.integers(0, 3)))),
                        partnership_types=some(PARTNERSHIP_TYPES, 2), languages=some(LANGUAGES, 2))
                for i in range(n)]
    return CatalogueArrays.from_profiles(profiles)


CONSTRAINTS = {
    "none": Constraints(),
    "countries": Constraints(countries=frozenset({"MA", "TN"})),
    "exclude countries": Constraints(exclude_countries=frozenset({"FR", "IT", "ES"})),
    "kind": Constraints(kinds=frozenset({"firm"})),
    "sectors": Constraints(sectors=frozenset({SECTORS[0], SECTORS[5]})),
    "partnership types": Constraints(partnership_types=frozenset({"distribution"})),
    "language": Constraints(languages=frozenset({"ar"})),
    "unknown language": Constraints(languages=frozenset({"zz"})),
    "event participants": Constraints(only_ids=frozenset({"p0001", "p0007", "p0100", "nobody"})),
    "all combined": Constraints(countries=frozenset({"MA", "TN", "FR"}), kinds=frozenset({"firm", "cluster"}),
                                languages=frozenset({"fr", "ar"}), exclude_ids=frozenset({"p0003", "p0010"})),
}


@pytest.fixture(scope="module")
def catalogue_indexes() -> tuple[CatalogueArrays, dict[str, MilvusIndex]]:
    cat = random_catalogue(400, seed=3)
    out = {}
    for view, rows in (("overall", len(cat)), ("offers_items", len(cat.items["offers"].owner))):
        x = clustered(rows, 16, seed=rows)
        out[view] = MilvusIndex(x, uri=milvus_uri(), fields=catalogue_fields(cat, view))
    return cat, out


@pytest.mark.parametrize("view", ["overall", "offers_items"])
@pytest.mark.parametrize("name", list(CONSTRAINTS))
def test_constraint_expression_selects_what_the_mask_selects(catalogue_indexes, name: str, view: str) -> None:
    cat, indexes = catalogue_indexes
    c = CONSTRAINTS[name]
    mask = constraint_mask(c, cat)
    if view == "offers_items":
        mask = mask[cat.items["offers"].owner]  # an item is allowed when its profile is
    expr = constraint_expression(c, cat)
    assert (expr is None) == (name == "none")
    index = indexes[view]
    np.testing.assert_array_equal(index.rows(expr), np.flatnonzero(mask))
    if name != "none":
        assert 0 < mask.sum() < len(mask) or name in ("unknown language", "event participants")
        x = index.vectors(np.arange(len(index)))
        q = clustered(3, 16, seed=9)
        assert_same(index.search_expr(q, 10, expr), brute_force(x, q, 10, mask))


def test_the_expressions_read_as_milvus_filters(catalogue_indexes) -> None:
    cat, _ = catalogue_indexes
    assert constraint_expression(CONSTRAINTS["countries"], cat) == 'country in ["MA", "TN"]'
    expr = constraint_expression(Constraints(kinds=frozenset({"firm"}), only_ids=frozenset({"p0002", "p0001"})), cat)
    assert expr == 'kind in ["firm"] and owner in [1,2]'
    assert mask_expression(np.array([True, False, True, True])) == "not (row in [1])"
    assert mask_expression(np.array([False, True, False, False])) == "row in [1]"
    assert mask_expression(np.ones(3, bool)) is None


def test_collection_per_version_is_reused_and_older_versions_dropped(tmp_path: Path) -> None:
    uri = str(tmp_path / "lifecycle.db")
    client = client_for(uri)
    x = clustered(300, 16, seed=4)
    q = clustered(4, 16, seed=5)
    names = [collection_name(key="db1", catalogue_version=v, view="overall", digest=content_digest(x))
             for v in (1, 2, 3)]
    first = MilvusIndex(x, client=client, collection=names[0])
    assert not first.reused
    again = MilvusIndex(x, client=client, collection=names[0])  # another process, or a restart
    assert again.reused
    assert_same(again.search(q, 5), first.search(q, 5))
    for name in names[1:]:
        MilvusIndex(x, client=client, collection=name)
    other = collection_name(key="db2", catalogue_version=1, view="overall", digest=content_digest(x))
    MilvusIndex(x, client=client, collection=other)
    assert drop_stale(client, key="db1", keep=2) == [names[0]]
    assert set(client.list_collections()) == {names[1], names[2], other}  # another database's are not touched
    assert content_digest(x) != content_digest(x[::-1]) != content_digest(x, {"country": ["MA"] * 300})
    with pytest.raises(ValueError, match="collection name"):
        collection_name(key="db1", catalogue_version=1, view="over all", digest="0")


def test_a_collection_with_other_rows_is_rebuilt_not_reused(tmp_path: Path) -> None:
    client = client_for(str(tmp_path / "rebuild.db"))
    x = clustered(200, 8, seed=6)
    MilvusIndex(x[:150], client=client, collection="ccimatch_t_v1_overall_x")
    index = MilvusIndex(x, client=client, collection="ccimatch_t_v1_overall_x")
    assert not index.reused and index.count() == 200
    ivf = MilvusIndex(x, client=client, collection="ccimatch_t_v1_overall_x", index_type="IVF_FLAT", nlist=4)
    assert not ivf.reused and client.describe_index(ivf.collection, "vector")["index_type"] == "IVF_FLAT"


def test_approximate_ivf_keeps_recall_under_every_filter() -> None:
    """IVF_FLAT with 128 cells and nprobe 12: the probe widens by 1/selectivity, so recall@10 stays >= 0.95
    down to 0.1 %; the same index with the fixed nprobe loses the selective filters."""
    x, q = clustered(10_000, 32, seed=7, clusters=100), clustered(40, 32, seed=8, clusters=100)
    index = MilvusIndex(x, uri=milvus_uri(), index_type="IVF_FLAT", nlist=128, nprobe=12)
    desc = index.client.describe_index(index.collection, "vector")  # built as asked (pymilvus 3 vs milvus-lite)
    assert (desc["index_type"], desc["params"], desc["indexed_rows"]) == ("IVF_FLAT", {"nlist": 128}, len(x))
    rng = np.random.default_rng(1)
    fixed = {}
    for selectivity in (1.0, 0.5, 0.1, 0.01, 0.001):
        allowed = None if selectivity == 1.0 else rng.random(len(x)) < selectivity
        _, want = brute_force(x, q, 10, allowed)
        _, got = index.search(q, 10, allowed)
        assert recall(got, want) >= 0.95, f"recall@10 at {selectivity:.1%}: {recall(got, want):.3f}"
        hits = index.client.search(index.collection, data=list(q), limit=10, search_params={
            "metric_type": "IP", "params": {"nprobe": 12}},
            filter=mask_expression(allowed) or "" if allowed is not None else "")
        fixed[selectivity] = recall(np.array([[h["row"] for h in f] + [-1] * (10 - len(f)) for f in hits]), want)
    assert fixed[0.001] < 0.5, fixed  # why the probe must widen
    assert index.search_params(1.0) == {"nprobe": 12} and index.search_params(0.001) == {"nprobe": 128}


def recall(got: np.ndarray, want: np.ndarray) -> float:
    return float(np.mean([len(set(g[g >= 0]) & set(w[w >= 0])) / max(1, int((w >= 0).sum()))
                          for g, w in zip(got, want, strict=True)]))


def test_hnsw_filtered_search_is_answered(catalogue_indexes) -> None:
    x, q = clustered(2000, 16, seed=10), clustered(5, 16, seed=11)
    index = MilvusIndex(x, uri=milvus_uri(), index_type="HNSW", hnsw_m=8, ef_search=32)
    allowed = np.random.default_rng(2).random(len(x)) < 0.05
    _, got = index.search(q, 10, allowed)
    assert np.all(allowed[got[got >= 0]]) and recall(got, brute_force(x, q, 10, allowed)[1]) >= 0.95


def test_k_beyond_the_milvus_limit_is_ranked_from_the_local_copy(monkeypatch: pytest.MonkeyPatch) -> None:
    x, q = clustered(500, 8, seed=12), clustered(2, 8, seed=13)
    index = MilvusIndex(x, uri=milvus_uri())
    monkeypatch.setattr(index_milvus, "MAX_TOPK", 100)
    allowed = np.random.default_rng(3).random(len(x)) < 0.5
    assert_same(index.search(q, 300, allowed), brute_force(x, q, 300, allowed))
    assert_same(index.search_expr(q, 300, mask_expression(allowed)), brute_force(x, q, 300, allowed))


@settings(max_examples=8, deadline=None)
@given(n=st.integers(1, 200), k=st.integers(1, 20), seed=st.integers(0, 10_000), p=st.floats(0.0, 1.0))
def test_property_any_filter_any_size(n: int, k: int, seed: int, p: float) -> None:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 8)).astype(np.float32)
    q = rng.normal(size=(3, 8)).astype(np.float32)
    allowed = rng.random(n) < p
    index = MilvusIndex(x, uri=milvus_uri())
    try:
        assert_same(index.search(q, k, allowed), brute_force(x, q, k, allowed))
    finally:
        index.drop()


def test_bad_arguments_and_the_saved_descriptor(tmp_path: Path) -> None:
    x = clustered(50, 8, seed=14)
    with pytest.raises(ValueError, match="index_type"):
        MilvusIndex(x, uri=milvus_uri(), index_type="DISKANN")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="uri"):
        MilvusIndex(x)
    with pytest.raises(ValueError, match="3 values for 50 rows"):
        MilvusIndex(x, uri=milvus_uri(), fields={"country": ["MA"] * 3})
    index = MilvusIndex(x, uri=milvus_uri(), fields={"country": ["MA"] * 50})
    index.save(tmp_path / "overall.faiss")
    saved = json.loads((tmp_path / "overall.faiss").read_text())
    assert saved == {"engine": "milvus", "collection": index.collection, "rows": 50, "dim": 8,
                     "index_type": "FLAT", "fields": ["country"]}


def test_settings_choose_the_engine_and_versions_become_collections(tmp_path: Path) -> None:
    """The factory the catalogue builds its views with: FAISS by default (its parameters unchanged), Milvus by
    setting; one collection per view and catalogue version, reused when built again, the older dropped."""
    from embeddings.index_factory import build_index, database_key, index_params
    from embeddings.index_faiss import FaissIndex
    from service.settings import Settings

    faiss_params = index_params(Settings(db=str(tmp_path / "a.db")), index_dir=tmp_path)
    assert faiss_params == {"approx_threshold": 200_000, "approx": "ivf", "nprobe": 32, "ef_search": 256}
    assert isinstance(build_index(clustered(50, 8, seed=1), view="overall", catalogue_version=1, **faiss_params),
                      FaissIndex)
    settings = Settings(db=str(tmp_path / "a.db"), vector_engine="milvus", milvus_index="IVF_FLAT", nprobe=4)
    params = index_params(settings, index_dir=tmp_path / "idx")
    assert params["uri"] == str(tmp_path / "idx" / "milvus.db") and params["index_type"] == "IVF_FLAT"
    cat = random_catalogue(60, seed=2)
    x = clustered(60, 8, seed=3)
    built = [build_index(x, view="overall", catalogue_version=v, arrays=cat, **params) for v in (1, 1, 2, 3)]
    first, again, _, last = built
    assert isinstance(first, MilvusIndex) and isinstance(again, MilvusIndex) and isinstance(last, MilvusIndex)
    assert again.reused and again.collection == first.collection
    key = database_key(settings.db)
    assert last.collection.startswith(f"ccimatch_{key}_v3_overall_")
    assert sorted(n.split("_")[2] for n in last.client.list_collections()) == ["v2", "v3"]
    expr = constraint_expression(Constraints(countries=frozenset({"MA"})), cat)
    np.testing.assert_array_equal(last.rows(expr), np.flatnonzero(cat.countries == "MA"))


def test_an_expression_is_counted_once_per_index(catalogue_indexes, monkeypatch: pytest.MonkeyPatch) -> None:
    cat, indexes = catalogue_indexes
    index = indexes["overall"]
    expr = 'country in ["MA"]'
    assert index.count(expr) == int((cat.countries == "MA").sum()) and index.count(None) == len(cat)

    def no_query(*args: object, **kwargs: object) -> None:
        raise AssertionError("counted again")

    monkeypatch.setattr(index.client, "query", no_query)
    assert index.count(expr) == int((cat.countries == "MA").sum())  # a collection never changes: cached
