"""Everything an organiser prints or sends after the schedule: per-participant agendas (CSV and iCalendar),
the grid (CSV and Excel) and the summaries, written all or nothing and safe to open (:mod:`storage.sheets`)."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from matcher.errors import InvalidValueError
from matcher.events import EventData
from matcher.text import printable
from service.events.agendas import AGENDA_COLUMNS, AgendaItem, agenda, agendas, dropped, grid, summary_rows
from service.events.plan import EventService, event, name_of
from storage.keys import revoke_key
from storage.sheets import write_csv, write_xlsx


def ics(svc: EventService, event_id: int, profile_id: str, *, now: datetime | None = None) -> bytes:
    """One participant's agenda as an RFC 5545 calendar (CRLF, folded, UTC times)."""
    data = event(svc, event_id)
    return calendar(data, profile_id, name_of(svc, profile_id), agenda(svc, event_id, profile_id),
                    now=now or datetime.now(UTC), cancelled=dropped(svc, data, [profile_id])[profile_id])


def export(svc: EventService, event_id: int, out: Path, *, now: datetime | None = None, pdf: bool = False,
           base_url: str = "", sign_lang: str = "en") -> list[Path]:
    """Write per-participant agendas (CSV and .ics) and the organiser's grid and summary into ``out``; with
    ``pdf``, the printed agendas (QR codes opening the personal pages at ``base_url``) and the table signs (in
    ``sign_lang``) too (:mod:`service.events.printing`).

    All or nothing: the files are built in a temporary folder beside ``out``, then renamed into place, so a
    failure half-way leaves no partial export (and a previous export in ``out`` whole), and the participant
    keys made for the QR codes are revoked. ``out`` must be new, empty or a previous export; a folder holding
    anything else is refused, never overwritten."""
    data = event(svc, event_id)
    _check_export_folder(out)
    if pdf:
        _check_print_options(base_url, sign_lang)
    keys: list[str] = []
    stamp = now or datetime.now(UTC)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        (tmp / "agendas").mkdir()
        written: list[Path] = []
        everyone = agendas(svc, data, [p.profile_id for p in data.participants])
        gone = dropped(svc, data, list(everyone))
        used_names: set[str] = set()
        for pid, agenda in everyone.items():
            stem = _file_stem(pid, used_names)
            path = Path("agendas") / f"{stem}.csv"
            write_csv(tmp / path, AGENDA_COLUMNS, [{k: item.to_dict()[k] for k in AGENDA_COLUMNS}
                                                   for item in agenda])
            ics = Path("agendas") / f"{stem}.ics"
            (tmp / ics).write_bytes(calendar(data, pid, name_of(svc, pid), agenda, now=stamp,
                                                    cancelled=gone[pid]))
            written += [path, ics]
        slots_by_table = grid(svc, event_id)
        columns = ["slot", "start", "end", "session", *(t.name for t in data.tables)]
        per, per_slot = summary_rows(svc, event_id)
        per_columns = list(per[0]) if per else ["profile_id"]
        slot_columns = list(per_slot[0]) if per_slot else ["slot"]
        write_csv(tmp / "grid.csv", columns, slots_by_table)
        write_csv(tmp / "summary.csv", per_columns, per)
        write_csv(tmp / "table_use.csv", slot_columns, per_slot)
        write_xlsx(tmp / "grid.xlsx", {"grid": (columns, slots_by_table), "participants": (per_columns, per),
                                       "table use": (slot_columns, per_slot)})
        written += [Path(n) for n in ("grid.csv", "grid.xlsx", "summary.csv", "table_use.csv")]
        if pdf:
            from service.events.printing import write_pdfs

            written += [p.relative_to(tmp) for p in write_pdfs(svc, data, everyone, tmp, base_url=base_url,
                                                                 sign_lang=sign_lang, keys=keys)]
        _publish(tmp, out)
    except BaseException:
        for key in keys:
            revoke_key(svc.engine, key)
        raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return [out / p for p in written]




EXPORT_ENTRIES = frozenset({"agendas", "grid.csv", "grid.xlsx", "summary.csv", "table_use.csv", "agendas.pdf",
                            "table-signs.pdf"})


