"""``ccimatch eval NAME``: run one protocol (or all) and, for ``all``, write ``reports/evaluation.*``."""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from matcher.protocols import Encoder

NAMES = ("cordis", "consortium", "crosslingual", "sample", "quality", "all")


class DataMissingError(FileNotFoundError):
    """The shared evaluation data is not beside the project (a user's clone)."""


def _require(path: Path) -> Path:
    if not path.exists():
        raise DataMissingError(f"{path} is absent: the evaluation data lives in ../shared/data "
                               "(team checkout and CI)")
    return path


def run_cordis(encoder: Encoder, data_root: Path, cache_db: Path, *, limit: int | None = None,
               show_progress: bool = False) -> dict[str, Any]:
    from evaluation.cordis import build_protocol, load, time_split
    from evaluation.cordis_eval import choose_weights, embed_history, evaluate_protocol
    from evaluation.cordis_learned import train_on_history
    from evaluation.report import comparisons, cordis_markdown, figures

    data = load(_require(data_root / "cordis-partnerships"))
    split = time_split(data)
    weights, validation = choose_weights(data, split, encoder, cache_db, limit=limit, show_progress=show_progress)
    protocol = build_protocol(data, split, limit=limit)
    vectors = embed_history(protocol, encoder, cache_db, show_progress=show_progress)
    started = time.perf_counter()
    model, learned = train_on_history(data, split, encoder, cache_db, weights=weights, limit=limit,
                                      show_progress=show_progress)
    learned = {**learned, **{f"training_{k}": float(v) for k, v in model.training.items()},
               "training_seconds": round(time.perf_counter() - started, 1)}
    run = evaluate_protocol(protocol, vectors, encoder.dim, weights=weights, model=model)
    figs, comps = figures(run), comparisons(run)
    info = {"cut": split.cut, "held_out_projects": len(split.held_out), "merged_ids": data.merged_ids,
            "query_projects": len({q.project for q in protocol.queries}), "orgs_with_history": len(protocol.org_ids),
            "queries": len(protocol.queries), "skipped": protocol.skipped_no_relevant, "weights": weights,
            "validation": {k: round(v, 4) for k, v in validation.items()}, "limit": limit,
            "learned": {k: round(v, 4) for k, v in learned.items()}, "features": list(model.features),
            "learned_method": model.method, "learned_validation": {k: round(v, 4) for k, v in model.validation.items()},
            "popular": run.popular, "popular_truth": run.popular_truth}
    return {"info": info, "figures": figs, "comparisons": comps, "run": run,
            "markdown": cordis_markdown(figs, comps, info)}


def run_consortium_eval(encoder: Encoder, data_root: Path, cache_db: Path, *, limit: int | None = None,
                        show_progress: bool = False) -> dict[str, Any]:
    from evaluation.consortium import consortium_markdown, figures, run_consortium
    from evaluation.cordis import build_protocol, load, time_split
    from evaluation.cordis_eval import embed_history
    from evaluation.planted import planted_figures, planted_markdown, run_planted

    data = load(_require(data_root / "cordis-partnerships"))
    protocol = build_protocol(data, time_split(data))
    vectors = embed_history(protocol, encoder, cache_db, show_progress=show_progress)
    run = run_consortium(protocol, vectors, encoder.dim, limit=limit)
    planted = run_planted()  # sample-like data with planted groups: no model, a few seconds
    return {"figures": figures(run), "projects": run.projects, "weights": run.weights, "planted": planted,
            "planted_figures": planted_figures(planted),
            "markdown": consortium_markdown(run) + "\n" + planted_markdown(planted)}


def run_crosslingual(encoder: Encoder, data_root: Path, *, limit: int | None = None,
                     show_progress: bool = False) -> dict[str, Any]:
    from evaluation.crosslingual import evaluate, to_markdown

    results = evaluate(encoder, _require(data_root / "tatoeba-crosslingual"), limit=limit,
                       show_progress=show_progress)
    markdown = "## Cross-lingual check (Tatoeba)\n\n" + to_markdown(results, encoder.model_id)
    return {"results": results, "markdown": markdown}


