"""Batch encoding on Dask (issue 19 point 2): throughput with 1 and 2 workers, and the scaling law it implies.

``python -m bench.dask [--quick]`` prints the figures; ``python -m bench --only dask`` puts them in the report.

The texts ingest encodes (the encoding section's: sample profiles and varied copies, N distinct texts) are
encoded in each round by four paths, the order rotating every round: one process with torch on 2 threads
(today's ``ccimatch ingest``), one process on 1 thread, :class:`embeddings.dask_encode.DaskEncoder` on a
``LocalCluster`` of 1 worker process and on one of 2 worker processes (1 Dask thread and 1 torch thread each,
``CCIMATCH_THREADS=1``, without Dask's malloc trim threshold, see :func:`cluster`; both clusters live through
the rounds, each worker holding its model, loaded once, untimed). Speed-up = median over rounds of
t(1 worker) / t(2 workers); Amdahl's parallel fraction from S = 1 / ((1 - p) + p / 2) is p = 2 (1 - 1 / S);
the time for 1M profiles with W workers is 1M x (texts per profile) / (1-worker texts/s) x ((1 - p) + p / W).
On this 2-core machine the client, the scheduler and the two workers share the cores, so p is a lower bound
for workers on machines of their own.
"""

from __future__ import annotations

import contextlib
import math
import os
import statistics
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from bench.common import RUNS, Figure, section_main
from bench.encoding import ingest_texts, log, profile_records, rounds

SECTION = "dask"
PROFILES_1M = 1_000_000


@dataclass(frozen=True, kw_only=True)
class Params:
    texts: int  # distinct texts encoded per path and round
    runs: int
    warmup_texts: int
    batch_size: int = 32


FULL = Params(texts=1000, runs=RUNS, warmup_texts=64)
QUICK = Params(texts=128, runs=3, warmup_texts=16)


@contextlib.contextmanager
def cluster(workers: int) -> Iterator[Any]:
    """A LocalCluster of ``workers`` worker processes (1 thread each) on loopback, and a client of it. Its
    nanny spawns the workers without Dask's ``MALLOC_TRIM_THRESHOLD_=65536``: with it, 96 texts took 10.8-11.6 s
    in a worker against 6.3 s in this process, without it 2.9-4.8 s against 4.1 s (1 torch thread, under load;
    setting the threshold also stops glibc's adaptive mmap threshold, so every large tensor is a fresh mmap)."""
    import dask
    from distributed import LocalCluster

    from embeddings.dask_encode import connect

    environ = {k: v for k, v in dask.config.get("distributed.nanny.pre-spawn-environ").items()
               if k != "MALLOC_TRIM_THRESHOLD_"}
    with dask.config.set({"distributed.nanny.pre-spawn-environ": environ}), LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
            dashboard_address="127.0.0.1:0", worker_dashboard_address="127.0.0.1:0") as lc:
        client = connect(lc.scheduler_address)
        try:
            yield client
        finally:
            client.close()


