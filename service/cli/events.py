"""``ccimatch event``: B2B meeting events (create, requests, recommendations, schedule, exports)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

import service.cli.common as common
from matcher.errors import InvalidRequestError
from service import params
from service.cli.common import DbOpt, JsonOpt, print_json, say
from service.cli.dask_option import DaskOpt, batch_events
from service.cli.event_repair import reschedule

app = typer.Typer(no_args_is_help=True, help="B2B meeting events: participants, requests, schedule, agendas.")
app.command()(reschedule)  # repair on the day (service.cli.event_repair)

EventArg = Annotated[int, typer.Argument(metavar="EVENT_ID", help="The event's id (printed by 'create').")]
RequestArg = Annotated[int, typer.Argument(metavar="REQUEST_ID", help="The request's id.")]
ByOpt = Annotated[str | None, typer.Option("--by", help="Profile id of the participant who acts.")]
OrganiserOpt = Annotated[bool, typer.Option("--as-organiser", help="Act as the organiser, on their behalf.")]


def _service(db: str | None) -> Any:
    from service.events import EventService

    return EventService(common.open_catalogue(db))


def _records(path: Path) -> list[dict[str, Any]]:
    from storage.files import read_records

    return read_records(path)


def _show_request(r: Any, as_json: bool) -> None:
    from matcher.events import as_dict

    if as_json:
        print_json(as_dict(r))
    else:
        say(f"request {r.id}: {r.from_id} -> {r.to_id} ({r.priority}) {r.state}"
            + (f" by the {r.decided_by}" if r.decided_by else ""))


@app.command()
def create(
    name: Annotated[str, typer.Argument(help="Event name, e.g. 'CAT 2026 B2B meetings'.")],
    participants: Annotated[Path, typer.Option(help="CSV or Excel: profile_id, forbidden_slots, max_meetings, "
                                                    "stand.")],
    days: Annotated[str, typer.Option(help="Dates, comma-separated: 2026-12-01,2026-12-02.")],
    morning: Annotated[str, typer.Option(help="Morning session, e.g. 09:00-12:30, or 'none'.")] = "09:00-12:30",
    afternoon: Annotated[str, typer.Option(help="Afternoon session, e.g. 14:00-17:30, or 'none'.")] = "14:00-17:30",
    slot_minutes: Annotated[int, typer.Option(min=5, max=480, help="Length of a meeting.")] = 30,
    break_minutes: Annotated[int, typer.Option(min=0, max=240, help="Gap between two slots.")] = 0,
    tables: Annotated[int, typer.Option(min=1, max=1000, help="Number of meeting tables.")] = 20,
    venue: Annotated[str, typer.Option(help="Where, e.g. 'Palais des Congrès, Tunis'.")] = "",
    timezone: Annotated[str, typer.Option(help="IANA timezone of the venue.")] = "Africa/Tunis",
    allow_past: Annotated[bool, typer.Option("--allow-past", help="Accept days in the past (importing a past "
                                                                  "event).")] = False,
    db: DbOpt = None, as_json: JsonOpt = False,
) -> None:
    """Create an event from a slot plan and a participants file (all rows checked; all or nothing)."""
    from service import events
    from service.events import SlotPlan

    m_start, m_end = params.hours("--morning", morning)
    a_start, a_end = params.hours("--afternoon", afternoon)
    rows = _records(participants)
    plan = SlotPlan(days=params.days("--days", days), morning_start=m_start, morning_end=m_end, afternoon_start=a_start,
                    afternoon_end=a_end, slot_minutes=slot_minutes, break_minutes=break_minutes)
    svc = _service(db)
    event_id = events.create_event(svc, name=name, venue=venue, timezone=timezone, plan=plan, tables=tables,
                                participants=rows, allow_past=allow_past)
    data = events.event(svc, event_id)
    if as_json:
        print_json({"event_id": event_id, "slots": len(data.slots), "tables": len(data.tables),
                         "participants": len(data.participants)})
    else:
        say(event_id)


@app.command("requests")
def requests_(
    event_id: EventArg,
    import_file: Annotated[Path | None, typer.Option("--import", help="CSV or Excel: from_id, to_id, priority, "
                                                                      "message, state (optional).")] = None,
    state: Annotated[str | None, typer.Option(help="List only this state (pending, accepted, ...).")] = None,
    db: DbOpt = None, as_json: JsonOpt = False,
) -> None:
    """Import meeting requests from a file (all or nothing), then list the event's requests."""
    from matcher.events import as_dict
    from service import events

    svc = _service(db)
    if import_file is not None:
        added = events.import_requests(svc, event_id, _records(import_file))
        if not as_json:
            say(f"{len(added)} request(s) imported", err=True)
    listed = events.list_requests(svc, event_id, (state,) if state else ())
    if as_json:
        print_json([as_dict(r) for r in listed])
        return
    for r in listed:
        _show_request(r, False)


