"""Shared pieces of the benchmarks: a measured figure, median timing, the machine record, report files.

Every bench module exposes ``run(*, quick: bool) -> list[Figure]`` (and may write plots to reports/);
:mod:`bench.__main__` runs them all and writes ``reports/bench.md`` and ``reports/bench.json``.
"""

from __future__ import annotations

import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
REPORTS = ROOT / "reports"
RUNS = 5  # every figure is the median of at least this many runs, after one warm-up


@dataclass(frozen=True, kw_only=True)
class Figure:
    """One measured figure. ``target`` is None for a figure reported without a target; ``met`` then None.

    ``op`` says how the value compares with the target: "<=" (a ceiling) or ">=" (a floor).
    """

    section: str
    name: str
    value: float
    unit: str
    target: float | None = None
    op: str = "<="
    note: str = ""

    @property
    def met(self) -> bool | None:
        if self.target is None:
            return None
        return self.value <= self.target if self.op == "<=" else self.value >= self.target

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "met": self.met}


def median_seconds(fn: Callable[[], object], *, runs: int = RUNS, warmup: int = 1) -> float:
    """Median wall time of ``fn()`` over ``runs`` calls after ``warmup`` calls (garbage collector paused)."""
    for _ in range(warmup):
        fn()
    times = []
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(runs):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
    finally:
        if gc_was_enabled:
            gc.enable()
    return statistics.median(times)


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation, as numpy's default."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("percentile of no values")
    pos = (len(ordered) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def rss_bytes() -> int:
    """Resident set size of this process now (Linux /proc), in bytes."""
    with open("/proc/self/statm", encoding="ascii") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def machine() -> dict[str, Any]:
    """Cores, memory, load average and library versions, recorded with every report."""
    import numpy as np

    info: dict[str, Any] = {
        "cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
        "numpy": np.__version__, "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            info["memory_gib"] = round(int(handle.readline().split()[1]) / 2**20, 1)
        with open("/proc/cpuinfo", encoding="ascii") as handle:
            names = [line.split(":", 1)[1].strip() for line in handle if line.startswith("model name")]
        info["cpu_model"] = names[0] if names else ""
    except OSError:
        pass
    return info


def table(figures: list[Figure]) -> str:
    """The figures as a plain-text table (what ``python -m bench.<section>`` prints)."""
    width = max([len(f.name) for f in figures] + [6])
    lines = [f"{'figure':{width}} {'value':>10} {'unit':9} {'target':>10} met"]
    for f in figures:
        target = "" if f.target is None else f"{f.op} {f.target:g}"
        met = "" if f.met is None else ("yes" if f.met else "NO")
        lines.append(f"{f.name:{width}} {f.value:10.4g} {f.unit:9} {target:>10} {met}")
        if f.note:
            lines.append(f"    {f.note}")
    return "\n".join(lines)


def run_worker(module: str, *args: str) -> dict[str, Any]:
    """Run ``python -m module --worker args`` in a fresh process (its own memory and caches, so one size cannot
    warm the next) and read the JSON object its last line prints."""
    cmd = [sys.executable, "-m", module, "--worker", *args]
    done = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=Path(__file__).resolve().parents[1])
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def section_main(argv: list[str] | None, *, module: str, doc: str | None, quick_help: str,
                 run: Callable[..., list[Figure]]) -> int:
    """``python -m bench.<module> [--quick]``: one section's figures as a table (the sections' shared CLI)."""
    import argparse

    parser = argparse.ArgumentParser(prog=f"python -m bench.{module}", description=(doc or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=quick_help)
    args = parser.parse_args(argv)
    print(table(run(quick=args.quick)))
    return 0
