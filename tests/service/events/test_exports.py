"""Agendas, iCalendar files, the grid and summaries: correct, safe to open, all or nothing."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from service import events as ev
from service.catalogue import Catalogue
from service.events import (
    EventService,
)
from tests.service.events.helpers import (
    DANGEROUS,
    FORMULAS,
    all_cells,
    make_event,
    scheduled_event,
    stored_as_is,
)


def test_ics_folds_long_arabic_lines_whole_characters_and_round_trips(svc: EventService,
                                                                       catalogue: Catalogue) -> None:
    import icalendar

    long_name = "تعاونية الفخار الأزرق بآسفي, Safi; « poterie » " * 3
    stored_as_is(catalogue, **{"fr-1": long_name.strip()})
    eid = scheduled_event(svc)
    raw = ev.ics(svc, eid, "tn-1")
    lines = raw.split(b"\r\n")
    assert all(len(x) <= 75 for x in lines) and all(isinstance(x.decode("utf-8"), str) for x in lines)  # whole chars
    assert any(x.startswith(b" ") for x in lines)  # folded
    summaries = {str(e["SUMMARY"]) for e in icalendar.Calendar.from_ical(raw).walk("VEVENT")}
    assert f"Meeting with {long_name.strip()}" in summaries
    assert b"Safi\\; " in raw.replace(b"\r\n ", b"")  # escaped by the library


def test_export_agendas_ics_grid_and_summary(svc: EventService, tmp_path: Path) -> None:
    import icalendar

    eid = scheduled_event(svc)
    data = ev.event(svc, eid)
    files = ev.export(svc, eid, tmp_path / "out", now=datetime(2026, 11, 30, 12, 0, tzinfo=UTC))
    assert all(f.exists() for f in files)
    agenda = pd.read_csv(tmp_path / "out" / "agendas" / "tn-1.csv", encoding="utf-8-sig", dtype=str)
    assert sorted(agenda["partner_id"]) == ["fr-1", "it-1"] and list(agenda["slot"]) == sorted(agenda["slot"])
    raw = (tmp_path / "out" / "agendas" / "tn-1.ics").read_bytes()
    assert raw.count(b"\r\n") == raw.count(b"\n") and all(len(x) <= 75 for x in raw.split(b"\r\n"))
    cal = icalendar.Calendar.from_ical(raw)
    vevents = [c for c in cal.walk("VEVENT")]
    assert len(vevents) == 2
    slots = {s.index + 1: s for s in data.slots}
    by_partner = {row.partner_id: row for row in agenda.itertuples()}
    for vevent in vevents:
        summary = str(vevent["SUMMARY"])
        partner = "fr-1" if "Org fr-1" in summary else "it-1"
        assert summary == f"Meeting with Org {partner}"
        slot = slots[int(by_partner[partner].slot)]
        assert vevent.decoded("DTSTART") == slot.start and vevent.decoded("DTEND") == slot.end
        assert vevent["DTSTART"].to_ical() == slot.start.strftime("%Y%m%dT%H%M%SZ").encode()
        assert str(vevent["LOCATION"]) == f"Table {by_partner[partner].table}, Palais des Congrès, Tunis"
        assert "Why:" in str(vevent["DESCRIPTION"]) and str(vevent["UID"])
    fr = next(v for v in vevents if "fr-1" in str(v["SUMMARY"]))
    assert "Dîner, puis visite; à bientôt" in str(fr["DESCRIPTION"])
    assert "Dîner\\, puis visite\\; à bientôt" in raw.decode().replace("\r\n ", "")
    # the organiser's grid, as CSV and Excel, and the summary
    grid = pd.read_csv(tmp_path / "out" / "grid.csv", encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert list(grid.columns) == ["slot", "start", "end", "session", "Table 1", "Table 2"]
    assert grid["start"][0] == "2031-12-01 09:00" and grid["end"][0] == "09:30"
    cells = [c for t in ("Table 1", "Table 2") for c in grid[t] if c]
    assert sorted(cells) == sorted(["Org tn-1 × Org fr-1", "Org tn-1 × Org it-1", "Org ma-1 × Org it-1"])
    xl = pd.read_excel(tmp_path / "out" / "grid.xlsx", sheet_name=None, dtype=str, keep_default_na=False)
    assert set(xl) == {"grid", "participants", "table use"} and xl["grid"].equals(grid)
    summary = pd.read_csv(tmp_path / "out" / "summary.csv", encoding="utf-8-sig").set_index("profile_id")
    assert summary.loc["tn-1", "held"] == summary.loc["tn-1", "requested"] == 2
    assert summary.loc["es-1", "held"] == 0 and "breaks" in summary.columns
    use = pd.read_csv(tmp_path / "out" / "table_use.csv", encoding="utf-8-sig")
    assert use["tables_used"].sum() == 3 and (use["tables"] == 2).all()


def test_agenda_reason_is_from_the_participants_side(svc: EventService) -> None:
    eid = scheduled_event(svc)
    mine = ev.agenda(svc, eid, "fr-1")
    assert [x.partner_id for x in mine] == ["tn-1"] and mine[0].reason and mine[0].priority == "must"
    assert b"BEGIN:VEVENT" in ev.ics(svc, eid, "fr-1")


def test_exports_neutralise_formulas_and_stored_control_characters(svc: EventService, catalogue: Catalogue,
                                                                    tmp_path: Path) -> None:
    """Problems 1 and 3: no cell that ccimatch writes starts a formula; stored control characters never break
    an export, and the .ics files parse and carry none."""
    import icalendar

    stored_as_is(catalogue, **{"tn-1": FORMULAS[0], "fr-1": FORMULAS[1], "it-1": "Cuivres\x07 & Maisons\x00",
                               "ma-1": "\u202eseméS\x1b[31m", "lb-1": FORMULAS[2], "es-1": FORMULAS[3]})
    eid = make_event(svc, tables=2)
    for a, b, message in [("tn-1", "fr-1", FORMULAS[4]), ("tn-1", "it-1", "@here"), ("ma-1", "lb-1", FORMULAS[5]),
                          ("es-1", "it-1", "-1")]:
        r = ev.request(svc, eid, a, b, message=message.strip() if message.startswith("\t") else message.lstrip("\r"))
        ev.accept(svc, r.id, as_organiser=True)
    assert ev.schedule(svc, eid, time_limit=5).held == 4
    files = ev.export(svc, eid, tmp_path / "out", now=datetime(2026, 11, 30, 12, 0, tzinfo=UTC))
    cells = all_cells(tmp_path / "out")
    assert len(cells) > 100 and {name for name, _ in cells} >= {"grid.csv", "summary.csv", "tn-1.csv",
                                                                "grid.xlsx:grid", "grid.xlsx:participants"}
    formulas = [(f, v) for f, v in cells if isinstance(v, tuple)]
    assert formulas == []
    leading = [(f, v) for f, v in cells if isinstance(v, str) and v.startswith(DANGEROUS)]
    assert leading == []
    controls = [(f, v) for f, v in cells if isinstance(v, str) and re.search("[\x00-\x08\x0b-\x1f\x7f\u202e]", v)]
    assert controls == []
    names = {v for _, v in cells if isinstance(v, str)}
    assert "'" + FORMULAS[0] in names and "'" + FORMULAS[1] in names  # kept readable, neutralised
    assert any("Cuivres\ufffd & Maisons\ufffd" in v for v in names)
    for ics in (f for f in files if f.suffix == ".ics"):
        raw = ics.read_bytes()
        assert not re.search(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", raw), ics.name
        assert "\u202e".encode() not in raw
        cal = icalendar.Calendar.from_ical(raw)
        assert all(str(ev["SUMMARY"]).startswith("Meeting with") for ev in cal.walk("VEVENT"))
    tn1 = icalendar.Calendar.from_ical((tmp_path / "out" / "agendas" / "tn-1.ics").read_bytes())
    assert {str(ev["SUMMARY"]) for ev in tn1.walk("VEVENT")} == {f"Meeting with {FORMULAS[1]}",
                                                                 "Meeting with Cuivres\ufffd & Maisons\ufffd"}


def test_export_is_all_or_nothing(svc: EventService, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Problem 3: an export that fails half-way leaves no folder (or the previous export untouched)."""
    import service.events.exports as module

    eid = scheduled_event(svc)
    tmp_path = tmp_path / "exports"
    tmp_path.mkdir()
    out = tmp_path / "out"

    def broken(*_: object, **__: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(module, "write_xlsx", broken)
    with pytest.raises(OSError, match="disk full"):
        ev.export(svc, eid, out)
    assert not out.exists() and list(tmp_path.iterdir()) == []
    monkeypatch.undo()
    first = ev.export(svc, eid, out)
    assert all(f.exists() for f in first)
    monkeypatch.setattr(module, "write_xlsx", broken)
    with pytest.raises(OSError):
        ev.export(svc, eid, out)  # the previous export stays whole
    assert sorted(p.name for p in out.iterdir()) == ["agendas", "grid.csv", "grid.xlsx", "summary.csv",
                                                     "table_use.csv"]
    assert sorted(tmp_path.iterdir()) == [out]
    monkeypatch.undo()
    assert ev.export(svc, eid, out) == first  # a new export replaces an old one
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.docx").write_text("precious")
    with pytest.raises(ValueError, match="not a ccimatch export"):
        ev.export(svc, eid, tmp_path / "mine")
    assert (tmp_path / "mine" / "thesis.docx").read_text() == "precious"