def measure(p: Params) -> list[Figure]:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ["CCIMATCH_THREADS"] = "1"  # the workers' torch threads (they read their own settings)
    import torch

    from embeddings.dask_encode import DaskEncoder
    from embeddings.encoder import load_encoder
    from service.dask_batch import worker_encoder
    from service.settings import Settings

    started = time.perf_counter()
    base = Settings()
    records, _ = profile_records(p.texts)
    texts = ingest_texts(records)
    n, per_profile = len(texts), len(texts) / len(records)
    log(f"dask: {len(records)} records, {n} distinct texts ({per_profile:.2f} per profile)")
    local = load_encoder(base.model, backend="torch", cache_dir=base.cache_dir, batch_size=p.batch_size)
    recipe = worker_encoder(base.model_copy(update={"backend": "torch"}))
    out: dict[str, np.ndarray] = {}
    with cluster(1) as one, cluster(2) as two:
        t0 = time.perf_counter()
        on_one, on_two = DaskEncoder(one, recipe), DaskEncoder(two, recipe)
        loading = time.perf_counter() - t0
        for enc in (on_one, on_two):
            enc.encode(texts[: p.warmup_texts], role="passage")
        local.encode(texts[: p.warmup_texts], role="passage")

        def single(threads: int) -> Any:
            def go() -> None:
                torch.set_num_threads(threads)
                out[f"single{threads}"] = local.encode(texts, role="passage")
            return go

        def dask(name: str, enc: DaskEncoder) -> Any:
            def go() -> None:
                out[name] = enc.encode(texts, role="passage")
            return go

        times = rounds({"single2": single(2), "single1": single(1), "dask1": dask("dask1", on_one),
                        "dask2": dask("dask2", on_two)}, runs=p.runs)
        parts = on_two.last.parts
    med = {k: statistics.median(v) for k, v in times.items()}
    rate = {k: n / v for k, v in med.items()}
    speedup = statistics.median([a / b for a, b in zip(times["dask1"], times["dask2"], strict=True)])
    overhead = statistics.median([a / b for a, b in zip(times["single1"], times["dask1"], strict=True)])
    vs_today = statistics.median([a / b for a, b in zip(times["single2"], times["dask2"], strict=True)])
    frac = min(1.0, max(0.0, 2 * (1 - 1 / speedup)))
    diff = float(np.max(np.abs(out["dask2"] - out["single2"])))
    cos = float(np.min(np.sum(out["dask2"] * out["single2"], axis=1)))

    def hours(workers: int) -> float:
        return PROFILES_1M * per_profile / rate["dask1"] * ((1 - frac) + frac / workers) / 3600

    budget = 3600 * rate["dask1"] / (PROFILES_1M * per_profile)  # share of the 1-worker time that fits an hour
    needed = frac / (budget - (1 - frac)) if budget > 1 - frac else math.inf
    spread = {k: f"{min(v):.1f}-{max(v):.1f} s" for k, v in times.items()}
    how = (f"{n} distinct texts ({len(records)} profile records), batch {p.batch_size}, median of {p.runs} rounds "
           f"rotating the 4 paths; loopback LocalCluster, worker processes of 1 Dask thread and 1 torch thread")
    total = time.perf_counter() - started
    law = f"Amdahl: S(W) = 1 / ((1 - p) + p / W) with p = {frac:.3f} from S(2) = {speedup:.2f}"
    return [
        Figure(section=SECTION, name="single process, torch 2 threads (today's ingest)", unit="texts/s",
               value=round(rate["single2"], 1), note=f"{how}; range {spread['single2']}"),
        Figure(section=SECTION, name="single process, torch 1 thread", unit="texts/s",
               value=round(rate["single1"], 1), note=f"range {spread['single1']}"),
        Figure(section=SECTION, name="Dask, 1 worker", unit="texts/s", value=round(rate["dask1"], 1),
               note=f"range {spread['dask1']}"),
        Figure(section=SECTION, name="Dask, 2 workers", unit="texts/s", value=round(rate["dask2"], 1),
               note=f"range {spread['dask2']}; {parts} partitions per job"),
        Figure(section=SECTION, name="Dask speed-up, 2 workers / 1 worker", unit="x", value=round(speedup, 3),
               target=1.6, op=">=", note="median of per-round t(1 worker) / t(2 workers); 2 is the ceiling on "
                                         "2 cores, which also run the client and the scheduler"),
        Figure(section=SECTION, name="Dask 1 worker / single process 1 thread", unit="x", value=round(overhead, 3),
               target=0.9, op=">=", note="throughput ratio: what partitioning, shipping texts and vectors and the "
                                         "scheduler cost on one worker"),
        Figure(section=SECTION, name="Dask 2 workers / today's single process (2 threads)", unit="x",
               value=round(vs_today, 3), note="the same 2 cores used by processes instead of torch threads"),
        Figure(section=SECTION, name="Amdahl parallel fraction p", unit="", value=round(frac, 3),
               note=f"{law}; a lower bound for workers on machines of their own"),
        Figure(section=SECTION, name="texts/s per worker, 2 workers", unit="texts/s",
               value=round(rate["dask2"] / 2, 1), note="per worker of 1 core"),
        *(Figure(section=SECTION, name=f"1M profiles with {w} workers", unit="h", value=round(hours(w), 2),
                 note=f"{PROFILES_1M:,} x {per_profile:.2f} texts / {rate['dask1']:.1f} texts/s x "
                      f"((1 - p) + p / {w}); 1-core workers, an empty embedding cache") for w in (1, 2, 8, 32)),
        Figure(section=SECTION, name="workers for 1M profiles in 1 hour", unit="workers",
               value=math.ceil(needed) if math.isfinite(needed) else float("nan"),
               note=("by the same law" if math.isfinite(needed) else
                     f"unreachable by this law: its serial part alone (1 - p = {1 - frac:.3f}) takes over an hour")),
        Figure(section=SECTION, name="max |Dask - single-process| vector component", unit="", value=diff,
               target=1e-4, op="<=", note=f"2-worker vectors against the single process's; min cosine {cos:.6f}"),
        Figure(section=SECTION, name="model load on the workers (both clusters)", unit="s",
               value=round(loading, 1), note="untimed in the rounds: each worker loads the model once"),
        Figure(section=SECTION, name="dask section wall time", unit="s", value=round(total, 1)),
    ]


def run(*, quick: bool) -> list[Figure]:
    return measure(QUICK if quick else FULL)


def main(argv: list[str] | None = None) -> int:
    return section_main(argv, module="dask", doc=__doc__, run=run,
                        quick_help=f"{QUICK.texts} texts instead of {FULL.texts}")


if __name__ == "__main__":
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    sys.exit(main())
