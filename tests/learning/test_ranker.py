"""The learned rankers on data whose answer is known by construction: the partner is the candidate with
the most shared partners, while the weighted mean (``score``) is noise."""

from __future__ import annotations

import numpy as np
import pytest

from learning.linear import fit_coordinate_ascent, grouped_ndcg
from learning.ranker import RankerModel, TrainingSet, cross_validate, ndcg_at_10, train_ranker
from matcher.errors import InvalidRequestError
from matcher.learned import Learned, ModelMismatchError

FEATURES = ("score", "common_partners", "asker_degree")


def planted(groups: int, size: int = 20, seed: int = 0) -> TrainingSet:
    rng = np.random.default_rng(seed)
    x = np.column_stack([rng.random(groups * size), rng.integers(0, 5, groups * size).astype(float),
                         np.repeat(rng.random(groups), size)])
    y = np.zeros(groups * size)
    for g in range(groups):
        block = slice(g * size, (g + 1) * size)
        x[block, 1][rng.integers(size)] = 9.0  # one candidate shares many partners: the partner
        y[block] = x[block, 1] == 9.0
    return TrainingSet(x=x, y=y, groups=np.full(groups, size), features=FEATURES)


def test_grouped_ndcg_matches_the_per_group_loop() -> None:
    data = planted(6)
    scores = np.random.default_rng(3).random(len(data.y))
    group_of = np.repeat(np.arange(6), 20)
    starts = np.arange(6) * 20
    ideal = np.ones(6)  # one partner each: ideal DCG 1
    assert grouped_ndcg(scores, data.y, group_of, starts, ideal) == pytest.approx(ndcg_at_10(scores, data.y,
                                                                                             data.groups))


def test_coordinate_ascent_finds_the_planted_feature_and_ignores_per_asker_constants() -> None:
    data = planted(40)
    model = fit_coordinate_ascent(data.x, data.y, data.groups, data.features)
    assert model.weights[1] > 0 and model.weights[2] == 0.0
    assert ndcg_at_10(model.predict(data.x), data.y, data.groups) == pytest.approx(1.0)
    assert ndcg_at_10(data.x[:, 0], data.y, data.groups) < 0.5  # the weighted mean alone is noise here


@pytest.mark.parametrize("method", ["lambdarank", "linear", "auto"])
def test_each_method_beats_the_weighted_mean_on_held_back_groups_and_round_trips(method: str) -> None:
    train, valid = planted(60, seed=1), planted(20, seed=2)
    model = train_ranker(train, valid, catalogue_version=7, method=method)
    assert model.validation["ndcg@10"] > 0.9 > model.validation["ndcg@10_weighted_mean"]
    if method == "auto":
        assert {"ndcg@10_lambdarank", "ndcg@10_linear"} <= set(model.validation)
    again = RankerModel.from_json(model.to_json())
    assert again.features == FEATURES and again.catalogue_version == 7 and again.method == model.method
    assert np.allclose(again.predict(valid.x), model.predict(valid.x))


def test_a_model_for_other_features_is_refused_by_the_ranking() -> None:
    model = train_ranker(planted(30), catalogue_version=1, method="linear")
    learned = Learned(graph=None, row_of={}, model=model)  # type: ignore[arg-type]
    with pytest.raises(ModelMismatchError, match="it lacks semantic; it has asker_degree, common_partners"):
        learned.check(("semantic", "score"))
    learned.check(FEATURES)


def test_nothing_to_learn_and_foreign_files_are_refused_in_one_line() -> None:
    empty = TrainingSet(x=np.zeros((4, 3)), y=np.zeros(4), groups=np.array([4]), features=FEATURES)
    with pytest.raises(InvalidRequestError, match="no partnership to learn from"):
        train_ranker(empty, catalogue_version=1)
    for text in ("{}", "not json", '{"format": "ccimatch-ranker/1", "features": ["a"], "booster": "", '
                 '"catalogue_version": 1, "trained_at": "x", "validation": {}, "training": {}, "method": "linear", '
                 '"linear": {"weights": [1, 2], "mean": [0], "scale": [1]}}'):
        with pytest.raises(InvalidRequestError, match="not a ccimatch ranking model"):
            RankerModel.from_json(text)


def test_take_keeps_each_groups_rows_with_uneven_sizes() -> None:
    x = np.arange(12, dtype=float).reshape(6, 2)
    data = TrainingSet(x=x, y=np.array([0, 1, 0, 0, 1, 0.0]), groups=np.array([1, 3, 2]), features=("a", "b"))
    part = data.take(np.array([2, 0]))
    assert part.groups.tolist() == [2, 1]
    assert part.x.tolist() == [[8, 9], [10, 11], [0, 1]]
    assert part.y.tolist() == [1, 0, 0]
    assert data.take(np.array([], np.int64)).groups.tolist() == []


@pytest.mark.parametrize("method", ["lambdarank", "linear"])
def test_cross_validation_scores_each_group_with_a_model_that_never_saw_it(method: str) -> None:
    data = planted(60)
    folds = np.arange(60) % 4
    figures = cross_validate(data, folds, methods=(method,), rounds=40)
    assert figures[method] > 0.95  # the planted feature is learnt on three folds and holds on the fourth
    assert figures["weighted_mean"] < 0.6  # noise
    assert cross_validate(data, np.zeros(60), methods=(method,), rounds=40) == {}  # one fold: nothing to train on


def test_cross_validated_boosting_cannot_memorise_noise_that_it_fits_in_sample() -> None:
    rng = np.random.default_rng(5)
    groups, size = 80, 20
    x = np.column_stack([rng.random(groups * size), rng.random(groups * size), rng.random(groups * size)])
    y = np.zeros(groups * size)
    y[np.arange(groups) * size + rng.integers(size, size=groups)] = 1.0  # one partner per group, at random
    data = TrainingSet(x=x, y=y, groups=np.full(groups, size), features=FEATURES)
    in_sample = train_ranker(data, None, catalogue_version=0, rounds=300, method="lambdarank")
    fitted = ndcg_at_10(in_sample.predict(x), y, data.groups)
    crossed = cross_validate(data, np.arange(groups) % 4, methods=("lambdarank",))["lambdarank"]
    assert fitted > 0.9 and crossed < 0.4  # seeds 0-4: in sample 0.97-0.99, cross-validated 0.17-0.27


def test_cross_validation_refuses_folds_of_another_length() -> None:
    with pytest.raises(ValueError, match="fold_of has 3 entries for 10 groups"):
        cross_validate(planted(10), np.zeros(3))