def run_sample(encoder: Encoder, project_root: Path, *, k: int = 10) -> dict[str, Any]:
    """Recall of the constructed pairs of the bundled sample data, both ways, through suggest."""
    from service.catalogue import Catalogue, Draft, ingest, suggest
    from service.settings import Settings
    from storage.files import read_records

    with tempfile.TemporaryDirectory() as tmp:
        cat = Catalogue.open(Settings(db=str(Path(tmp) / "sample.db")), encoder=encoder)
        ingest(cat, read_records(project_root / "data" / "sample_profiles.csv"), atomic=True)
        with (project_root / "data" / "sample_pairs.csv").open(encoding="utf-8") as fh:
            pairs = list(csv.DictReader(fh))
        country = {p.id: p.country for p in cat.state().profiles}
        rows = []
        for pair in pairs:
            a, b = pair["seeker_id"], pair["partner_id"]
            fwd = [s.id for s in suggest(cat, a, k=k).suggestions]
            bwd = [s.id for s in suggest(cat, b, k=k).suggestions]
            draft = Draft(text=pair["seeker_need"], needs=(pair["seeker_need"],), country=country[a])
            search = [s.id for s in suggest(cat, draft, k=5).suggestions]
            rows.append({"seeker": a, "partner": b, "languages": pair["languages"],
                         "rank_partner_for_seeker": fwd.index(b) + 1 if b in fwd else None,
                         "rank_seeker_for_partner": bwd.index(a) + 1 if a in bwd else None,
                         "need_search_rank": search.index(b) + 1 if b in search else None})
    def share(key: str) -> float:
        return float(np.mean([r[key] is not None for r in rows]))

    summary = {"pairs": len(rows), f"partner_in_seeker_top{k}": share("rank_partner_for_seeker"),
               f"seeker_in_partner_top{k}": share("rank_seeker_for_partner"),
               "need_search_top5": share("need_search_rank")}
    md = ["## Sample data: constructed cross-lingual pairs", "",
          f"{len(rows)} pairs (A needs what B offers, written in another language). Share found:", "",
          f"- B in A's top {k} suggestions: {summary[f'partner_in_seeker_top{k}']:.0%}",
          f"- A in B's top {k} suggestions: {summary[f'seeker_in_partner_top{k}']:.0%}",
          f"- B in the top 5 of a search with A's need as free text: {summary['need_search_top5']:.0%}", ""]
    return {"summary": summary, "pairs": rows, "markdown": "\n".join(md)}


def run(name: str, *, encoder: Encoder, data_root: Path, cache_db: Path, project_root: Path, out_dir: Path,
        limit: int | None = None, show_progress: bool = False) -> dict[str, Any]:
    """Run one protocol; ``all`` runs every one and writes the report files into ``out_dir``."""
    if name not in NAMES:
        raise ValueError(f"unknown evaluation {name!r}; choose one of {', '.join(NAMES)}")
    parts: dict[str, Any] = {}
    if name in ("cordis", "all"):
        parts["cordis"] = run_cordis(encoder, data_root, cache_db, limit=limit, show_progress=show_progress)
    if name in ("consortium", "all"):
        parts["consortium"] = run_consortium_eval(encoder, data_root, cache_db, limit=limit,
                                                  show_progress=show_progress)
    if name in ("crosslingual", "all"):
        parts["crosslingual"] = run_crosslingual(encoder, data_root, limit=limit, show_progress=show_progress)
    if name in ("sample", "all"):
        parts["sample"] = run_sample(encoder, project_root)
    if name in ("quality", "all"):  # also writes reports/quality.{md,json} when run with 'all'
        from evaluation.quality import run_quality

        parts["quality"] = run_quality(project_root, data_root, out_dir if name == "all" else None)
    if name == "all":
        write_report(parts, encoder=encoder, out_dir=out_dir, limit=limit)
    return parts


def write_report(parts: dict[str, Any], *, encoder: Encoder, out_dir: Path, limit: int | None) -> None:
    from evaluation.report import plot_curves, plot_slices, write_json

    out_dir.mkdir(parents=True, exist_ok=True)
    cordis = parts["cordis"]
    plot_curves(cordis["run"], out_dir / "cordis_recall_at_k.png")
    plot_slices(cordis["figures"], out_dir / "cordis_slices.png")
    if "consortium" in parts:
        from evaluation.planted import plot_planted

        plot_planted(parts["consortium"]["planted"], out_dir / "planted_clusters.png")
    command = "ccimatch eval all" + (f" --limit {limit}" if limit else "")
    header = [
        "# ccimatch evaluation", "",
        f"Date: {dt.date.today().isoformat()}. Encoder: `{encoder.model_id}`. Command: `{command}` "
        "(also `make eval`). Data: `../shared/data` (CORDIS partnerships © European Union, CC BY 4.0; "
        "Tatoeba test sets from LASER).", "",
    ]
    body = [parts[name]["markdown"] for name in ("cordis", "consortium", "crosslingual", "sample", "quality")
            if name in parts]
    (out_dir / "evaluation.md").write_text("\n".join(header + body))
    write_json(out_dir / "evaluation.json", {
        "date": dt.date.today().isoformat(), "encoder": encoder.model_id, "command": command,
        "cordis": {"info": cordis["info"], "figures": cordis["figures"], "comparisons": cordis["comparisons"]},
        "consortium": {"projects": parts["consortium"]["projects"], "figures": parts["consortium"]["figures"],
                       "planted": parts["consortium"]["planted_figures"]},
        "crosslingual": parts["crosslingual"]["results"], "sample": parts["sample"]["summary"],
        **({"quality": {k: v for k, v in parts["quality"].items() if k != "markdown"}} if "quality" in parts else {}),
    })
