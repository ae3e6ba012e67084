"""Vectors in Milvus beside FAISS (issue 19 point 3): latency and recall@10 on the same 100k vectors at
50 / 10 / 1 / 0.1 % selectivity, filters as Milvus boolean expressions over scalar fields stored with the vectors.

``python -m bench --only milvus [--quick]`` (or ``python -m bench.milvus [--quick]``). The data, the queries and
the filters are bench/search.py's (384-d clustered rows; a country and a sector per row drawn independently of
the vectors; a filter is a set of whole countries, or one country within one sector). Engines:

- FAISS: :class:`~embeddings.index_faiss.FaissIndex` (flat): the catalogue's exact filtered search, in process;
- Milvus FLAT and Milvus IVF_FLAT: :class:`~embeddings.index_milvus.MilvusIndex` on milvus-lite (embedded: its
  gRPC server runs in this process), filter given as an expression (``country in [0,3]`` or
  ``country == 2 and sector == 5``); IVF_FLAT widens nprobe by 1/selectivity (capped at nlist) after counting
  the rows the expression allows (once per expression; the count's own cost is a figure); "IVF_FLAT, fixed
  nprobe" is the same index searched without the widening;
- Milvus IVF_FLAT, mask: the same filter as the protocol's boolean mask (sent as ``row in [...]``).

Every latency is the median over single queries, the engines taking turns in one loop (bench.search.interleaved);
recall is against numpy brute force. milvus-lite is pure Python around FAISS, so its latency is mostly per-call
overhead (gRPC, filter evaluation and de-duplication over every row in Python), not the scan itself: a Milvus
cluster is another program, and these figures say nothing about its speed, only about the code path and recall.
"""

from __future__ import annotations

import functools
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench import search
from bench.common import RUNS, Figure, machine, median_seconds, section_main
from embeddings.index_faiss import FaissIndex
from embeddings.index_milvus import MilvusIndex, client_for
from embeddings.milvus_filters import int_list, mask_expression

SECTION = "milvus"
K = 10
SELECTIVITIES = (0.5, 0.1, 0.01, 0.001)


@dataclass(frozen=True, kw_only=True)
class Setup:
    n: int
    queries: int  # single queries per latency
    recall_queries: int
    nlist: int
    nprobe: int  # unfiltered; widened by 1/selectivity under a filter


FULL = Setup(n=100_000, queries=30, recall_queries=100, nlist=512, nprobe=16)
QUICK = Setup(n=20_000, queries=8, recall_queries=30, nlist=128, nprobe=8)


def run(*, quick: bool) -> list[Figure]:
    return measure(QUICK if quick else FULL)


def expression(data: search.Data, allowed: np.ndarray) -> str:
    """The Milvus expression selecting exactly the rows of a bench.search group filter."""
    countries = np.unique(data.country[allowed])
    if np.array_equal(allowed, np.isin(data.country, countries)):
        return f"country in {int_list(countries)}"
    (country,), (sector,) = countries, np.unique(data.sector[allowed])
    expr = f"country == {int(country)} and sector == {int(sector)}"
    assert np.array_equal(allowed, (data.country == country) & (data.sector == sector)), expr
    return expr


class Recorder:
    """Collects this section's figures, logging each as it comes."""

    def __init__(self) -> None:
        self.figures: list[Figure] = []

    def __call__(self, name: str, value: float, unit: str, target: float | None = None, op: str = "<=",
                 note: str = "") -> None:
        self.figures.append(Figure(section=SECTION, name=name, value=value, unit=unit, target=target, op=op,
                                   note=note))
        search.log(f"  {name}: {value:.4g} {unit}" + (f" (target {op} {target:g})" if target is not None else ""))


def measure(s: Setup) -> list[Figure]:
    started = time.perf_counter()
    fig = Recorder()
    p = search.Params(n=s.n, nlist=s.nlist)
    search.log(f"milvus bench N={s.n:,}x{p.dim}, load {machine().get('load_average')}")
    data = search.make_data(p)
    rng = np.random.default_rng(p.seed + 1)
    runs = max(RUNS, s.queries)
    q = search.draw(data.centres, runs + 1, p.noise, rng)
    q_recall = search.draw(data.centres, s.recall_queries, p.noise, rng)
    folder = Path(tempfile.mkdtemp(prefix="ccimatch-bench-milvus-"))
    try:
        t0 = time.perf_counter()
        client = client_for(str(folder / "bench.db"))
        fig("milvus-lite start-up (open a new .db)", time.perf_counter() - t0, "s",
            note="MilvusClient on a .db path: pymilvus starts milvus-lite's gRPC server in a thread of this process")
        fields = {"country": data.country.astype(int).tolist(), "sector": data.sector.astype(int).tolist()}
        t0 = time.perf_counter()
        faiss_index = FaissIndex(data.x, approx_threshold=s.n + 1)
        t_faiss = time.perf_counter() - t0
        t0 = time.perf_counter()
        flat = MilvusIndex(data.x, client=client, collection="bench_flat", fields=fields)
        t_flat = time.perf_counter() - t0
        t0 = time.perf_counter()
        ivf = MilvusIndex(data.x, client=client, collection="bench_ivf", fields=fields, index_type="IVF_FLAT",
                          nlist=s.nlist, nprobe=s.nprobe)
        t_ivf = time.perf_counter() - t0
        fig(f"build: Milvus FLAT, {s.n:,} rows", t_flat, "s",
            note=f"insert in batches of 5,000 rows with 2 scalar fields, flush, load; FAISS flat: {t_faiss:.2f} s")
        fig(f"build: Milvus IVF_FLAT nlist={s.nlist}, {s.n:,} rows", t_ivf, "s",
            note="the same, plus k-means and the IVF lists built by milvus-lite at flush")
        measure_unfiltered(s, data, q, faiss_index, flat, ivf, fig, runs)
        for target in SELECTIVITIES:
            measure_filtered(s, data, q, q_recall, target, faiss_index, flat, ivf, fig, runs)
        flat.drop()
        ivf.drop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    fig("milvus bench wall time", time.perf_counter() - started, "s", note="data, builds and every measurement")
    return fig.figures


