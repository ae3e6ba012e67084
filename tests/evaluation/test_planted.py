"""Planted coherent groups (known by construction) are recovered by the seed where similarity alone cannot tell
them from look-alikes, and the recovery comes from the offer ↔ need term."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from evaluation.planted import planted_catalogue, planted_markdown, plot_planted, run_planted


def test_the_planted_catalogue_is_built_as_described() -> None:
    p = planted_catalogue(groups=4, background=20)
    assert len(p.cat) == 4 * 12 + 20 and len(p.groups) == 4
    for group in p.groups:
        assert len(group) == 6 and p.cat.kinds[group[0]] == "firm"
        assert sorted(p.cat.kinds[group].tolist()) == ["education", "firm", "firm", "firm", "individual",
                                                       "support_org"]
        assert len(set(p.cat.countries[group].tolist())) == 3


def test_planted_groups_are_recovered_and_top_n_does_not_recover_them(tmp_path: Path) -> None:
    run = run_planted(groups=10)
    assert run.seed.mean() >= 0.9  # the seed finds the members whose offers answer each other's needs
    assert run.top_n.mean() <= 0.6 and run.seed_without_complementarity.mean() <= 0.6  # look-alikes fool them
    assert np.all(run.seed >= run.top_n)
    text = planted_markdown(run)
    assert "| seed_cluster − plain top-N (paired) | +" in text and "planted_clusters.png" in text
    plot_planted(run, tmp_path / "planted.png")
    assert (tmp_path / "planted.png").stat().st_size > 1000
