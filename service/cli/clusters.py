"""``ccimatch cluster seed | extend``: propose a cross-border cluster, or find who could join one."""

from __future__ import annotations

from typing import Annotated

import typer

import service.cli.common as common
from matcher.taxonomy import SECTORS
from service import params
from service.cli.common import CountriesOpt, DbOpt, JsonOpt, KOpt, print_json, say
from service.cli.profiles import SectorsOpt

app = typer.Typer(no_args_is_help=True, help="Seed cross-border clusters, or find who could join one.")


@app.command("seed")
def seed(
    size: Annotated[int, typer.Option("--size", min=2, max=100, help="Number of members.")],
    db: DbOpt = None,
    sectors: SectorsOpt = None,
    theme: Annotated[str | None, typer.Option(help="What the cluster is about, in any language.")] = None,
    countries: CountriesOpt = None,
    min_countries: Annotated[int, typer.Option("--min-countries", min=1)] = 1,
    require: Annotated[str | None, typer.Option(help="Role mix, e.g. education=1,support_org=1,funder=1.")] = None,
    anchor: Annotated[list[str] | None, typer.Option(help="A member that must be in (repeatable).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Propose a cluster: a role mix along a value chain, across countries, each member explained."""
    from service.catalogue import seed_cluster

    result = seed_cluster(common.open_catalogue(db), size=size,
                          sectors=tuple(sorted(params.codes("--sectors", sectors, SECTORS))), theme=theme,
                          countries=params.countries("--countries", countries), min_countries=min_countries,
                          require=params.require("--require", require), anchors=anchor or [])
    if as_json:
        print_json(result)
        return
    say(f"Cluster of {len(result['members'])} (cohesion {result['cohesion']:.2f}); "
        f"sectors covered: {', '.join(result['sectors_covered'])}")
    for m in result["members"]:
        say(f"  {m['country']}  {m['role']:<22} {m['name'][:40]:<40} {m['reason']}")
        alts = result["alternatives"].get(m["id"])
        if alts:
            say(f"      alternatives: {', '.join(alts)}")
    for problem in result["unmet"]:
        say(f"cannot meet: {problem}", err=True)


@app.command("extend")
def extend(
    members: Annotated[list[str], typer.Argument(
        help="Ids of the cluster's members, or the id of a kind=cluster profile that lists its members.")],
    db: DbOpt = None, k: KOpt = 10, as_json: JsonOpt = False,
) -> None:
    """Who, in other countries, could join an existing cluster (its member ids, or its cluster profile)."""
    from service.catalogue import extend_cluster

    result = extend_cluster(common.open_catalogue(db), members, k=k)
    if as_json:
        print_json(result)
        return
    if result["cluster"]:
        say(f"Cluster {result['cluster']}: {len(result['members'])} member(s) in the catalogue"
            + (f"; not found: {', '.join(result['missing_members'])}" if result["missing_members"] else ""))
    for i, c in enumerate(result["candidates"], 1):
        parts = ", ".join(f"{k} {v:.2f}" for k, v in c["components"].items())
        say(f"{i:>3}. {c['score']:.3f}  {c['country']}  {c['kind']:<12} {c['name'][:40]:<40} {parts}")
