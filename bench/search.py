"""Vector search at 1M (issue 8, points 2-4): exact one-query search against the memory stream,
filtered search by selectivity, and the approximate index.

``python -m bench.search [--quick]`` prints the figures; the plot goes to reports/bench_search.png.

Data: N x 384 float32 rows drawn around 1,000 Gaussian centres, themselves drawn around 100 topics
(topic N(0, 1), centre = topic + 0.8 N(0, 1), row = centre + N(0, 1) per coordinate), L2-normalised:
two rows of a cluster have cosine about 0.6, of sibling clusters about 0.4, of other topics about 0.
Queries are fresh draws from the same clusters. Each row has a country (20, Zipf
shares: the largest 28 %, the smallest 1.4 %) and a sector (10, skewed), drawn independently of the
vectors and of the row order, so a filter is a union of whole groups scattered over the matrix.

Every latency is the median over ``queries`` single queries (each a different query, after one
warm-up), and every ratio compares two medians measured interleaved in the same loop, so that
machine noise hits both sides alike.
"""

from __future__ import annotations

import functools
import gc
import itertools
import os
import statistics
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import faiss
import numpy as np

from bench import common
from bench.common import RUNS, Figure, machine, rss_bytes, section_main
from embeddings.index_exact import top_k
from embeddings.index_faiss import FaissIndex, default_threads

SECTION = "search"
K = 10
SELECTIVITIES = (0.5, 0.1, 0.01, 0.001)


@dataclass(frozen=True, kw_only=True)
class Params:
    """Sizes of one run. ``queries`` single queries per latency; ``recall_queries`` for recall."""

    n: int
    dim: int = 384
    topics: int = 100
    centres: int = 1000
    centre_spread: float = 0.8
    noise: float = 1.0
    countries: int = 20
    sectors: int = 10
    queries: int = 60
    recall_queries: int = 100
    nlist: int = 2048
    train_per_list: int = 20
    hnsw_rows: int = 20_000  # HNSW build rate is measured on this many rows
    nprobes: tuple[int, ...] = (1, 2, 4, 8, 16, 32, 64, 128)
    recall_margin: float = 0.01  # nprobe is tuned on separate queries to reach 0.95 + this margin
    seed: int = 0


FULL = Params(n=1_000_000)
QUICK = Params(n=100_000, nlist=512, queries=30, recall_queries=50, hnsw_rows=5_000)


@dataclass(frozen=True, kw_only=True)
class Data:
    """Rows (n, d), their country (n,) and sector (n,) labels, and the group shares."""

    x: np.ndarray
    country: np.ndarray
    sector: np.ndarray
    centres: np.ndarray


def zipf(count: int, exponent: float) -> np.ndarray:
    shares = 1.0 / np.arange(1, count + 1) ** exponent
    return np.asarray(shares / shares.sum())


def make_data(p: Params) -> Data:
    """Clustered, L2-normalised float32 rows, built in chunks (no float64 copy of the matrix)."""
    rng = np.random.default_rng(p.seed)
    topics = rng.standard_normal((p.topics, p.dim), dtype=np.float32)
    centres = topics[rng.integers(p.topics, size=p.centres)]
    centres += p.centre_spread * rng.standard_normal(centres.shape, dtype=np.float32)
    x = np.empty((p.n, p.dim), np.float32)
    for lo in range(0, p.n, 50_000):
        hi = min(p.n, lo + 50_000)
        x[lo:hi] = draw(centres, hi - lo, p.noise, rng)
    country = rng.choice(p.countries, size=p.n, p=zipf(p.countries, 1.0)).astype(np.int16)
    sector = rng.choice(p.sectors, size=p.n, p=zipf(p.sectors, 0.7)).astype(np.int16)
    return Data(x=x, country=country, sector=sector, centres=centres)


def draw(centres: np.ndarray, count: int, noise: float, rng: np.random.Generator) -> np.ndarray:
    """``count`` rows (count, d): a random centre plus Gaussian noise, L2-normalised."""
    rows = centres[rng.integers(len(centres), size=count)]
    rows += noise * rng.standard_normal(rows.shape, dtype=np.float32)
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    return rows