def _check_print_options(base_url: str, sign_lang: str) -> None:
    if not base_url.startswith(("http://", "https://")):
        raise InvalidValueError("base_url", base_url, "the printed agendas' QR codes open the participants' "
                                "personal pages: give the address they will open (--base-url or CCIMATCH_PUBLIC_URL), "
                                "e.g. https://fair.example.org")
    if sign_lang not in ("ar", "fr", "en"):
        raise InvalidValueError("sign_lang", sign_lang, "choose ar, fr or en")


def _check_export_folder(out: Path) -> None:
    """``out`` may be replaced only if it is absent, empty or holds nothing but a previous export."""
    if not out.exists():
        return
    if not out.is_dir():
        raise ValueError(f"export: {out} is a file, not a folder")
    foreign = sorted(p.name for p in out.iterdir() if p.name not in EXPORT_ENTRIES)
    agendas = out / "agendas"
    if agendas.is_dir():
        foreign += sorted(f"agendas/{p.name}" for p in agendas.iterdir() if p.suffix not in (".csv", ".ics"))
    if foreign:
        raise ValueError(f"export: {out} is not a ccimatch export (it holds {', '.join(foreign[:3])}); "
                         "choose a new or empty folder")


def _publish(tmp: Path, out: Path) -> None:
    """Move the finished export ``tmp`` to ``out``: one rename, after moving a previous export aside."""
    old = None
    if out.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}-old-", dir=out.parent))
        os.replace(out, old / out.name)
    try:
        os.replace(tmp, out)
    except OSError:
        if old is not None:
            os.replace(old / out.name, out)  # put the previous export back
        raise
    finally:
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


def _file_stem(profile_id: str, used: set[str]) -> str:
    stem = re.sub(r"[^A-Za-z0-9_.-]", "_", profile_id).lstrip(".") or "participant"
    base, n = stem, 2
    while stem.lower() in used:
        stem, n = f"{base}-{n}", n + 1
    used.add(stem.lower())
    return stem


# --- iCalendar (RFC 5545), through the icalendar library ---------------------------------------------
def calendar(data: EventData, profile_id: str, name: str, agenda: Sequence[AgendaItem], *, now: datetime,
             cancelled: Sequence[AgendaItem] = ()) -> bytes:
    """VCALENDAR with one VEVENT per meeting: escaping, folding at 75 octets and CRLF by the icalendar library;
    stored text passes :func:`matcher.text.printable` first (RFC 5545 forbids control characters in TEXT).
    Meetings no longer scheduled (``cancelled``) come again with STATUS:CANCELLED and a higher SEQUENCE under
    the same UID, so a calendar that imported the earlier file removes them (RFC 5546 §3.2.5)."""
    from icalendar import Calendar
    from icalendar import Event as VEvent

    ev = data.event
    cal = Calendar()
    for key, value in (("prodid", "-//ccimatch//B2B meetings//EN"), ("version", "2.0"), ("calscale", "GREGORIAN"),
                       ("method", "PUBLISH"), ("x-wr-calname", printable(f"{ev.name} – {name}", multiline=False))):
        cal.add(key, value)
    for item, gone in [*((i, False) for i in agenda), *((i, True) for i in cancelled)]:
        location = f"{item.table_name}, {ev.venue}" if ev.venue else item.table_name
        description = f"{ev.name}: B2B meeting with {item.partner_name} ({item.partner_country or '?'}), " \
                      f"{item.priority} meeting.\nWhy: {item.reason or 'requested by a participant'}"
        if item.message:
            description += f"\nMessage: {item.message}"
        meeting = VEvent()
        meeting.add("uid", f"ccimatch-event-{ev.id}-request-{item.request_id}-{profile_id}@ccimatch")
        meeting.add("dtstamp", now.astimezone(UTC))
        meeting.add("sequence", item.sequence)  # bumped when a repair moves it: calendar apps update the same UID
        meeting.add("dtstart", item.start.astimezone(UTC))
        meeting.add("dtend", item.end.astimezone(UTC))
        meeting.add("summary", printable(f"{'Cancelled: m' if gone else 'M'}eeting with {item.partner_name}",
                                         multiline=False))
        meeting.add("status", "CANCELLED" if gone else "CONFIRMED")
        meeting.add("location", printable(location, multiline=False))
        meeting.add("description", printable(description))
        meeting.add("transp", "OPAQUE")
        cal.add_component(meeting)
    return cal.to_ical()
