"""Point 7: the real HTTP server under loopback load, ``GET /profiles/{id}/suggestions`` against ``GET /health``.

``ccimatch serve --demo`` runs in its own process on a synthetic catalogue (10,000 profiles, every text's
vector cached for the server's model, so no request encodes anything); locust, headless and in its own
process, drives it with 32 users and no wait time. Measurement windows alternate between the two endpoints
(ABBA order, so a slow drift of the shared machine weighs on both alike) after one warm-up window each;
each figure is the median over the windows, the throughput ratio the median of the ratios of adjacent
windows. On 2 cores the load generator competes with the server for CPU: both processes' CPU use is
recorded per window and, by default, they are pinned to one core each (``taskset``), which keeps the load
generator from stealing the server's core. When the ratio misses its target, py-spy samples the server
during one extra suggestions window and the report names where its time goes.

``python -m bench.http [--quick] [--no-pin] [--profile]``
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

from bench import common
from bench.common import ROOT, RUNS, Figure

SECTION = "http"
ENDPOINTS = ("health", "suggestions")

LOCUSTFILE = '''\
import os
import random

from locust import FastHttpUser, constant, task

IDS = open(os.environ["BENCH_IDS"], encoding="utf-8").read().split()
ENDPOINT = os.environ["BENCH_ENDPOINT"]


class Client(FastHttpUser):
    wait_time = constant(0)

    @task
    def hit(self):
        if ENDPOINT == "health":
            self.client.get("/health", name="health")
        else:
            self.client.get(f"/profiles/{random.choice(IDS)}/suggestions", name="suggestions")
'''


@dataclass(frozen=True, kw_only=True)
class HttpParams:
    """One benchmark configuration: catalogue size, load, window lengths (seconds) and CPU pinning."""

    profiles: int = 10_000
    users: int = 32
    windows: int = RUNS  # measurement windows per endpoint
    window_seconds: float = 20.0
    warmup_seconds: float = 8.0
    sample_ids: int = 2_000  # ids the users pick from, at random
    pin: bool = True  # server on CPU 0, load generator on CPU 1 (when there are at least 2)
    profile: bool | None = None  # py-spy the server: None = only when the ratio misses its target
    target_ratio: float = 0.5
    seed: int = 0


FULL = HttpParams()
QUICK = HttpParams(profiles=1_000, window_seconds=4.0, warmup_seconds=2.0)


@dataclass(frozen=True, kw_only=True)
class Window:
    """One locust run against one endpoint: throughput, latencies (ms), errors, CPU used (cores)."""

    endpoint: str
    requests: int
    failures: int
    rps: float
    p50_ms: float
    p99_ms: float
    server_cores: float
    loadgen_cores: float


# --- the server -------------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_model_id() -> str:
    """The model id the server's Catalogue expects, so the catalogue's cached vectors are the ones it uses."""
    from embeddings.models import resolve_model
    from service.settings import Settings

    settings = Settings()
    return resolve_model(settings.model, settings.cache_dir)[1]


def catalogue(n: int, *, seed: int) -> tuple[Path, list[str], float]:
    """(database, its profile ids, seconds spent building it now) for the synthetic catalogue of n profiles."""
    from bench.synthetic import synthetic_db
    from storage.db import open_database
    from storage.repository import load_profiles

    db, built = synthetic_db(n, model_id=server_model_id(), seed=seed)
    engine = open_database(db)
    try:
        ids = [p.id for p in load_profiles(engine)]
    finally:
        engine.dispose()
    return db, ids, built


def _get(url: str, timeout: float = 5.0) -> int:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except (OSError, urllib.error.URLError):
        return 0


class Server:
    """``ccimatch serve --demo`` on a free loopback port, its index in ``workdir``, stderr to a log file."""

    def __init__(self, db: Path, workdir: Path, *, cpu: int | None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = workdir / "server.log"
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false",
               "CCIMATCH_INDEX_DIR": str(workdir / "index")}
        cmd = [sys.executable, "-c", "from service.cli import main; main()", "serve", "--db", str(db),
               "--port", str(self.port), "--demo"]
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen([*_taskset(cpu), *cmd], cwd=ROOT, env=env, stdout=log, stderr=log)

    def wait_ready(self, timeout: float = 300.0) -> float:
        """Seconds until ``/ready`` answers 200; raises with the log's tail if the server dies or times out."""
        start = time.monotonic()
        while time.monotonic() - start < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with code {self.proc.returncode}: {self.tail()}")
            if _get(f"{self.url}/ready") == 200:
                return time.monotonic() - start
            time.sleep(0.5)
        raise TimeoutError(f"server not ready after {timeout:.0f} s: {self.tail()}")

    def tail(self, lines: int = 5) -> str:
        try:
            return " | ".join(self.log.read_text(errors="replace").strip().splitlines()[-lines:])
        except OSError:
            return ""

    def cpu_seconds(self) -> float:
        """User + system CPU seconds of the server process so far (all its threads)."""
        with open(f"/proc/{self.proc.pid}/stat", encoding="ascii") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:  # uvicorn ignores SIGTERM while starting up
                self.proc.kill()
                self.proc.wait()


