"""``ccimatch ingest | suggest | search | stats | doctor | quality``: profiles in, partners out, and how good the
profiles are."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

import service.cli.common as common
from matcher.taxonomy import KINDS
from service import params
from service.cli.common import CountriesOpt, DbOpt, JsonOpt, KOpt, echo_errors, print_json, say
from service.cli.dask_option import DaskOpt, batch_catalogue

app = typer.Typer()

ExcludeOpt = Annotated[str | None, typer.Option("--exclude-countries", help="Never these countries.")]
SectorsOpt = Annotated[str | None, typer.Option("--sectors", help="Any of these sectors (crafts, music, ...).")]
KindsOpt = Annotated[str | None, typer.Option("--kinds", help=f"Any of these kinds ({', '.join(KINDS)}).")]
TypesOpt = Annotated[str | None, typer.Option("--partnership-types", help="Any of these partnership types.")]
SameOpt = Annotated[bool, typer.Option("--allow-same-country", help="Also suggest partners in the same country.")]
LangOpt = Annotated[bool, typer.Option("--shared-language", help="Only partners sharing a working language.")]
PreferOpt = Annotated[str | None, typer.Option("--prefer-countries", help="Favour (not require) these countries.")]


@app.command()
def ingest(
    file: Annotated[Path, typer.Argument(help="CSV, Excel, JSON/JSONL or Parquet file of profiles.")],
    db: DbOpt = None,
    atomic: Annotated[bool, typer.Option("--atomic", help="Reject the whole file if any row is bad.")] = False,
    as_json: JsonOpt = False, dask: DaskOpt = None,
) -> None:
    """Validate and store profiles (same ids are updated); bad rows are reported; exit 1 if any."""
    from service.catalogue import ingest as ingest_records
    from storage.files import read_records

    records = read_records(file)
    with batch_catalogue(db, dask) as cat:
        report = ingest_records(cat, records, atomic=atomic, show_progress=not as_json and sys.stderr.isatty())
    if as_json:
        print_json(report.to_dict())
    else:
        echo_errors(report.errors)
        if atomic and report.errors:
            say(f"{file}: {len(report.errors)} problem(s); --atomic: nothing was written.", err=True)
        else:
            bad = len({e.row for e in report.errors})
            say(f"{file}: {report.records} records, {report.inserted} added, {report.updated} updated, "
                f"{bad} rejected; {report.encoded} texts encoded, {report.reused} taken from the cache.")
            if report.written:
                _quality_line(records)
    raise typer.Exit(1 if report.errors else 0)


def _quality_line(records: list[dict[str, Any]]) -> None:
    """One line after an ingest: how many of the profiles just written have quality findings (the rules of one
    profile; twins need the whole catalogue: ``ccimatch quality``)."""
    from matcher.profile import validate_record
    from matcher.quality import assess

    reports = [assess(p) for p in (validate_record(r)[0] for r in records) if p is not None]
    weak = [r for r in reports if r.findings]
    if weak:
        mean = sum(r.score for r in reports) / len(reports)
        say(f"quality: {len(weak)} of {len(reports)} profile(s) have findings (mean score {mean:.0f}/100); "
            "'ccimatch quality --weakest 20' lists the weakest, 'ccimatch quality ID' one profile's.")


def _print_quality(report: Any, lang: str, name: str = "") -> None:
    say(f"{report.profile_id}{' ' + name if name else ''}: quality {report.score}/100"
        + ("" if report.findings else ", no finding"))
    for f in report.findings:
        say(f"  - [{f.code}] {f.message(lang)}")
        say(f"    fix: {f.hint(lang)}")


@app.command()
def quality(
    profile_id: Annotated[str | None, typer.Argument(metavar="ID", help="A stored profile's id.")] = None,
    weakest: Annotated[int | None, typer.Option(
        "--weakest", min=1, max=1000, help="List the N profiles with the lowest scores (those with findings).")] = None,
    lang: Annotated[str, typer.Option("--lang", help="Language of messages and hints: ar, fr or en.")] = "en",
    db: DbOpt = None, as_json: JsonOpt = False,
) -> None:
    """Profile quality: one profile's findings with fix hints, or the weakest profiles (give ID or --weakest)."""
    from matcher.errors import InvalidRequestError
    from service.catalogue.quality import profile_quality
    from service.catalogue.quality import weakest as weakest_reports

    language = next(iter(params.codes("--lang", lang, ("ar", "fr", "en"))), "en")
    if (profile_id is None) == (weakest is None):
        raise InvalidRequestError("give a profile ID or --weakest N (one of them)")
    cat = common.open_catalogue(db)
    if profile_id is not None:
        report = profile_quality(cat, profile_id)
        if as_json:
            print_json(report.to_dict(language))
        else:
            _print_quality(report, language, cat.profile(profile_id).name)
        return
    reports = weakest_reports(cat, weakest or 1)
    if as_json:
        print_json([{**r.to_dict(language), "name": cat.profile(r.profile_id).name} for r in reports])
        return
    if not reports:
        say("no profile has a quality finding")
    for r in reports:
        _print_quality(r, language, cat.profile(r.profile_id).name)


