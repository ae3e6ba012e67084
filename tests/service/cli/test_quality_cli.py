"""``ccimatch quality``: one profile's findings with fix hints, or the weakest profiles; and the line an ingest
prints about the profiles it wrote."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import record
from tests.service.cli.test_cli import csv, run  # noqa: F401  (the fixture)

GOOD = ("Atelier de poterie à Nabeul : nous tournons et émaillons à la main de la vaisselle en céramique et des "
        "carreaux peints pour les hôtels, les restaurants et les boutiques de décoration.")
ROWS = [
    record("tn-good", name="Atelier Nour", description=GOOD, offers="vaisselle émaillée;carreaux sur mesure"),
    record("tn-bad", name="POTERIE DU CAP BON", description="We do crafts.", offers="", languages="en"),
]


def test_ingest_says_how_many_profiles_have_findings(run, tmp_path: Path) -> None:  # noqa: F811
    code, out, _ = run("ingest", csv(tmp_path, ROWS))
    assert code == 0 and "quality: 1 of 2 profile(s) have findings" in out


def test_one_profile_and_the_weakest(run, tmp_path: Path) -> None:  # noqa: F811
    run("ingest", csv(tmp_path, ROWS))
    code, out, _ = run("quality", "tn-bad")
    assert code == 0 and "tn-bad POTERIE DU CAP BON: quality 50/100" in out
    assert "[description_short]" in out and "fix: Say in two or three sentences" in out
    code, out, _ = run("quality", "tn-bad", "--lang", "fr", "--json")
    data = json.loads(out)
    assert [f["code"] for f in data["findings"]] == ["description_short", "no_offers", "all_capitals"]
    assert data["findings"][1]["message"] == "Le profil ne dit rien de ce que vous proposez."
    code, out, _ = run("quality", "tn-good")
    assert code == 0 and "tn-good Atelier Nour: quality 100/100, no finding" in out
    code, out, _ = run("quality", "--weakest", "5", "--json")
    assert code == 0 and [r["profile_id"] for r in json.loads(out)] == ["tn-bad"]


def test_usage_errors_are_one_line(run, tmp_path: Path) -> None:  # noqa: F811
    run("ingest", csv(tmp_path, ROWS))
    code, _, err = run("quality")
    assert code == 2 and "give a profile ID or --weakest N" in err
    code, _, err = run("quality", "nobody")
    assert code == 2 and "no profile with id 'nobody'" in err
    code, _, err = run("quality", "tn-bad", "--lang", "de")
    assert code == 2 and "--lang" in err and "Traceback" not in err
