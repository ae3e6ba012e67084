"""The CLI through its real entry point: exit codes, messages on stderr, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from service.catalogue import Catalogue
from service.cli import common
from service.settings import Settings
from tests.conftest import FakeEncoder, cli_invoker, record

ROWS = [
    record("tn-1", description="poterie émaillée de Nabeul", offers="poterie émaillée"),
    record("fr-1", country="FR", description="concept store à Lyon", offers="distribution de céramique"),
    record("eg-1", country="EG", sectors="fashion_textile", description="cotton clothing workshop in Cairo"),
]


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path):
    encoder = FakeEncoder()
    monkeypatch.setattr(common, "open_catalogue", lambda db: Catalogue.open(Settings(db=db or str(tmp_path / "c.db")),
                                                                      encoder=encoder))

    return cli_invoker(monkeypatch, capsys)


def csv(tmp_path: Path, rows: list[dict[str, object]]) -> str:
    path = tmp_path / "in.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return str(path)


def test_ingest_partial_reports_bad_rows_and_exits_1(run, tmp_path: Path) -> None:
    code, out, err = run("ingest", csv(tmp_path, [*ROWS, record("x-9", country="Marocco")]))
    assert code == 1
    assert "3 added, 0 updated, 1 rejected" in out
    assert "row 4 id 'x-9': field 'country' = 'Marocco': unknown country code" in err
    assert "did you mean 'MA'" in err


def test_ingest_atomic_writes_nothing(run, tmp_path: Path) -> None:
    code, _, err = run("ingest", csv(tmp_path, [*ROWS, record("x-9", sectors="craft")]), "--atomic")
    assert code == 1 and "nothing was written" in err
    code, out, _ = run("stats", "--json")
    assert code == 0 and json.loads(out)["profiles"] == 0


def test_ingest_good_file_then_search_and_stats(run, tmp_path: Path) -> None:
    code, out, _ = run("ingest", csv(tmp_path, ROWS), "--json")
    assert code == 0 and json.loads(out)["inserted"] == 3
    code, out, _ = run("search", "cotton clothing workshop", "--k", "2", "--json")
    data = json.loads(out)
    assert code == 0 and data["eligible"] == 3 and data["suggestions"][0]["id"] == "eg-1"
    assert "contact_email" not in data["suggestions"][0] and data["suggestions"][0]["evidence"]
    code, out, _ = run("search", "poterie", "--countries", "Tunisie,FR", "--sectors", "crafts", "--json")
    assert {r["id"] for r in json.loads(out)["suggestions"]} == {"tn-1", "fr-1"}
    code, out, _ = run("search", "poterie", "--country", "TN")
    assert code == 0 and "2 eligible" in out and "tn-1" not in out
    code, out, _ = run("suggest", "tn-1", "--json")
    data = json.loads(out)
    assert code == 0 and data["query"]["id"] == "tn-1" and {r["country"] for r in data["suggestions"]} == {"FR", "EG"}
    code, out, _ = run("stats")
    assert code == 0 and "profiles: 3" in out and "fashion_textile" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["search", "x", "--countries", "Tunisi"], "unknown country 'Tunisi'; did you mean 'TN'?"),
        (["search", "x", "--sectors", "jewelery"], "unknown value 'jewelery'; did you mean 'jewellery'?"),
        (["search", "x", "--k", "0"], "Invalid value"),
        (["ingest", "missing.csv"], "no such file"),
        (["search"], "Missing argument"),
        (["suggest", "nobody"], "no profile with id 'nobody'"),
    ],
)
def test_bad_options_give_one_clear_line(run, args: list[str], message: str) -> None:
    code, _, err = run(*args)
    assert code == 2 and message in err


def test_help_lists_the_commands(run) -> None:
    code, out, _ = run("--help")
    assert code == 0 and all(c in out for c in ("ingest", "search", "stats", "model", "index"))


def test_a_wrong_setting_in_the_environment_is_one_clear_line(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    monkeypatch.setenv("CCIMATCH_BACKEND", "tensorrt")
    code, _, err = cli_invoker(monkeypatch, capsys)("keys", "list", "--db", str(tmp_path / "x.db"))
    assert code == 2 and err.strip() == ("error: setting CCIMATCH_BACKEND = 'tensorrt': Input should be 'torch' or "
                                         "'onnx-int8'")


def test_many_bad_rows_are_listed_up_to_100_with_the_valid_codes_once(run, tmp_path: Path) -> None:
    """Problem 7: the CLI lists 100 errors, says how many more, and prints each list of valid values once."""
    code, _, err = run("ingest", csv(tmp_path, [record(f"x-{i}", country="Marocco") for i in range(500)]))
    lines = err.splitlines()
    assert code == 1 and len(lines) == 102
    assert lines[100] == "... and 400 more problem(s) not listed (500 in all)"
    assert lines[101].startswith("valid country: MA, DZ, TN") and err.count(" DZ,") == 1


@pytest.mark.parametrize(("name", "data", "message"), [
    ("deep.json", b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    ("corrupt.xlsx", b"PK\x03\x04garbage", "not a valid Excel workbook"),
    ("semi.csv", b"id;name;kind\ntn-1;A;firm\n", "did you mean ';'-separated?"),
    ("latin.csv", "id,name\ntn-1,Société\n".encode("latin-1"), "not UTF-8 text"),
])
def test_malformed_files_exit_2_with_one_line(run, tmp_path: Path, name: str, data: bytes, message: str) -> None:
    """Problems 4 and 8: exit 2 and one line naming the file (was exit 3 'unexpected RecursionError')."""
    path = tmp_path / name
    path.write_bytes(data)
    code, out, err = run("ingest", str(path))
    assert code == 2 and out == "" and err.count("\n") == 1
    assert err.startswith(f"error: {path}: ") and message in err


def test_stored_control_characters_never_reach_the_terminal_and_doctor_names_them(
        run, tmp_path: Path) -> None:
    """Problem 3: a name stored with NUL, BEL and an escape sequence (by an older version) prints as U+FFFD;
    --json keeps it exact but escaped; ccimatch doctor reports it with the field and the code point."""
    from dataclasses import replace

    from storage import repository as repo

    assert run("ingest", csv(tmp_path, ROWS))[0] == 0
    cat = common.open_catalogue(None)
    bad = replace(repo.load_profiles(cat.engine)[1], name="Concept\x00 store\x07 \x1b[2J\u202eLyon\x85")
    repo.write_profiles(cat.engine, [bad], model_id=cat.model_id, vectors={})
    code, out, _ = run("suggest", "tn-1")
    assert code == 0 and "Concept\ufffd store\ufffd \ufffd[2J\ufffdLyon\ufffd" in out
    assert not any(c in out for c in "\x00\x07\x1b\u202e\x85")
    code, out, _ = run("suggest", "tn-1", "--json")
    assert code == 0 and "\\u202e" in out and "\\u0085" in out and not any(c in out for c in "\x00\x07\u202e\x85")
    names = {s["id"]: s["name"] for s in json.loads(out)["suggestions"]}
    assert names["fr-1"] == bad.name
    code, out, _ = run("doctor", "--db", str(tmp_path / "c.db"))
    assert code == 1 and "problem: profile 'fr-1': field 'name': character U+0000" in out
    assert "checked 3 profile(s), 0 event(s), 0 request(s), 0 key(s): 1 problem(s)" in out
    repo.write_profiles(cat.engine, [replace(bad, name="Concept store Lyon")], model_id=cat.model_id, vectors={})
    code, out, _ = run("doctor", "--db", str(tmp_path / "c.db"), "--json")
    assert code == 0 and json.loads(out)["problems"] == []


@pytest.mark.parametrize("args", [["search", "poterie\x07"], ["search", "x", "--needs", "a\x00"],
                                  ["cluster", "seed", "--size", "2", "--theme", "mode\u202e"]])
def test_control_characters_in_queries_are_refused(run, tmp_path: Path, args: list[str]) -> None:
    assert run("ingest", csv(tmp_path, ROWS))[0] == 0
    code, _, err = run(*args)
    assert code == 2 and "is not allowed" in err and "U+" in err
