"""Issue 8, points 5 and 6, and issue 18 point 1: ``Catalogue.suggest`` end to end on synthetic catalogues
(k=10, three channels, full explanations) against its targets and its memory-traffic limits, the same lists
as today's path, resident memory per profile, and the top-10 lists of a 2,000-participant event.

Memory-traffic limit: the bytes one suggestion must read (every unit of the three channel indexes, overall,
offers' and needs' items, once: d x 4 bytes each in float32, d bytes each as the int8 pre-scan's codes)
divided by the memory bandwidth measured in the same worker (the fastest of a one-thread and a two-thread
sum over the largest index's float32 matrix, as the search section's "memory stream").

Each catalogue size is measured in a fresh worker process (``python -m bench.suggest --worker N``), so
that its resident memory is that of one loaded catalogue and nothing else. The synthetic databases
(:mod:`bench.synthetic`) and their saved indexes are cached under ``var/bench/``.

Usage: ``python -m bench.suggest [--quick] [--sizes 10000,100000,1000000]``.
"""

from __future__ import annotations

import argparse
import gc
import json
import time
from pathlib import Path
from typing import Any

import numpy as np

from .common import REPORTS, RUNS, Figure, median_seconds, percentile, rss_bytes, run_worker, table
from .synthetic import synthetic_db

MODEL_ID = "synthetic-clustered-384"
SECTION = "suggest"
QUERIES = 200  # timed suggest calls per size, after WARMUP
WARMUP = 10
EVENT = 2_000  # participants of the event batch
EVENT_CATALOGUE = 10_000
FULL_SIZES = (10_000, 100_000, 1_000_000)
QUICK_SIZES = (10_000,)
REFERENCE_QUERIES = 20  # profiles also ranked by today's path (matcher.ranking_reference), for the ratio
# issue 18 point 1: (p50, p99) targets in ms per catalogue size; None: no target
TARGETS: dict[int, tuple[float | None, float | None]] = {10_000: (8.0, 20.0), 100_000: (30.0, 60.0),
                                                          1_000_000: (150.0, None)}
CHANNELS = ("overall", "offers_items", "needs_items")  # the indexes one suggestion scans


def _open(db: Path) -> Any:
    from service.catalogue import Catalogue
    from storage.db import open_database

    def no_encoder() -> Any:
        raise RuntimeError("the synthetic catalogue must not need an encoder")

    # No approximate index: suggest always filters (cross-border at least) and filtered searches are exact,
    # so it never reads one; above CCIMATCH_APPROX_THRESHOLD rows a deployment also builds an IVF index for
    # unfiltered free-text search, a second copy of the vectors that this memory figure leaves out.
    return Catalogue(engine=open_database(db), index_dir=db.with_name(db.name + ".index"), model_id=MODEL_ID,
                     encoder_factory=no_encoder, index_params={"approx_threshold": 2**62})


def memory_bandwidth(x: np.ndarray) -> float:
    """Bytes per second of the fastest way of reading ``x`` once (median of RUNS each): a one-thread sum, and
    a sum of two halves side by side (numpy releases the GIL)."""
    from concurrent.futures import ThreadPoolExecutor

    half = len(x) // 2
    with ThreadPoolExecutor(2) as pool:
        ways = [lambda: x.sum(axis=0), lambda: list(pool.map(lambda part: part.sum(axis=0), (x[:half], x[half:])))]
        best = min(median_seconds(way, runs=RUNS) for way in ways)
    return x.nbytes / best


# (label, file, function) whose cumulative time the profile note gives, as a share of Catalogue.suggest
PROFILED = (
    ("database (version checks, graph state, cached query vectors)", "service/catalogue/index.py", "state"),
    ("", "service/catalogue/index.py", "graph_state"),
    ("", "service/catalogue/index.py", "vectors"),
    ("rank", "matcher/ranking.py", "rank"),
    ("candidate_pool", "matcher/candidates.py", "candidate_pool"),
    ("int8 product", "embeddings/prescan.py", "approximate"),
    ("bucket tops and exact re-score", "embeddings/prescan.py", "top_units"),
    ("float64 re-scores (calibration, components)", "matcher/similarity.py", "scores"),
    ("score_rows", "matcher/scoring.py", "score_rows"),
    ("explanations and the rest of matcher.suggestions.suggest", "matcher/suggestions.py", "suggest"),
)