def measure_unfiltered(s: Setup, data: search.Data, q: np.ndarray, faiss_index: FaissIndex, flat: MilvusIndex,
                       ivf: MilvusIndex, fig: Recorder, runs: int) -> None:
    timed = search.interleaved({
        "faiss": lambda i: faiss_index.search(q[i: i + 1], K),
        "flat": lambda i: flat.search(q[i: i + 1], K),
        "ivf": lambda i: ivf.search(q[i: i + 1], K),
    }, runs)
    want = search.brute_force(data.x, q[:runs], K)
    fig("unfiltered: Milvus IVF_FLAT recall@10", search.recall(ivf.search(q[:runs], K)[1], want), "", 0.95, ">=",
        note=f"nprobe={s.nprobe} of nlist={s.nlist}; {runs} queries")
    fig("unfiltered: latency FAISS exact", timed["faiss"] * 1e3, "ms", note=f"median of {runs} single queries")
    fig("unfiltered: latency Milvus FLAT", timed["flat"] * 1e3, "ms", note="same loop")
    fig("unfiltered: latency Milvus IVF_FLAT", timed["ivf"] * 1e3, "ms", note="same loop")


def measure_filtered(s: Setup, data: search.Data, q: np.ndarray, q_recall: np.ndarray, target: float,
                     faiss_index: FaissIndex, flat: MilvusIndex, ivf: MilvusIndex, fig: Recorder,
                     runs: int) -> None:
    allowed, label = search.group_filter(data, target)
    expr = expression(data, allowed)
    share = float(allowed.mean())
    pct = f"{target * 100:g} %"
    want = search.brute_force(data.x, q_recall, K, allowed)

    def fixed_nprobe(queries: np.ndarray) -> np.ndarray:
        hits = ivf.client.search(ivf.collection, data=list(queries), limit=K, filter=expr, output_fields=[],
                                 search_params={"metric_type": "IP", "params": {"nprobe": s.nprobe}})
        return np.array([[int(h["row"]) for h in found] + [-1] * (K - len(found)) for found in hits])

    rec = {
        "FAISS exact": search.recall(faiss_index.search(q_recall, K, allowed)[1], want),
        "Milvus FLAT": search.recall(flat.search_expr(q_recall, K, expr)[1], want),
        "Milvus IVF_FLAT": search.recall(ivf.search_expr(q_recall, K, expr)[1], want),
        "Milvus IVF_FLAT, fixed nprobe": search.recall(fixed_nprobe(q_recall), want),
    }
    fig(f"{pct}: Milvus IVF_FLAT recall@10", rec["Milvus IVF_FLAT"], "", 0.95, ">=",
        note=f"{label} = `{expr}`: {share * 100:.3f} % of rows; nprobe {ivf.search_params(share)['nprobe']} "
             f"of {s.nlist} (widened from {s.nprobe}); {len(q_recall)} queries against numpy brute force. "
             + "; ".join(f"{name} {value:.3f}" for name, value in rec.items() if name != "Milvus IVF_FLAT"))
    fig(f"{pct}: Milvus FLAT recall@10", rec["Milvus FLAT"], "", 1.0, ">=", note="exact: the same rows")
    t_count = median_seconds(lambda: ivf.client.query(ivf.collection, filter=expr, output_fields=["count(*)"]))
    fig(f"{pct}: Milvus count(*) of the expression", t_count * 1e3, "ms",
        note="what IVF_FLAT's first search with a new expression pays to learn the selectivity (then cached "
             "per index: a collection never changes); median of 5 after a warm-up")
    mask_expr = mask_expression(allowed) or ""
    timed = search.interleaved({
        "faiss": functools.partial(lambda i, a: faiss_index.search(q[i: i + 1], K, a), a=allowed),
        "flat": lambda i: flat.search_expr(q[i: i + 1], K, expr),
        "ivf": lambda i: ivf.search_expr(q[i: i + 1], K, expr),
        "ivf mask": functools.partial(lambda i, a: ivf.search(q[i: i + 1], K, a), a=allowed),
    }, runs)
    fig(f"{pct}: latency FAISS exact", timed["faiss"] * 1e3, "ms", note=f"median of {runs} single queries")
    fig(f"{pct}: latency Milvus FLAT", timed["flat"] * 1e3, "ms", note="same loop; the expression filter")
    fig(f"{pct}: latency Milvus IVF_FLAT", timed["ivf"] * 1e3, "ms",
        note="same loop; the search alone (the expression's count(*) is cached after the warm-up)")
    fig(f"{pct}: latency Milvus IVF_FLAT, filter as mask", timed["ivf mask"] * 1e3, "ms",
        note=f"same loop; the protocol's mask sent as an expression of {len(mask_expr):,} characters")
    fig(f"{pct}: Milvus IVF_FLAT / FAISS exact latency", timed["ivf"] / timed["faiss"], "x",
        note="medians of the same loop")


def main(argv: list[str] | None = None) -> int:
    return section_main(argv, module="milvus", doc=__doc__, quick_help=f"N={QUICK.n:,} instead of {FULL.n:,}", run=run)


if __name__ == "__main__":
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    sys.exit(main())
