"""What every ``ccimatch`` command shares: the common options, opening the database and the catalogue,
and output for people (characters no text may hold shown as U+FFFD) or for programs (exact JSON)."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any

import typer

from matcher.errors import FieldError, error_report
from matcher.text import printable
from service.settings import Settings

if TYPE_CHECKING:  # the catalogue brings numpy, FAISS and SQLAlchemy: imported when a command needs it
    from service.catalogue import Catalogue

DbOpt = Annotated[str | None, typer.Option("--db", help="SQLite file or SQLAlchemy URL [env CCIMATCH_DB].")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable JSON output.")]
KOpt = Annotated[int, typer.Option("--k", min=1, max=100, help="Number of suggestions.")]
CountriesOpt = Annotated[str | None, typer.Option("--countries", help="Only these countries, e.g. MA,TN.")]


def settings(db: str | None) -> Settings:
    """The settings (``CCIMATCH_*``), with ``--db`` when given."""
    base = Settings()
    return base.model_copy(update={"db": db}) if db else base


def open_catalogue(db: str | None) -> Catalogue:
    """The catalogue of ``--db``; tests replace this function to give one with a fake encoder."""
    from service.catalogue import Catalogue

    return Catalogue.open(settings(db))


def say(text: object = "", *, err: bool = False) -> None:
    """One line for a person at a terminal: characters that no text may hold (stored by an older version)
    are shown as U+FFFD, never sent raw (a NUL, a BEL or an escape sequence would act on the terminal)."""
    typer.echo(printable(str(text)), err=err)


_RAW_IN_JSON = re.compile("[\\u007f-\\u009f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069]")


def print_json(data: Any) -> None:
    """JSON for programs: exact values; the controls that json.dumps keeps raw are written as \\\\u escapes."""
    text = json.dumps(data, ensure_ascii=False, indent=2)
    typer.echo(_RAW_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text))


def echo_errors(errors: Sequence[FieldError]) -> None:
    """Refused fields on stderr, bounded: the first 100, how many more, each list of valid values once."""
    report = error_report(errors)
    for e in errors[: report["errors_listed"]]:
        say(f"error: {e}", err=True)
    if report["error_count"] > report["errors_listed"]:
        say(f"... and {report['error_count'] - report['errors_listed']} more problem(s) not listed "
            f"({report['error_count']} in all)", err=True)
    for key, values in report["valid_values"].items():
        say(f"valid {key}: {', '.join(values)}", err=True)
