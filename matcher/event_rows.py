"""Rows of an event's files and forms (participants, meeting requests) checked into domain values: every
problem is reported with its row, field and reason, as for profiles; nothing is half-accepted."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from matcher.errors import FieldError, InvalidFieldsError
from matcher.events import ACTIVE_STATES, PRIORITIES, STATES, EventData, NewRequest, Participant
from matcher.text import normalise_newlines, printable, text_problem

PARTICIPANT_COLUMNS: tuple[str, ...] = ("profile_id", "forbidden_slots", "max_meetings", "stand")
REQUEST_COLUMNS: tuple[str, ...] = ("from_id", "to_id", "priority", "message", "state", "expires_at")
MAX_MESSAGE = 2000


def cell(raw: Mapping[str, Any], key: str) -> str:
    value = raw.get(key)
    if value is None or (isinstance(value, float) and value != value):  # None or NaN
        return ""
    return str(value).strip()


def whole_number(text: str) -> int | None:
    if not text:
        return None
    if re.fullmatch(r"[+]?\d+(\.0+)?", text) is None:
        raise ValueError("not a whole number")
    return int(float(text))


def aware(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError("give a UTC offset, e.g. 2026-11-20T18:00:00+01:00")
    return parsed


def _unknown_columns(rows: Sequence[Mapping[str, Any]], expected: tuple[str, ...]) -> list[FieldError]:
    unknown = sorted({str(k) for raw in rows for k in raw} - set(expected))
    if not unknown:
        return []
    return [FieldError(row=None, record_id=None, field="columns", value=printable(", ".join(unknown)),
                       reason=f"unknown column(s); expected {', '.join(expected)}")]


def participants(rows: Sequence[Mapping[str, Any]], *, n_slots: int, n_tables: int,
                 known: Callable[[str], bool]) -> list[Participant]:
    """Participants from rows (:data:`PARTICIPANT_COLUMNS`; forbidden slots 1-based and ';'-separated);
    ``known`` says whether a profile id is in the catalogue. :class:`InvalidFieldsError` lists every problem."""
    if not rows:
        raise InvalidFieldsError([FieldError(row=None, record_id=None, field="participants", value="",
                                             reason="no participants: the file has no data rows")])
    errors = _unknown_columns(rows, PARTICIPANT_COLUMNS)
    out: list[Participant] = []
    first: dict[str, int] = {}
    stand_of: dict[int, tuple[str, int]] = {}
    for row, raw in enumerate(rows, 1):
        pid = cell(raw, "profile_id")
        bad = len(errors)

        def err(field: str, value: str, reason: str, row: int = row, pid: str = pid) -> None:
            errors.append(FieldError(row=row, record_id=printable(pid) or None, field=field, value=printable(value),
                                     reason=reason))

        if not pid:
            err("profile_id", "", "missing: every participant needs the id of a catalogue profile")
        elif pid in first:
            err("profile_id", pid, f"duplicate participant (first on row {first[pid]})")
        elif not known(pid):
            err("profile_id", pid, "unknown profile id: no such profile in the catalogue")
        forbidden: set[int] = set()
        text = cell(raw, "forbidden_slots")
        for item in (x.strip() for x in text.split(";") if x.strip()):
            try:
                number = whole_number(item)
            except ValueError:
                err("forbidden_slots", text, f"{printable(item)!r} is not a slot number (1-based, ';'-separated)")
                continue
            if number is None or not 1 <= number <= n_slots:
                err("forbidden_slots", text, f"slot {item} does not exist: slots are numbered 1 to {n_slots}")
            else:
                forbidden.add(number - 1)
        max_meetings = stand = None
        try:
            max_meetings = whole_number(cell(raw, "max_meetings"))
        except ValueError:
            err("max_meetings", cell(raw, "max_meetings"), "not a whole number (leave empty for no limit)")
        try:
            stand = whole_number(cell(raw, "stand"))
        except ValueError:
            err("stand", cell(raw, "stand"), "not a table number (leave empty for no stand)")
        if stand is not None:
            if not 1 <= stand <= n_tables:
                err("stand", str(stand), f"table {stand} does not exist: tables are numbered 1 to {n_tables}")
            elif stand in stand_of:
                other, other_row = stand_of[stand]
                err("stand", str(stand), f"table {stand} is already the stand of {other!r} (row {other_row})")
            else:
                stand_of[stand] = (pid, row)
        if pid and pid not in first:
            first[pid] = row
        if len(errors) == bad:
            out.append(Participant(profile_id=pid, forbidden=frozenset(forbidden), max_meetings=max_meetings,
                                   stand=stand))
    if errors:
        raise InvalidFieldsError(errors)
    return out


def request_problems(data: EventData, from_id: str, to_id: str, priority: str, message: str,
                     state: str) -> list[tuple[str, str, str]]:
    """(field, value, reason) for each problem of one meeting request."""
    members = data.members
    problems = [(field, printable(value), f"not a participant of event {data.event.id}")
                for field, value in (("from_id", from_id), ("to_id", to_id)) if value not in members]
    if from_id == to_id:
        problems.append(("to_id", to_id, "a participant cannot request a meeting with itself"))
    if priority not in PRIORITIES:
        problems.append(("priority", printable(priority), f"choose one of {', '.join(PRIORITIES)}"))
    if state not in STATES:
        problems.append(("state", printable(state), f"choose one of {', '.join(STATES)}"))
    if len(message) > MAX_MESSAGE:
        problems.append(("message", message[:20], f"at most {MAX_MESSAGE} characters"))
    elif (problem := text_problem(normalise_newlines(message), multiline=True, bidi=True)) is not None:
        problems.append(("message", printable(message[:40]), problem))
    return problems


def request_rows(data: EventData, rows: Sequence[Mapping[str, Any]],
                 active: Mapping[frozenset[str], int]) -> list[NewRequest]:
    """Requests from rows (:data:`REQUEST_COLUMNS`; priority defaults to want, state to pending); ``active``
    maps the pairs that already have a pending or accepted request to its id. All or none:
    :class:`InvalidFieldsError` lists every problem."""
    errors = _unknown_columns(rows, REQUEST_COLUMNS)
    new: list[NewRequest] = []
    seen: dict[frozenset[str], int] = {}
    for row, raw in enumerate(rows, 1):
        a, b = cell(raw, "from_id"), cell(raw, "to_id")
        priority, state = cell(raw, "priority").lower() or "want", cell(raw, "state").lower() or "pending"
        message = cell(raw, "message")
        where = printable(f"{a} -> {b}")
        errors += [FieldError(row=row, record_id=where, field=field, value=value, reason=reason)
                   for field, value, reason in request_problems(data, a, b, priority, message, state)]
        expires_at = None
        if cell(raw, "expires_at"):
            try:
                expires_at = aware(cell(raw, "expires_at"))
            except ValueError as exc:
                errors.append(FieldError(row=row, record_id=where, field="expires_at",
                                         value=printable(cell(raw, "expires_at")), reason=str(exc)))
        pair = frozenset((a, b))
        if state in ACTIVE_STATES:
            if pair in active:
                errors.append(FieldError(row=row, record_id=where, field="to_id", value=printable(b),
                                         reason=f"this pair already has an active request (id {active[pair]})"))
            elif pair in seen:
                errors.append(FieldError(row=row, record_id=where, field="to_id", value=printable(b),
                                         reason=f"duplicate pair (first on row {seen[pair]})"))
            else:
                seen[pair] = row
        new.append(NewRequest(from_id=a, to_id=b, priority=priority, message=normalise_newlines(message),
                              state=state, expires_at=expires_at,
                              decided_by=None if state == "pending" else "organiser"))
    if errors:
        raise InvalidFieldsError(errors)
    return new
