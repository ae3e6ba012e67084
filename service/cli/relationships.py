"""``ccimatch relationships``: partnerships between profiles imported from a file, added and deleted; every
relationship (cluster members and meetings held at events included) listed."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

import service.cli.common as common
from service.cli.common import DbOpt, JsonOpt, echo_errors, print_json, say

app = typer.Typer(no_args_is_help=True, help="Relationships between profiles: partnerships, cluster members, "
                                             "meetings held at events.")


def _line(r: Any, cat: Any) -> str:
    def who(pid: str) -> str:
        found = cat.find(pid)
        return f"{pid} ({found.name}, {found.country})" if found is not None else pid

    where = " ".join(x for x in (r.origin, r.reference, r.outcome) if x)
    number = f"#{r.id} " if r.id is not None else ""
    return f"{number}{r.kind:<15} {r.date.isoformat()}  {who(r.source)} -- {who(r.target)}" + (
        f"  [{where}]" if where else "")


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="CSV, Excel, JSON/JSONL or Parquet: source, target, kind, date, "
                                              "origin, reference.")],
    atomic: Annotated[bool, typer.Option("--atomic/--partial", help="Reject the whole file if any row is bad "
                                                                    "(default), or write the good rows.")] = True,
    db: DbOpt = None, as_json: JsonOpt = False,
) -> None:
    """Import partnerships (the same pair, kind and reference again updates it); bad rows are reported; exit 1
    if any."""
    from service.catalogue import import_relationships
    from storage.files import read_records

    report = import_relationships(common.open_catalogue(db), read_records(file), atomic=atomic)
    if as_json:
        print_json(report.to_dict())
    else:
        echo_errors(report.errors)
        if atomic and report.errors:
            say(f"{file}: {len(report.errors)} problem(s); nothing was written (--partial writes the good rows).",
                err=True)
        else:
            bad = len({e.row for e in report.errors})
            say(f"{file}: {report.records} rows, {report.inserted} added, {report.updated} updated, {bad} rejected.")
    raise typer.Exit(1 if report.errors else 0)


@app.command("list")
def list_(
    profile: Annotated[str | None, typer.Option("--profile", help="Only this profile's relationships.")] = None,
    kind: Annotated[str | None, typer.Option("--kind", help="partnership, cluster_member or met_at_event.")] = None,
    db: DbOpt = None, as_json: JsonOpt = False,
) -> None:
    """Every relationship (stored partnerships, cluster members, meetings held at events)."""
    from service.catalogue import list_relationships

    cat = common.open_catalogue(db)
    found = list_relationships(cat, profile=profile, kind=kind)
    if as_json:
        print_json([r.to_dict() for r in found])
        return
    for r in found:
        say(_line(r, cat))
    say(f"{len(found)} relationship(s)", err=True)


@app.command()
def add(
    source: Annotated[str, typer.Argument(metavar="SOURCE", help="Profile id.")],
    target: Annotated[str, typer.Argument(metavar="TARGET", help="Profile id.")],
    date: Annotated[str, typer.Option(help="When it began: YYYY-MM-DD or a year.")],
    origin: Annotated[str, typer.Option(help="Where it is known from, e.g. CORDIS or EEN.")] = "",
    reference: Annotated[str, typer.Option(help="The project's or contract's reference.")] = "",
    db: DbOpt = None, as_json: JsonOpt = False,
) -> None:
    """Add a partnership (or update the one with the same pair and reference)."""
    from service.catalogue import add_relationship

    cat = common.open_catalogue(db)
    found, new = add_relationship(cat, {"source": source, "target": target, "date": date, "origin": origin,
                                        "reference": reference})
    if as_json:
        print_json(found.to_dict())
    else:
        say(("added " if new else "updated ") + _line(found, cat))


@app.command()
def delete(
    relationship_id: Annotated[int, typer.Argument(metavar="ID", help="A stored partnership's id (see list).")],
    db: DbOpt = None,
) -> None:
    """Delete a stored partnership."""
    from service.catalogue import delete_relationship

    delete_relationship(common.open_catalogue(db), relationship_id)
    say(f"deleted relationship {relationship_id}")