def group_filter(data: Data, target: float) -> tuple[np.ndarray, str]:
    """A filter made of whole groups whose share is close to ``target``: a set of countries (from
    5 %), else one country within one sector. Returns the mask (n,) and a description."""
    n = len(data.country)
    c_share = np.bincount(data.country) / n
    if target >= 0.05:
        chosen: list[int] = []
        for c in np.argsort(-c_share):
            if abs(c_share[[*chosen, c]].sum() - target) < abs(c_share[chosen].sum() - target):
                chosen.append(int(c))
        return np.isin(data.country, chosen), f"countries {sorted(chosen)}"
    pair = data.country.astype(np.int64) * 1000 + data.sector
    codes, counts = np.unique(pair, return_counts=True)
    best = int(codes[np.argmin(np.abs(np.log(counts / n / target)))])
    return pair == best, f"country {best // 1000} and sector {best % 1000}"


def brute_force(x: np.ndarray, queries: np.ndarray, k: int, allowed: np.ndarray | None = None,
                chunk: int = 100_000) -> np.ndarray:
    """Exact top-k rows (q, k) by numpy matrix products over row chunks, merged: the reference."""
    best_s = np.full((len(queries), 0), -np.inf, np.float32)
    best_r = np.zeros((len(queries), 0), np.int64)
    for lo in range(0, len(x), chunk):
        hi = min(len(x), lo + chunk)
        rows = np.arange(lo, hi) if allowed is None else lo + np.flatnonzero(allowed[lo:hi])
        s, r = top_k(queries @ x[rows].T, k, rows)
        both_s, both_r = np.hstack([best_s, s]), np.hstack([best_r, r])
        order = np.lexsort((both_r, -both_s), axis=1)[:, :k]
        best_s, best_r = np.take_along_axis(both_s, order, axis=1), np.take_along_axis(both_r, order, axis=1)
    return best_r


def recall(got: np.ndarray, want: np.ndarray) -> float:
    """Mean over queries of |got & want| / |want| (padding -1 ignored)."""
    values = [len(set(g[g >= 0]) & set(w[w >= 0])) / max(1, int((w >= 0).sum()))
              for g, w in zip(got, want, strict=True)]
    return float(np.mean(values))


def interleaved(fns: dict[str, Callable[[int], object]], runs: int) -> dict[str, float]:
    """Median seconds of each ``fn(i)`` over runs i = 0..runs-1, the functions taking turns within
    each run (so load changes hit all of them), after one warm-up call each; GC paused."""
    for fn in fns.values():
        fn(runs)  # warm-up on an index no timed run uses
    times: dict[str, list[float]] = {name: [] for name in fns}
    gc.disable()
    try:
        for i in range(runs):
            for name, fn in fns.items():
                start = time.perf_counter()
                fn(i)
                times[name].append(time.perf_counter() - start)
    finally:
        gc.enable()
    return {name: statistics.median(t) for name, t in times.items()}


def streams(x: np.ndarray, threads: int) -> dict[str, Callable[[int], object]]:
    """Ways of reading the whole matrix once; the fastest is the reference."""
    pool = ThreadPoolExecutor(threads)
    bounds = np.linspace(0, len(x), threads + 1).astype(int)
    parts = [x[lo:hi] for lo, hi in itertools.pairwise(bounds)]
    ones = np.ones(x.shape[1], np.float32)
    return {
        "X.sum(axis=0)": lambda i: x.sum(axis=0),
        f"X.sum(axis=0) in {threads} threads": lambda i: list(pool.map(lambda part: part.sum(axis=0), parts)),
        "X @ ones (BLAS GEMV)": lambda i: x @ ones,
    }


def run(*, quick: bool) -> list[Figure]:
    return measure(QUICK if quick else FULL)


@dataclass(frozen=True, kw_only=True)
class Queries:
    """Fresh draws (m, d): ``timed`` one at a time for latencies, ``recall`` for recall figures, and
    ``tune`` (separate) for choosing nprobe."""

    timed: np.ndarray
    recall: np.ndarray
    tune: np.ndarray


class Recorder:
    """Collects figures of this section and logs each one as it comes."""

    def __init__(self) -> None:
        self.figures: list[Figure] = []

    def __call__(self, name: str, value: float, unit: str, target: float | None = None, op: str = "<=",
                 note: str = "") -> None:
        self.figures.append(Figure(section=SECTION, name=name, value=value, unit=unit, target=target, op=op,
                                   note=note))
        log(f"  {name}: {value:.4g} {unit}" + (f" (target {op} {target:g})" if target is not None else ""))