def profile(suggest: Any, cat: Any, ids: list[str]) -> str:
    """Where the time of ``suggest(cat, id)`` goes over ``ids`` (cProfile, cumulative shares)."""
    import cProfile
    import pstats

    prof = cProfile.Profile()
    prof.enable()
    for pid in ids:
        suggest(cat, pid, k=10)
    prof.disable()
    cumulative: dict[tuple[str, str], float] = {}
    for (path, _, name), row in pstats.Stats(prof).stats.items():  # type: ignore[attr-defined]
        for _, file, function in (*PROFILED, ("", "service/catalogue/suggestions.py", "suggest")):
            if path.endswith(file) and name == function:
                cumulative[(file, function)] = cumulative.get((file, function), 0.0) + row[3]
    total = cumulative.get(("service/catalogue/suggestions.py", "suggest"), 0.0) or 1.0
    shares = {(file, function): 100 * cumulative.get((file, function), 0.0) / total for _, file, function in PROFILED}
    database = sum(shares[(f, n)] for _, f, n in PROFILED[:3])
    explain = shares[("matcher/suggestions.py", "suggest")] - shares[("matcher/ranking.py", "rank")]
    top = shares[("embeddings/prescan.py", "top_units")] - shares[("embeddings/prescan.py", "approximate")]
    parts = [f"{PROFILED[0][0]} {database:.0f} %"]
    for label, file, function in PROFILED[3:-1]:
        value = top if function == "top_units" else shares[(file, function)]
        parts.append(f"{label} {value:.0f} %")
    parts.append(f"{PROFILED[-1][0]} {explain:.0f} %")
    return f"cProfile of {len(ids)} suggests, share of Catalogue.suggest: " + ", ".join(parts)