def _taskset(cpu: int | None) -> list[str]:
    return ["taskset", "-c", str(cpu)] if cpu is not None and shutil.which("taskset") else []


# --- the load -----------------------------------------------------------------------------------------------
def locust_window(url: str, endpoint: str, seconds: float, workdir: Path, *, users: int, cpu: int | None,
                  server: Server) -> Window:
    """One headless locust run of ``seconds`` on ``endpoint`` (statistics reset once all users run)."""
    prefix = workdir / f"w{time.monotonic_ns()}"
    env = {**os.environ, "BENCH_IDS": str(workdir / "ids.txt"), "BENCH_ENDPOINT": endpoint}
    cmd = [*_taskset(cpu), sys.executable, "-m", "locust", "-f", str(workdir / "locustfile.py"), "--headless",
           "-u", str(users), "-r", str(users), "-t", f"{seconds:g}s", "--host", url, "--csv", str(prefix),
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
    return Window(endpoint=endpoint, requests=int(row["Request Count"]), failures=int(row["Failure Count"]),
                  rps=float(row["Requests/s"]), p50_ms=float(row["50%"]), p99_ms=float(row["99%"]),
                  server_cores=server_cpu / wall, loadgen_cores=loadgen_cpu / wall)


# --- profile ------------------------------------------------------------------------------------------------
def profile_server(server: Server, seconds: float, workdir: Path, *, users: int, cpu: int | None) -> str:
    """py-spy samples the server during one extra suggestions window; returns a one-line summary and
    writes the collapsed stacks and the full summary to reports/bench_http_profile.*."""
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    raw = workdir / "profile.txt"
    sampled = max(5, int(seconds) - 5)  # sample the middle of the window: users running, none stopping yet
    load = threading.Thread(target=locust_window, args=(server.url, "suggestions", seconds, workdir),
                            kwargs={"users": users, "cpu": cpu, "server": server})
    load.start()
    time.sleep(3.0)
    spy = subprocess.run([py_spy, "record", "--pid", str(server.proc.pid), "--duration", str(sampled),
                          "--rate", "100", "--format", "raw", "--output", str(raw), "--gil", "--nonblocking"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=sampled + 60,
                         check=False)
    load.join()
    err = spy.stderr
    if not raw.is_file():
        return f"py-spy failed: {err.strip()[-300:]}"
    summary, line = summarise_profile(raw.read_text(encoding="utf-8", errors="replace"), ticks=100 * sampled)
    common.REPORTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(raw, common.REPORTS / "bench_http_profile.collapsed.txt")
    (common.REPORTS / "bench_http_profile.md").write_text(summary + "\n", encoding="utf-8")
    return line


OURS = ("service/", "matcher/", "embeddings/", "storage/")
# Frames that only carry the call (threads, event loop, CLI): left out of the inclusive list.
PLUMBING = frozenset({"python stdlib", "threading", "asyncio", "anyio", "concurrent", "uvicorn", "starlette",
                      "typer", "click", "<string>", "native (no Python frame)"})
# Leaf frames of a thread that waits (idle worker threads, the event loop's select): not time spent.
IDLE = ("Condition.wait", "Selector.select", "Event.wait", "Queue.get", "Thread.join", "select (selectors")


def summarise_profile(collapsed: str, *, top: int = 12, ticks: int | None = None) -> tuple[str, str]:
    """Markdown summary of py-spy collapsed stacks (``frame;frame;... count`` per line): the share of
    busy samples under each of our functions (inclusive) and the share by library (self time); samples
    of threads waiting (idle workers, the event loop's select) are counted apart. ``ticks`` (rate × seconds)
    gives the share of time some thread held the GIL. Returns (markdown, one line)."""
    inclusive: Counter[str] = Counter()
    self_by_lib: Counter[str] = Counter()
    self_by_frame: Counter[str] = Counter()
    total = idle = 0
    for line in collapsed.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = stack.split(";")
        if any(frames[-1].startswith(w) or w in frames[-1] for w in IDLE):
            idle += count
            continue
        total += count
        for frame in dict.fromkeys(_short(f) for f in frames if _library(f) not in PLUMBING):
            inclusive[frame] += count
        self_by_lib[_library(frames[-1])] += count
        self_by_frame[_short(frames[-1])] += count
    if not total:
        return "py-spy collected no busy samples.", "py-spy collected no busy samples"
    lines = [f"py-spy (--gil: the thread holding the GIL, i.e. where the server's Python time goes; native "
             f"code run without the GIL, such as faiss scans, is not seen) at 100 Hz during one suggestions "
             f"window: {total} samples ({idle} more of a thread waiting, left out)"
             + (f"; the GIL was held in {(total + idle) / ticks:.0%} of the sampling ticks." if ticks else "."), "",
             "Inclusive share of busy samples (our code and the libraries it calls):", ""]
    lines += [f"- {share:.0%} {name}" for name, share in
              ((n, c / total) for n, c in inclusive.most_common(top))]
    lines += ["", "Self time by library:", ""]
    lines += [f"- {c / total:.0%} {lib}" for lib, c in self_by_lib.most_common(8)]
    lines += ["", "Self time by function:", ""]
    lines += [f"- {c / total:.0%} {name}" for name, c in self_by_frame.most_common(10)]
    line = ("py-spy --gil on the server"
            + (f" (GIL held {(total + idle) / ticks:.0%} of the time): " if ticks else ": ")
            + ", ".join(f"{c / total:.0%} {n.split(' (')[0]}" for n, c in inclusive.most_common(top)
                        if not n.startswith(("main ", "serve ")))
            + "; self time " + ", ".join(f"{c / total:.0%} {lib}" for lib, c in self_by_lib.most_common(5))
            + "; top functions " + ", ".join(f"{c / total:.0%} {n}" for n, c in self_by_frame.most_common(4)))
    return "\n".join(lines), line


def _short(frame: str) -> str:
    """``func (path/to/file.py:123)`` -> ``func (file.py)`` without the line, so lines of a function merge."""
    name, _, where = frame.partition(" (")
    path = where.rstrip(")").rsplit(":", 1)[0]
    return f"{name} ({'/'.join(path.split('/')[-2:])})"


def _library(frame: str) -> str:
    """The package a frame's file belongs to (py-spy prints paths relative to sys.path): faiss, numpy,
    matcher, ...; a single-file module is the standard library."""
    path = frame.partition(" (")[2].rstrip(")").rsplit(":", 1)[0]
    if "site-packages/" in path:
        path = path.split("site-packages/", 1)[1]
    if not path:
        return "native (no Python frame)"
    return path.split("/", 1)[0] if "/" in path.lstrip("/") and not path.startswith("/") else "python stdlib"


# --- the benchmark ----------------------------------------------------------------------------------------
def measure(params: HttpParams) -> tuple[list[Window], dict[str, object]]:
    """Starts the server, warms up, runs the ABBA windows (and the profile when asked); returns the
    measured windows and facts for the notes."""
    db, ids, built = catalogue(params.profiles, seed=params.seed)
    cpus = len(os.sched_getaffinity(0))
    pin = params.pin and cpus >= 2
    server_cpu, loadgen_cpu = (0, 1) if pin else (None, None)
    facts: dict[str, object] = {"profiles": len(ids), "build_seconds": built, "pinned": pin, "cpus": cpus}
    with tempfile.TemporaryDirectory(prefix="bench-http-") as tmp:
        workdir = Path(tmp)
        (workdir / "locustfile.py").write_text(LOCUSTFILE, encoding="utf-8")
        rng_ids = ids[:: max(1, len(ids) // params.sample_ids)][: params.sample_ids]
        (workdir / "ids.txt").write_text("\n".join(rng_ids) + "\n", encoding="utf-8")
        server = Server(db, workdir, cpu=server_cpu)
        try:
            facts["ready_seconds"] = server.wait_ready()
            run = {"users": params.users, "cpu": loadgen_cpu, "server": server}
            for endpoint in ENDPOINTS:  # warm-up, discarded
                locust_window(server.url, endpoint, params.warmup_seconds, workdir, **run)  # type: ignore[arg-type]
            windows: list[Window] = []
            for i in range(params.windows):
                order = ENDPOINTS if i % 2 == 0 else ENDPOINTS[::-1]
                for endpoint in order:
                    w = locust_window(server.url, endpoint, params.window_seconds, workdir, **run)  # type: ignore[arg-type]
                    windows.append(w)
                    print(f"  {endpoint:12} {w.rps:9.1f} req/s  p50 {w.p50_ms:7.0f} ms  p99 {w.p99_ms:7.0f} ms  "
                          f"errors {w.failures}  server {w.server_cores:.2f} cores  "
                          f"load generator {w.loadgen_cores:.2f} cores", flush=True)
            ratio = paired_ratios(windows)
            want_profile = params.profile if params.profile is not None else statistics.median(ratio) < \
                params.target_ratio
            if want_profile:
                facts["profile"] = profile_server(server, max(15.0, params.window_seconds), workdir,
                                                  users=params.users, cpu=loadgen_cpu)
            facts["server_log_errors"] = sum(' "status": 5' in line for line in
                                             server.log.read_text(errors="replace").splitlines())
        finally:
            server.stop()
    return windows, facts


def paired_ratios(windows: list[Window]) -> list[float]:
    """suggestions / health requests/s for each pair of adjacent windows (one of each endpoint)."""
    out = []
    for a, b in zip(windows[::2], windows[1::2], strict=False):
        by = {a.endpoint: a, b.endpoint: b}
        if set(by) == set(ENDPOINTS) and by["health"].rps > 0:
            out.append(by["suggestions"].rps / by["health"].rps)
    return out


def figures(windows: list[Window], facts: dict[str, object], params: HttpParams) -> list[Figure]:
    """The figures of point 7 from the measured windows."""
    of = {e: [w for w in windows if w.endpoint == e] for e in ENDPOINTS}
    med = {e: {k: statistics.median(getattr(w, k) for w in ws) for k in ("rps", "p50_ms", "p99_ms",
                                                                          "server_cores", "loadgen_cores")}
           for e, ws in of.items()}
    ratios = paired_ratios(windows)
    setup = (f"{facts['profiles']:,} synthetic profiles, {params.users} users with no wait, "
             f"{len(of['health'])} windows of {params.window_seconds:g} s per endpoint (ABBA order) after a "
             f"{params.warmup_seconds:g} s warm-up each; "
             + ("server pinned to CPU 0 and locust to CPU 1 (taskset)" if facts["pinned"] else
                f"server and locust unpinned on {facts['cpus']} CPUs"))
    cpu = {e: f"server used {med[e]['server_cores']:.2f} cores, locust {med[e]['loadgen_cores']:.2f}"
           for e in ENDPOINTS}
    errors = sum(w.failures for w in windows)
    ratio_note = (f"median of {len(ratios)} adjacent-window ratios "
                  f"(range {min(ratios):.3g}-{max(ratios):.3g}); {setup}") if ratios else setup
    if "profile" in facts:
        ratio_note += f". {facts['profile']} (reports/bench_http_profile.md)"
    out = [
        Figure(section=SECTION, name="suggestions requests/s", value=med["suggestions"]["rps"], unit="req/s",
               note=f"{cpu['suggestions']}; range {min(w.rps for w in of['suggestions']):.3g}-"
                    f"{max(w.rps for w in of['suggestions']):.3g}"),
        Figure(section=SECTION, name="health requests/s", value=med["health"]["rps"], unit="req/s",
               note=f"{cpu['health']}; range {min(w.rps for w in of['health']):.3g}-"
                    f"{max(w.rps for w in of['health']):.3g}"),
        Figure(section=SECTION, name="suggestions / health throughput",
               value=statistics.median(ratios) if ratios else float("nan"), unit="",
               target=params.target_ratio, op=">=", note=ratio_note),
        Figure(section=SECTION, name="suggestions p50", value=med["suggestions"]["p50_ms"], unit="ms",
               note="under the full load of 32 users (locust's percentiles, 2 significant digits)"),
        Figure(section=SECTION, name="suggestions p99", value=med["suggestions"]["p99_ms"], unit="ms"),
        Figure(section=SECTION, name="health p50", value=med["health"]["p50_ms"], unit="ms"),
        Figure(section=SECTION, name="health p99", value=med["health"]["p99_ms"], unit="ms"),
        Figure(section=SECTION, name="errors", value=float(errors), unit="", target=0.0, op="<=",
               note=f"failed requests over all {len(windows)} windows "
                    f"({sum(w.requests for w in windows):,} requests); 5xx in the server log: "
                    f"{facts.get('server_log_errors', '?')}"),
    ]
    return out


def run(*, quick: bool, params: HttpParams | None = None) -> list[Figure]:
    """Point 7's figures (see the module docstring)."""
    params = params or (QUICK if quick else FULL)
    windows, facts = measure(params)
    if "profile" in facts:
        print(facts["profile"], flush=True)
    return figures(windows, facts, params)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.http", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 profiles and 4 s windows")
    parser.add_argument("--no-pin", action="store_true", help="let server and load generator share all CPUs")
    parser.add_argument("--profile", action="store_true", help="py-spy the server even if the ratio is met")
    args = parser.parse_args(argv)
    params = replace(QUICK if args.quick else FULL, pin=not args.no_pin, profile=True if args.profile else None)
    if args.quick:  # as under python -m bench --quick: never over the committed report's files
        common.REPORTS = common.REPORTS / "quick"
    for f in run(quick=args.quick, params=params):
        target = "" if f.target is None else f"  target {f.op} {f.target:g}  met {f.met}"
        print(f"{f.name:34} {f.value:12.4g} {f.unit:6}{target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