@app.command()
def request(
    event_id: EventArg,
    from_id: Annotated[str, typer.Argument(metavar="FROM", help="Profile id of the requester.")],
    to_id: Annotated[str, typer.Argument(metavar="TO", help="Profile id of the requested partner.")],
    priority: Annotated[str, typer.Option(help="must or want.")] = "want",
    message: Annotated[str, typer.Option(help="A note for the partner.")] = "",
    expires: Annotated[str | None, typer.Option(help="Deadline to answer, ISO 8601 with offset.")] = None,
    db: DbOpt = None, as_json: JsonOpt = False,
) -> None:
    """Ask for a meeting (pending until the partner or the organiser answers)."""
    from service import events

    r = events.request(_service(db), event_id, from_id, to_id, priority=priority, message=message,
                       expires_at=params.moment("--expires", expires))
    _show_request(r, as_json)


def _decide(action: str, request_id: int, by: str | None, as_organiser: bool, db: str | None, as_json: bool) -> None:
    if as_organiser == (by is not None):
        raise InvalidRequestError("say who acts: --by PROFILE_ID or --as-organiser (one of them)")
    from service import events

    r = events.act(_service(db), request_id, action, by=by, as_organiser=as_organiser)
    _show_request(r, as_json)


@app.command()
def accept(request_id: RequestArg, by: ByOpt = None, as_organiser: OrganiserOpt = False, db: DbOpt = None,
           as_json: JsonOpt = False) -> None:
    """Accept a pending request (its addressee, or the organiser)."""
    _decide("accept", request_id, by, as_organiser, db, as_json)


@app.command()
def decline(request_id: RequestArg, by: ByOpt = None, as_organiser: OrganiserOpt = False, db: DbOpt = None,
            as_json: JsonOpt = False) -> None:
    """Decline a pending request (its addressee, or the organiser)."""
    _decide("decline", request_id, by, as_organiser, db, as_json)


@app.command()
def cancel(request_id: RequestArg, by: ByOpt = None, as_organiser: OrganiserOpt = False, db: DbOpt = None,
           as_json: JsonOpt = False) -> None:
    """Withdraw a pending or accepted request (its sender, or the organiser)."""
    _decide("cancel", request_id, by, as_organiser, db, as_json)


@app.command()
def expire(
    now: Annotated[str | None, typer.Option(help="Reference time, ISO 8601 with offset (default: now).")] = None,
    event_id: Annotated[int | None, typer.Option("--event", help="Only this event.")] = None,
    db: DbOpt = None,
) -> None:
    """Expire pending requests whose deadline has passed."""
    from service import events

    ids = events.expire(_service(db), params.moment("--now", now) or datetime.now(UTC), event_id=event_id)
    say(f"{len(ids)} request(s) expired" + (f": {', '.join(map(str, ids))}" if ids else ""))


