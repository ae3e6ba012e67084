"""``ccimatch eval``: the evaluation's Typer app, added to a root app the way ``ccimatch`` adds plugins."""

from __future__ import annotations

import json
from importlib.metadata import entry_points
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from evaluation.cli import app
from evaluation.runner import NAMES
from tests.conftest import FakeEncoder, shared_data


def root() -> typer.Typer:
    """A root app with another command, registering ``app`` as the ``ccimatch.cli`` plugin group does."""
    main = typer.Typer()

    @main.command()
    def stats() -> None:
        """Another command, so that the root stays a group of commands."""

    main.add_typer(app)
    return main


def test_unknown_name_is_one_line_and_exit_2() -> None:
    result = CliRunner().invoke(root(), ["eval", "nonsense"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == f"error: unknown evaluation 'nonsense'; choose one of {', '.join(NAMES)}\n"


def test_the_command_is_eval_not_eval_eval() -> None:
    result = CliRunner().invoke(root(), ["--help"])
    assert result.exit_code == 0 and "eval" in result.stdout
    nested = CliRunner().invoke(root(), ["eval", "eval", "cordis"])
    assert nested.exit_code == 2  # 'eval' is the command, not a group holding another 'eval'


def test_absent_data_is_one_line_and_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CCIMATCH_SHARED_DATA", str(tmp_path / "nowhere"))
    monkeypatch.setattr("embeddings.encoder.SentenceTransformerEncoder", lambda *a, **k: FakeEncoder())
    result = CliRunner().invoke(root(), ["eval", "crosslingual", "--json"])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith("error: ") and "nowhere" in result.stderr and "is absent" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.model
@pytest.mark.shared_data
def test_crosslingual_quick_run_as_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CCIMATCH_SHARED_DATA", str(shared_data()))
    result = CliRunner().invoke(root(), ["eval", "crosslingual", "--limit", "20", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"crosslingual"} and "markdown" not in data["crosslingual"]
    results = data["crosslingual"]["results"]
    assert results and all(r["n"] == 20 and 0.0 <= r["xx_to_en"] <= 1.0 and 0.0 <= r["en_to_xx"] <= 1.0
                           for r in results)


def test_registered_entry_point_gives_ccimatch_eval(capsys: pytest.CaptureFixture[str]) -> None:
    """pyproject registers evaluation.cli:app in the ccimatch.cli group: the real command line has 'eval'."""
    assert [e.name for e in entry_points(group="ccimatch.cli") if e.value == "evaluation.cli:app"] == ["eval"]
    from service.cli import add_plugins
    from service.cli import app as ccimatch

    add_plugins()
    result = CliRunner().invoke(ccimatch, ["eval", "nonsense"])
    assert result.exit_code == 2
    assert "unknown evaluation 'nonsense'" in result.stderr
