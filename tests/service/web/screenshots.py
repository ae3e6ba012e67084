"""``make screenshots``: PNGs of every page of the web app in Arabic, French and English, at desktop (1280 wide)
and phone (375 × 667) sizes, under ``docs/screenshots/<page>-<lang>-<size>.png``.

A throw-away database holds the bundled sample data (real encoder), an event a week from now with scheduled
meetings, a pending registration, and keys for an editor, an organiser and a participant; pages behind a key
are opened through their personal link. ``python -m tests.service.web.screenshots OUT_DIR [--only NAME,...]``
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]
SIZES: dict[str, Any] = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 375, "height": 667}}
EVENT_MEMBERS = ["ma-0901", "tn-0902", "fr-0006", "fr-0902", "it-0004", "lb-0902", "jo-0902", "eg-0003", "es-0004",
                 "tn-0004", "ma-0004", "dz-0002"]
# (name, path, who): who opens the page (None: anyone; else the key whose personal link is followed first)
PAGES: tuple[tuple[str, str, str | None], ...] = (
    ("home", "/{lang}/", None),
    ("login", "/{lang}/login", None),
    ("search", "/{lang}/search?q={query}&home=MA&country=FR", None),
    ("profile", "/{lang}/profiles/ma-0901", None),
    ("profile-cluster", "/{lang}/profiles/fr-0001", None),  # a cluster: its members are relationships
    ("partners", "/{lang}/profiles/ma-0901/partners", None),
    ("register", "/{lang}/register", None),
    ("moderation", "/{lang}/moderation", "editor"),
    ("clusters", "/{lang}/clusters?sectors=crafts&sectors=fashion_textile&countries=MA,TN,FR,IT&size=6"
                 "&min_countries=3&role_education=1", None),
    ("cluster-extend", "/{lang}/clusters/extend?members=fr-0006&k=8", None),
    ("event-participant", "/{lang}/events/{event}/me", "participant"),
    ("event-requests", "/{lang}/events/{event}/me/requests", "participant"),
    ("event-agenda", "/{lang}/events/{event}/me/agenda", "participant"),
    ("event-outcomes", "/{lang}/events/{event}/me/outcomes", "participant"),
    ("organise", "/{lang}/organise", "organiser"),
    ("event-dashboard", "/{lang}/organise/{event}", "organiser"),
    ("event-participants", "/{lang}/organise/{event}/participants", "organiser"),
    ("event-board", "/{lang}/organise/{event}/requests", "organiser"),
    ("event-schedule", "/{lang}/organise/{event}/schedule", "organiser"),
    ("event-grid", "/{lang}/organise/{event}/grid", "organiser"),
    ("event-exports", "/{lang}/organise/{event}/exports", "organiser"),
)
QUERIES = {"ar": "موزع للأواني الخزفية المصنوعة يدويا", "fr": "distributeur de céramique artisanale",
           "en": "distributor of handmade ceramics"}


def prepare(folder: Path) -> tuple[Any, dict[str, Any]]:
    """The catalogue with the sample partnerships, an event with a schedule, a pending registration and keys."""
    from service.catalogue import Catalogue, import_relationships, ingest
    from service.settings import Settings
    from storage.files import read_records

    cat = Catalogue.open(Settings(db=str(folder / "screens.db")))
    ingest(cat, read_records(ROOT / "data" / "sample_profiles.csv"), atomic=True)
    import_relationships(cat, read_records(ROOT / "data" / "sample_relationships.csv"))
    return cat, stage(cat)


def stage(cat: Any) -> dict[str, Any]:
    """On a catalogue of the sample data: an event a week from now with scheduled meetings, a pending
    registration, and an editor's, an organiser's and a participant's keys."""
    from service import events
    from service.catalogue import moderation
    from storage.keys import create_key

    members = [m for m in EVENT_MEMBERS if cat.find(m) is not None]
    svc = events.EventService(cat)
    day = date.today() + timedelta(days=7)
    event = events.create_event(svc, name="CAT 2026 — B2B", venue="Palais des Expositions du Kram",
                                timezone="Africa/Tunis", tables=4,
                                plan=events.SlotPlan(days=(day,), afternoon_start=None, afternoon_end=None),
                                participants=[{"profile_id": m} for m in members])
    events.prefill(svc, event, k=3)
    for r in events.list_requests(svc, event, ("pending",))[::2]:
        events.accept(svc, r.id, as_organiser=True)
    events.schedule(svc, event, time_limit=10)
    moderation.submit_new(cat, {"name": "Atelier Nour", "kind": "firm", "country": "MA", "sectors": ["crafts"],
                                "description": "Poterie émaillée de Safi, pièces tournées à la main."})
    keys = {"editor": create_key(cat.engine, "editor", "screenshots"),
            "organiser": create_key(cat.engine, "organiser", "screenshots"),
            "participant": create_key(cat.engine, "participant", "screenshots", event_id=event,
                                      profile_id=members[0])}
    return {"event": event, "keys": keys}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--only", help="page names, comma-separated")
    args = parser.parse_args()
    only = set(args.only.split(",")) if args.only else None
    from playwright.sync_api import sync_playwright

    from service.http import create_app
    from service.settings import Settings
    from tests.service.web.conftest import CHROMIUM_ARGS, LiveServer

    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        cat, facts = prepare(Path(tmp))
        app = create_app(Settings(db=str(Path(tmp) / "screens.db")), catalogue=cat)
        with LiveServer(app) as server, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
            written = 0
            for name, path, who in PAGES:
                if only and name not in only:
                    continue
                for lang in ("ar", "fr", "en"):
                    for size, viewport in SIZES.items():
                        context = browser.new_context(viewport=viewport, is_mobile=size == "phone")
                        page = context.new_page()
                        if who is not None:
                            page.goto(f"{server.url}/{lang}/key/{facts['keys'][who]}")
                        url = path.format(lang=lang, event=facts["event"], query=QUERIES[lang])
                        response = page.goto(server.url + url)
                        if response is None or response.status >= 400:
                            print(f"{name} ({lang}): HTTP {response.status if response else '?'}", file=sys.stderr)
                        page.wait_for_function("document.fonts.status === 'loaded'")
                        page.screenshot(path=str(args.out / f"{name}-{lang}-{size}.png"), full_page=True)
                        written += 1
                        context.close()
            browser.close()
    print(f"wrote {written} screenshots to {args.out}")


if __name__ == "__main__":
    main()
