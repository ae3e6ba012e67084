"""``ccimatch event reschedule``: repair on the day (:mod:`service.events.repair`), its options parsed and its
notifications printed as a table of who must be told what."""

from __future__ import annotations

from datetime import time
from typing import Annotated, Any

import typer

import service.cli.common as common
from matcher.errors import InvalidRequestError
from service import params
from service.cli.common import DbOpt, JsonOpt, print_json, say

EventArg = Annotated[int, typer.Argument(metavar="EVENT_ID", help="The event's id (printed by 'create').")]


def reschedule(
    event_id: EventArg,
    cancel: Annotated[list[int] | None, typer.Option("--cancel", metavar="REQUEST_ID",
                                                     help="Cancel this accepted request (repeatable).")] = None,
    withdraw: Annotated[list[str] | None, typer.Option("--withdraw", metavar="PROFILE_ID",
                                                       help="This participant leaves: its meetings still to come "
                                                            "are cancelled (repeatable).")] = None,
    late: Annotated[list[str] | None, typer.Option("--late", metavar="PROFILE_ID",
                                                   help="This participant arrives late, at --until (repeatable).")]
    = None,
    until: Annotated[str | None, typer.Option("--until", metavar="HH:MM",
                                              help="With --late: arrival time, on the day of the next slot.")] = None,
    forbid: Annotated[list[str] | None, typer.Option("--forbid", metavar="PROFILE_ID:SLOTS",
                                                     help="Slots (1-based: 3,4 or 3-5) this participant can no "
                                                          "longer attend (repeatable).")] = None,
    add: Annotated[list[str] | None, typer.Option("--add", metavar="FROM_ID:TO_ID",
                                                  help="Add this meeting, accepted by the organiser "
                                                       "(repeatable).")] = None,
    table_lost: Annotated[list[int] | None, typer.Option("--table-lost", metavar="N",
                                                         help="Table number unusable from now on "
                                                              "(repeatable).")] = None,
    now: Annotated[str | None, typer.Option(help="The time it is, ISO 8601 with offset (default: now); slots "
                                                 "started by then are not touched.")] = None,
    time_limit: Annotated[float, typer.Option(min=0.1, help="Solver time limit in seconds.")] = 30.0,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would change; write nothing.")] = False,
    db: DbOpt = None, as_json: JsonOpt = False,
) -> None:
    """Repair the stored schedule after a change on the day: every other meeting keeps its slot and table; the
    fewest meetings move, then the fewest breaks. Lists who must be told what; moved meetings' .ics files carry
    a higher SEQUENCE."""
    from service import events

    if late and until is None:
        raise InvalidRequestError("--late needs --until HH:MM (the arrival time)")
    arrival = _clock("--until", until) if until is not None else None
    report = events.reschedule(
        events.EventService(common.open_catalogue(db)), event_id, cancel=cancel or [], withdraw=withdraw or [],
        forbid=_forbid(forbid or []), late={p: arrival for p in late or [] if arrival is not None},
        add=[_pair(x) for x in add or []], tables_lost=table_lost or [], now=params.moment("--now", now),
        dry_run=dry_run, time_limit=time_limit)
    if as_json:
        print_json(report.to_dict())
        return
    for line in lines(report):
        say(line)


def lines(report: Any) -> list[str]:
    """The report as people read it: one summary line, then a table of notifications."""
    counts = {k: len({(n.request_id, n.old, n.new) for n in report.notices if n.kind == k})
              for k in ("moved", "cancelled", "dropped", "new", "not_scheduled")}
    head = (f"event {report.event_id}: repair {report.status}, {counts['moved']} meeting(s) moved, "
            f"{counts['cancelled']} cancelled, {counts['dropped']} no longer possible, {counts['new']} added"
            + (f", {counts['not_scheduled']} not fitting" if counts["not_scheduled"] else "")
            + f"; breaks {report.breaks_before} -> {report.breaks}; "
            + ("dry run: nothing written" if report.dry_run else "stored"))
    out = [head]
    if report.started:
        out.append(f"slots 1..{report.started} have started and were not touched")
    if not report.notices:
        return [*out, "nobody needs to be told anything"]
    rows = [("participant", "what", "partner", "request", "was", "now", "note")]
    for n in report.notices:
        note = n.reason or (f".ics SEQUENCE {n.sequence}" if n.kind == "moved" else "")
        rows.append((n.profile_id, n.kind.replace("_", " "), n.partner_id,
                     str(n.request_id) if n.request_id is not None else "(new)",
                     n.old.text() if n.old else "-", n.new.text() if n.new else "-", note))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    for r in rows:
        out.append("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=False)) + "  " + r[-1])
    return [line.rstrip() for line in out]


def _clock(option: str, value: str) -> time:
    try:
        return time.fromisoformat(value.strip())
    except ValueError:
        raise InvalidRequestError(f"{option}: {value!r} is not a time like 10:30") from None


def _pair(value: str) -> tuple[str, str]:
    a, sep, b = value.partition(":")
    if not sep or not a.strip() or not b.strip():
        raise InvalidRequestError(f"--add: {value!r}: give FROM_ID:TO_ID")
    return a.strip(), b.strip()


def _forbid(values: list[str]) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for value in values:
        pid, sep, slots = value.rpartition(":")
        numbers: list[int] = []
        try:
            for part in slots.split(","):
                first, dash, last = part.strip().partition("-")
                numbers += range(int(first), int(last) + 1) if dash else [int(first)]
        except ValueError:
            numbers = []
        if not sep or not pid.strip() or not numbers:
            raise InvalidRequestError(f"--forbid: {value!r}: give PROFILE_ID:SLOTS, e.g. tn-1:1,2 or tn-1:1-3")
        out.setdefault(pid.strip(), []).extend(numbers)
    return out
