"""The processes bench/http.py times: ``ccimatch serve`` with 1 or N workers, the in-process loop that does
the route's work without HTTP (``python -m bench.http --runner DB``), their CPU use and memory (smaps_rollup)."""

from __future__ import annotations

import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from bench.common import ROOT


@dataclass(frozen=True, kw_only=True)
class Window:
    """One timed window of one mode: throughput, latencies (ms; none in-process), errors, CPU used (cores)."""

    mode: str
    round: int
    requests: int
    failures: int
    rps: float
    p50_ms: float
    p99_ms: float
    server_cores: float
    loadgen_cores: float


# --- the servers and the in-process loop ----------------------------------------------------------------------
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


def get(url: str, timeout: float = 5.0) -> int:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except (OSError, urllib.error.URLError):
        return 0


def taskset(cpus: str | None) -> list[str]:
    return ["taskset", "-c", cpus] if cpus is not None and shutil.which("taskset") else []


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` and its live children so far (all their threads)."""
    import psutil

    try:
        root = psutil.Process(pid)
        total = 0.0
        for proc in [root, *root.children(recursive=True)]:
            times = proc.cpu_times()
            total += times.user + times.system
        return total
    except psutil.Error:
        return 0.0


class Server:
    """``ccimatch serve --demo [--workers N]`` on a free loopback port, its index in ``index``, stderr to a log."""

    def __init__(self, db: Path, index: Path, log: Path, *, cpus: str | None, workers: int = 1) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false", "CCIMATCH_INDEX_DIR": str(index)}
        cmd = [sys.executable, "-c", "from service.cli import main; main()", "serve", "--db", str(db),
               "--port", str(self.port), "--demo", "--workers", str(workers)]
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen([*taskset(cpus), *cmd], cwd=ROOT, env=env, stdout=out, stderr=out)

    def wait_ready(self, timeout: float = 600.0) -> float:
        """Seconds until ``/ready`` answers 200; raises with the log's tail if the server dies or times out."""
        start = time.monotonic()
        while time.monotonic() - start < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with code {self.proc.returncode}: {self.tail()}")
            if get(f"{self.url}/ready") == 200:
                return time.monotonic() - start
            time.sleep(0.5)
        raise TimeoutError(f"server not ready after {timeout:.0f} s: {self.tail()}")

    def tail(self, lines: int = 5) -> str:
        try:
            return " | ".join(self.log.read_text(errors="replace").strip().splitlines()[-lines:])
        except OSError:
            return ""

    def cpu_seconds(self) -> float:
        return _cpu_seconds(self.proc.pid)

    def pids(self) -> list[int]:
        """The server's processes: the master first, then its workers."""
        import psutil

        return [self.proc.pid, *(c.pid for c in psutil.Process(self.proc.pid).children(recursive=True))]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=40)
            except subprocess.TimeoutExpired:  # uvicorn ignores SIGTERM while starting up
                self.proc.kill()
                self.proc.wait()


class InProcess:
    """``python -m bench.http --runner DB``: the route's work in a loop, one window per request on stdin."""

    def __init__(self, db: Path, index: Path, ids: Path, *, cpus: str | None) -> None:
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "CCIMATCH_INDEX_DIR": str(index), "BENCH_IDS": str(ids)}
        self.proc = subprocess.Popen([*taskset(cpus), sys.executable, "-m", "bench.http", "--runner", str(db)],
                                     cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().strip()
        if line != "ready":
            raise RuntimeError(f"the in-process runner did not start: {line!r}")

    def window(self, seconds: float, round_: int) -> Window:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(f"{seconds}\n")
        self.proc.stdin.flush()
        count, wall, cpu = self.proc.stdout.readline().split()
        return Window(mode="in-process", round=round_, requests=int(count), failures=0, rps=int(count) / float(wall),
                      p50_ms=float("nan"), p99_ms=float("nan"), server_cores=float(cpu) / float(wall),
                      loadgen_cores=0.0)

    def stop(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def runner(db: str) -> None:
    """The in-process side (``--runner``): what the route calls, for each window asked on stdin (its length in
    seconds); answers "requests wall_seconds cpu_seconds"."""
    from service import params
    from service.catalogue import Catalogue, suggest
    from service.settings import Settings

    cat = Catalogue.open(Settings(db=db))
    ids = Path(os.environ["BENCH_IDS"]).read_text(encoding="utf-8").split()
    cat.state()
    rng = random.Random(0)
    print("ready", flush=True)
    for line in sys.stdin:
        seconds = float(line)
        count, start, cpu = 0, time.perf_counter(), time.process_time()
        while time.perf_counter() - start < seconds:
            hard = params.constraints(countries_=None, exclude_countries=None, sectors=None, kinds=None,
                                      partnership_types=None)
            suggest(cat, rng.choice(ids), k=10, constraints=hard, allow_same_country=False,
                    shared_language=False).to_dict()
            count += 1
        print(count, time.perf_counter() - start, time.process_time() - cpu, flush=True)


# --- memory ---------------------------------------------------------------------------------------------------
def smaps_rollup(pid: int) -> dict[str, int]:
    """/proc/<pid>/smaps_rollup in kB (Rss, Pss, Private_Clean, ...); {} if unreadable."""
    try:
        lines = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]
    except OSError:
        return {}
    return {line.split(":")[0]: int(line.split()[1]) for line in lines if line.endswith(" kB")}


def memory(server: Server) -> dict[str, float]:
    """MB: PSS of all the server's processes, and RSS, PSS and USS of each worker (the single process counts
    as the worker when there is no master)."""
    pids = server.pids()
    workers = pids[1:] or pids
    rollups = {pid: smaps_rollup(pid) for pid in pids}
    mb = 1 / 1024
    uss = [(rollups[p].get("Private_Clean", 0) + rollups[p].get("Private_Dirty", 0)) * mb for p in workers]
    return {"pss_total": sum(r.get("Pss", 0) for r in rollups.values()) * mb,
            "master_pss": rollups[pids[0]].get("Pss", 0) * mb if len(pids) > 1 else 0.0,
            "worker_rss": statistics.median(rollups[p].get("Rss", 0) * mb for p in workers),
            "worker_pss": statistics.median(rollups[p].get("Pss", 0) * mb for p in workers),
            "worker_uss": statistics.median(uss), "processes": float(len(pids)),
            "worker_pss_file": statistics.median(rollups[p].get("Pss_File", 0) * mb for p in workers)}
