"""Consortium recovery: the report says whether the graph seed beats plain top-N from the paired interval; on a
CORDIS slice every method runs and the graph weights come from the validation grid."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from evaluation.consortium import GRID, ConsortiumRun, consortium_markdown, figures, run_consortium
from evaluation.cordis import build_protocol
from evaluation.cordis_eval import embed_history
from tests.conftest import FakeEncoder


def run(graph_seeded: list[float], top_n: list[float]) -> ConsortiumRun:
    n = len(top_n)
    return ConsortiumRun(projects=n, seeded=np.array(top_n), top_n=np.array(top_n),
                         graph_seeded=np.array(graph_seeded), graph_only=np.array(top_n), weights=(4.0, 1.0))


def test_the_report_says_plainly_whether_the_graph_seed_beats_top_n() -> None:
    top = [0.1, 0.2, 0.0, 0.3] * 5
    better = consortium_markdown(run([t + 0.2 for t in top], top))
    assert "beats plain top-N" in better and "λ_rel = 4, λ_brk = 1" in better
    assert figures(run([t + 0.2 for t in top], top))["graph_seed_minus_top_n"].mean == pytest.approx(0.2)
    same = consortium_markdown(run(top, top))
    assert "does not beat plain top-N" in same and "does not beat the graph-only ranking" in same
    assert "so its gain comes from the ties" in same
    assert "| graph seed − plain top-N | +0.000 [+0.000, +0.000] |" in same
    assert "does worse than plain top-N" in consortium_markdown(run([0.0] * 20, [0.5] * 20))


def test_without_graph_figures_the_report_is_the_two_methods() -> None:
    old = ConsortiumRun(projects=2, seeded=np.array([0.1, 0.2]), top_n=np.array([0.1, 0.3]))
    assert set(figures(old)) == {"seed_cluster", "top_n"} and "graph seed" not in consortium_markdown(old)


@pytest.mark.shared_data
def test_every_method_runs_on_a_slice_with_weights_from_the_validation_grid(cordis, tmp_path: Path) -> None:
    data, split = cordis
    protocol = build_protocol(data, split, limit=8)
    vectors = embed_history(protocol, FakeEncoder(), tmp_path / "cache.db")
    result = run_consortium(protocol, vectors, FakeEncoder.dim, limit=2)
    assert result.projects == 2 and result.weights in GRID and result.validation_projects == 2
    assert set(result.validation) == {",".join(map(str, w)) for w in GRID}
    for shares in (result.seeded, result.top_n, result.graph_seeded, result.graph_only):
        assert len(shares) == 2 and np.all((shares >= 0) & (shares <= 1))
    assert result.validation[",".join(map(str, result.weights))] == max(result.validation.values())
