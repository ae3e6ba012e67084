"""Relationships and meeting outcomes in a real browser, on a copy of the sample catalogue (so that the other web
tests never see these relationships): a participant says what came of its meetings on a phone in Arabic (a refusal
next to the form, swapped in by htmx; the answer saved; another participant's meeting a 404; a meeting not started
has no form), the same form without JavaScript, the organiser's figures on the dashboard in French (50 % by
construction), and a profile's relationships (partnerships from the sample file, cluster membership, meetings held)
linked to the partners, in French and right to left in Arabic; axe finds nothing serious on any of them."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.service.web.conftest import PHONE, LiveServer, direction, serious_violations

pytestmark = pytest.mark.model

MEETINGS = [("ma-0901", "fr-0901"), ("dz-0901", "be-0901"), ("ps-0901", "nl-0901"), ("eg-0901", "fr-0902")]
# the dashboard's event: what came of each meeting, by construction 2 of 4 led to a follow-up or an agreement
FIGURES = {("tn-0901", "it-0901"): "follow_up", ("lb-0901", "fr-0903"): "agreement", ("jo-0901", "mt-0901"): "useful",
           ("ma-0902", "fr-0904"): "no_show"}


def held_event(svc: Any, name: str, day: date, pairs: list[tuple[str, str]]) -> tuple[int, dict[tuple[str, str], int]]:
    """An event on ``day`` with these meetings accepted and scheduled (the morning session, two tables)."""
    from service import events

    members = sorted({p for pair in pairs for p in pair})
    eid = events.create_event(svc, name=name, venue="Palais des Expositions du Kram", timezone="Africa/Tunis",
                              tables=2, allow_past=True, participants=[{"profile_id": m} for m in members],
                              plan=events.SlotPlan(days=(day,), afternoon_start=None, afternoon_end=None))
    ids = {}
    for a, b in pairs:
        ids[(a, b)] = events.request(svc, eid, a, b).id
        events.accept(svc, ids[(a, b)], by=b)
    assert events.schedule(svc, eid, time_limit=10).held == len(pairs)
    return eid, ids


@pytest.fixture(scope="module")
def staged(sample_catalogue: Any, real_encoder: Any,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A copy of the sample catalogue with the sample partnerships, two past events and a future one, served."""
    from service import catalogue, events
    from service.http import create_app
    from service.settings import Settings
    from storage.files import read_records

    copy = tmp_path_factory.mktemp("outcomes") / "copy.db"
    with sqlite3.connect(str(sample_catalogue.engine.url.database)) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    cat = catalogue.Catalogue.open(Settings(db=str(copy)), encoder=real_encoder)
    report = catalogue.import_relationships(cat, read_records(ROOT / "data" / "sample_relationships.csv"))
    assert not report.errors and report.inserted == 12
    svc = events.EventService(cat)
    today = date.today()
    past, ids = held_event(svc, "Salon de Tunis", today - timedelta(days=2), MEETINGS)
    figures, figure_ids = held_event(svc, "Foire de Sfax", today - timedelta(days=9), list(FIGURES))
    for (a, _b), outcome in FIGURES.items():
        events.record_outcome(svc, figures, figure_ids[(a, _b)], by=a, outcome=outcome)
    future, _ = held_event(svc, "Salon à venir", today + timedelta(days=30), MEETINGS[:2])
    with LiveServer(create_app(Settings(db=str(copy)), catalogue=cat)) as server:
        yield {"server": server, "catalogue": cat, "svc": svc, "past": past, "ids": ids, "figures": figures,
               "future": future}


def participant(chromium: Any, staged: dict[str, Any], lang: str, event_id: int, profile_id: str,
                **kwargs: Any) -> Any:
    from storage.keys import create_key

    key = create_key(staged["catalogue"].engine, "participant", f"test {profile_id}", event_id=event_id,
                     profile_id=profile_id)
    page = chromium.new_context(**kwargs).new_page()
    page.goto(f"{staged['server'].url}/{lang}/key/{key}")
    return page