def measure(p: Params) -> list[Figure]:
    started = time.perf_counter()
    fig = Recorder()
    log(f"search bench N={p.n:,}x{p.dim}, {default_threads()} threads, load {machine().get('load_average')}")
    data = make_data(p)
    rng = np.random.default_rng(p.seed + 1)
    runs = max(RUNS, p.queries)
    queries = Queries(timed=draw(data.centres, runs + 1, p.noise, rng),
                      recall=draw(data.centres, p.recall_queries, p.noise, rng),
                      tune=draw(data.centres, p.recall_queries, p.noise, rng))
    plot_rows = bench_exact(p, data, queries, fig)
    gc.collect()
    bench_approx(p, data, queries, fig)
    fig("peak resident memory of the bench", peak_rss() / 2**30, "GiB", 8.0, note="ru_maxrss of this process")
    fig("search bench wall time", time.perf_counter() - started, "s", 720.0 if p.n >= 1_000_000 else None,
        note="data generation, every index build and every measurement")
    plot(plot_rows, f"N={p.n:,}x{p.dim}")
    return fig.figures


def bench_exact(p: Params, data: Data, queries: Queries, fig: Recorder) -> list[tuple[float, float, float]]:
    """Points 2 and 3 on the index the catalogue uses for exact search (FaissIndex, flat).

    Returns (share of rows allowed, filtered seconds, unfiltered seconds) per selectivity, for the plot."""
    threads = default_threads()
    runs = len(queries.timed) - 1
    q = queries.timed
    exact = FaissIndex(data.x, approx_threshold=p.n + 1)

    def exact_one(i: int) -> object:
        return exact.search(q[i: i + 1], K)

    def one_thread(i: int) -> object:
        exact.threads = 1
        try:
            return exact.search(q[i: i + 1], K)
        finally:
            exact.threads = threads

    stream_fns = streams(data.x, threads)
    previous = f"IndexFlatIP.search, {faiss.omp_get_max_threads()} OpenMP threads (the previous path)"
    timed = interleaved({**stream_fns, "exact": exact_one, "one thread": one_thread,
                         previous: lambda i: exact.flat.search(q[i: i + 1], K)}, runs)
    stream_name = min(stream_fns, key=lambda name: timed[name])
    t_stream, t_exact = timed[stream_name], timed["exact"]
    fig(f"exact search, 1 query, N={p.n:,}x{p.dim}", t_exact * 1e3, "ms",
        note=f"FaissIndex.search: {len(exact.shards())} shards side by side, each a fused FAISS scan with 1 "
             f"OpenMP thread; median of {runs} queries")
    fig("memory stream of the same matrix", t_stream * 1e3, "ms",
        note=f"fastest of: {', '.join(f'{n} {timed[n] * 1e3:.1f} ms' for n in stream_fns)}; "
             f"{data.x.nbytes / t_stream / 1e9:.1f} GB/s")
    fig("exact search / memory stream", t_exact / t_stream, "x", 1.5,
        note=f"interleaved in the same loop, {runs} runs each")
    fig("exact search, threads=1 (one shard, 1 OpenMP thread)", timed["one thread"] * 1e3, "ms",
        note="same code, no sharding")
    fig(previous, timed[previous] * 1e3, "ms", note="FAISS's flat search, default thread setting, one query")

    plot_rows: list[tuple[float, float, float]] = []
    for target in SELECTIVITIES:
        allowed, label = group_filter(data, target)
        share = float(allowed.mean())
        filtered = functools.partial(lambda i, a: exact.search(q[i: i + 1], K, a), a=allowed)
        timed = interleaved({"unfiltered": exact_one, "filtered": filtered}, runs)
        got = exact.search(queries.recall, K, allowed)[1]
        want = brute_force(data.x, queries.recall, K, allowed)
        pct = f"{target * 100:g} %"
        fig(f"filtered {pct}: recall@10 vs brute force", recall(got, want), "", 1.0, ">=",
            note=f"{label}: {share * 100:.3f} % of rows; {len(queries.recall)} queries; numpy brute force")
        fig(f"filtered {pct}: latency", timed["filtered"] * 1e3, "ms", note=f"median of {runs} queries")
        fig(f"filtered {pct}: latency / unfiltered exact", timed["filtered"] / timed["unfiltered"], "x",
            1.5 if target >= 0.1 else 0.5, note=f"unfiltered {timed['unfiltered'] * 1e3:.1f} ms in the same loop")
        plot_rows.append((share, timed["filtered"], timed["unfiltered"]))
    return plot_rows


