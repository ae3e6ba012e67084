"""``ccimatch cluster seed | extend``: propose a cross-border cluster, or find who could join one."""

from __future__ import annotations

from typing import Annotated

import typer

import service.cli.common as common
from matcher.taxonomy import SECTORS
from service import params
from service.cli.common import DbOpt, JsonOpt, KOpt, print_json, say
from service.cli.profiles import SectorsOpt

SeedCountriesOpt = Annotated[str | None, typer.Option(
    "--countries", help="Members only from these countries, e.g. MA,TN; each one the cluster covers is rewarded and "
                        "each one it misses is explained.")]

app = typer.Typer(no_args_is_help=True, help="Seed cross-border clusters, or find who could join one.")


@app.command("seed", help=(
    "Propose a cluster: a role mix along a value chain, across countries, each member explained.\n\n"
    "Each member comes with its fit and the fit's parts (theme, sectors, value chain), the offer-need pairs it has "
    "with the others, what only it brings and whom it already worked with; each place with its own alternatives and "
    "the change of the objective if swapped; the group with its quality (cohesion, coverage, complementarity); "
    "every country of --countries without a member, with why."))
def seed(
    size: Annotated[int, typer.Option("--size", min=2, max=100, help="Number of members.")],
    db: DbOpt = None,
    sectors: SectorsOpt = None,
    theme: Annotated[str | None, typer.Option(help="What the cluster is about, in any language.")] = None,
    countries: SeedCountriesOpt = None,
    min_countries: Annotated[int, typer.Option("--min-countries", min=1,
                                               help="At least this many countries (a hard floor).")] = 1,
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
    say(f"Cluster of {len(result['members'])}: cohesion {result['cohesion']:.2f}, objective {result['objective']:.2f}")
    for name, figure in result["quality"].items():
        say(f"  {name.replace('_', ' ')}: {figure['text']}")
    for m in result["members"]:
        say(f"  {m['country']}  {m['role']:<22} {m['name'][:40]:<40} {m['id']}")
        say(f"      why: {m['reason']}")
        if m["alternatives"]:
            say("      alternatives: " + "; ".join(f"{a['name'][:30]} ({a['country']}, {a['id']}) {a['delta']:+.2f}"
                                            for a in m["alternatives"]))
    for missing in result["missing_countries"]:
        say(f"missing {missing['text']}")
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
