"""Printed agendas and table signs (PDF): one A4 page per participant in the participant's language (Arabic
shaped and right to left, French and English left to right) with a QR code of their personal page, and one page
per table with its meetings in time order. HTML templates rendered by WeasyPrint (Pango/HarfBuzz shape Arabic),
fonts from the project (Noto Sans Arabic, the web app's) and the machine (Noto Sans), never from the network.

One combined ``agendas.pdf`` rather than a file per participant: the desk prints it in one job, in name order,
one sheet each; participants already get their own agenda as .ics, CSV and their personal page. A participant
without a meeting gets a page saying so (the desk hands everyone a sheet). A long agenda is set smaller, and its
reasons cut to one line, until it fits one page: 28 meetings (two full days) fit at the smallest size. Speed
(``python -m bench.printing``, median of 5, 2 cores shared, load 5.5): 0.27 s a page of 8 meetings, 0.83 s a
page of 28; the first guess of the size spares re-renders (a single run at load 7.5 took 3.5 s a page of 28
when every size was tried in turn, 1.2 s with the guess)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from matcher.constraints import Constraints
from matcher.events import EventData, zone
from matcher.explain import Suggestion
from matcher.profile import Profile
from service.catalogue import suggest_many
from service.events.agendas import AgendaItem, held
from service.events.links import personal_links
from service.events.plan import EventService, name_of
from service.events.print_words import LANGUAGES, RTL, country_name, sector_name, word

TEMPLATES = Path(__file__).parent / "templates"
FONTS = Path(__file__).resolve().parents[1] / "web" / "static" / "fonts"  # the web app's bundled Arabic font (OFL)
DENSITIES: tuple[str, ...] = ("normal", "compact", "tight")  # tried in order until an agenda fits one page
MAX_QUOTE = 90  # characters of a quoted phrase in the reason


@dataclass(frozen=True, kw_only=True)
class PrintedMeeting:
    day: str  # the day at the venue, in the page's language
    hours: str  # "09:00–09:30"
    table: str
    partner: str
    country: str
    sectors: str
    why: tuple[tuple[str, str], ...]  # ("word", text) in the page's language or ("quote", a profile's phrase)


@dataclass(frozen=True, kw_only=True)
class AgendaPage:
    profile_id: str
    name: str
    lang: str  # ar, fr or en
    url: str  # the personal page the QR code opens
    meetings: tuple[PrintedMeeting, ...]


@dataclass(frozen=True, kw_only=True)
class SignRow:
    day: str
    hours: str
    first: str
    second: str


@dataclass(frozen=True, kw_only=True)
class TableSign:
    table: int
    name: str
    rows: tuple[SignRow, ...]


def write_pdfs(svc: EventService, data: EventData, everyone: Mapping[str, Sequence[AgendaItem]], folder: Path, *,
               base_url: str, sign_lang: str, keys: list[str]) -> list[Path]:
    """Write ``agendas.pdf`` (participants in name order) and ``table-signs.pdf`` into ``folder``.

    Each QR code opens the participant's personal page in their language: a new participant key each (as
    :func:`service.events.links.personal_links` makes them), appended to ``keys`` as soon as it exists so that
    the caller can revoke them if the export fails."""
    langs = {pid: page_language(svc.catalogue.find(pid)) for pid in everyone}
    urls: dict[str, str] = {}
    for lang in LANGUAGES:
        group = [pid for pid in everyone if langs[pid] == lang]
        for link in personal_links(svc, data.event.id, base_url, lang=lang, profile_ids=group) if group else ():
            urls[link.profile_id] = link.url
            keys.append(link.url.rsplit("/", 1)[1])
    suggestions = _suggestions(svc, everyone)
    pages = sorted((agenda_page(svc, data, pid, items, url=urls[pid], lang=langs[pid],
                                suggestions=suggestions.get(pid, {})) for pid, items in everyone.items()),
                   key=lambda p: (p.name.casefold(), p.profile_id))
    (folder / "agendas.pdf").write_bytes(render_agendas(data, pages))
    pairs = [(a.slot, a.table, name_of(svc, r.from_id), name_of(svc, r.to_id)) for a, r in held(svc, data.event.id)]
    (folder / "table-signs.pdf").write_bytes(render_signs(data, table_signs(data, pairs, lang=sign_lang),
                                                          lang=sign_lang))
    return [folder / "agendas.pdf", folder / "table-signs.pdf"]


def _suggestions(svc: EventService, everyone: Mapping[str, Sequence[AgendaItem]]) -> dict[str, dict[str, Suggestion]]:
    """Each participant's suggestion of each of its partners, in one batched search (as the agendas' reasons)."""
    only = {me: frozenset(i.partner_id for i in items) - {me} for me, items in everyone.items()}
    only = {me: ids for me, ids in only.items() if ids and svc.catalogue.find(me) is not None}
    if not only:
        return {}
    found = suggest_many(svc.catalogue, list(only), k={me: min(len(ids), 100) for me, ids in only.items()},
                         constraints={me: Constraints(only_ids=ids) for me, ids in only.items()},
                         allow_same_country=True)
    return {me: {s.id: s for s in lst.suggestions} for me, lst in found.items()}


def page_language(profile: Profile | None) -> str:
    """The first of the profile's working languages that the pages speak (ar, fr, en), else English."""
    for code in profile.languages if profile is not None else ():
        if code in LANGUAGES:
            return code
    return "en"


