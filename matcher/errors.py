"""The one family of errors every layer raises and every front end maps once (exit codes in the CLI,
statuses in HTTP, messages on pages): what was not found, what conflicts with the current state, what
input was refused (field by field, or as a whole request)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


class CcimatchError(Exception):
    """Base of every error a user can cause; anything else is a bug."""


class NotFoundError(CcimatchError, LookupError):
    """No such profile, event, request... (HTTP 404, exit 2)."""


class ConflictError(CcimatchError, ValueError):
    """The request contradicts the current state: an existing id, a request already answered (409, exit 2)."""


class InvalidRequestError(CcimatchError, ValueError):
    """A request that cannot be served as asked, said in one line (422, exit 2)."""


class InvalidValueError(InvalidRequestError):
    """One option or field with a bad value; ``field`` is its name as the front end calls it (``--countries``
    in the CLI, ``countries`` in HTTP), ``value`` what was given (shown, so made printable by the caller)."""

    def __init__(self, field: str, value: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field, self.value, self.reason = field, value, reason


@dataclass(frozen=True, kw_only=True)
class FieldError:
    """Why one field of one record was refused."""

    row: int | None  # 1-based data row in the source file (None for a single record)
    record_id: str | None
    field: str
    value: str
    reason: str
    # the valid choices, listed once per report under ``valid_key`` (not once per error: a file of 50,000
    # bad rows made a 21 MB answer when every error repeated the 50 country codes)
    valid: tuple[str, ...] = ()
    valid_key: str = ""

    def to_dict(self) -> dict[str, Any]:
        out = {"row": self.row, "id": self.record_id, "field": self.field, "value": self.value,
               "reason": self.reason, "message": str(self)}
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
