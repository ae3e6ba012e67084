"""The learned ranker in the product (issue #16 point 3): trained on a synthetic history with a planted structure
it beats the weighted mean and suggest uses it; with no model or no relationships the ranking is exactly
today's; a model with other features is refused and the ranking falls back; too little history is refused; a
meeting marked not_relevant excludes that partner; explanations name a shared partner."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest

from bench.history import planted_history
from learning.ranker import RankerModel, TrainingSet, train_ranker
from matcher.constraints import Constraints
from matcher.learned import feature_names
from matcher.relationships import partnership
from matcher.suggestions import draft_of
from matcher.suggestions import suggest as rank_and_explain
from service.catalogue import Catalogue, ingest, suggest
from service.catalogue.training import MIN_LABELS, NotEnoughHistoryError, split_history, train
from service.settings import Settings
from storage import relationships as rel
from storage.models import latest_model, save_model
from tests.conftest import FakeEncoder, cli_invoker, record

COUNTRIES = ["TN", "FR", "IT", "MA", "ES", "EG", "LB", "DE", "GR", "JO"]
WORDS = ["pottery", "weaving", "design", "film", "music", "leather", "glass", "wood", "print", "textile", "museum",
         "festival", "tour", "jewel", "ceramic", "carpet", "photo", "game", "book", "theatre", "dance", "spice",
         "olive", "copper", "silver", "paper", "brand", "video", "radio"]


def profiles(n: int, seed: int = 0) -> list[dict[str, object]]:
    """``n`` profiles in ten countries whose texts are random words: the texts say nothing about who partners."""
    rng = np.random.default_rng(seed)

    def words(k: int) -> str:
        return " ".join(rng.choice(WORDS, k))

    return [record(f"p{i:03d}", country=COUNTRIES[i % len(COUNTRIES)], name=f"Org {i:03d}", description=words(8),
                   offers=f"{words(3)}; {words(3)}", needs=words(3)) for i in range(n)]


def catalogue(path: Path, n: int) -> Catalogue:
    cat = Catalogue.open(Settings(db=str(path)), encoder=FakeEncoder())
    assert not ingest(cat, profiles(n), atomic=True).errors
    return cat


def todays(cat: Catalogue, pid: str, k: int = 10) -> list[tuple[str, float]]:
    """The ranking as it was before relationships existed: matcher.suggestions without a model or a graph."""
    st = cat.state()
    me = cat.profile(pid)
    draft = draft_of(me)
    result = rank_and_explain(st, me, draft, cat.vectors(draft.query_texts(), role="query"), k=k,
                              constraints=Constraints())
    return [(s.id, s.score) for s in result.suggestions]


def ids_scores(cat: Catalogue, pid: str, k: int = 10) -> list[tuple[str, float]]:
    return [(s.id, s.score) for s in suggest(cat, pid, k=k).suggestions]


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory):
    """150 profiles, 30 planted communities (300 partnerships, the newest 60 close triangles), a model trained."""
    cat = catalogue(tmp_path_factory.mktemp("learned") / "history.db", 150)
    st = cat.state()
    history = planted_history(st.arrays.ids.tolist(), st.arrays.countries.tolist(), communities=30)
    rel.write_partnerships(cat.engine, history)
    return cat, history, train(cat, threads=1)


@pytest.fixture
def small(tmp_path: Path) -> Catalogue:
    return catalogue(tmp_path / "small.db", 12)


def test_training_on_a_planted_history_beats_the_weighted_mean(trained) -> None:
    cat, _, report = trained
    assert report.split.labels == 300 and len(report.split.train) == 48 and len(report.split.valid) == 12
    assert report.split.cut >= date(2022, 1, 1)  # every chain and noise edge is older: the graph holds no label
    assert all(r.date < report.split.cut for r in report.split.history)
    v = report.model.validation
    assert v["ndcg@10"] > v["ndcg@10_weighted_mean"] + 0.2, v
    assert report.model.features == feature_names()
    stored = latest_model(cat.engine)
    assert stored is not None and stored.id == report.stored.id and stored.catalogue_version == cat.state().version


def test_suggest_uses_the_saved_model_and_names_the_shared_partner(trained) -> None:
    cat, history, _ = trained
    closing = next(r for r in history if r.reference == "closing-0-0")  # a–c, both partners of b
    chain = {r.reference: r for r in history if r.reference.startswith("chain-0-")}
    b = ({chain["chain-0-0"].source, chain["chain-0-0"].target} & {chain["chain-0-1"].source,
                                                                     chain["chain-0-1"].target}).pop()
    result = suggest(cat, closing.source, k=10)
    assert result.ranking == "learned" and result.to_dict()["ranking"] == "learned"
    found = {s.id: s for s in result.suggestions}
    assert closing.target in found
    shared = found[closing.target].relations[0]
    assert shared.kind == "shared_partners" and shared.partners[0][0] == cat.profile(b).name
    assert f"works with {cat.profile(b).name} ({cat.profile(b).country})" in found[closing.target].reason


def test_cold_start_is_exactly_todays_ranking(small: Catalogue) -> None:
    before = {pid: todays(small, pid) for pid in ("p000", "p005", "p011")}
    for pid, expected in before.items():
        result = suggest(small, pid)
        assert [(s.id, s.score) for s in result.suggestions] == expected
        assert result.ranking == "weighted_mean" and result.ranking_note == ""
        assert all(s.relations == () for s in result.suggestions)
    # relationships but no model: the same rows and scores, only the explanations gain the relationship
    rel.write_partnerships(small.engine, [partnership("p000", "p002", date=date(2024, 1, 1)),
                                          partnership("p001", "p002", date=date(2024, 1, 1))])
    for pid, expected in before.items():
        assert ids_scores(small, pid) == expected


def test_an_explanation_names_the_shared_partner(small: Catalogue) -> None:
    rel.write_partnerships(small.engine, [partnership("p000", "p002", date=date(2024, 1, 1)),
                                          partnership("p001", "p002", date=date(2023, 1, 1))])
    result = suggest(small, "p000", k=10)
    them = next(s for s in result.suggestions if s.id == "p001")
    assert [r.to_dict()["partners"] for r in them.relations] == [[{"name": "Org 002", "country": "IT"}]]
    assert them.reason.startswith("works with Org 002 (IT), who also works with you")
    assert result.to_dict()["suggestions"][[s.id for s in result.suggestions].index("p001")]["relations"][0][
        "text"] == "works with Org 002 (IT), who also works with you"


def tiny_model(features: tuple[str, ...]) -> RankerModel:
    rng = np.random.default_rng(0)
    x = rng.random((40, len(features)))
    y = (x[:, 0] > 0.5).astype(float)
    return train_ranker(TrainingSet(x=x, y=y, groups=np.array([10] * 4), features=features), catalogue_version=1,
                        threads=1)


def test_a_model_with_other_features_is_refused_and_the_ranking_falls_back(small: Catalogue) -> None:
    expected = todays(small, "p003")
    other = (*feature_names()[:-1], "something_else")
    save_model(small.engine, tiny_model(other).to_json(), catalogue_version=1)
    result = suggest(small, "p003")
    assert [(s.id, s.score) for s in result.suggestions] == expected
    assert result.ranking == "weighted_mean"
    assert "trained on other features" in result.ranking_note and "something_else" in result.ranking_note
    from service.doctor import checkup  # ccimatch doctor names it, with the fix

    found = checkup(small.engine)
    assert found.ranking == "weighted_mean" and found.to_dict()["ranking"] == "weighted_mean"
    assert [(f.field, f.fix) for f in found.findings] == [
        ("features", "ccimatch model train-ranker, or ccimatch model drop")]
    assert "something_else" in found.findings[0].reason
    # a model with this ranking's features is used at once (the model id is part of the cache key)
    save_model(small.engine, tiny_model(feature_names()).to_json(), catalogue_version=1)
    assert suggest(small, "p003").ranking == "learned" and checkup(small.engine).ranking == "learned"


def test_too_little_history_is_refused_with_the_figures(small: Catalogue) -> None:
    rel.write_partnerships(small.engine, [partnership(f"p{i:03d}", f"p{i + 1:03d}", date=date(2015 + i, 1, 1))
                                          for i in range(10)])
    with pytest.raises(NotEnoughHistoryError) as exc:
        train(small)
    assert str(exc.value) == (
        f"not enough history to learn from: 2 partnerships in the training window (the most recent 20 % of 10 "
        f"partnerships and useful meetings, from 2023-01-01), at least {MIN_LABELS} needed; ranking stays the "
        "weighted mean")
    assert latest_model(small.engine) is None and suggest(small, "p000").ranking == "weighted_mean"


def test_split_puts_every_label_after_the_graph() -> None:
    found = [partnership(f"a{i}", f"b{i}", date=date(2000, 1, 1) + timedelta(days=i)) for i in range(200)]
    found += [replace(found[0], kind="cluster_member", source="k", target="a0", date=date(2039, 6, 1))]
    split = split_history(found)
    assert split.cut == date(2000, 1, 1) + timedelta(days=160) and split.labels == 200
    assert len(split.train) == 32 and len(split.valid) == 8  # 40 labels: the newest 20 % validate
    assert [r.date for r in split.valid] == sorted(r.date for r in split.valid) > [r.date for r in split.train]
    assert max(r.date for r in split.history) < split.cut and len(split.history) == 160  # not the later cluster


def test_not_relevant_excludes_that_partner_for_who_said_it(tmp_path: Path) -> None:
    from tests.storage.test_relationships import fair, said

    cat = Catalogue.open(Settings(db=str(tmp_path / "fair.db")), encoder=FakeEncoder())
    assert not ingest(cat, [record(x, country=c) for x, c in zip("abcd", ["TN", "FR", "IT", "MA"], strict=True)],
                      atomic=True).errors
    eid, ids = fair(cat.engine)
    assert "b" in [s.id for s in suggest(cat, "a").suggestions]
    said(cat.engine, eid, ids["ab"], "a", "not_relevant")
    assert "b" not in [s.id for s in suggest(cat, "a").suggestions]
    assert "a" in [s.id for s in suggest(cat, "b").suggestions]  # b did not say so


def test_model_commands(trained, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                        small: Catalogue) -> None:
    from service.cli import common

    cat, _, report = trained
    invoke = cli_invoker(monkeypatch, capsys, "model")
    monkeypatch.setattr(common, "settings", lambda db: Settings(db=str(cat.engine.url.database)))
    code, out, _ = invoke("show")
    assert code == 0 and f"ranking model {report.stored.id} saved" in out and "used by suggest" in out
    monkeypatch.setattr(common, "open_catalogue", lambda db: small)
    monkeypatch.setattr(common, "settings", lambda db: Settings(db=str(small.engine.url.database)))
    code, out, err = invoke("train-ranker")
    assert code == 2 and err.startswith("error: not enough history to learn from: no partnership")
    save_model(small.engine, tiny_model(feature_names()).to_json(), catalogue_version=1)
    code, out, _ = invoke("drop")
    assert code == 0 and out.startswith("1 ranking model(s) dropped")
    code, out, _ = invoke("show")
    assert code == 0 and out.startswith("no ranking model saved")


def test_the_command_line_shows_the_relationship_reason(small: Catalogue, monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from service.cli import common

    rel.write_partnerships(small.engine, [partnership("p000", "p002", date=date(2024, 1, 1)),
                                          partnership("p001", "p002", date=date(2023, 1, 1))])
    monkeypatch.setattr(common, "open_catalogue", lambda db: small)
    invoke = cli_invoker(monkeypatch, capsys)
    code, out, _ = invoke("suggest", "p000", "--k", "10")
    assert code == 0 and "works with Org 002 (IT), who also works with you" in out
    code, out, _ = invoke("suggest", "p000", "--k", "10", "--json")
    data = json.loads(out)
    assert data["ranking"] == "weighted_mean"
    assert [r["kind"] for s in data["suggestions"] if s["id"] == "p001" for r in s["relations"]] == ["shared_partners"]


def test_an_event_batch_explains_and_dismisses_as_one_suggest_each(small: Catalogue) -> None:
    from service.catalogue import suggest_many

    rel.write_partnerships(small.engine, [partnership("p000", "p002", date=date(2024, 1, 1)),
                                          partnership("p001", "p002", date=date(2023, 1, 1))])
    ids = [f"p{i:03d}" for i in range(0, 12, 2)] + ["p001"]
    everyone = frozenset(ids)
    batch = suggest_many(small, ids, k=10, constraints=Constraints(only_ids=everyone), allow_same_country=True)
    for pid in ids:
        one = suggest(small, pid, k=10, constraints=Constraints(only_ids=everyone - {pid}), allow_same_country=True)
        assert [s.to_dict() for s in batch[pid].suggestions] == [s.to_dict() for s in one.suggestions], pid
    assert any(s.relations for s in batch["p000"].suggestions)