@app.command()
def recommend(
    event_id: EventArg,
    k: Annotated[int, typer.Option("--k", min=1, max=100, help="Partners per participant.")] = 5,
    method: Annotated[str, typer.Option("--method", help="joint (default): all lists chosen together for the "
                                        "most expected mutually accepted meetings, nobody shown to more than "
                                        "--exposure-multiple times its capacity; independent: each "
                                        "participant's own top k.")] = "joint",
    exposure_multiple: Annotated[float, typer.Option("--exposure-multiple", help="With --method joint: each "
                                                     "participant shown to at most this many times the "
                                                     "meetings it can hold (1 to 100).")] = 3.0,
    prefill: Annotated[bool, typer.Option("--prefill", help="Create pending requests from them "
                                                            "(pairs with a request are skipped).")] = False,
    mutual_only: Annotated[bool, typer.Option("--mutual-only", help="With --prefill: only mutual matches.")] = False,
    db: DbOpt = None, as_json: JsonOpt = False, dask: DaskOpt = None,
) -> None:
    """Recommended meetings among the event's participants, mutual matches first, with the figures of the lists
    (expected mutually accepted meetings, exposure Gini, share with fewer than k, share of requests to the
    most requested tenth)."""
    from service import events

    with batch_events(db, dask) as svc:
        found = events.recommendations(svc, event_id, k=k, method=method, exposure_multiple=exposure_multiple)
        created = (events.prefill(svc, event_id, k=k, mutual_only=mutual_only, method=method,
                                  exposure_multiple=exposure_multiple) if prefill else [])
    if as_json:
        print_json(found.to_dict() | {"prefilled": [r.id for r in created]})
        return
    current = None
    for r in found.rows:
        if r.participant != current:
            current = r.participant
            say(f"{current}:")
        say(f"  {'*' if r.mutual else ' '} {r.score:5.3f}  {r.partner:<20} {r.partner_name}")
        say(f"           {r.reason}")
    say("(* mutual: each is in the other's list)")
    f = found.figures
    say(f"method {found.method}, k {found.k}" + (f", exposure at most {found.exposure_multiple:g} x capacity"
                                               if found.method == "joint" else ""))
    say(f"  expected mutually accepted meetings {f.expected_meetings:.1f} (of {f.expected_requests:.1f} "
        f"expected requests)")
    say(f"  exposure Gini {f.exposure_gini:.3f}; fewer than k partners {f.short_share:.1%}; requests to the "
        f"10 % most requested {f.top_share:.1%}")
    if prefill:
        say(f"{len(created)} pending request(s) created")


@app.command()
def schedule(
    event_id: EventArg,
    time_limit: Annotated[float, typer.Option(min=0.1, help="Solver time limit in seconds.")] = 60.0,
    fairness: Annotated[int, typer.Option(min=0, help="Max difference in breaks between participants.")] = 2,
    no_fairness: Annotated[bool, typer.Option("--no-fairness", help="No fairness bound.")] = False,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Solver threads.")] = 2,
    db: DbOpt = None, as_json: JsonOpt = False,
) -> None:
    """Give every accepted request a slot and a table (musts first); replaces the stored schedule."""
    from service import events

    summary = events.schedule_now(_service(db), event_id, fairness=None if no_fairness else fairness,
                              time_limit=time_limit, workers=workers)
    if as_json:
        print_json(summary.to_dict())
        return
    say(f"status {summary.status}: {summary.held} of {summary.requested} meetings held "
               f"(musts {summary.must_held} of {summary.must_requested}), {summary.breaks} break(s), "
               f"{summary.seconds:.1f} s" + ("" if summary.stored else "; the stored schedule was kept"))
    for x in summary.left_out:
        say(f"  left out: request {x.request_id} {x.from_id} -> {x.to_id} ({x.priority}): {x.reason}")
    if summary.infeasible_reason:
        say(f"  why: {summary.infeasible_reason}")