def worker(db: Path, *, queries: int, event: int) -> dict[str, Any]:
    """Load the catalogue, measure its memory, time ``queries`` suggestions (and the event batch)."""
    import faiss

    from embeddings.prescan_cache import prescans
    from matcher.constraints import Constraints
    from service.catalogue import suggest, suggest_many  # imported first: imports are not the catalogue's memory

    gc.collect()
    before = rss_bytes()
    start = time.perf_counter()
    cat = _open(db)
    st = cat.state()
    load_s = time.perf_counter() - start
    gc.collect()
    grown = rss_bytes() - before
    n = len(st.profiles)
    raw = sum(len(ix) * ix.dim * 4 for ix in st.indexes.values())
    out: dict[str, Any] = {"n": n, "rebuilt": cat.rebuilt, "load_s": load_s, "rss_per_profile": grown / n,
                           "raw_per_profile": raw / n, "units": {k: len(v) for k, v in st.indexes.items()}}
    t0 = time.perf_counter()
    import torch  # noqa: F401  (the int8 product's library; a server has it loaded for its encoder already)

    out["torch_import_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    built = prescans(st.indexes)
    out["prescan_build_s"] = time.perf_counter() - t0
    units = sum(len(st.indexes[c]) for c in CHANNELS)
    dim = st.indexes["overall"].dim
    out["bytes_float32"] = units * dim * 4
    out["bytes_int8"] = sum(built[c].nbytes for c in built)
    largest = max(CHANNELS, key=lambda c: len(st.indexes[c]))
    flat = st.indexes[largest].flat
    out["bandwidth"] = memory_bandwidth(faiss.rev_swig_ptr(flat.get_xb(), flat.ntotal * dim).reshape(-1, dim))
    rng = np.random.default_rng(0)
    ids = st.arrays.ids[rng.choice(n, min(n, queries + WARMUP), replace=False)].tolist()
    for pid in ids[:WARMUP]:
        suggest(cat, pid, k=10)
    times = []
    for pid in ids[WARMUP:]:
        t0 = time.perf_counter()
        suggest(cat, pid, k=10)
        times.append(time.perf_counter() - t0)
    out["p50_ms"], out["p99_ms"] = 1000 * percentile(times, 50), 1000 * percentile(times, 99)
    out["profile"] = profile(suggest, cat, ids[WARMUP : WARMUP + 20])
    # today's path on a sample of the same profiles: its latency, and whether the lists are the same
    same, reference_times, paired = 0, [], []
    sample = ids[WARMUP : WARMUP + REFERENCE_QUERIES]
    for pid in sample:  # interleaved, so that both see the same load
        t0 = time.perf_counter()
        want = suggest(cat, pid, k=10, reference=True)
        reference_times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        got = suggest(cat, pid, k=10)
        paired.append(time.perf_counter() - t0)
        same += int([s.id for s in got.suggestions] == [s.id for s in want.suggestions] and np.allclose(
            [s.score for s in got.suggestions], [s.score for s in want.suggestions], atol=1e-6, rtol=0))
    out["reference_p50_ms"] = 1000 * percentile(reference_times, 50)
    out["paired_p50_ms"] = 1000 * percentile(paired, 50)
    out["reference_agreement"] = same / len(sample)
    out["reference_queries"] = len(sample)
    if event:
        members = sorted(st.arrays.ids[rng.choice(n, event, replace=False)].tolist())
        everyone = frozenset(members)

        def batch() -> object:
            return suggest_many(cat, members, k=10, constraints=Constraints(only_ids=everyone),
                                    allow_same_country=True)

        out["event_s"] = median_seconds(batch, runs=RUNS)
        # the batch must give what one suggest per participant gives (checked on a sample, timed too)
        lists = suggest_many(cat, members, k=10, constraints=Constraints(only_ids=everyone), allow_same_country=True)
        sample = members[:: max(1, event // 50)]
        same, loop = 0, []
        for pid in sample:
            t0 = time.perf_counter()
            one = suggest(cat, pid, k=10, constraints=Constraints(only_ids=everyone - {pid}), allow_same_country=True)
            loop.append(time.perf_counter() - t0)
            got = lists[pid]
            same += int([s.id for s in got.suggestions] == [s.id for s in one.suggestions] and np.allclose(
                [s.score for s in got.suggestions], [s.score for s in one.suggestions], atol=1e-6, rtol=0))
        out["event_agreement"] = same / len(sample)
        out["event_loop_ms_per_participant"] = 1000 * float(np.median(loop))
    return out


def _run_worker(db: Path, *, event: int) -> dict[str, Any]:
    return run_worker("bench.suggest", str(db), "--event", str(event))


def run(*, quick: bool, sizes: tuple[int, ...] | None = None) -> list[Figure]:
    """Figures of points 5 and 6 (see the module docstring); writes reports/bench_suggest.png."""
    sizes = sizes or (QUICK_SIZES if quick else FULL_SIZES)
    figures: list[Figure] = []
    curve: list[tuple[int, float, float]] = []
    for n in sizes:
        db, built = synthetic_db(n, model_id=MODEL_ID)
        figures.append(Figure(section=SECTION, name=f"synthetic DB build, N={n:,}", value=round(built, 1), unit="s",
                              note="0 = reused from var/bench/" if not built else "profiles + cached vectors"))
        event = EVENT if n == EVENT_CATALOGUE else 0
        res = _run_worker(db, event=event)
        if res["rebuilt"]:  # first use: the index was built now; measure again with the saved index loaded
            figures.append(Figure(section=SECTION, name=f"catalogue load + index build, N={n:,}",
                                  value=round(res["load_s"], 1), unit="s", note="first open only"))
            res = _run_worker(db, event=event)
        figures.append(Figure(section=SECTION, name=f"catalogue load (saved index), N={n:,}",
                              value=round(res["load_s"], 1), unit="s"))
        p50_target, p99_target = TARGETS.get(n, (None, None))
        bandwidth = res["bandwidth"]
        limit32, limit8 = 1000 * res["bytes_float32"] / bandwidth, 1000 * res["bytes_int8"] / bandwidth
        limits = (f"memory-traffic limit: float32 pass {res['bytes_float32'] / 1e6:,.0f} MB = {limit32:.1f} ms, "
                  f"int8 pre-scan {res['bytes_int8'] / 1e6:,.0f} MB = {limit8:.1f} ms, at {bandwidth / 1e9:.1f} GB/s "
                  "measured in the same worker")
        figures += [
            Figure(section=SECTION, name=f"suggest p50, N={n:,}", value=round(res["p50_ms"], 1), unit="ms",
                   target=p50_target, note=f"{QUERIES} stored profiles, k=10, three channels, full explanations; "
                                           f"{limits}"),
            Figure(section=SECTION, name=f"suggest p99, N={n:,}", value=round(res["p99_ms"], 1), unit="ms",
                   target=p99_target, note=res["profile"]),
            Figure(section=SECTION, name=f"suggest p50 / int8 memory-traffic limit, N={n:,}",
                   value=round(res["p50_ms"] / limit8, 2), unit="x",
                   note=f"float32 limit {limit32:.1f} ms: p50 / float32 limit {res['p50_ms'] / limit32:.2f}x"),
            Figure(section=SECTION, name=f"today's path p50 (no pre-scan, bucket by bucket), N={n:,}",
                   value=round(res["reference_p50_ms"], 1), unit="ms",
                   note=f"{res['reference_queries']} of the same profiles, each timed right before the new "
                        f"path ({res['paired_p50_ms']:.1f} ms p50 there): speed-up "
                        f"{res['reference_p50_ms'] / res['paired_p50_ms']:.2f}x"),
            Figure(section=SECTION, name=f"same lists as today's path, N={n:,}",
                   value=round(res["reference_agreement"], 3), unit="fraction", target=1.0, op=">=",
                   note="same ids in the same order, scores within 1e-6"),
            Figure(section=SECTION, name=f"int8 pre-scan build (once per index), N={n:,}",
                   value=round(res["prescan_build_s"], 2), unit="s",
                   note=f"before the first suggestion; importing torch first took {res['torch_import_s']:.1f} s"),
            Figure(section=SECTION, name=f"resident memory / raw float32 vectors, N={n:,}",
                   value=round(res["rss_per_profile"] / res["raw_per_profile"], 2), unit="x", target=2.0,
                   note=f"{res['rss_per_profile'] / 1024:.1f} KiB vs {res['raw_per_profile'] / 1024:.1f} KiB "
                        f"per profile; units {res['units']}; flat indexes only (no approximate index); "
                        "measured before the int8 pre-scan's codes (a quarter of the float32 bytes of the "
                        "three channel indexes) were built"),
        ]
        curve.append((n, res["p50_ms"], res["p99_ms"]))
        if event:
            figures += [
                Figure(section=SECTION, name=f"event batch: top-10 for {EVENT:,} participants, N={n:,}",
                       value=round(res["event_s"], 2), unit="s", target=10.0,
                       note=f"median of {RUNS}; one suggest per participant: "
                            f"{res['event_loop_ms_per_participant']:.1f} ms each"),
                Figure(section=SECTION, name="event batch = one suggest per participant (sampled)",
                       value=round(res["event_agreement"], 3), unit="fraction", target=1.0, op=">=",
                       note="same ids and order, scores within 1e-6"),
            ]
    _plot(curve)
    return figures


def _plot(curve: list[tuple[int, float, float]]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    ns = [c[0] for c in curve]
    ax.plot(ns, [c[1] for c in curve], "o-", label="p50")
    ax.plot(ns, [c[2] for c in curve], "s--", label="p99")
    for size, (p50, p99) in TARGETS.items():
        if p50 is not None:
            ax.plot([size], [p50], "v", color="grey")
        if p99 is not None:
            ax.plot([size], [p99], "^", color="lightgrey")
    ax.plot([], [], "v", color="grey", label="p50 targets")
    ax.plot([], [], "^", color="lightgrey", label="p99 targets")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("profiles in the catalogue (N)")
    ax.set_ylabel("Catalogue.suggest latency (ms)")
    ax.set_title("suggest end to end (k=10), synthetic catalogue")
    ax.legend()
    REPORTS.mkdir(exist_ok=True)
    fig.tight_layout()
    fig.savefig(REPORTS / "bench_suggest.png", dpi=120)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--sizes", help="comma-separated catalogue sizes (default: 10k, 100k, 1M; --quick: 10k)")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--event", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker is not None:
        print(json.dumps(worker(args.worker, queries=QUERIES, event=args.event)))
        return
    sizes = tuple(int(s) for s in args.sizes.split(",")) if args.sizes else None
    print(table(run(quick=args.quick, sizes=sizes)))


if __name__ == "__main__":
    main()