def bench_approx(p: Params, data: Data, queries: Queries, fig: Recorder) -> None:
    """Point 4: HNSW build rate on a subset, then IVF-flat over every row: build time, nprobe tuned on
    separate queries, recall@10 against numpy brute force, and speed-up over exact in the same loop."""
    runs = len(queries.timed) - 1
    q = queries.timed
    start = time.perf_counter()
    FaissIndex(data.x[: p.hnsw_rows], approx_threshold=0)
    rate = p.hnsw_rows / (time.perf_counter() - start)
    fig("HNSW build rate (M=32, efConstruction=200, the catalogue's default)", rate, "rows/s",
        note=f"one build of the first {p.hnsw_rows:,} rows; at this rate {p.n:,} rows would take about "
             f"{p.n / rate / 60:.0f} min (extrapolated, not measured), hence IVF-flat below")
    start = time.perf_counter()
    approx = FaissIndex(data.x, approx_threshold=0, approx="ivf", nlist=p.nlist, train_per_list=p.train_per_list)
    fig(f"IVF-flat build, nlist={p.nlist}", time.perf_counter() - start, "s",
        note=f"one build, {default_threads()} threads: k-means on {p.train_per_list * p.nlist:,} sampled rows, "
             f"10 iterations, then adding {p.n:,} rows")
    tune_want = brute_force(data.x, queries.tune, K)
    want = brute_force(data.x, queries.recall, K)
    curve: list[tuple[int, float]] = []
    for nprobe in p.nprobes:
        approx.nprobe = nprobe
        curve.append((nprobe, recall(approx.search(queries.tune, K)[1], tune_want)))
        if curve[-1][1] >= 0.95 + p.recall_margin:
            break
    chosen = curve[-1][0]
    timed = interleaved({"approx": lambda i: approx.search(q[i: i + 1], K),
                         "exact": lambda i: approx.search_exact(q[i: i + 1], K)}, runs)
    fig("approximate: recall@10 vs exact", recall(approx.search(queries.recall, K)[1], want), "", 0.95, ">=",
        note=f"IVF-flat nlist={p.nlist}, nprobe={chosen}: the smallest of {list(p.nprobes)} reaching "
             f"{0.95 + p.recall_margin:.2f} on {len(queries.tune)} separate tuning queries "
             f"({', '.join(f'{n}: {r:.3f}' for n, r in curve)}); {len(queries.recall)} queries")
    fig("approximate: latency, 1 query", timed["approx"] * 1e3, "ms", note=f"median of {runs} queries")
    fig("approximate: speed-up over exact", timed["exact"] / timed["approx"], "x", 20, ">=",
        note=f"exact {timed['exact'] * 1e3:.1f} ms (same index, search_exact) in the same loop")


def peak_rss() -> int:
    """Peak resident set size of this process in bytes (falls back to the current one)."""
    try:
        import resource

        return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024
    except (ImportError, OSError):  # pragma: no cover
        return rss_bytes()


def plot(rows: list[tuple[float, float, float]], size: str) -> None:
    """Latency against selectivity, with the unfiltered exact latency and the targets, to
    reports/bench_search.png."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    share = np.array([r[0] for r in rows]) * 100
    filtered = np.array([r[1] for r in rows]) * 1e3
    unfiltered = np.array([r[2] for r in rows]) * 1e3  # measured in the same loop as each filtered point
    limit = np.array([1.5 if r[0] >= 0.05 else 0.5 for r in rows])
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    ax.plot(share, filtered, "o-", label="filtered exact search")
    ax.plot(share, unfiltered, "s--", color="grey", label="unfiltered exact, same loop")
    ax.plot(share, limit * unfiltered, "v", color="red", linestyle="none", label="target (1.5x or 0.5x unfiltered)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("allowed rows (%)")
    ax.set_ylabel("latency of one query (ms)")
    ax.set_title(f"Filtered search, {size}")
    ax.legend()
    fig.tight_layout()
    common.REPORTS.mkdir(parents=True, exist_ok=True)  # read now: the harness points quick runs elsewhere
    fig.savefig(common.REPORTS / "bench_search.png", dpi=120)
    plt.close(fig)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    return section_main(argv, module="search", doc=__doc__, quick_help=f"N={QUICK.n:,} instead of {FULL.n:,}", run=run)


if __name__ == "__main__":
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    sys.exit(main())