def _print_suggestions(result: Any, as_json: bool) -> None:
    if as_json:
        print_json(result.to_dict())
        return
    q = result.query
    who = f"{q['id']} {q['name']} ({q['country']}, {q['kind']})" if "id" in q else repr(q["text"])
    say(f"Suggestions for {who}: {result.eligible} eligible, top {len(result.suggestions)}"
        + (" (country cap relaxed: too few countries)" if result.cap_relaxed else ""))
    for i, s in enumerate(result.suggestions, 1):
        name = s.name if len(s.name) <= 44 else s.name[:41] + "..."
        say(f"{i:>3}. {s.score:5.3f}  {s.country}  {s.kind:<12} {name:<44} {', '.join(s.sectors)}")
        say(f"       {s.reason}")


@app.command()
def suggest(
    profile_id: Annotated[str, typer.Argument(metavar="ID", help="Id of a stored profile.")],
    db: DbOpt = None, k: KOpt = 10, countries: CountriesOpt = None, exclude_countries: ExcludeOpt = None,
    sectors: SectorsOpt = None, kinds: KindsOpt = None, partnership_types: TypesOpt = None,
    allow_same_country: SameOpt = False, shared_language: LangOpt = False, prefer_countries: PreferOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Partners for a stored profile: cross-border, two-way useful, diverse, explained."""
    from service.catalogue import suggest as suggest_for

    hard = params.constraints(countries_=countries, exclude_countries=exclude_countries, sectors=sectors,
                              kinds=kinds, partnership_types=partnership_types, prefix="--")
    prefer = params.countries("--prefer-countries", prefer_countries)
    result = suggest_for(common.open_catalogue(db), profile_id, k=k, constraints=hard,
                         allow_same_country=allow_same_country, shared_language=shared_language,
                         prefer_countries=prefer)
    _print_suggestions(result, as_json)


@app.command()
def search(
    text: Annotated[str, typer.Argument(help="Who you are or what you look for, in any language.")],
    db: DbOpt = None, k: KOpt = 10, countries: CountriesOpt = None, exclude_countries: ExcludeOpt = None,
    sectors: SectorsOpt = None, kinds: KindsOpt = None, partnership_types: TypesOpt = None,
    offers: Annotated[str | None, typer.Option(help="What you offer, ';'-separated.")] = None,
    needs: Annotated[str | None, typer.Option(help="What you need, ';'-separated (default: the text).")] = None,
    country: Annotated[str | None, typer.Option(help="Your own country (then partners are cross-border).")] = None,
    allow_same_country: SameOpt = False, prefer_countries: PreferOpt = None, as_json: JsonOpt = False,
) -> None:
    """Suggestions for free text, treated as a draft profile (the text is also what you need)."""
    from service.catalogue import suggest as suggest_for

    draft = params.draft(text, offers=offers, needs=needs, country_=country, country_field="--country")
    hard = params.constraints(countries_=countries, exclude_countries=exclude_countries, sectors=sectors,
                              kinds=kinds, partnership_types=partnership_types, prefix="--")
    prefer = params.countries("--prefer-countries", prefer_countries)
    result = suggest_for(common.open_catalogue(db), draft, k=k, constraints=hard,
                         allow_same_country=allow_same_country, prefer_countries=prefer)
    _print_suggestions(result, as_json)


@app.command()
def stats(db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Counts by country, sector, kind and working language."""
    data = common.open_catalogue(db).stats()
    if as_json:
        print_json(data)
        return
    say(f"profiles: {data['profiles']}")
    for key in ("country", "sector", "kind", "language"):
        say(f"\nby {key}:")
        for name, count in sorted(data[key].items(), key=lambda kv: (-kv[1], kv[0])):
            say(f"  {name:<24} {count:>6}")


@app.command()
def doctor(db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Check stored profiles, events, messages and key labels against today's validation (exit 1 if any fails)."""
    from service.doctor import checkup
    from storage.db import open_database

    result = checkup(open_database(common.settings(db).db))
    if as_json:
        print_json(result.to_dict())
    else:
        for finding in result.findings:
            say(f"problem: {finding}")
        say(f"checked {result.profiles} profile(s), {result.events} event(s), {result.requests} request(s), "
            f"{result.keys} key(s): " + (f"{len(result.findings)} problem(s)" if result.findings else "no problem"))
        say("ranking: " + ("learned (the saved ranking model)" if result.ranking == "learned" else "weighted mean"))
    raise typer.Exit(1 if result.findings else 0)
