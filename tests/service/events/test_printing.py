"""Printed agendas and table signs: pages rendered to pixels (pypdfium2) and read back as text and links.
Arabic must be shaped and set right to left, French and English left to right; every page carries its meetings'
times and tables; the QR code printed is the participant's personal link."""

from __future__ import annotations

import ctypes
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pypdfium2 as pdfium
import pytest

from matcher.errors import InvalidRequestError
from service import events as ev
from service.catalogue import Catalogue, ingest
from service.events import AgendaItem, EventService, printing
from service.settings import Settings
from storage.keys import identify, list_keys
from tests.conftest import FakeEncoder, record
from tests.service.events.helpers import accept_all, make_event, scheduled_event

BASE = "https://fair.example.org"
SCALE = 3  # 216 dpi
MM = 72 / 25.4 * SCALE  # pixels per millimetre
MARGIN = 15 * MM
ARABIC_NAME = "بيت الفخار بآسفي"
PROFILES = [
    record("ma-ar", name=ARABIC_NAME, country="MA", city="Safi", languages="ar;fr",
           description="ورشة فخار تقليدي في آسفي", offers="فخار مزجج; سلسلة صغيرة", needs="موزع في أوروبا للخزف"),
    record("tn-fr", name="Atelier Céramique de Nabeul", languages="fr;ar",
           description="Atelier de céramique émaillée", offers="poterie émaillée", needs="distributeur en Europe"),
    record("it-en", name="Design Shop Milano", country="IT", city="Milano", languages="en;it",
           sectors="furniture_interior", description="Design shop in Milan",
           offers="distributor in Europe for ceramics", needs="glazed pottery"),
    record("lb-1", name="Beirut Silver", country="LB", languages="de", description="Jewellery designers"),
]
LANG = {"ma-ar": "ar", "tn-fr": "fr", "it-en": "en", "lb-1": "en"}  # lb-1 speaks none of ar/fr/en: English


@dataclass
class Printed:
    svc: EventService
    event_id: int
    out: Path
    agendas: dict[str, list[AgendaItem]]
    pages: dict[str, int]  # profile id -> page index in agendas.pdf, read from each page's link


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> Printed:
    tmp = tmp_path_factory.mktemp("printing")
    cat = Catalogue.open(Settings(db=str(tmp / "print.db")), encoder=FakeEncoder())
    assert not ingest(cat, PROFILES, atomic=True).errors
    svc = EventService(cat)
    eid = make_event(svc, tables=2, ids=list(LANG))
    for a, b in (("ma-ar", "tn-fr"), ("ma-ar", "it-en"), ("tn-fr", "it-en")):
        ev.request(svc, eid, a, b)
    accept_all(svc, eid)
    ev.schedule(svc, eid, time_limit=5)
    files = ev.export(svc, eid, tmp / "out", pdf=True, base_url=BASE, sign_lang="fr")
    assert {f.name for f in files} >= {"agendas.pdf", "table-signs.pdf"}
    data = ev.event(svc, eid)
    pages: dict[str, int] = {}
    with _pdf(tmp / "out" / "agendas.pdf") as doc:
        for i, page in enumerate(doc):
            (url,) = _links(doc, page)
            key = identify(svc.engine, url.rsplit("/", 1)[1])
            assert key is not None and key.role == "participant" and key.event_id == eid and key.profile_id
            assert url.startswith(f"{BASE}/{LANG[key.profile_id]}/key/cci_")  # the page's language
            pages[key.profile_id] = i
    return Printed(svc=svc, event_id=eid, out=tmp / "out", agendas=ev.agendas(svc, data, list(LANG)), pages=pages)


# --- reading a PDF back ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def rendered(printed: Printed) -> dict[str, np.ndarray]:
    with _pdf(printed.out / "agendas.pdf") as doc:
        return {pid: _gray(doc[i]) for pid, i in printed.pages.items()}


class _pdf:
    def __init__(self, source: Path | bytes) -> None:
        self.doc = pdfium.PdfDocument(source)

    def __enter__(self) -> Any:
        return self.doc

    def __exit__(self, *_: object) -> None:
        self.doc.close()


def _gray(page: Any) -> np.ndarray:
    return np.asarray(page.render(scale=SCALE).to_pil().convert("L"))