@app.command()
def links(
    event_id: EventArg,
    base_url: Annotated[str, typer.Option("--base-url", help="The address participants open, e.g. "
                                                             "https://fair.example.org.")],
    lang: Annotated[str, typer.Option(help="Language of the participants' pages: ar, fr or en.")] = "en",
    out: Annotated[Path | None, typer.Option(help="Write a CSV (profile_id, name, link) instead of printing.")]
    = None,
    db: DbOpt = None,
) -> None:
    """A personal link for each participant (a new participant key each, shown only now)."""
    from service import events
    from storage.sheets import write_csv

    if lang not in ("ar", "fr", "en"):
        raise InvalidRequestError(f"--lang: {lang!r}: choose ar, fr or en")
    found = events.personal_links(_service(db), event_id, base_url, lang=lang)
    if out is not None:
        write_csv(out, ["profile_id", "name", "link"],
                  [{"profile_id": x.profile_id, "name": x.name, "link": x.url} for x in found])
        say(f"wrote {len(found)} personal links to {out}")
        return
    for x in found:
        say(f"{x.profile_id}\t{x.name}\t{x.url}")


@app.command()
def export(
    event_id: EventArg,
    out: Annotated[Path, typer.Option(help="Folder for agendas (CSV, .ics), the grid (CSV, Excel) and summaries.")],
    pdf: Annotated[bool, typer.Option("--pdf", help="Also the printed agendas (agendas.pdf: one A4 page per "
                                                    "participant in their language, with a QR code of their "
                                                    "personal page, a new participant key each) and the table "
                                                    "signs (table-signs.pdf: one page per table).")] = False,
    base_url: Annotated[str | None, typer.Option("--base-url", help="With --pdf: the address participants open, "
                                                                    "e.g. https://fair.example.org (default: "
                                                                    "CCIMATCH_PUBLIC_URL).")] = None,
    sign_lang: Annotated[str, typer.Option(help="With --pdf: language of the table signs: ar, fr or en.")] = "en",
    db: DbOpt = None,
) -> None:
    """Write every participant's agenda and the organiser's grid and summaries (and with --pdf, the printed
    agendas and table signs)."""
    from service import events
    from service.settings import Settings

    files = events.export(_service(db), event_id, out, pdf=pdf, sign_lang=sign_lang,
                          base_url=base_url if base_url is not None else Settings().public_url)
    say(f"wrote {len(files)} files to {out}")


@app.command()
def outcome(
    event_id: EventArg,
    request_id: RequestArg,
    value: Annotated[str, typer.Argument(metavar="OUTCOME", help="no_show, not_relevant, useful, follow_up or "
                                                                 "agreement.")],
    by: Annotated[str, typer.Option("--by", help="Profile id of the side who says it.")],
    note: Annotated[str, typer.Option(help="A short note (at most 500 characters).")] = "",
    db: DbOpt = None, as_json: JsonOpt = False,
) -> None:
    """Record what came of a scheduled meeting (once its slot has started), for one of its sides."""
    from service import events

    found = events.record_outcome(_service(db), event_id, request_id, by=by, outcome=value, note=note)
    if as_json:
        print_json(found.to_dict())
    else:
        say(f"meeting {found.request_id}: {found.profile_id} recorded {found.outcome}")


def _share(x: Any) -> str:
    return f"{x.fruitful} of {x.held}" + (f" ({x.share:.0%})" if x.share is not None else "")


@app.command()
def outcomes(event_id: EventArg, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """What came of the meetings: the share that led to a follow-up or an agreement (overall, by sector, by pair
    of countries) and the counts per outcome."""
    from service import events

    found = events.outcome_summary(_service(db), event_id)
    if as_json:
        print_json(found.to_dict())
        return
    say(f"event {event_id}: {found.held} of {found.scheduled} scheduled meetings held; follow-up or agreement: "
        f"{_share(found.overall)}")
    say("by outcome (each meeting by the best either side recorded): " + ", ".join(
        f"{code} {n}" for code, n in [*found.counts.items(), ("unrecorded", found.unrecorded)]))
    say("by sector:")
    for sector, x in found.by_sector.items():
        say(f"  {sector:<24} {_share(x)}")
    say("by pair of countries:")
    for (a, b), x in found.by_country_pair.items():
        say(f"  {a}-{b}  {_share(x)}")
