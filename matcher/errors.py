"""The one family of errors every layer raises and every front end maps once (exit codes in the CLI,
statuses in HTTP, messages on pages): what was not found, what conflicts with the current state, what
input was refused (field by field, or as a whole request)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from matcher.messages import Message, Params


class CcimatchError(Exception):
    """Base of every error a user can cause; anything else is a bug."""


class NotFoundError(CcimatchError, LookupError):
    """No such profile, event, request... (HTTP 404, exit 2)."""


class ConflictError(CcimatchError, ValueError):
    """The request contradicts the current state: an existing id, a request already answered (409, exit 2)."""


class InvalidRequestError(CcimatchError, ValueError):
    """A request that cannot be served as asked, said in one line (422, exit 2). ``message``, when given, is
    the translatable part of that line (the line itself may add where, e.g. ``SlotPlan: ``)."""

    def __init__(self, *args: object, message: Message | None = None) -> None:
        super().__init__(*args)
        self.message = message


class InvalidValueError(InvalidRequestError):
    """One option or field with a bad value; ``field`` is its name as the front end calls it (``--countries``
    in the CLI, ``countries`` in HTTP), ``value`` what was given (shown, so made printable by the caller).
    ``reason`` is a :class:`Message` (translatable: ``code`` and ``params`` say which and with what) or, from
    callers not yet converted, a plain English text (then ``message`` is None and ``code`` is empty)."""

    def __init__(self, field: str, value: str, reason: str | Message) -> None:
        message = reason if isinstance(reason, Message) else None
        text = reason.text if isinstance(reason, Message) else reason
        super().__init__(f"{field}: {text}", message=message)
        self.field, self.value, self.reason = field, value, text

    @property
    def code(self) -> str:
        return self.message.code if self.message is not None else ""

    @property
    def params(self) -> Params:
        return self.message.params if self.message is not None else ()


@dataclass(frozen=True, kw_only=True)
class FieldError:
    """Why one field of one record was refused: ``reason`` in English, and the same as ``code`` and
    ``params`` of :mod:`matcher.messages` for a page to translate. Build it with :meth:`of`, which keeps the
    three in step."""

    row: int | None  # 1-based data row in the source file (None for a single record)
    record_id: str | None
    field: str
    value: str
    reason: str  # the English text of the message
    code: str
    params: Params = ()
    # the valid choices, listed once per report under ``valid_key`` (not once per error: a file of 50,000
    # bad rows made a 21 MB answer when every error repeated the 50 country codes)
    valid: tuple[str, ...] = ()
    valid_key: str = ""

    @classmethod
    def of(cls, message: Message, *, row: int | None, record_id: str | None, field: str, value: str,
           valid: tuple[str, ...] = (), valid_key: str = "") -> FieldError:
        return cls(row=row, record_id=record_id, field=field, value=value, reason=message.text, code=message.code,
                   params=message.params, valid=valid, valid_key=valid_key)

    @property
    def message(self) -> Message:
        """The reason as a translatable message."""
        return Message(code=self.code, params=self.params)

    def to_dict(self) -> dict[str, Any]:
        out = {"row": self.row, "id": self.record_id, "field": self.field, "value": self.value,
               "reason": self.reason, "message": str(self), "code": self.code, "params": dict(self.params)}
        if self.valid:
            out["valid_values"] = self.valid_key or self.field
        return out

    def __str__(self) -> str:
        where = [f"row {self.row}"] if self.row is not None else []
        if self.record_id:
            where.append(f"id {self.record_id!r}")
        head = " ".join(where) + ": " if where else ""
        shown = self.value if len(self.value) <= 60 else self.value[:57] + "..."
        return f"{head}field {self.field!r} = {shown!r}: {self.reason}"


class InvalidFieldsError(CcimatchError, ValueError):
    """Records or rows were refused; ``errors`` say which row, field and why. Nothing was written
    (422 listing the fields, exit 1 listing the rows)."""

    def __init__(self, errors: Sequence[FieldError]) -> None:
        super().__init__("; ".join(str(e) for e in errors[:3]) + (" ..." if len(errors) > 3 else ""))
        self.errors = tuple(errors)


MAX_LISTED = 100  # errors listed in one report; the total is always given


def error_report(errors: Sequence[FieldError], *, limit: int = MAX_LISTED) -> dict[str, Any]:
    """Errors for a client, bounded: the first ``limit`` errors, their total, and each list of valid values
    once (errors name the list they refer to)."""
    valid: dict[str, list[str]] = {}
    for e in errors:
        if e.valid:
            valid.setdefault(e.valid_key or e.field, list(e.valid))
    return {"errors": [e.to_dict() for e in errors[:limit]], "error_count": len(errors),
            "errors_listed": min(len(errors), limit), "valid_values": valid}
