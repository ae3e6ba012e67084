"""The acceptance model and the figures of a set of lists, on inputs computed by hand."""

from __future__ import annotations

import numpy as np
import pytest

from matcher.errors import InvalidRequestError
from matcher.exposure import AcceptanceModel, expected_accepted, gini, metrics, probabilities

HALF = AcceptanceModel(center=0.0, scale=1.0)  # p(0) = 0.5


def test_gini_of_equal_exposure_is_zero_and_of_one_holder_is_n_minus_one_over_n() -> None:
    assert gini(np.array([3, 3, 3, 3])) == pytest.approx(0.0)
    assert gini(np.array([0, 0, 0, 5])) == pytest.approx(3 / 4)
    assert gini(np.array([0, 0, 1, 1])) == pytest.approx(0.5)  # mean |xi - xj| / (2 mean) = 0.5 / 1
    assert gini(np.array([0, 0])) == 0.0


def test_expected_accepted_applies_the_capacity() -> None:
    assert expected_accepted(np.array([1.0, 1.0, 1.0]), 2) == pytest.approx(2.0)
    assert expected_accepted(np.array([0.5, 0.5]), 1) == pytest.approx(0.75)  # 1 - P(none)
    assert expected_accepted(np.array([0.5, 0.5]), 2) == pytest.approx(1.0)  # no cap binds: the mean
    assert expected_accepted(np.array([0.3, 0.6, 0.9]), 0) == 0.0
    rng = np.random.default_rng(1)  # Monte Carlo agrees on a larger case
    q = rng.uniform(0.1, 0.9, 12)
    draws = (rng.random((200_000, 12)) < q).sum(axis=1)
    assert expected_accepted(q, 4) == pytest.approx(float(np.minimum(draws, 4).mean()), abs=0.01)


def test_probabilities_use_the_receivers_own_score_of_the_asker() -> None:
    s = np.array([[np.nan, 2.0], [-1.0, np.nan]])
    send, meet = probabilities(s, HALF)
    sig = lambda x: 1 / (1 + np.exp(-x))  # noqa: E731
    assert send[0, 1] == pytest.approx(sig(2.0)) and send[1, 0] == pytest.approx(sig(-1.0))
    assert meet[0, 1] == pytest.approx(sig(2.0) * sig(-1.0)) == meet[1, 0]
    assert send[0, 0] == 0.0 and meet[1, 1] == 0.0


def test_fitted_model_centres_on_the_mean_score() -> None:
    s = np.array([[np.nan, 1.0, 3.0], [1.0, np.nan, 3.0], [1.0, 3.0, -np.inf]])
    model = AcceptanceModel.fit(s)
    assert model.center == pytest.approx(2.0) and model.scale == pytest.approx(1.0)
    with pytest.raises(InvalidRequestError, match="scale"):
        AcceptanceModel(center=0.0, scale=0.0)


def test_metrics_of_a_three_participant_event_by_hand() -> None:
    s = np.zeros((3, 3))
    np.fill_diagonal(s, np.nan)
    lists = np.array([[1], [0], [0]])
    m = metrics(lists, s, np.array([1, 1, 1]), k=1, model=HALF)
    # every q is 0.25; receiver 0 gets two asks with room for one: 1 - 0.75^2; receiver 1 one ask
    assert m.expected_meetings == pytest.approx(1 - 0.75**2 + 0.25)
    assert m.expected_requests == pytest.approx(1.5)
    assert m.exposure_gini == pytest.approx(4 / 9)  # exposure 2, 1, 0
    assert m.short_share == 0.0
    assert m.top_share == pytest.approx(1.0 / 1.5)  # the top 10 % of 3 is one participant: 2 of 3 requests
    short = metrics(np.array([[1, -1], [0, 2], [-1, -1]]), s, np.array([1, 1, 1]), k=2, model=HALF)
    assert short.short_share == pytest.approx(2 / 3)


def test_metrics_refuse_a_participant_shown_itself() -> None:
    s = np.zeros((2, 2))
    with pytest.raises(InvalidRequestError, match="itself"):
        metrics(np.array([[0], [0]]), s, np.array([1, 1]), k=1)
    with pytest.raises(InvalidRequestError, match="capacity"):
        metrics(np.array([[1], [0]]), s, np.array([1]), k=1)
