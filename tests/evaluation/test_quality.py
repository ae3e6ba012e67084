"""``ccimatch eval quality``: rule frequencies on the sample, twins scored against a small CORDIS-like folder whose
twin ids are known by construction, and a clear skip when the shared data is absent."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from evaluation.quality import cordis_profiles, run_cordis, run_quality
from matcher.quality import CODES
from tests.conftest import ROOT
from tests.evaluation.test_cli import root

PARTICIPATIONS = [  # fp, project_id, org_id, name, country, type, src
    ("H2020", "1", "111", "POTERIE NOUR SARL", "FR", "PRC", "a"),
    ("H2020", "2", "aaa", "Poterie Nour, SARL", "FR", "PRC", "b"),  # the same organisation under a second id
    ("H2020", "1", "222", "UNIVERSITE DE NABEUL", "TN", "HES", "a"),
    ("H2020", "3", "333", "MUSEE DU BARDO", "TN", "PUB", "a"),
    ("H2020", "3", "444", "ATELIER SUD", "TN", "PRC", "a"),
    ("H2020", "4", "555", "", "TN", "PRC", "a"),  # no name: no profile
]
PROJECTS = [("H2020", "1", "CER", "Ceramics for sustainable buildings", "t", "c1", "Ceramic tiles", "RIA", "False",
             "False"),
            ("H2020", "2", "GLZ", "Glazes without lead", "t", "c2", "Safer glazes, contact info@glaze.eu", "RIA",
             "False", "False"),
            ("H2020", "3", "MUS", "Museum crafts", "t", "c3", "Crafts in museums", "CSA", "True", "True")]


def cordis_folder(tmp_path: Path) -> Path:
    root_dir = tmp_path / "cordis-partnerships"
    root_dir.mkdir()
    parts = pd.DataFrame(PARTICIPATIONS, columns=["fp", "project_id", "org_id", "name", "country", "type", "src"])
    projects = pd.DataFrame(PROJECTS, columns=["fp", "project_id", "acronym", "title", "theme", "topic_code",
                                               "topic_descr", "type_of_action", "cult_strict", "sc6"])
    for name, frame in (("participations", parts), ("projects", projects)):
        with gzip.open(root_dir / f"{name}.csv.gz", "wt", encoding="utf-8") as fh:
            frame.to_csv(fh, index=False)
    return root_dir


def test_cordis_twins_are_ground_truth_and_found(tmp_path: Path) -> None:
    folder = cordis_folder(tmp_path)
    profiles, truth, variant = cordis_profiles(folder)
    assert sorted(p.id for p in profiles) == ["111", "222", "333", "444", "aaa"]
    assert truth == variant == {("111", "aaa")}
    result = run_cordis(folder)
    assert result["platform"] == {"flagged": 1, "true": 1, "precision": 1.0, "recall": 1.0}
    assert result["rules"]["possible_duplicate"]["count"] == 2
    assert result["rules"]["contact_in_text"]["count"] == 1  # the e-mail in project 2's topic
    assert result["rules"]["no_offers"]["share"] == 1.0


def test_sample_only_when_shared_data_is_absent(tmp_path: Path) -> None:
    result = run_quality(ROOT, tmp_path / "nowhere", tmp_path / "reports")
    assert "cordis" not in result and "is absent" in result["cordis_skipped"]
    assert result["sample"]["profiles"] == 358 and set(result["sample"]["rules"]) == set(CODES)
    text = (tmp_path / "reports" / "quality.md").read_text(encoding="utf-8")
    assert text.startswith("# Profile quality") and "CORDIS: skipped" in text
    assert json.loads((tmp_path / "reports" / "quality.json").read_text())["sample"]["profiles"] == 358


def test_the_command_writes_the_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cordis_folder(tmp_path)
    monkeypatch.setenv("CCIMATCH_SHARED_DATA", str(tmp_path))
    result = CliRunner().invoke(root(), ["eval", "quality", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    text = (tmp_path / "out" / "quality.md").read_text(encoding="utf-8")
    assert "| `possible_duplicate` |" in text and "CC BY 4.0" in text and "| platform rule" in text
