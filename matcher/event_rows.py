"""Rows of an event's files and forms (participants, meeting requests) checked into domain values: every
problem is reported with its row, field and reason, as for profiles; nothing is half-accepted."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from matcher.errors import FieldError, InvalidFieldsError
from matcher.events import ACTIVE_STATES, PRIORITIES, STATES, EventData, NewRequest, Participant
from matcher.messages import Message, Refusal
from matcher.text import normalise_newlines, printable, text_issue

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
    """An ISO 8601 time with its UTC offset; :class:`Refusal` (a ``ValueError``) says why not."""
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise Refusal(Message.of("invalid_iso_time", detail=str(exc))) from None
    if parsed.tzinfo is None:
        raise Refusal(Message.of("needs_utc_offset"))
    return parsed


def _unknown_columns(rows: Sequence[Mapping[str, Any]], expected: tuple[str, ...]) -> list[FieldError]:
    unknown = sorted({str(k) for raw in rows for k in raw} - set(expected))
    if not unknown:
        return []
    return [FieldError.of(Message.of("unknown_columns", expected=", ".join(expected)), row=None, record_id=None,
                          field="columns", value=printable(", ".join(unknown)))]


def participants(rows: Sequence[Mapping[str, Any]], *, n_slots: int, n_tables: int,
                 known: Callable[[str], bool]) -> list[Participant]:
    """Participants from rows (:data:`PARTICIPANT_COLUMNS`; forbidden slots 1-based and ';'-separated);
    ``known`` says whether a profile id is in the catalogue. :class:`InvalidFieldsError` lists every problem."""
    if not rows:
        raise InvalidFieldsError([FieldError.of(Message.of("no_participants"), row=None, record_id=None,
                                                field="participants", value="")])
    errors = _unknown_columns(rows, PARTICIPANT_COLUMNS)
    out: list[Participant] = []
    first: dict[str, int] = {}
    stand_of: dict[int, tuple[str, int]] = {}
    for row, raw in enumerate(rows, 1):
        pid = cell(raw, "profile_id")
        bad = len(errors)

        def err(field: str, value: str, message: Message, row: int = row, pid: str = pid) -> None:
            errors.append(FieldError.of(message, row=row, record_id=printable(pid) or None, field=field,
                                        value=printable(value)))

        if not pid:
            err("profile_id", "", Message.of("participant_missing"))
        elif pid in first:
            err("profile_id", pid, Message.of("duplicate_participant", first_row=first[pid]))
        elif not known(pid):
            err("profile_id", pid, Message.of("unknown_profile"))
        forbidden: set[int] = set()
        text = cell(raw, "forbidden_slots")
        for item in (x.strip() for x in text.split(";") if x.strip()):
            try:
                number = whole_number(item)
            except ValueError:
                err("forbidden_slots", text, Message.of("invalid_slot_number", item=printable(item)))
                continue
            if number is None or not 1 <= number <= n_slots:
                err("forbidden_slots", text, Message.of("no_such_slot", slot=item, slots=n_slots))
            else:
                forbidden.add(number - 1)
        max_meetings = stand = None
        try:
            max_meetings = whole_number(cell(raw, "max_meetings"))
        except ValueError:
            err("max_meetings", cell(raw, "max_meetings"), Message.of("invalid_max_meetings"))
        try:
            stand = whole_number(cell(raw, "stand"))
        except ValueError:
            err("stand", cell(raw, "stand"), Message.of("invalid_stand"))
        if stand is not None:
            if not 1 <= stand <= n_tables:
                err("stand", str(stand), Message.of("no_such_table", table=stand, tables=n_tables))
            elif stand in stand_of:
                other, other_row = stand_of[stand]
                err("stand", str(stand), Message.of("stand_taken", table=stand, other=other, other_row=other_row))
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


def request_issues(data: EventData, from_id: str, to_id: str, priority: str, message: str,
                   state: str) -> list[tuple[str, str, Message]]:
    """(field, value, message) for each problem of one meeting request."""
    members = data.members
    problems = [(field, printable(value), Message.of("not_a_participant", event=data.event.id))
                for field, value in (("from_id", from_id), ("to_id", to_id)) if value not in members]
    if from_id == to_id:
        problems.append(("to_id", to_id, Message.of("self_request")))
    if priority not in PRIORITIES:
        problems.append(("priority", printable(priority), Message.of("choose_one", choices=", ".join(PRIORITIES))))
    if state not in STATES:
        problems.append(("state", printable(state), Message.of("choose_one", choices=", ".join(STATES))))
    if len(message) > MAX_MESSAGE:
        problems.append(("message", message[:20], Message.of("too_many_characters", limit=MAX_MESSAGE)))
    elif (issue := text_issue(normalise_newlines(message), multiline=True, bidi=True)) is not None:
        problems.append(("message", printable(message[:40]), issue))
    return problems


def request_problems(data: EventData, from_id: str, to_id: str, priority: str, message: str,
                     state: str) -> list[tuple[str, str, str]]:
    """(field, value, reason) for each problem of one meeting request: :func:`request_issues` in English."""
    return [(field, value, issue.text) for field, value, issue
            in request_issues(data, from_id, to_id, priority, message, state)]


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
        errors += [FieldError.of(issue, row=row, record_id=where, field=field, value=value)
                   for field, value, issue in request_issues(data, a, b, priority, message, state)]
        expires_at = None
        if cell(raw, "expires_at"):
            try:
                expires_at = aware(cell(raw, "expires_at"))
            except Refusal as exc:
                errors.append(FieldError.of(exc.message, row=row, record_id=where, field="expires_at",
                                            value=printable(cell(raw, "expires_at"))))
        pair = frozenset((a, b))
        if state in ACTIVE_STATES:
            if pair in active:
                errors.append(FieldError.of(Message.of("pair_active", request=active[pair]), row=row,
                                            record_id=where, field="to_id", value=printable(b)))
            elif pair in seen:
                errors.append(FieldError.of(Message.of("duplicate_pair", first_row=seen[pair]), row=row,
                                            record_id=where, field="to_id", value=printable(b)))
            else:
                seen[pair] = row
        new.append(NewRequest(from_id=a, to_id=b, priority=priority, message=normalise_newlines(message),
                              state=state, expires_at=expires_at,
                              decided_by=None if state == "pending" else "organiser"))
    if errors:
        raise InvalidFieldsError(errors)
    return new
