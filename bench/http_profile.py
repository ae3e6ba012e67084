"""py-spy on the HTTP benchmark's server: sample it during one load window and summarise where its Python
time goes (inclusive share by function, self time by library), for bench/http.py's report."""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import common


# --- profile ------------------------------------------------------------------------------------------------
def profile_server(pid: int, load: Callable[[], Any], seconds: float, workdir: Path) -> str:
    """py-spy samples process ``pid`` while ``load()`` runs one window of ``seconds``; returns a one-line
    summary and writes the collapsed stacks and the full summary to reports/bench_http_profile.*."""
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    raw = workdir / "profile.txt"
    sampled = max(5, int(seconds) - 5)  # sample the middle of the window: users running, none stopping yet
    thread = threading.Thread(target=load)
    thread.start()
    time.sleep(3.0)
    spy = subprocess.run([py_spy, "record", "--pid", str(pid), "--duration", str(sampled),
                          "--rate", "100", "--format", "raw", "--output", str(raw), "--gil", "--nonblocking"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=sampled + 60,
                         check=False)
    thread.join()
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
