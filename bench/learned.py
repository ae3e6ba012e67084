"""Issue #16 point 3: the learned ranker's cost. ``ccimatch model train-ranker``
(:func:`service.catalogue.training.train`) on a synthetic catalogue with a planted partnership history
(:mod:`bench.history`: one community of five per 50 profiles), and ``Catalogue.suggest`` p50 with the saved
model against without it (the weighted mean) on the same catalogue and relationships, at 100k profiles
(target: the model adds at most 20 %).

Each size runs in a fresh worker process on a copy of the cached synthetic database (:mod:`bench.synthetic`; the
copy gets the relationships and models, the cached one is never written) reading the cached index. The two
rankings are timed in alternating windows (without, with, with, without, ...), each after a warm-up, so that
machine noise hits both alike; the model is switched by saving and dropping it, as an operator would.

Usage: ``python -m bench.learned [--quick]`` (quick: 10k profiles only, training timed once).
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from pathlib import Path
from typing import Any

import numpy as np

from .common import RUNS, Figure, percentile, run_worker, table
from .history import planted_history
from .synthetic import CACHE, synthetic_db

MODEL_ID = "synthetic-clustered-384"  # bench.suggest's: the same cached catalogues
SECTION = "learned"
PER_COMMUNITY = 50  # profiles per planted community of five
TRAIN_SIZE = 10_000
FULL_SIZES = (10_000, 100_000)
QUICK_SIZES = (10_000,)
WINDOWS = 6  # alternating windows, half with the model
QUERIES = 40  # timed suggest calls per window, after WARMUP
WARMUP = 5


def _copy(db: Path) -> Path:
    """A writable copy of the cached database file (its index stays where it is, read only)."""
    copy = CACHE / f"learned-{db.name}"
    for suffix in ("", "-wal", "-shm"):
        Path(str(copy) + suffix).unlink(missing_ok=True)
    shutil.copyfile(db, copy)
    return copy


def _open(copy: Path, original: Path) -> Any:
    from service.catalogue import Catalogue
    from storage.db import open_database

    def no_encoder() -> Any:
        raise RuntimeError("the synthetic catalogue must not need an encoder")

    return Catalogue(engine=open_database(copy), index_dir=original.with_name(original.name + ".index"),
                     model_id=MODEL_ID, encoder_factory=no_encoder, index_params={"approx_threshold": 2**62})


def worker(original: Path, *, model_json: str | None, runs: int = RUNS) -> dict[str, Any]:
    """Write the planted history into a copy; train (when no model is given) and time suggest both ways."""
    from service.catalogue import suggest
    from service.catalogue.training import train
    from storage import relationships as rel
    from storage.models import drop_models, save_model

    copy = _copy(original)
    cat = _open(copy, original)
    st = cat.state()
    n = len(st.profiles)
    history = planted_history(st.arrays.ids.tolist(), st.arrays.countries.tolist(), communities=n // PER_COMMUNITY)
    rel.write_partnerships(cat.engine, history)
    out: dict[str, Any] = {"n": n, "relationships": len(history), "rebuilt": cat.rebuilt}
    if model_json is None:
        times, report = [], None
        for _ in range(runs):
            t0 = time.perf_counter()
            report = train(cat, threads=2)
            times.append(time.perf_counter() - t0)
        assert report is not None
        out |= {"train_s": float(np.median(times)), "train_runs": len(times), "model": report.model.to_json(),
                "validation": report.model.validation, "training": report.model.training,
                "labels": {"train": len(report.split.train), "valid": len(report.split.valid)}}
        model_json = report.model.to_json()
    rng = np.random.default_rng(0)
    ids = st.arrays.ids[rng.choice(n, WINDOWS * (QUERIES + WARMUP), replace=False)].tolist()
    samples: dict[str, list[float]] = {"weighted_mean": [], "learned": []}
    graph_lookup: list[float] = []
    order = ["weighted_mean", "learned", "learned", "weighted_mean"] * WINDOWS
    for w, mode in enumerate(order[:WINDOWS]):
        drop_models(cat.engine)
        if mode == "learned":
            save_model(cat.engine, model_json, catalogue_version=st.version)
        chunk = ids[w * (QUERIES + WARMUP):(w + 1) * (QUERIES + WARMUP)]
        for pid in chunk[:WARMUP]:
            assert suggest(cat, pid, k=10).ranking == mode
        for pid in chunk[WARMUP:]:
            t0 = time.perf_counter()
            suggest(cat, pid, k=10)
            samples[mode].append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        cat.graph_state(st)
        graph_lookup.append(time.perf_counter() - t0)
    out |= {f"p50_{m}_ms": 1000 * percentile(v, 50) for m, v in samples.items()}
    out |= {f"p99_{m}_ms": 1000 * percentile(v, 99) for m, v in samples.items()}
    out["graph_lookup_ms"] = 1000 * float(np.median(graph_lookup))
    cat.engine.dispose()
    for suffix in ("", "-wal", "-shm"):
        Path(str(copy) + suffix).unlink(missing_ok=True)
    return out


def _run_worker(db: Path, model: Path | None, *, runs: int) -> dict[str, Any]:
    return run_worker("bench.learned", str(db), "--runs", str(runs), *(["--model", str(model)] if model else []))


def run(*, quick: bool, sizes: tuple[int, ...] | None = None) -> list[Figure]:
    """Figures: training time (and the model's validation against the weighted mean), suggest p50 both ways."""
    sizes = sizes or (QUICK_SIZES if quick else FULL_SIZES)
    figures: list[Figure] = []
    model_file: Path | None = None
    for n in sorted(set(sizes) | {TRAIN_SIZE}):
        db, built = synthetic_db(n, model_id=MODEL_ID)
        if built:
            figures.append(Figure(section=SECTION, name=f"synthetic DB build, N={n:,}", value=round(built, 1),
                                  unit="s", note="profiles + cached vectors, once"))
        res = _run_worker(db, model_file, runs=1 if quick else RUNS)
        if "train_s" in res:
            v = res["validation"]
            figures += [
                Figure(section=SECTION, name=f"train-ranker, N={n:,}", value=round(res["train_s"], 1), unit="s",
                       note=f"median of {res['train_runs']}; {res['relationships']:,} partnerships, labels "
                            f"{res['labels']['train']} + {res['labels']['valid']} validation; "
                            f"{res['training']['groups']} groups, {res['training']['rows']:,} rows"),
                Figure(section=SECTION, name=f"validation nDCG@10 learned / weighted mean, N={n:,}",
                       value=round(v["ndcg@10"], 3), unit="nDCG@10",
                       note=f"weighted mean {v['ndcg@10_weighted_mean']:.3f} on {int(v['groups'])} held-back "
                            "profiles (planted history: partners of partners)"),
            ]
            model_file = CACHE / "learned-model.json"
            model_file.write_text(res["model"])
        at_100k = n == 100_000
        ratio = res["p50_learned_ms"] / res["p50_weighted_mean_ms"]
        figures += [
            Figure(section=SECTION, name=f"suggest p50 weighted mean, N={n:,}",
                   value=round(res["p50_weighted_mean_ms"], 1), unit="ms",
                   note=f"{WINDOWS // 2 * QUERIES} stored profiles, k=10, relationships loaded"),
            Figure(section=SECTION, name=f"suggest p50 learned, N={n:,}", value=round(res["p50_learned_ms"], 1),
                   unit="ms", note=f"p99 {res['p99_learned_ms']:.1f} ms (weighted mean "
                                   f"{res['p99_weighted_mean_ms']:.1f} ms)"),
            Figure(section=SECTION, name=f"suggest p50 learned / weighted mean, N={n:,}", value=round(ratio, 3),
                   unit="x", target=1.2 if at_100k else None, note="alternating windows, same process"),
            Figure(section=SECTION, name=f"graph state lookup per suggest (cached), N={n:,}",
                   value=round(res["graph_lookup_ms"], 2), unit="ms",
                   note="relationships version + latest model id: the cost of keeping the cache fresh"),
        ]
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--sizes", help="comma-separated catalogue sizes (default: 10k, 100k; --quick: 10k)")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--model", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--runs", type=int, default=RUNS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker is not None:
        model = args.model.read_text() if args.model is not None else None
        print(json.dumps(worker(args.worker, model_json=model, runs=args.runs)))
        return
    sizes = tuple(int(s) for s in args.sizes.split(",")) if args.sizes else None
    print(table(run(quick=args.quick, sizes=sizes)))


if __name__ == "__main__":
    main()