def _links(doc: Any, page: Any) -> set[str]:
    raw = pdfium.raw
    pos, link, urls = ctypes.c_int(0), raw.FPDF_LINK(), set()
    while raw.FPDFLink_Enumerate(page.raw, ctypes.byref(pos), ctypes.byref(link)):
        action = raw.FPDFLink_GetAction(link)
        size = raw.FPDFAction_GetURIPath(doc.raw, action, None, 0)
        buf = ctypes.create_string_buffer(size)
        raw.FPDFAction_GetURIPath(doc.raw, action, buf, size)
        urls.add(buf.value.decode())
    return urls


def _text(path: Path, index: int) -> str:
    with _pdf(path) as doc:
        return str(doc[index].get_textpage().get_text_range())


def _baseline(tp: Any, index: int) -> float:
    x, y = ctypes.c_double(), ctypes.c_double()
    pdfium.raw.FPDFText_GetCharOrigin(tp.raw, index, ctypes.byref(x), ctypes.byref(y))
    return y.value


def _rows_with(page: Any, needle: str) -> list[str]:
    """Each line of the page holding ``needle``: the characters on its baseline, left to right, without spaces."""
    tp = page.get_textpage()
    text = tp.get_text_range()
    lines, at = [], text.find(needle)
    while at >= 0:
        base = _baseline(tp, at)
        chars = [(tp.get_charbox(i)[0], text[i]) for i in range(len(text))
                 if abs(_baseline(tp, i) - base) < 2 and not text[i].isspace()]
        lines.append("".join(c for _, c in sorted(chars)))
        at = text.find(needle, at + 1)
    return lines


def _ink_lines(gray: np.ndarray, top: int, bottom: int, left: int, right: int) -> list[tuple[int, int, int, int]]:
    """Lines of ink in a region, as (top, bottom, leftmost, rightmost) pixel of each, top to bottom."""
    ink = gray[top:bottom, left:right] < 128
    rows = ink.any(axis=1)
    spans: list[list[int]] = []
    for y in np.flatnonzero(rows):
        if spans and y - spans[-1][1] <= MM:  # dots above and below a line of Arabic belong to it
            spans[-1][1] = int(y)
        else:
            spans.append([int(y), int(y)])
    lines = []
    for start, stop in spans:
        cols = np.flatnonzero(ink[start:stop + 1].any(axis=0))
        lines.append((top + start, top + stop + 1, left + int(cols[0]), left + int(cols[-1])))
    return lines


def _header(gray: np.ndarray) -> int:
    """The y of the rule under the page's header: the first row dark across most of the text width."""
    width = gray.shape[1] - 2 * MARGIN
    for y, row in enumerate(gray < 128):
        if row.sum() > 0.9 * width:
            return y
    raise AssertionError("no header rule")


def _text_column(gray: np.ndarray, rtl: bool) -> list[tuple[int, int, int, int]]:
    """The header's text lines (event, days, venue, name, subtitle), beside the QR code's 34 mm column."""
    w = gray.shape[1]
    left, right = (int(MARGIN + 36 * MM), int(w - MARGIN + 2 * MM)) if rtl else (int(MARGIN - 2 * MM),
                                                                              int(w - MARGIN - 36 * MM))
    return _ink_lines(gray, int(10 * MM), _header(gray) - 2, left, right)


# --- the tests -------------------------------------------------------------------------------------------
def test_one_page_per_participant_in_name_order_and_one_per_table(printed: Printed) -> None:
    with _pdf(printed.out / "agendas.pdf") as doc:
        assert len(doc) == len(LANG)
    names = {p["id"]: str(p["name"]) for p in PROFILES}
    assert sorted(printed.pages, key=printed.pages.__getitem__) == sorted(LANG, key=lambda p: names[p].casefold())
    with _pdf(printed.out / "table-signs.pdf") as doc:
        assert len(doc) == 2
        held = {(i.table, i.local_start[-5:], i.local_end[-5:], i.partner_name) for items in printed.agendas.values()
                for i in items}
        for table in (1, 2):
            text = doc[table - 1].get_textpage().get_text_range()
            assert f"Table {table}" in text
            mine = [h for h in held if h[0] == table]
            if not mine:
                assert "Aucun rendez-vous à cette table." in text
            for _, start, end, partner in mine:
                assert start in text and end in text
                if _latin(partner):
                    assert partner in text.replace("\r\n", " ")


