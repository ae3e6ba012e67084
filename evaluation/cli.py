"""``ccimatch eval NAME``: the evaluation's command, joined to the ``ccimatch`` command line from above.

The service layer must not import evaluation, so this module holds the command in its own Typer app,
registered through the ``ccimatch.cli`` entry-point group (``evaluation.cli:app``) and added by the
root app with ``root.add_typer(app)``: with no group name, Typer adds the one command as ``ccimatch
eval`` (not ``ccimatch eval eval``). Errors a user can cause (an unknown name, absent data) are one line
on stderr and exit code 2 here, so the command behaves the same whichever entry point runs it.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from matcher.protocols import Encoder
from service.cli.common import print_json, say
from service.cli.dask_option import DaskOpt
from service.settings import Settings

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False,
                  help="Evaluate on real partnerships (CORDIS), Tatoeba translations, the sample pairs and "
                       "profile quality.")

PROJECT_ROOT = Path(__file__).resolve().parents[1]  # the checkout: data/sample_*.csv for 'sample'
def _fail(message: str) -> typer.Exit:
    """``error: message`` on stderr; the caller raises the returned exit (code 2, a user's error)."""
    say(f"error: {message}", err=True)
    return typer.Exit(2)


@contextmanager
def _encoder(settings: Settings, address: str | None) -> Iterator[Encoder]:
    """The evaluation's encoder (torch, batches of 64), or with ``--dask`` the same model on the cluster's
    workers (each loads it once; batches of their own ``CCIMATCH_BATCH_SIZE``)."""
    if address is None:
        from embeddings.encoder import SentenceTransformerEncoder

        yield SentenceTransformerEncoder(settings.model, cache_dir=settings.cache_dir, batch_size=64)
        return
    from service.dask_batch import dask_encoder

    with dask_encoder(settings.model_copy(update={"backend": "torch"}), address) as encoder:
        yield encoder


@app.command("eval")
def evaluate(
    name: Annotated[str, typer.Argument(help="cordis, consortium, crosslingual, sample, quality (writes "
                                             "reports/quality.*), or all (writes reports/).")],
    limit: Annotated[int | None, typer.Option(help="Quick run: first N held-out projects / sentence pairs.")] = None,
    out: Annotated[Path, typer.Option(help="Report folder for 'all' and 'quality'.")] = Path("reports"),
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable JSON output.")] = False,
    dask: DaskOpt = None,
) -> None:
    """Evaluate on real partnerships (CORDIS), Tatoeba translations, the sample pairs and profile quality."""
    from embeddings.dask_encode import DaskClusterError
    from evaluation.report import plain
    from evaluation.runner import NAMES, DataMissingError, run

    if name not in NAMES:
        raise _fail(f"unknown evaluation {name!r}; choose one of {', '.join(NAMES)}")
    settings = Settings()
    if name == "quality":  # profile-quality rules and twins: no encoder
        from evaluation.quality import run_quality

        result = run_quality(PROJECT_ROOT, settings.shared_data, out)
        if as_json:
            print_json(plain({k: v for k, v in result.items() if k != "markdown"}))
        else:
            say(result["markdown"])
            if "cordis_skipped" in result:
                say(f"CORDIS skipped: {result['cordis_skipped']}", err=True)
            say(f"\nwrote {out / 'quality.md'} and {out / 'quality.json'}")
        return
    try:
        with _encoder(settings, dask) as encoder:
            parts = run(name, encoder=encoder, data_root=settings.shared_data,
                        cache_db=settings.cache_dir / "eval" / "cache.db", project_root=PROJECT_ROOT,
                        out_dir=out, limit=limit, show_progress=not as_json and sys.stderr.isatty())
    except (DataMissingError, DaskClusterError) as exc:
        raise _fail(str(exc)) from None
    if as_json:
        hidden = ("markdown", "run", "planted")
        print_json(plain({k: {kk: vv for kk, vv in v.items() if kk not in hidden} for k, v in parts.items()}))
    else:
        say("\n\n".join(v["markdown"] for v in parts.values()))
        if name == "all":
            say(f"\nwrote {out / 'evaluation.md'} and {out / 'evaluation.json'}")