def days_label(data: EventData, lang: str) -> str:
    """The event's days at the venue, e.g. "lundi 1 décembre 2031 · mardi 2 décembre 2031"."""
    from babel.dates import format_date

    tz = zone(data.event.timezone)
    days = dict.fromkeys(s.start.astimezone(tz).date() for s in data.slots)
    return " · ".join(format_date(d, "full", locale=lang) for d in days)


def agenda_page(svc: EventService, data: EventData, profile_id: str, items: Sequence[AgendaItem], *, url: str,
                lang: str, suggestions: Mapping[str, Suggestion]) -> AgendaPage:
    """One participant's page: each meeting in ``lang`` with the partner's country and sectors and why they meet
    (the best pair of phrases of the participant's suggestion of that partner)."""
    from babel.dates import format_date

    tz = zone(data.event.timezone)
    meetings = []
    for item in items:
        partner = svc.catalogue.find(item.partner_id)
        meetings.append(PrintedMeeting(
            day=format_date(item.start.astimezone(tz).date(), "full", locale=lang),
            hours=_hours(item.start, item.end, data), table=word("Table {number}", lang, number=item.table),
            partner=item.partner_name, country=country_name(partner.country, lang) if partner else "",
            sectors=", ".join(sector_name(s, lang) for s in partner.sectors) if partner else "",
            why=why(suggestions.get(item.partner_id), lang)))
    found = svc.catalogue.find(profile_id)
    return AgendaPage(profile_id=profile_id, name=found.name if found else profile_id, lang=lang, url=url,
                      meetings=tuple(meetings))


def why(suggestion: Suggestion | None, lang: str) -> tuple[tuple[str, str], ...]:
    """The reason as the web's agenda words it: the best-matching pair of phrases, quoted as written."""
    if suggestion is None:
        return (("word", word("Requested by a participant.", lang)),)
    if not suggestion.evidence:
        return (("word", word("Close activities and sectors.", lang)),)
    e = suggestion.evidence[0]
    if e.relation == "they offer what you need":
        return (("word", word("They offer", lang)), ("quote", _cut(e.theirs)),
                ("word", word("which answers your need", lang)), ("quote", _cut(e.mine)))
    if e.relation == "you offer what they need":
        return (("word", word("They need", lang)), ("quote", _cut(e.theirs)),
                ("word", word("which you offer", lang)), ("quote", _cut(e.mine)))
    return (("word", word("Similar activity:", lang)), ("quote", _cut(e.theirs)))


def table_signs(data: EventData, pairs: Sequence[tuple[int, int, str, str]], *, lang: str) -> list[TableSign]:
    """One sign per table: its meetings ``(slot index, table, first name, second name)`` in time order."""
    from babel.dates import format_date

    tz = zone(data.event.timezone)
    slots = {s.index: s for s in data.slots}
    signs = []
    for t in data.tables:
        rows = [SignRow(day=format_date(slots[s].start.astimezone(tz).date(), "full", locale=lang),
                        hours=_hours(slots[s].start, slots[s].end, data), first=a, second=b)
                for s, table, a, b in sorted(pairs) if table == t.number]
        signs.append(TableSign(table=t.number, name=word("Table {number}", lang, number=t.number),
                               rows=tuple(rows)))
    return signs