def test_a_participant_says_what_came_of_its_meetings_on_a_phone_in_arabic(chromium: Any,
                                                                           staged: dict[str, Any]) -> None:
    from service import events

    svc, past, url = staged["svc"], staged["past"], staged["server"].url
    rid = staged["ids"][("ma-0901", "fr-0901")]
    phone = participant(chromium, staged, "ar", past, "ma-0901", viewport=PHONE, is_mobile=True, has_touch=True)
    phone.click("nav.tabs >> text=الحصيلة")
    assert phone.url.endswith(f"/ar/events/{past}/me/outcomes")
    assert direction(phone) == ("rtl", "rtl") and phone.inner_text("h1") == "حصيلة لقاءاتك"
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    meeting = phone.locator(f"#meeting-{rid}")
    assert phone.locator("ol.outcomes > li").count() == 1 and "Terres du Sud Distribution" in meeting.inner_text()
    assert meeting.locator("input[type=radio]").count() == 5
    assert serious_violations(phone) == []

    # no choice: the refusal next to the form, in Arabic, swapped in by htmx without a reload; nothing written
    phone.evaluate("window.notReloaded = true")
    meeting.locator("button[type=submit]").click()
    error = phone.locator(f"#meeting-{rid}-outcome-error")
    error.wait_for()
    assert error.inner_text() == "اختر ما أسفر عنه هذا اللقاء." and phone.evaluate("window.notReloaded")
    assert events.meetings(svc, past, of="ma-0901")[0].outcomes == {}
    assert serious_violations(phone) == []

    # an answer with a note: saved, said in Arabic, the choice shown again
    meeting = phone.locator(f"#meeting-{rid}")
    meeting.locator("input[value=follow_up]").check()
    meeting.locator("textarea").fill("سنرسل عينات إلى ليون الشهر المقبل")
    meeting.locator("button[type=submit]").click()
    phone.locator(f"#meeting-{rid} .notice.good").wait_for()
    assert phone.inner_text(f"#meeting-{rid} .notice.good") == "حُفظ: متابعة مقرّرة. شكرًا لك."
    assert phone.evaluate("window.notReloaded")
    saved = events.meetings(svc, past, of="ma-0901")[0].outcomes["ma-0901"]
    assert (saved.outcome, saved.note) == ("follow_up", "سنرسل عينات إلى ليون الشهر المقبل")
    phone.reload()
    assert phone.is_checked(f"#meeting-{rid} input[value=follow_up]")
    assert "إجابتك: متابعة مقرّرة" in phone.inner_text(f"#meeting-{rid}")

    # another participant's meeting is the same 404 as one that does not exist; nothing changes
    token = next(c["value"] for c in phone.context.cookies() if c["name"] == "ccimatch_csrf")
    for other in (staged["ids"][("dz-0901", "be-0901")], 10**6):
        answer = phone.request.post(f"{url}/ar/events/{past}/me/outcomes/{other}", headers={"X-CSRF-Token": token},
                                    form={"outcome": "agreement"})
        assert answer.status == 404
    assert all(not m.outcomes for m in events.meetings(svc, past) if m.request_id != rid)
    phone.context.close()

    # a meeting that has not started has no form yet
    later = participant(chromium, staged, "ar", staged["future"], "ma-0901")
    later.goto(f"{url}/ar/events/{staged['future']}/me/outcomes")
    assert later.locator("form.outcome-form").count() == 0
    assert "يمكنك أن تخبرنا بما أسفر عنه بعد أن يبدأ." in later.inner_text("main")
    assert serious_violations(later) == []
    later.context.close()


def test_the_form_works_without_javascript(chromium: Any, staged: dict[str, Any]) -> None:
    from service import events

    past = staged["past"]
    rid = staged["ids"][("dz-0901", "be-0901")]
    page = participant(chromium, staged, "fr", past, "be-0901", java_script_enabled=False)
    page.goto(f"{staged['server'].url}/fr/events/{past}/me/outcomes")
    assert page.inner_text("h1") == "Le bilan de vos rendez-vous"
    page.locator(f"#meeting-{rid} input[value=agreement]").check()
    page.locator(f"#meeting-{rid} textarea").fill("Commande d'essai signée")
    page.locator(f"#meeting-{rid} button[type=submit]").click()
    assert page.url.endswith(f"/fr/events/{past}/me/outcomes?saved={rid}#meeting-{rid}")
    assert page.inner_text(f"#meeting-{rid} .notice.good") == "Enregistré : Accord conclu. Merci."
    assert events.meetings(staged["svc"], past, of="be-0901")[0].outcomes["be-0901"].outcome == "agreement"
    page.context.close()