def test_each_page_carries_its_meetings_times_tables_and_partners(printed: Printed) -> None:
    with _pdf(printed.out / "agendas.pdf") as doc:
        for pid, index in printed.pages.items():
            for item in printed.agendas[pid]:
                start, end = item.local_start[-5:], item.local_end[-5:]
                mine = [r for r in _rows_with(doc[index], start) if end in r and str(item.table) in r]
                assert mine, (pid, start, _rows_with(doc[index], start))
                if LANG[pid] != "ar":
                    assert f"Table{item.table}" in mine[0]
                if _latin(item.partner_name):
                    assert item.partner_name.split()[0] in mine[0]
    assert sum(len(v) for v in printed.agendas.values()) == 6  # three meetings, seen from both sides


def test_a_participant_without_meetings_gets_a_page_saying_so(printed: Printed) -> None:
    assert printed.agendas["lb-1"] == []
    text = _text(printed.out / "agendas.pdf", printed.pages["lb-1"])
    assert "Beirut Silver" in text and "No meeting was scheduled for you." in text


def test_arabic_page_is_right_to_left_and_french_page_left_to_right(printed: Printed,
                                                                     rendered: dict[str, np.ndarray]) -> None:
    w = rendered["ma-ar"].shape[1]
    ar, fr = _text_column(rendered["ma-ar"], rtl=True), _text_column(rendered["tn-fr"], rtl=False)
    assert len(ar) >= 5 and len(fr) >= 5  # event, days, venue, name, subtitle
    # every header line hugs the right margin on the Arabic page, the left one on the French page
    assert all(abs((w - MARGIN) - right) < 1.5 * MM for *_, right in ar), ar
    assert all(abs(left - MARGIN) < 1.5 * MM for _, _, left, _ in fr), fr
    assert max(right for *_, right in fr) - min(right for *_, right in fr) > 20 * MM  # ragged on the right
    assert max(left for _, _, left, _ in ar) - min(left for _, _, left, _ in ar) > 20 * MM  # ragged on the left
    # the table's columns run from the right: the time is right of the partner on the Arabic page
    with _pdf(printed.out / "agendas.pdf") as doc:
        for pid, rtl in (("ma-ar", True), ("tn-fr", False)):
            tp = doc[printed.pages[pid]].get_textpage()
            item = next(i for i in printed.agendas[pid] if _latin(i.partner_name))
            time_x = tp.get_charbox(tp.get_text_range().index(item.local_start[-5:]))[0]
            partner_x = tp.get_charbox(tp.get_text_range().index(item.partner_name.split()[0]))[0]
            assert (time_x > partner_x) == rtl


def test_arabic_is_shaped_with_real_glyphs(printed: Printed) -> None:
    """The name line of a page set with the joined word is much narrower than with the same letters forced
    apart (ZWNJ: isolated forms); boxes for missing glyphs, or unshaped text, would measure the same."""
    data = ev.event(printed.svc, printed.event_id)
    page = printing.AgendaPage(profile_id="x", name="بيتي سمينتي", lang="ar", url=BASE, meetings=())
    apart = replace(page, name="\u200c".join("بيتي") + " " + "\u200c".join("سمينتي"))

    def name_line(p: printing.AgendaPage) -> tuple[int, int, int, int]:
        with _pdf(printing.render_agendas(data, [p])) as doc:
            lines = _text_column(_gray(doc[0]), rtl=True)
        return max(lines, key=lambda line: line[1] - line[0])  # the name is the tallest line

    joined, isolated = name_line(page), name_line(apart)
    assert joined[1] - joined[0] > 4 * MM  # real ink, 20 pt high
    assert (joined[3] - joined[2]) < 0.8 * (isolated[3] - isolated[2]), (joined, isolated)
    text = _text(printed.out / "agendas.pdf", printed.pages["ma-ar"])
    assert sum("\u0600" <= c <= "\u06ff" for c in text) > 40  # Arabic characters, not placeholders