def render_agendas(data: EventData, pages: Sequence[AgendaPage]) -> bytes:
    """The agendas PDF: one A4 page per participant, each set at the largest density that fits one page. Each
    agenda starts at a density guessed from its length; only those that still spill are set again, smaller,
    and their pages replace the spilled ones."""
    density = [_first_density(p) for p in pages]
    done: dict[int, list[Any]] = {}
    todo, first = list(range(len(pages))), None
    while first is None or todo:
        document = _html("agendas.html", data=data, pages=[pages[i] for i in todo],
                         density=[density[i] for i in todo], qr=_qr,
                         days={lang: days_label(data, lang) for lang in LANGUAGES}).render(font_config=_fonts())
        first = first or document
        sections = _sections(document)
        again = []
        for local, i in enumerate(todo):
            done[i] = sections.get(local, [])
            if len(done[i]) > 1 and density[i] != DENSITIES[-1]:
                density[i] = DENSITIES[DENSITIES.index(density[i]) + 1]
                again.append(i)
        todo = again
    return bytes(first.copy([page for i in range(len(pages)) for page in done[i]]).write_pdf())


def _first_density(page: AgendaPage) -> str:
    """A guess that spares most re-renders: up to 10 rows fit at the normal size, 14 compact (measured on
    agendas whose reasons take three lines)."""
    rows = len(page.meetings) + len({m.day for m in page.meetings})
    return DENSITIES[0] if rows <= 10 else DENSITIES[1] if rows <= 14 else DENSITIES[2]


def render_signs(data: EventData, signs: Sequence[TableSign], *, lang: str) -> bytes:
    """The table signs PDF: one A4 page per table."""
    html = _html("table_signs.html", data=data, signs=signs, lang=lang, dir="rtl" if lang in RTL else "ltr",
                 days=days_label(data, lang), word=lambda text, **kw: word(text, lang, **kw))
    return bytes(html.write_pdf(font_config=_fonts()))


# --- rendering ------------------------------------------------------------------------------------------
def _html(template: str, **values: Any) -> Any:
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    text = _templates().get_template(template).render(**{"fonts": FONTS.as_uri(), "word": word, "rtl": RTL, **values})
    # only the project's files and inline data (the QR codes); a missing font stops the rendering
    fetcher = URLFetcher(allowed_protocols={"file", "data"}, fail_on_errors=True)
    return HTML(string=text, base_url=TEMPLATES.as_uri() + "/", url_fetcher=fetcher)


@cache
def _templates() -> Any:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def _fonts() -> Any:
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


def _sections(document: Any) -> dict[int, list[Any]]:
    """The pages of each agenda (by its index in the render): a section's anchor is on every page it reaches."""
    out: dict[int, list[Any]] = {}
    for page in document.pages:
        for anchor in page.anchors:
            if re.fullmatch(r"p-\d+", anchor):
                out.setdefault(int(anchor[2:]), []).append(page)
    return out


def qr_matrix(url: str) -> list[list[bool]]:
    """The QR code's modules (True: dark), without the quiet zone: what the printed code must show."""
    import segno

    return [[bool(m) for m in row] for row in segno.make(url, error="m", boost_error=False).matrix]


def _qr(url: str) -> str:
    """The QR code as an SVG data URI (vector: sharp at any printer resolution), with its quiet zone."""
    import segno

    return str(segno.make(url, error="m", boost_error=False).svg_data_uri(border=4, scale=1, omitsize=True))


def _hours(start: datetime, end: datetime, data: EventData) -> str:
    tz = zone(data.event.timezone)
    return f"{start.astimezone(tz):%H:%M}–{end.astimezone(tz):%H:%M}"


def _cut(text: str) -> str:
    return text if len(text) <= MAX_QUOTE else text[: MAX_QUOTE - 1].rstrip() + "…"
