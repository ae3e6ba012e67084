"""``ccimatch``: the command line. One module per command group (:mod:`.profiles`, :mod:`.clusters`,
:mod:`.events`, :mod:`.relationships`, :mod:`.admin`, :mod:`.model`); commands of higher layers (``ccimatch eval`` from
:mod:`evaluation`) join through the ``ccimatch.cli`` entry-point group, so this package never imports them.
Errors of the :mod:`matcher.errors` family become exit codes here, in one place: refused rows 1, any other user
error 2 (one line on stderr, never a traceback), a bug 3."""

from __future__ import annotations

import sys
from importlib.metadata import entry_points

import typer

from service.cli import admin, clusters, events, model, profiles, relationships
from service.cli.common import echo_errors, say

app = typer.Typer(
    add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
    help="Partner matchmaking for the cultural and creative industries (Southern Mediterranean and Europe).",
)
app.add_typer(profiles.app)
app.add_typer(admin.app)
model.register(admin.model_app)
app.add_typer(admin.model_app, name="model")
app.add_typer(admin.index_app, name="index")
app.add_typer(admin.keys_app, name="keys")
app.add_typer(clusters.app, name="cluster")
app.add_typer(events.app, name="event")
app.add_typer(relationships.app, name="relationships")
_plugged: list[str] = []


def add_plugins() -> None:
    """Commands of higher layers (``ccimatch.cli`` entry points, e.g. evaluation.cli:app adds 'ccimatch eval'),
    loaded when the command line runs, not when this package is imported (they import it)."""
    for plugin in entry_points(group="ccimatch.cli"):
        if plugin.name not in _plugged:
            _plugged.append(plugin.name)
            app.add_typer(plugin.load())


def main() -> None:
    """Entry point: known problems become one clear line on stderr, never a traceback."""
    from pydantic import ValidationError
    from sqlalchemy.exc import SQLAlchemyError

    from matcher.errors import CcimatchError, InvalidFieldsError

    try:
        add_plugins()
        app()  # standalone: click reports usage errors itself (exit 2) and exits with the command's code
    except InvalidFieldsError as exc:
        echo_errors(exc.errors)
        say(f"{len(exc.errors)} problem(s); nothing was written.", err=True)
        sys.exit(1)
    except CcimatchError as exc:
        say(f"error: {exc}", err=True)
        sys.exit(2)
    except SQLAlchemyError as exc:
        say(f"error: database: {exc.__class__.__name__}: {str(exc).splitlines()[0]}", err=True)
        sys.exit(2)
    except ValidationError as exc:  # a setting from the environment (CCIMATCH_*) with a wrong value
        for e in exc.errors():
            name = "CCIMATCH_" + "_".join(str(part) for part in e["loc"]).upper()
            say(f"error: setting {name} = {e.get('input')!r}: {e['msg']}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        say("interrupted", err=True)
        sys.exit(130)
    except Exception as exc:
        say(f"error: unexpected {exc.__class__.__name__}: {exc}", err=True)
        sys.exit(3)
