"""``ccimatch relationships`` (import all or nothing, or --partial; list, add, delete) and ``ccimatch event outcome`` /
``outcomes`` end to end through the real entry point."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from service import events as ev
from service.catalogue import Catalogue
from service.events import EventService
from tests.conftest import cli_invoker
from tests.service.events.helpers import accept_all, plan, rows


@pytest.fixture
def rel_cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], catalogue: Catalogue):
    from service.cli import common

    monkeypatch.setattr(common, "open_catalogue", lambda db: catalogue)
    return cli_invoker(monkeypatch, capsys, "relationships")


def csv(tmp_path: Path, rows: list[dict[str, str]]) -> str:
    path = tmp_path / "partnerships.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return str(path)


GOOD = {"source": "tn-1", "target": "fr-1", "kind": "partnership", "date": "2021-03-15", "origin": "CORDIS",
        "reference": "H2020-1"}


def test_import_all_or_nothing_then_partial_then_again(rel_cli, tmp_path: Path) -> None:
    path = csv(tmp_path, [GOOD, GOOD | {"target": "xx-1"}, GOOD | {"source": "ma-1", "target": "it-1", "date": "2019"}])
    code, out, err = rel_cli("import", path)
    assert code == 1 and out == ""
    assert "error: row 2 id 'tn-1 -- xx-1': field 'target' = 'xx-1': unknown profile id" in err
    assert "nothing was written (--partial writes the good rows)" in err
    assert rel_cli("list", "--kind", "partnership")[1] == ""
    code, out, err = rel_cli("import", path, "--partial")
    assert code == 1 and "3 rows, 2 added, 0 updated, 1 rejected." in out
    code, out, _ = rel_cli("import", csv(tmp_path, [GOOD]))
    assert code == 0 and "1 rows, 0 added, 1 updated, 0 rejected." in out


def test_list_add_and_delete(rel_cli, tmp_path: Path) -> None:
    code, out, _ = rel_cli("add", "tn-2", "it-1", "--date", "2020", "--origin", "EEN", "--reference", "BRIT1")
    assert code == 0
    assert out.startswith("added #1 partnership     2020-01-01  it-1 (Org it-1, IT) -- tn-2 (Org tn-2, TN)")
    assert rel_cli("add", "tn-2", "it-1", "--date", "2021", "--reference", "BRIT1")[1].startswith("updated #1")
    code, out, err = rel_cli("add", "tn-2", "tn-2", "--date", "2021")
    assert code == 1 and "a profile cannot be in a relationship with itself" in err
    code, out, _ = rel_cli("list", "--profile", "tn-2", "--json")
    import json

    assert [(x["id"], x["source"], x["date"], x["origin"]) for x in json.loads(out)] == [(1, "it-1", "2021-01-01", "")]
    code, _, err = rel_cli("list", "--profile", "zz-9")
    assert code == 2 and "no profile with id 'zz-9'" in err
    code, _, err = rel_cli("list", "--kind", "friends")
    assert code == 2 and "kind" in err and "partnership, cluster_member, met_at_event" in err
    assert rel_cli("delete", "1") == (0, "deleted relationship 1\n", "")
    code, _, err = rel_cli("delete", "1")
    assert code == 2 and "no stored relationship with id 1" in err


def test_event_outcomes_from_the_command_line(event_cli, svc: EventService) -> None:
    eid = ev.create_event(svc, name="Past fair", venue="", timezone="Africa/Tunis", tables=2, allow_past=True,
                          plan=plan(days=(plan().days[0].replace(year=2020),)), participants=rows())
    first = ev.request(svc, eid, "tn-1", "fr-1")
    second = ev.request(svc, eid, "ma-1", "it-1")
    accept_all(svc, eid)
    ev.schedule(svc, eid, time_limit=5)
    code, out, _ = event_cli("outcome", str(eid), str(first.id), "agreement", "--by", "fr-1", "--note", "signé")
    assert code == 0 and out == f"meeting {first.id}: fr-1 recorded agreement\n"
    code, _, err = event_cli("outcome", str(eid), str(second.id), "great", "--by", "it-1")
    assert code == 2 and "choose one of no_show, not_relevant, useful, follow_up, agreement" in err
    code, _, err = event_cli("outcome", str(eid), str(second.id), "useful", "--by", "tn-1")
    assert code == 2 and "no scheduled meeting" in err
    code, out, _ = event_cli("outcomes", str(eid))
    assert code == 0
    assert f"event {eid}: 2 of 2 scheduled meetings held; follow-up or agreement: 1 of 2 (50%)" in out
    assert "agreement 1" in out and "unrecorded 1" in out and "FR-TN  1 of 1 (100%)" in out
    code, out, _ = event_cli("outcomes", str(eid), "--json")
    import json

    assert json.loads(out)["share"] == 0.5
