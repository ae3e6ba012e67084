"""B2B meetings in a real browser, on the sample catalogue: the organiser's journey in French (create an event
from the form, a participants file with a bad row refused with its reason, prefill, the request board, the
scheduler as a background job watched live and stopped, the grid, the meetings left out with their reasons in
French, every export, the dashboard), the participant's journey on a phone in Arabic (recommendations mutual
first, a request with a message, the answer from the other side, the agenda after scheduling and its .ics), the
same access rules as the API (another participant's agenda, another event, another participant's request), an
oversized upload answered with a page in its language, and every event page right to left in Arabic and with
nothing serious for axe in Arabic and French."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.service.web.conftest import PHONE, LiveServer, direction, serious_violations

pytestmark = pytest.mark.model

DAY = date.today() + timedelta(days=30)
# complementary pairs of the sample data (data/sample_pairs.csv), a seeker and the partner that answers it
PAIRS = ["ma-0901", "fr-0901", "dz-0901", "be-0901", "ps-0901", "nl-0901", "eg-0901", "fr-0902", "lb-0901", "fr-0903",
         "jo-0901", "mt-0901", "tn-0901", "it-0901"]
CAPPED = "fr-0903"  # given max_meetings = 1 in the organiser's file


def csv_file(tmp_path: Path, name: str, rows: list[str]) -> Path:
    path = tmp_path / name
    path.write_text("profile_id,forbidden_slots,max_meetings,stand\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def organiser_page(web: LiveServer, chromium: Any, sample_catalogue: Any, lang: str, **kwargs: Any) -> Any:
    from storage.keys import create_key

    page = chromium.new_context(**kwargs).new_page()
    page.goto(f"{web.url}/{lang}/key/{create_key(sample_catalogue.engine, 'organiser', 'test organiser')}")
    assert page.url.endswith(f"/{lang}/organise")
    return page


def fill_event(page: Any, *, name: str, tables: str, afternoon: bool = True) -> None:
    page.fill("#name", name)
    page.fill("#venue", "Palais des Expositions du Kram")
    page.fill("#timezone", "Africa/Tunis")
    page.fill("#days", DAY.isoformat())
    if not afternoon:
        page.fill("#afternoon_start", "")
        page.fill("#afternoon_end", "")
    page.fill("#slot_minutes", "30")
    page.fill("#tables", tables)


def create_event(page: Any, participants: Path, **event: Any) -> int:
    """An event through the organiser's form; returns its id (the dashboard's URL)."""
    fill_event(page, **event)
    page.set_input_files("#participants", str(participants))
    page.click("form.event-form button[type=submit]")
    found = re.search(r"/organise/(\d+)$", page.url)
    assert found, page.inner_text("main")[:500]
    return int(found.group(1))


def participant_page(web: LiveServer, chromium: Any, sample_catalogue: Any, lang: str, event_id: int,
                     profile_id: str, **kwargs: Any) -> Any:
    from storage.keys import create_key

    key = create_key(sample_catalogue.engine, "participant", f"test {profile_id}", event_id=event_id,
                     profile_id=profile_id)
    page = chromium.new_context(**kwargs).new_page()
    page.goto(f"{web.url}/{lang}/key/{key}")
    assert page.url.endswith(f"/{lang}/events/{event_id}/me")
    return page


def event_count(sample_catalogue: Any) -> int:
    from service import events

    return len(events.list_events(events.EventService(sample_catalogue)))


# --- the organiser ------------------------------------------------------------------------------------------
def test_organiser_journey_in_french(web: LiveServer, chromium: Any, sample_catalogue: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    from service import events

    svc = events.EventService(sample_catalogue)
    page = organiser_page(web, chromium, sample_catalogue, "fr", viewport={"width": 1280, "height": 900})
    asked: list[str] = []

    def answer(dialog: Any) -> None:
        asked.append(dialog.message)
        dialog.accept()

    page.on("dialog", answer)
    assert serious_violations(page) == []
    before = event_count(sample_catalogue)

    # bad fields: each message next to its field, in French; nothing written
    fill_event(page, name="", tables="0")
    page.fill("#days", "le 1er décembre")
    page.fill("#slot_minutes", "trente")
    page.click("form.event-form button[type=submit]")
    assert page.inner_text("#name-error") == "Donnez un nom à l'événement."
    assert "le 1er décembre" in page.inner_text("#days-error") and "n'est pas" in page.inner_text("#days-error")
    assert page.inner_text("#tables-error") == "Indiquez un nombre de tables de 1 à 1000."
    assert page.inner_text("#slot_minutes-error") == "Indiquez un nombre entier de minutes."
    assert page.inner_text("#participants-error") == "Choisissez le fichier des participants (CSV ou Excel)."
    assert page.get_attribute("#tables", "aria-invalid") == "true"
    assert page.input_value("#venue") == "Palais des Expositions du Kram"  # what was typed is kept
    assert serious_violations(page) == []

    # a participants file with one bad row: the row and its reason, in French; still nothing written
    rows = [f"{pid},,{'1' if pid == CAPPED else ''}," for pid in PAIRS]
    bad = csv_file(tmp_path, "participants.csv", [*rows[:5], "zz-0404,,,", *rows[5:]])
    fill_event(page, name="CAT 2026 – rendez-vous B2B", tables="1", afternoon=False)
    page.set_input_files("#participants", str(bad))
    page.click("form.event-form button[type=submit]")
    bad_rows = page.locator("table.bad-rows tbody tr")
    assert bad_rows.count() == 1
    assert bad_rows.locator("td").all_inner_texts() == [
        "6", "zz-0404", "profile_id", "zz-0404",
        "identifiant de profil inconnu : aucun profil de ce nom dans le catalogue"]
    assert event_count(sample_catalogue) == before
    assert serious_violations(page) == []

    # the file fixed: the event exists, and its dashboard opens
    event_id = create_event(page, csv_file(tmp_path, "fixed.csv", rows), name="CAT 2026 – rendez-vous B2B",
                            tables="1", afternoon=False)
    assert event_count(sample_catalogue) == before + 1
    assert page.inner_text("h1") == "Tableau de bord"
    assert "mercredi" in page.inner_text(".event-head") or str(DAY.year) in page.inner_text(".event-head")
    page.click("nav.tabs >> text=Participants")
    assert page.locator("table.participants tbody tr").count() == len(PAIRS)
    assert serious_violations(page) == []

    # prefill: a bad value next to its field and nothing written, then the requests
    page.click("nav.tabs >> text=Demandes")
    page.fill("#k", "beaucoup")
    page.click("section.panel button[type=submit]")
    assert page.inner_text("#k-error") == "Indiquez un nombre entier de 1 à 100."
    assert events.list_requests(svc, event_id) == []
    page.fill("#k", "3")
    page.click("section.panel button[type=submit]")
    made = events.list_requests(svc, event_id)
    assert made and f"Demandes préremplies à partir des recommandations : {len(made)}" in page.inner_text("main")
    board = page.locator("table.board tbody tr")
    assert board.count() == len(PAIRS)
    assert sum(int(x) for x in page.locator("table.board td.n-pending").all_inner_texts()) == 2 * len(made)
    assert serious_violations(page) == []
    for r in made:  # the participants accept (their own journey is tested below)
        events.accept(svc, r.id, as_organiser=True)
    page.reload()
    assert sum(int(x) for x in page.locator("table.board td.n-accepted").all_inner_texts()) == 2 * len(made)

    # the scheduler: a bad time limit refused, then a run watched live (htmx polling) and stopped
    page.click("nav.tabs >> text=Planning")
    page.fill("#time_limit", "0")
    page.click("section.panel button[type=submit]")
    assert page.inner_text("#time_limit-error") == "Indiquez un nombre entier de secondes de 1 à 600."
    assert events.event_job(svc, event_id) is None
    page.fill("#time_limit", "60")
    page.click("section.panel button[type=submit]")
    running = page.locator("#job.job-running")
    assert running.get_attribute("hx-trigger") == "every 1s"
    assert page.inner_text("#job .job-state") == "En cours"
    # the best schedule so far, swapped in by htmx without a reload
    expect(page.locator("#job .job-held")).to_have_text(re.compile(r"\d+ / \d+"), timeout=20000)
    assert page.inner_text("#job .job-phase") in ("Démarrage", "Vérification des contraintes",
                                                 "Recherche du meilleur planning", "Recherche de ce qui ne tient pas")
    with page.expect_response(lambda response: response.url.endswith("/schedule/progress")):
        pass  # one more swap
    page.click("#job button.danger")  # a button htmx swapped in: it still asks first
    page.wait_for_selector("#job.job-stopped", timeout=15000)
    assert asked == ["Arrêter le planificateur maintenant ? Le meilleur planning trouvé jusqu'ici est conservé."]
    assert page.inner_text("#job .job-state") == "Arrêté"
    job = events.event_job(svc, event_id)
    summary = job.summary if job is not None else None
    assert summary is not None and summary["stored"] and summary["held"] >= 1

    # the meetings left out, each with its reason in French (not the solver's English)
    left = page.locator("table.left-out tbody tr")
    assert left.count() == len(summary["left_out"]) > 0
    english = {x["reason"] for x in summary["left_out"]}
    reasons = left.locator("td.reason").all_inner_texts()
    assert all(r and r not in english for r in reasons)
    capped = [r for r in reasons if "a déjà son maximum de 1 rendez-vous" in r]
    assert capped and all(r.startswith("Éditions du Mistral Jeunesse") for r in capped)  # fr-0903, by its name
    assert serious_violations(page) == []

    # the grid, printable: one cell per meeting held, the navigation hidden on paper
    page.click("nav.tabs >> text=Grille")
    assert page.locator("table.grid td.taken").count() == summary["held"]
    assert serious_violations(page) == []
    page.emulate_media(media="print")
    assert page.evaluate("getComputedStyle(document.querySelector('nav.tabs')).display") == "none"
    assert page.evaluate("getComputedStyle(document.querySelector('header.top')).display") == "none"
    page.emulate_media(media="screen")

    # every export downloads
    page.click("nav.tabs >> text=Exports")
    assert serious_violations(page) == []
    with page.expect_download() as download:
        page.click("a[href$='/exports/export.zip']")
    archive = zipfile.ZipFile(io.BytesIO(Path(download.value.path()).read_bytes()))
    names = archive.namelist()
    assert {f"event-{event_id}/{n}" for n in ("grid.csv", "grid.xlsx", "summary.csv", "table_use.csv")} <= set(names)
    assert sum(n.endswith(".ics") for n in names) == len(PAIRS)
    for name in ("grid.xlsx", "grid.csv", "summary.csv", "table_use.csv"):
        with page.expect_download() as download:
            page.click(f"a[href$='/exports/{name}']")
        assert download.value.suggested_filename == f"event-{event_id}-{name}"
        body = Path(download.value.path()).read_bytes()
        assert body.startswith(b"PK") if name.endswith(".xlsx") else body.count(b"\n") >= 2

    # the dashboard, now on the schedule: four charts, each with its numbers
    page.click("nav.tabs >> text=Tableau de bord")
    assert "rendez-vous planifiés" in page.inner_text(".figures-row")
    assert page.locator("svg.histogram rect.column").count() >= 6 and page.locator("table.heatmap").count() == 1
    assert page.locator("table.sectors tbody tr").count() >= 3 and page.locator("#acceptance").count() == 1
    assert page.inner_text(".big-figure span") == "100%"
    assert serious_violations(page) == []
    page.context.close()


# --- the participant ----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def small_event(web: LiveServer, chromium: Any, sample_catalogue: Any,
                tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """A second event (eight participants, two tables, a day of two sessions) made through the form."""
    page = organiser_page(web, chromium, sample_catalogue, "en")
    path = csv_file(tmp_path_factory.mktemp("small"), "participants.csv", [f"{p},,," for p in PAIRS[:8]])
    yield create_event(page, path, name="Salon des industries créatives", tables="2")
    page.context.close()


def test_participant_journey_on_a_phone_in_arabic(web: LiveServer, chromium: Any, sample_catalogue: Any,
                                                   small_event: int) -> None:
    from icalendar import Calendar

    from service import events

    svc = events.EventService(sample_catalogue)
    phone = participant_page(web, chromium, sample_catalogue, "ar", small_event, "ma-0901", viewport=PHONE,
                             is_mobile=True, has_touch=True)
    assert direction(phone) == ("rtl", "rtl")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert phone.inner_text("h1") == "شركاؤك في الفعالية"
    cards = phone.locator("ol.partners > li")
    assert cards.count() >= 3
    mutual = [card.locator(".tag.mutual").count() == 1 for card in cards.all()]
    assert mutual[0] and mutual == sorted(mutual, reverse=True)  # mutual matches first
    assert serious_violations(phone) == []

    # a request with a message; a control character in it is refused next to the field, in Arabic
    card = cards.first
    partner_name = card.locator("h3").inner_text()
    partner = next(r.partner for r in events.recommend(svc, small_event, k=8, of="ma-0901")
                   if r.partner_name == partner_name)
    card.locator("summary").click()
    card.locator("textarea").fill("نودّ عرض أوانينا الخزفية عليكم\u0007")
    card.locator("select").select_option("must")
    card.locator("button[type=submit]").click()
    error = phone.locator("ol.partners > li").first.locator("p.error")
    assert "U+0007" in error.inner_text() and "غير مسموح" in error.inner_text()
    assert events.list_requests(svc, small_event) == []
    card = phone.locator("ol.partners > li").first
    card.locator("textarea").fill("نودّ عرض أوانينا الخزفية عليكم في صالون تونس")
    card.locator("button[type=submit]").click()
    assert partner_name in phone.inner_text("#sent")
    sent = events.list_requests(svc, small_event)
    assert [(r.from_id, r.to_id, r.priority, r.state) for r in sent] == [("ma-0901", partner, "must", "pending")]
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # the other participant accepts, in another browser and another language
    other = participant_page(web, chromium, sample_catalogue, "fr", small_event, partner)
    other.click("nav.tabs >> text=Demandes")
    received = other.locator(f"#request-{sent[0].id}")
    assert "نودّ عرض أوانينا الخزفية عليكم في صالون تونس" in received.inner_text()
    assert serious_violations(other) == []
    received.locator("button", has_text="Accepter").click()
    assert "Acceptée" in other.inner_text("main")
    assert events.find_request(svc, small_event, sent[0].id).state == "accepted"
    other.context.close()

    # before the schedule, the agenda says so; after it, the meeting at the venue's time, with its .ics
    phone.click("nav.tabs >> text=جدول المواعيد")
    assert "الجدول غير جاهز بعد" in phone.inner_text("main")
    events.schedule(svc, small_event, time_limit=5)
    phone.reload()
    meeting = phone.locator("ol.agenda > li")
    assert meeting.count() == 1 and partner_name in meeting.inner_text()
    item = events.agenda(svc, small_event, "ma-0901")[0]
    assert phone.inner_text("ol.agenda time") == f"{item.local_start[-5:]}–{item.local_end[-5:]}"
    assert f"الطاولة {item.table}" in meeting.inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert serious_violations(phone) == []
    with phone.expect_download() as download:
        phone.click("a[href$='/me/agenda.ics']")
    calendar = Calendar.from_ical(Path(download.value.path()).read_bytes())
    (vevent,) = calendar.walk("VEVENT")
    assert vevent.decoded("dtstart") == item.start and partner_name in str(vevent.get("summary"))
    phone.context.close()


# --- access ------------------------------------------------------------------------------------------------
def test_pages_are_scoped_exactly_as_the_api_keys(web: LiveServer, chromium: Any, sample_catalogue: Any,
                                                  small_event: int) -> None:
    from service import events
    from storage.keys import create_key

    svc = events.EventService(sample_catalogue)
    others = events.list_requests(svc, small_event)
    stranger = events.request(svc, small_event, "dz-0901", "be-0901", message="entre nous")
    page = participant_page(web, chromium, sample_catalogue, "fr", small_event, "fr-0901")
    base = f"{web.url}/fr/events/{small_event}"
    assert page.goto(f"{base}/participants/fr-0901/agenda").status == 200  # its own, by the API's URL too
    for url in (f"{base}/participants/ma-0901/agenda", f"{base}/participants/ma-0901/agenda.ics",
                f"{web.url}/fr/events/{small_event + 1000}/me", f"{web.url}/fr/organise/{small_event}",
                f"{web.url}/fr/organise"):
        response = page.goto(url)
        assert response.status == 403, url
        assert page.inner_text("h1") == "Accès refusé"
    # another participant's request looks like one that does not exist; nothing changes
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "ccimatch_csrf")
    for rid in (stranger.id, 10**6, *(r.id for r in others if "fr-0901" not in (r.from_id, r.to_id))):
        answer = page.request.post(f"{base}/me/requests/{rid}/accept", headers={"X-CSRF-Token": token})
        assert answer.status == 404
    assert events.find_request(svc, small_event, stranger.id).state == "pending"
    page.context.close()

    # an organiser bound to one event sees only that one and creates none; readers and editors see no event
    bound = chromium.new_context().new_page()
    key = create_key(sample_catalogue.engine, "organiser", "one event", event_id=small_event)
    bound.goto(f"{web.url}/en/key/{key}")
    assert bound.url.endswith(f"/en/organise/{small_event}")
    assert bound.goto(f"{web.url}/en/organise/{small_event + 1000}").status == 403
    bound.goto(f"{web.url}/en/organise")
    assert bound.locator("form.event-form").count() == 0 and bound.locator(".events-list li").count() == 1
    bound.context.close()
    for role in ("reader", "editor"):
        visitor = chromium.new_context().new_page()
        visitor.goto(f"{web.url}/en/key/{create_key(sample_catalogue.engine, role, role)}")
        assert visitor.goto(f"{base.replace('/fr/', '/en/')}/me").status == 403
        assert visitor.goto(f"{web.url}/en/organise/{small_event}").status == 403
        visitor.context.close()
    anonymous = chromium.new_context().new_page()
    assert anonymous.goto(f"{base}/me/agenda").status == 401
    anonymous.context.close()


# --- every page: Arabic right to left, axe in Arabic and French -----------------------------------------------
@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_every_event_page_reads_right_way_and_passes_axe(web: LiveServer, chromium: Any, sample_catalogue: Any,
                                                         small_event: int, lang: str) -> None:
    from service import events

    svc = events.EventService(sample_catalogue)
    if not events.assignments(svc, small_event):
        events.schedule(svc, small_event, time_limit=5)
    organiser = organiser_page(web, chromium, sample_catalogue, lang)
    pages = ["organise", *(f"organise/{small_event}{p}" for p in
                           ("", "/participants", "/requests", "/schedule", "/grid", "/exports"))]
    for path in pages:
        assert organiser.goto(f"{web.url}/{lang}/{path}").status == 200, path
        assert direction(organiser) == (("rtl", "rtl") if lang == "ar" else ("ltr", "ltr")), path
        assert serious_violations(organiser) == [], path
    organiser.context.close()
    participant = participant_page(web, chromium, sample_catalogue, lang, small_event, "ma-0901", viewport=PHONE,
                                   is_mobile=True)
    for path in ("me", "me/requests", "me/agenda"):
        assert participant.goto(f"{web.url}/{lang}/events/{small_event}/{path}").status == 200, path
        assert direction(participant)[0] == ("rtl" if lang == "ar" else "ltr")
        assert participant.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], path
        assert serious_violations(participant) == [], path
    participant.context.close()


# --- an oversized upload ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def small_limit(sample_catalogue: Any) -> Iterator[LiveServer]:
    """The app again with a 4 KB body limit."""
    from service.http import create_app
    from service.settings import Settings

    settings = Settings(db=str(sample_catalogue.engine.url.database), max_body_bytes=4096)
    with LiveServer(create_app(settings, catalogue=sample_catalogue)) as server:
        yield server


def test_an_oversized_upload_is_refused_with_a_page_in_its_language(small_limit: LiveServer, chromium: Any,
                                                                    sample_catalogue: Any, tmp_path: Path) -> None:
    before = event_count(sample_catalogue)
    page = organiser_page(small_limit, chromium, sample_catalogue, "fr")
    big = csv_file(tmp_path, "big.csv", [f"{PAIRS[i % len(PAIRS)]},,," for i in range(600)])
    fill_event(page, name="Trop gros", tables="2")
    page.set_input_files("#participants", str(big))
    with page.expect_navigation() as navigation:
        page.click("form.event-form button[type=submit]")
    assert navigation.value.status == 413
    assert page.get_attribute("html", "lang") == "fr"
    assert page.inner_text("h1") == "Le fichier est trop volumineux"
    assert "request body" not in page.inner_text("main")
    assert event_count(sample_catalogue) == before
    page.context.close()


def test_the_organiser_downloads_personal_links_that_open_each_participants_pages(
        web: LiveServer, chromium: Any, sample_catalogue: Any, small_event: int) -> None:
    import csv
    import io

    page = organiser_page(web, chromium, sample_catalogue, "fr")
    page.goto(f"{web.url}/fr/organise/{small_event}/participants")
    page.select_option("#link_lang", "ar")
    with page.expect_download() as download:
        page.click("text=Télécharger les liens personnels (CSV)")
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
    assert rows and all(r["link"].startswith(f"{web.url}/ar/key/cci_") for r in rows)
    visitor = chromium.new_context(viewport={"width": 375, "height": 667}, is_mobile=True)
    participant = visitor.new_page()
    participant.goto(rows[0]["link"])
    assert participant.url == f"{web.url}/ar/events/{small_event}/me"
    assert "/key/" not in participant.url and direction(participant) == ("rtl", "rtl")
    visitor.close()
    page.context.close()