def test_qr_code_is_the_participants_personal_link(printed: Printed, rendered: dict[str, np.ndarray]) -> None:
    with _pdf(printed.out / "agendas.pdf") as doc:
        for pid, rtl in (("ma-ar", True), ("tn-fr", False)):
            (url,) = _links(doc, doc[printed.pages[pid]])
            want = np.array(printing.qr_matrix(url))
            gray = rendered[pid]
            w = gray.shape[1]
            left, right = (int(MARGIN), int(MARGIN + 34 * MM)) if rtl else (int(w - MARGIN - 34 * MM), int(w - MARGIN))
            box = gray[int(10 * MM):int(55 * MM), left:right] < 128
            ys = np.flatnonzero(box.any(axis=1))
            # the symbol is the first block of ink (the caption below it is separated by the quiet zone)
            gap = np.flatnonzero(np.diff(ys) > 2 * MM)
            bottom = ys[gap[0]] if len(gap) else ys[-1]
            xs = np.flatnonzero(box[ys[0]:bottom + 1].any(axis=0))
            symbol = box[ys[0]:bottom + 1, xs[0]:xs[-1] + 1]
            n = want.shape[0]
            cell_y, cell_x = symbol.shape[0] / n, symbol.shape[1] / n
            got = np.array([[symbol[int((r + 0.5) * cell_y), int((c + 0.5) * cell_x)] for c in range(n)]
                            for r in range(n)])
            assert (got == want).all(), (pid, int((got != want).sum()))


def test_words_match_the_web_apps_translations() -> None:
    from service.events import print_words
    from service.web import i18n, vocabulary

    for code, label in vocabulary.SECTOR_NAMES.items():
        for lang in ("ar", "fr", "en"):
            assert print_words.sector_name(code, lang) == i18n.translations(lang).gettext(label)
    shared = ("Your agenda", "Why you meet", "They offer", "which answers your need", "They need", "which you offer",
              "Similar activity:", "Close activities and sectors.", "Requested by a participant.",
              "No meeting was scheduled for you. Ask the organiser if you expected one.")
    for text in shared:
        for lang in ("ar", "fr"):
            assert print_words.word(text, lang) == i18n.translations(lang).gettext(text), (text, lang)


def test_page_language_is_the_first_working_language_the_pages_speak() -> None:
    from matcher.profile import Profile

    def lang(*languages: str) -> str:
        return printing.page_language(Profile(id="x", name="x", kind="firm", country="TN", sectors=("crafts",),
                                              description="x", languages=languages))

    assert (lang("ar", "fr"), lang("it", "fr", "ar"), lang("de"), lang(), printing.page_language(None)) == \
        ("ar", "fr", "en", "en", "en")


