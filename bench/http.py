"""Issue 18 point 4: suggestions/s through the real HTTP server against the same work in-process, one worker
against two, and what each worker costs in memory.

A synthetic catalogue (10,000 profiles, every text's vector cached for the server's model, so no request
encodes anything) is served by ``ccimatch serve --demo`` (one uvicorn process) and by ``ccimatch serve --demo
--workers 2`` (gunicorn's master and two workers), both on one published index folder. Three modes are timed
in rounds (ABC then CBA, so a slow drift of the shared machine weighs on all alike) after one warm-up each:

- in-process: one process calls what ``GET /profiles/{id}/suggestions`` calls (``suggest(...).to_dict()``)
  in a loop on the same random ids, pinned to CPU 0;
- 1 worker: the single server pinned to CPU 0, locust (headless, 32 users, no wait) pinned to CPU 1;
- 2 workers: the two-worker server unpinned on the 2 cores, locust unpinned beside it.

How the load generator's CPU is accounted: with 1 worker it has its own core, so the server's core is the
server's alone (the in-process loop gets that same core). With 2 workers on 2 cores there is no core left
for it: it takes its share from the workers, and its CPU (and the server tree's) is recorded per window and
printed in the notes; the 2 / 1 ratio is the plain throughput ratio, so that share counts against it (a
fair-to-the-server estimate, the ratio scaled by 2 / (2 - locust's cores), is in the note). Each figure is
the median over the rounds; each ratio the median of the ratios within a round. Memory is read from
/proc/<pid>/smaps_rollup after the windows: PSS (shared pages divided among the processes mapping them) of
every process of a server, and USS (pages only that process maps) of each worker. When the HTTP / in-process
ratio misses its target, py-spy samples the 1-worker server during one extra window and the report names
where its time goes (bench/http_profile.py).

``python -m bench.http [--quick] [--no-pin] [--profile]``
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

from bench import common
from bench.common import RUNS, Figure
from bench.http_profile import profile_server, summarise_profile
from bench.http_servers import InProcess, Server, Window, catalogue, get, memory, runner, taskset

__all__ = ["HttpParams", "Window", "figures", "ratios", "run", "summarise_profile"]

SECTION = "http"
MODES = ("in-process", "1 worker", "2 workers")

LOCUSTFILE = '''\
import os
import random

from locust import FastHttpUser, constant, task

IDS = open(os.environ["BENCH_IDS"], encoding="utf-8").read().split()


class Client(FastHttpUser):
    wait_time = constant(0)

    @task
    def hit(self):
        self.client.get(f"/profiles/{random.choice(IDS)}/suggestions", name="suggestions")
'''


@dataclass(frozen=True, kw_only=True)
class HttpParams:
    """One benchmark configuration: catalogue size, load, window lengths (seconds), CPU pinning, targets."""

    profiles: int = 10_000
    users: int = 32
    windows: int = RUNS  # rounds; each times every mode once
    window_seconds: float = 20.0
    warmup_seconds: float = 8.0
    sample_ids: int = 2_000  # ids the users (and the in-process loop) pick from, at random
    pin: bool = True  # in-process and 1 worker on CPU 0, its load generator on CPU 1 (when there are 2)
    profile: bool | None = None  # py-spy the 1-worker server: None = only when its ratio misses the target
    target_http: float = 0.85  # HTTP on 1 worker / in-process (the HTTP layer costs at most 15 %)
    target_scaling: float = 1.7  # 2 workers / 1 worker on 2 cores
    target_memory: float = 1.5  # memory of 2 workers / 1 worker (PSS of every process): not 2 x
    seed: int = 0


FULL = HttpParams()
QUICK = HttpParams(profiles=1_000, windows=3, window_seconds=4.0, warmup_seconds=2.0)


# --- the load -----------------------------------------------------------------------------------------------
def locust_window(server: Server, mode: str, round_: int, seconds: float, workdir: Path, *, users: int,
                  cpus: str | None) -> Window:
    """One headless locust run of ``seconds`` (statistics reset once all users run)."""
    prefix = workdir / f"w{time.monotonic_ns()}"
    env = {**os.environ, "BENCH_IDS": str(workdir / "ids.txt")}
    cmd = [*taskset(cpus), sys.executable, "-m", "locust", "-f", str(workdir / "locustfile.py"), "--headless",
           "-u", str(users), "-r", str(users), "-t", f"{seconds:g}s", "--host", server.url, "--csv", str(prefix),
           "--only-summary", "--reset-stats", "--loglevel", "ERROR", "--stop-timeout", "0"]
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    server_before, wall_start = server.cpu_seconds(), time.perf_counter()
    done = subprocess.run(cmd, cwd=workdir, env=env, capture_output=True, text=True, timeout=seconds + 120,
                          check=False)
    wall = time.perf_counter() - wall_start
    server_cpu = server.cpu_seconds() - server_before
    children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    loadgen_cpu = (children_after.ru_utime - children_before.ru_utime
                   + children_after.ru_stime - children_before.ru_stime)
    stats = Path(f"{prefix}_stats.csv")
    if not stats.is_file():
        raise RuntimeError(f"locust wrote no statistics (exit {done.returncode}): {done.stderr.strip()[-500:]}")
    with stats.open(encoding="utf-8") as handle:
        row = next(r for r in csv.DictReader(handle) if r["Name"] == "Aggregated")
    return Window(mode=mode, round=round_, requests=int(row["Request Count"]), failures=int(row["Failure Count"]),
                  rps=float(row["Requests/s"]), p50_ms=_number(row["50%"]), p99_ms=_number(row["99%"]),
                  server_cores=server_cpu / wall, loadgen_cores=loadgen_cpu / wall)


def _number(text: str) -> float:
    """A locust statistic; "N/A" (no request finished in the window) is NaN."""
    try:
        return float(text)
    except ValueError:
        return float("nan")


# --- the benchmark ----------------------------------------------------------------------------------------
def measure(params: HttpParams) -> tuple[list[Window], dict[str, object]]:
    """Starts both servers and the in-process loop, warms each up, runs the rounds (and the profile when
    asked), reads memory; returns the windows and facts for the notes."""
    db, ids, built = catalogue(params.profiles, seed=params.seed)
    cpus = len(os.sched_getaffinity(0))
    pin = params.pin and cpus >= 2
    near, far = ("0", "1") if pin else (None, None)
    facts: dict[str, object] = {"profiles": len(ids), "build_seconds": built, "pinned": pin, "cpus": cpus}
    with tempfile.TemporaryDirectory(prefix="bench-http-") as tmp:
        workdir = Path(tmp)
        (workdir / "locustfile.py").write_text(LOCUSTFILE, encoding="utf-8")
        sample = ids[:: max(1, len(ids) // params.sample_ids)][: params.sample_ids]
        (workdir / "ids.txt").write_text("\n".join(sample) + "\n", encoding="utf-8")
        index = workdir / "index"
        one = Server(db, index, workdir / "one.log", cpus=near)
        started: list[Server | InProcess] = [one]
        try:
            facts["ready_seconds"] = one.wait_ready()  # builds and publishes the index the others load
            two = Server(db, index, workdir / "two.log", cpus=None, workers=2)
            started.append(two)
            facts["ready_seconds_2"] = two.wait_ready()
            loop = InProcess(db, index, workdir / "ids.txt", cpus=near)
            started.append(loop)
            load = {"users": params.users}

            def window(mode: str, round_: int, seconds: float) -> Window:
                if mode == "in-process":
                    return loop.window(seconds, round_)
                if mode == "1 worker":
                    return locust_window(one, mode, round_, seconds, workdir, cpus=far, **load)
                return locust_window(two, mode, round_, seconds, workdir, cpus=None, **load)

            for server in (one, two):  # the first requests build caches (graph state, calibration): untimed
                for pid in sample[:4]:
                    get(f"{server.url}/profiles/{pid}/suggestions", timeout=600)
            for mode in MODES:  # warm-up, discarded
                window(mode, -1, params.warmup_seconds)
            windows: list[Window] = []
            for i in range(params.windows):
                for mode in MODES if i % 2 == 0 else MODES[::-1]:
                    w = window(mode, i, params.window_seconds)
                    windows.append(w)
                    print(f"  {mode:10} {w.rps:8.1f} req/s  p50 {w.p50_ms:6.0f} ms  p99 {w.p99_ms:6.0f} ms  "
                          f"errors {w.failures}  server {w.server_cores:.2f} cores  "
                          f"load generator {w.loadgen_cores:.2f} cores", flush=True)
            facts["memory_1"], facts["memory_2"] = memory(one), memory(two)
            want_profile = params.profile if params.profile is not None else \
                statistics.median(ratios(windows, "1 worker", "in-process")) < params.target_http
            if want_profile:
                seconds = max(15.0, params.window_seconds)
                facts["profile"] = profile_server(one.proc.pid, lambda: window("1 worker", -1, seconds), seconds,
                                                  workdir)
            facts["server_log_errors"] = sum(' "status": 5' in line for s in (one, two)
                                             for line in s.log.read_text(errors="replace").splitlines())
        finally:
            for proc in reversed(started):
                proc.stop()
    return windows, facts


def ratios(windows: list[Window], numerator: str, denominator: str) -> list[float]:
    """numerator / denominator requests/s within each round that measured both."""
    by_round: dict[int, dict[str, Window]] = {}
    for w in windows:
        by_round.setdefault(w.round, {})[w.mode] = w
    return [modes[numerator].rps / modes[denominator].rps for _, modes in sorted(by_round.items())
            if numerator in modes and denominator in modes and modes[denominator].rps > 0]


def _range(values: list[float]) -> str:
    return f"range {min(values):.3g}-{max(values):.3g}" if values else "no values"


def figures(windows: list[Window], facts: dict[str, object], params: HttpParams) -> list[Figure]:
    """The figures of issue 18 point 4 from the measured windows and memory readings."""
    of = {m: [w for w in windows if w.mode == m] for m in MODES}
    med = {m: {k: statistics.median(getattr(w, k) for w in ws) if ws else float("nan")
               for k in ("rps", "p50_ms", "p99_ms", "server_cores", "loadgen_cores")} for m, ws in of.items()}
    http, scaling = ratios(windows, "1 worker", "in-process"), ratios(windows, "2 workers", "1 worker")
    efficiency = ratios([replace(w, rps=w.rps / w.server_cores if w.server_cores > 0 else 0.0) for w in windows],
                        "1 worker", "in-process")
    setup = (f"{facts['profiles']:,} synthetic profiles, GET /profiles/{{id}}/suggestions (k = 10) on random ids, "
             f"{len(of['1 worker'])} rounds of {params.window_seconds:g} s windows (ABC/CBA) after a "
             f"{params.warmup_seconds:g} s warm-up each; locust {params.users} users, no wait")
    pinning = ("in-process and 1 worker pinned to CPU 0, its locust to CPU 1; 2 workers and their locust unpinned "
               f"on {facts['cpus']} CPUs" if facts["pinned"] else f"nothing pinned ({facts['cpus']} CPUs)")

    def cores(m: str) -> str:  # requests per CPU-second: comparable even when the machine is shared
        per_cpu = med[m]["rps"] / med[m]["server_cores"] if med[m]["server_cores"] > 0 else float("nan")
        return (f"server {med[m]['server_cores']:.2f} cores ({per_cpu:.0f} requests per CPU-second), "
                f"locust {med[m]['loadgen_cores']:.2f}")

    stolen = med["2 workers"]["loadgen_cores"]
    fair = statistics.median(scaling) * 2 / (2 - stolen) if scaling and 0 <= stolen < 2 else float("nan")
    out = [
        Figure(section=SECTION, name="suggestions/s in-process", value=med["in-process"]["rps"], unit="req/s",
               note=f"suggest(...).to_dict() in a loop, one process pinned to CPU 0 ({cores('in-process')}); "
                    f"{_range([w.rps for w in of['in-process']])}"),
        Figure(section=SECTION, name="suggestions/s HTTP, 1 worker", value=med["1 worker"]["rps"], unit="req/s",
               note=f"{cores('1 worker')}; {_range([w.rps for w in of['1 worker']])}"),
        Figure(section=SECTION, name="HTTP 1 worker / in-process", value=statistics.median(http) if http else
               float("nan"), unit="", target=params.target_http, op=">=",
               note=f"median of {len(http)} within-round ratios ({_range(http)}); {setup}; {pinning}"
                    + (f". {facts['profile']} (reports/bench_http_profile.md)" if "profile" in facts else "")),
        Figure(section=SECTION, name="HTTP 1 worker / in-process, per CPU-second",
               value=statistics.median(efficiency) if efficiency else float("nan"), unit="",
               note="the same ratio of requests per CPU-second of the server (or loop) within each round: on a "
                    "shared machine the many-threaded server gets more of its core than the one-threaded loop, "
                    "which flatters the plain ratio; this one does not depend on the share each got"),
        Figure(section=SECTION, name="suggestions/s HTTP, 2 workers", value=med["2 workers"]["rps"], unit="req/s",
               note=f"ccimatch serve --workers 2: {cores('2 workers')} (the master and both workers); "
                    f"{_range([w.rps for w in of['2 workers']])}"),
        Figure(section=SECTION, name="HTTP 2 workers / 1 worker", value=statistics.median(scaling) if scaling else
               float("nan"), unit="", target=params.target_scaling, op=">=",
               note=f"median of {len(scaling)} within-round ratios ({_range(scaling)}); the 2 workers share the 2 "
                    f"cores with locust ({stolen:.2f} cores), the 1 worker does not: scaled by 2 / (2 - "
                    f"{stolen:.2f}) the ratio would be {fair:.2f}"),
    ]
    for m in ("1 worker", "2 workers"):
        out += [Figure(section=SECTION, name=f"suggestions p50, {m}", value=med[m]["p50_ms"], unit="ms",
                       note=f"under the full load of {params.users} users (locust's percentiles, 2 digits)"),
                Figure(section=SECTION, name=f"suggestions p99, {m}", value=med[m]["p99_ms"], unit="ms")]
    one, two = facts.get("memory_1"), facts.get("memory_2")
    if isinstance(one, dict) and isinstance(two, dict):
        out += [
            Figure(section=SECTION, name="memory, 1 worker (PSS)", value=one["pss_total"], unit="MB",
                   note=f"the single process: RSS {one['worker_rss']:.0f} MB, USS {one['worker_uss']:.0f} MB"),
            Figure(section=SECTION, name="memory, 2 workers (PSS of master + workers)", value=two["pss_total"],
                   unit="MB", note=f"master {two['master_pss']:.0f} MB; each worker: RSS {two['worker_rss']:.0f} MB, "
                                   f"PSS {two['worker_pss']:.0f} MB (of it file-backed, e.g. the mapped index: "
                                   f"{two.get('worker_pss_file', float('nan')):.0f} MB), USS "
                                   f"{two['worker_uss']:.0f} MB (median)"),
            Figure(section=SECTION, name="memory 2 workers / 1 worker", value=two["pss_total"] / one["pss_total"],
                   unit="", target=params.target_memory, op="<=",
                   note="PSS of every process of each server from /proc/<pid>/smaps_rollup after the windows; "
                        "N workers must not cost N x: the encoder is loaded once by the master and shared"),
            Figure(section=SECTION, name="memory of one more worker (USS)", value=two["worker_uss"], unit="MB",
                   note="pages only that worker maps: its catalogue, index copy and heap"),
        ]
    errors = sum(w.failures for w in windows)
    out.append(Figure(section=SECTION, name="errors", value=float(errors), unit="", target=0.0, op="<=",
                      note=f"failed requests over all {len(windows)} windows ({sum(w.requests for w in windows):,} "
                           f"requests); 5xx in the servers' logs: {facts.get('server_log_errors', '?')}"))
    return out


def run(*, quick: bool, params: HttpParams | None = None) -> list[Figure]:
    """Issue 18 point 4's figures (see the module docstring)."""
    params = params or (QUICK if quick else FULL)
    windows, facts = measure(params)
    if "profile" in facts:
        print(facts["profile"], flush=True)
    return figures(windows, facts, params)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.http", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 profiles, 3 rounds of 4 s windows")
    parser.add_argument("--no-pin", action="store_true", help="pin nothing to CPUs")
    parser.add_argument("--profile", action="store_true", help="py-spy the 1-worker server even if the ratio is met")
    parser.add_argument("--runner", metavar="DB", help=argparse.SUPPRESS)  # the in-process side (InProcess)
    args = parser.parse_args(argv)
    if args.runner:
        runner(args.runner)
        return 0
    params = replace(QUICK if args.quick else FULL, pin=not args.no_pin, profile=True if args.profile else None)
    if args.quick:  # as under python -m bench --quick: never over the committed report's files
        common.REPORTS = common.REPORTS / "quick"
    for f in run(quick=args.quick, params=params):
        target = "" if f.target is None else f"  target {f.op} {f.target:g}  met {f.met}"
        print(f"{f.name:44} {f.value:12.4g} {f.unit:6}{target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