def test_the_organiser_reads_what_came_of_the_meetings_in_french(chromium: Any, staged: dict[str, Any]) -> None:
    from storage.keys import create_key

    url, figures = staged["server"].url, staged["figures"]
    page = chromium.new_context().new_page()
    page.goto(f"{url}/fr/key/{create_key(staged['catalogue'].engine, 'organiser', 'test organiser')}")
    page.goto(f"{url}/fr/organise/{figures}")
    section = page.locator("section[aria-labelledby=outcomes-title]")
    assert section.locator("h2").inner_text() == "Ce qu'ont donné les rendez-vous"
    assert section.locator(".big-figure span").inner_text() == "50%"
    assert "Sur 4 rendez-vous tenus, 2 ont débouché sur une suite ou un accord" in section.inner_text()
    counts = dict(zip(section.locator("table.outcome-counts tbody th").all_inner_texts(),
                      section.locator("table.outcome-counts tbody td").all_inner_texts(), strict=True))
    assert counts == {"Accord conclu": "1", "Suite prévue": "1", "Utile": "1", "Sans intérêt": "0", "Absence": "1",
                      "Sans réponse pour l'instant": "0"}
    pairs = {row.locator("th").inner_text(): row.locator("td").last.inner_text()
             for row in section.locator("table.outcome-pairs tbody tr").all()}
    assert pairs["Italie – Tunisie"] == "1 / 1 (100%)" and pairs["France – Maroc"] == "0 / 1 (0%)"
    assert section.locator("table.outcome-sectors tbody tr").count() >= 3
    assert serious_violations(page) == []
    page.goto(f"{url}/ar/organise/{figures}")
    assert direction(page) == ("rtl", "rtl") and serious_violations(page) == []
    page.context.close()


def test_a_profile_lists_its_relationships_linked_to_the_partners(chromium: Any, staged: dict[str, Any]) -> None:
    url = staged["server"].url
    page = chromium.new_context().new_page()
    page.goto(f"{url}/fr/profiles/ma-0901")
    items = page.locator("ul.relationships li")
    texts = [" ".join(t.split()) for t in items.all_inner_texts()]
    assert "Partenariat Cuivres & Maisons (Belgique) · 2020 · EEN, BOMA20191120003 (fictional)" in texts
    year = (date.today() - timedelta(days=2)).year
    assert f"Rencontre lors de rendez-vous B2B Terres du Sud Distribution (France) · {year} · Salon de Tunis" in texts
    assert serious_violations(page) == []
    page.click("ul.relationships a >> text=Cuivres & Maisons")
    assert page.url.endswith("/fr/profiles/be-0901") and "Cuivres & Maisons" in page.inner_text("h1")

    page.goto(f"{url}/fr/profiles/fr-0001")  # a cluster: its members
    members = page.locator("ul.relationships li.relationship-cluster_member")
    assert members.count() >= 1 and all(t.startswith("Membre de ce cluster") for t in members.all_inner_texts())
    page.goto(f"{url}/fr/profiles/fr-0901")  # one of them: its cluster
    assert any(t.startswith("Membre du cluster Cluster créatif de Montpellier")
               for t in page.locator("ul.relationships li").all_inner_texts())

    page.goto(f"{url}/ar/profiles/ma-0901")
    assert direction(page) == ("rtl", "rtl")
    assert "شراكة" in page.inner_text("ul.relationships") and page.inner_text("#relationships-title") == "العلاقات"
    assert serious_violations(page) == []
    page.goto(f"{url}/en/profiles/dz-0002")  # no relationship at all
    assert "No relationship recorded yet" in page.inner_text("main")
    page.context.close()