def test_pdf_export_is_all_or_nothing_and_revokes_its_keys(printed: Printed, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    before = {k.prefix for k in list_keys(printed.svc.engine)}

    def broken(*_: object, **__: object) -> bytes:
        raise RuntimeError("printer on fire")

    monkeypatch.setattr(printing, "render_signs", broken)
    with pytest.raises(RuntimeError):
        ev.export(printed.svc, printed.event_id, tmp_path / "out", pdf=True, base_url=BASE)
    assert not (tmp_path / "out").exists() and list(tmp_path.iterdir()) == []
    made = [k for k in list_keys(printed.svc.engine) if k.prefix not in before]
    assert len(made) == len(LANG) and all(k.revoked for k in made)


@pytest.mark.parametrize(("base_url", "sign_lang", "field"), [("", "en", "base_url"), ("fair.org", "en", "base_url"),
                                                             (BASE, "de", "sign_lang")])
def test_pdf_export_refuses_bad_options_before_writing(printed: Printed, tmp_path: Path, base_url: str,
                                                        sign_lang: str, field: str) -> None:
    before = len(list_keys(printed.svc.engine))
    with pytest.raises(InvalidRequestError, match=field):
        ev.export(printed.svc, printed.event_id, tmp_path / "out", pdf=True, base_url=base_url, sign_lang=sign_lang)
    assert list(tmp_path.iterdir()) == [] and len(list_keys(printed.svc.engine)) == before


def test_a_long_agenda_still_fits_one_page(printed: Printed) -> None:
    """Two full days of meetings (28), with long names and reasons, in English and in Arabic: one page each."""
    data = ev.event(printed.svc, printed.event_id)
    why = (("word", "They offer"), ("quote", "glazed pottery in small series for concept stores and museum shops"),
           ("word", "which answers your need"), ("quote", "distributor in Europe for ceramics and tableware"))
    meeting = printing.PrintedMeeting(day="Monday", hours="09:00–09:30", table="Table 12",
                                      partner="Atelier Céramique de Nabeul", country="Tunisia",
                                      sectors="Crafts, Furniture and interior design", why=why)
    days = [replace(meeting, day=day) for day in ("Monday", "Tuesday") for _ in range(14)]
    pages = [printing.AgendaPage(profile_id=str(i), name=name, lang=lang, url=BASE, meetings=tuple(days))
             for i, (lang, name) in enumerate((("en", "Design Shop Milano"), ("ar", ARABIC_NAME)))]
    with _pdf(printing.render_agendas(data, pages)) as doc:
        assert len(doc) == 2
        for page in doc:
            assert page.get_textpage().get_text_range().count("09:00") == 28


def _latin(text: str) -> bool:
    return all(ord(c) < 0x600 for c in text)


def test_cli_export_pdf_takes_the_address_from_the_option_or_the_setting(event_cli, svc: EventService,
                                                                          tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    eid = str(scheduled_event(svc))
    monkeypatch.delenv("CCIMATCH_PUBLIC_URL", raising=False)
    code, _, err = event_cli("export", eid, "--out", str(tmp_path / "a"), "--pdf")
    assert code != 0 and "base_url" in err and "https://fair.example.org" in err and not (tmp_path / "a").exists()
    code, out, err = event_cli("export", eid, "--out", str(tmp_path / "a"), "--pdf", "--base-url", BASE,
                               "--sign-lang", "ar")
    assert code == 0 and "wrote" in out, err
    assert (tmp_path / "a" / "agendas.pdf").exists() and (tmp_path / "a" / "table-signs.pdf").exists()
    monkeypatch.setenv("CCIMATCH_PUBLIC_URL", "https://settings.example.org")
    assert event_cli("export", eid, "--out", str(tmp_path / "a"), "--pdf")[0] == 0  # replaces the previous export
    with _pdf(tmp_path / "a" / "agendas.pdf") as doc:
        assert len(doc) == len(ev.event(svc, int(eid)).participants)
        assert all(url.startswith("https://settings.example.org/fr/key/") for page in doc
                   for url in _links(doc, page))  # the test profiles work in French first


def test_an_agenda_that_spills_is_set_again_smaller_alone(printed: Printed, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ten meetings start at the normal size; with long names and reasons they spill onto a second page, so
    that agenda alone is rendered again, smaller, and the short one keeps its first rendering."""
    data = ev.event(printed.svc, printed.event_id)
    long = "distributeur pour les salles de cinéma européennes et les plateformes de diffusion en ligne"
    why = (("word", "Ils offrent"), ("quote", long), ("word", "ce qui répond à votre besoin"), ("quote", long))
    meeting = printing.PrintedMeeting(day="lundi", hours="09:00–09:30", table="Table 12",
                                      partner="Les Ateliers Ferrari Palermo et Associés", country="Italie",
                                      sectors="Cinéma, photographie et vidéo, Mobilier et décoration intérieure",
                                      why=why)
    pages = [printing.AgendaPage(profile_id="a", name="Long", lang="fr", url=BASE, meetings=(meeting,) * 9),
             printing.AgendaPage(profile_id="b", name="Short", lang="fr", url=BASE, meetings=(meeting,))]
    rendered: list[list[str]] = []
    real = printing._html

    def spy(template: str, **values: Any) -> Any:
        rendered.append([p.name for p in values["pages"]])
        return real(template, **values)

    monkeypatch.setattr(printing, "_html", spy)
    with _pdf(printing.render_agendas(data, pages)) as doc:
        assert len(doc) == 2
        assert [doc[i].get_textpage().get_text_range().count("09:00") for i in (0, 1)] == [9, 1]
    assert rendered[0] == ["Long", "Short"] and len(rendered) > 1 and all(r == ["Long"] for r in rendered[1:])


def test_names_are_printed_as_text_and_nothing_is_fetched(printed: Printed) -> None:
    """Stored text is escaped (a name cannot add markup or make the renderer fetch a URL); the renderer
    refuses anything but the project's files and inline data."""
    data = ev.event(printed.svc, printed.event_id)
    name = '<img src="https://evil.example/x.png"><link rel="stylesheet" href="http://evil.example/a.css">'
    page = printing.AgendaPage(profile_id="x", name=name, lang="en", url=BASE, meetings=())
    with _pdf(printing.render_agendas(data, [page])) as doc:
        assert "evil.example/x.png" in doc[0].get_textpage().get_text_range().replace("\r\n", "")
    fetcher = printing._html("agendas.html", data=data, pages=[], density=[], qr=printing._qr, days={}).url_fetcher
    with pytest.raises(ValueError, match="disallowed protocol"):
        fetcher("https://fonts.example.org/noto.woff2")
