"""Runs every benchmark section and writes the report: ``python -m bench [--quick] [--only a,b]``.

Each section (a module ``bench.<name>`` exposing ``run(*, quick: bool) -> list[Figure]``) runs in its own
process, so memory, thread settings and crashes of one never leak into the next; a section that is
missing, raises, crashes or overruns its time is recorded as failed with the error, and the run goes on.
Writes ``reports/bench.{md,json}`` (``--quick``: ``reports/bench_quick.{md,json}``, plots under
``reports/quick/``, so a development run never overwrites the committed full report). With ``--only``,
the named sections replace theirs in the existing report and the others are kept as they were.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import shlex
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.common import REPORTS, ROOT, RUNS, Figure, machine

SECTIONS: tuple[str, ...] = ("encoding", "search", "suggest", "startup", "learned", "http", "web", "schedule",
                             "exposure", "milvus", "dask")
TITLES = {"encoding": "Encoding (point 1)", "search": "Vector search (points 2-4)",
          "suggest": "Suggest end to end and event batch (points 5-6)",
          "startup": "Start-up from the mapped snapshot and writes spliced into the index (issue #18 point 2)",
          "http": "HTTP: in-process, 1 and 2 workers, memory per worker (issue #18 point 4)",
          "learned": "Learned ranker: training and suggest with the model (issue #16)",
          "web": "Web app: the search page",
          "schedule": "Scheduling (point 8)",
          "exposure": "Event recommendations: joint lists against independent top-k (issue #17)",
          "milvus": "Vectors in Milvus beside FAISS: latency and recall by selectivity (issue #19 point 3)",
          "dask": "Batch encoding on Dask: 1 and 2 workers and the scaling law (issue #19 point 2)"}
# Seconds after which a section is stopped and recorded as failed (about twice its budget).
TIMEOUTS = {"encoding": 16 * 60, "search": 24 * 60, "suggest": 30 * 60, "learned": 30 * 60, "http": 15 * 60,
            "web": 8 * 60, "schedule": 60, "exposure": 20 * 60, "milvus": 20 * 60, "dask": 30 * 60,
            "startup": 40 * 60}  # 1M: today's path once (~3 min), a 5 GB database copied for the writes
QUICK_TIMEOUT = 10 * 60
# Figures each section must report in a full run; one not reported is listed as missing, never dropped.
EXPECTED: dict[str, tuple[str, ...]] = {
    "suggest": ("suggest p50, N=10,000", "suggest p99, N=10,000", "suggest p50, N=100,000", "suggest p99, N=100,000",
                "suggest p50, N=1,000,000"),
    "http": ("suggestions/s in-process", "suggestions/s HTTP, 1 worker", "HTTP 1 worker / in-process",
             "suggestions/s HTTP, 2 workers", "HTTP 2 workers / 1 worker", "memory 2 workers / 1 worker", "errors"),
    "schedule": ("original: proven optimal", "original: equal to the published optimum"),
    "startup": ("ready to answer (mapped snapshot), N=1,000,000", "write to visible in the next request, N=1,000,000",
                "resident memory after the first suggestion, mapped / today's path, N=1,000,000"),
    "web": ("search page overhead over suggest",),
    "learned": ("train-ranker, N=10,000", "suggest p50 learned / weighted mean, N=100,000"),
    "exposure": ("synthetic, moderate skew, 2,000: joint / independent expected meetings",
                 "synthetic, moderate skew, 2,000: exposure Gini joint - independent",
                 "synthetic, moderate skew, 2,000: joint lists, seconds"),
    "milvus": tuple(f"{p} %: Milvus IVF_FLAT recall@10" for p in ("50", "10", "1", "0.1")),
    "dask": ("Dask, 1 worker", "Dask, 2 workers", "Dask speed-up, 2 workers / 1 worker",
             "Amdahl parallel fraction p", "max |Dask - single-process| vector component"),
}


@dataclass(frozen=True, kw_only=True)
class Section:
    """The outcome of one section: its figures, or the error that stopped it."""

    section: str
    ok: bool
    figures: tuple[Figure, ...] = ()
    error: str = ""
    seconds: float = 0.0
    started: str = ""
    load_before: tuple[float, ...] = ()
    load_after: tuple[float, ...] = ()
    quick: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {"section": self.section, "ok": self.ok, "error": self.error, "seconds": round(self.seconds, 1),
                "started": self.started, "load_before": list(self.load_before),
                "load_after": list(self.load_after), "quick": self.quick}


@dataclass(frozen=True, kw_only=True)
class Row:
    """One report row: a measured figure, or a figure that should exist and does not (``value`` None)."""

    section: str
    name: str
    value: float | None
    unit: str
    target: float | None
    op: str
    met: bool | None
    note: str = ""
    missing: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {"section": self.section, "name": self.name, "value": self.value, "unit": self.unit,
                "target": self.target, "op": self.op, "met": self.met, "note": self.note,
                **({"missing": True} if self.missing else {})}


def rows_of(section: Section, expected: tuple[str, ...] = ()) -> list[Row]:
    """The rows of a section: its figures (a NaN or infinite value is missing), then every expected
    figure it did not report, as missing with met False."""
    rows: list[Row] = []
    for f in section.figures:
        finite = isinstance(f.value, int | float) and math.isfinite(f.value)
        rows.append(Row(section=section.section, name=f.name, value=float(f.value) if finite else None,
                        unit=f.unit, target=f.target, op=f.op, met=f.met if finite else (None if f.target is None
                                                                                         else False),
                        note=f.note, missing=not finite))
    seen = {f.name for f in section.figures}
    why = f"section failed: {section.error}" if not section.ok else "not reported by the section"
    rows += [Row(section=section.section, name=name, value=None, unit="", target=None, op="", met=False, note=why,
                 missing=True) for name in expected if name not in seen]
    if not section.ok and not rows:  # a failed section with nothing to show still shows, as one missing row
        rows.append(Row(section=section.section, name="(every figure of the section)", value=None, unit="",
                        target=None, op="", met=False, note=why, missing=True))
    return rows


def report(sections: list[Section], *, command: str, quick: bool, started: str, duration: float,
           machine_before: dict[str, Any], machine_after: dict[str, Any],
           expected: dict[str, tuple[str, ...]] | None = None) -> dict[str, Any]:
    """The JSON payload: the run, the machine before and after, the sections and every figure."""
    expected = EXPECTED if expected is None else expected
    rows = [r for s in sections for r in rows_of(s, () if quick or s.quick else expected.get(s.section, ()))]
    return {"command": command, "quick": quick, "started": started, "duration_seconds": round(duration, 1),
            "runs_per_figure": RUNS, "machine": {"before": machine_before, "after": machine_after},
            "sections": [s.as_dict() for s in sections], "figures": [r.as_dict() for r in rows]}


def merge(previous: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
    """``new`` plus the sections (and their figures) of ``previous`` that ``new`` did not run."""
    if not previous:
        return new
    ran = {s["section"] for s in new["sections"]}
    kept = [s for s in previous.get("sections", []) if s["section"] not in ran]
    order = {name: i for i, name in enumerate(SECTIONS)}
    sections = sorted([*kept, *new["sections"]], key=lambda s: order.get(s["section"], len(order)))
    figures = [f for f in previous.get("figures", []) if f["section"] not in ran] + new["figures"]
    figures.sort(key=lambda f: order.get(f["section"], len(order)))  # stable: each section keeps its order
    return {**new, "sections": sections, "figures": figures,
            "earlier_sections_from": previous.get("started") if kept else None}


# --- markdown -----------------------------------------------------------------------------------------
def number(value: float) -> str:
    """A value with 3-4 significant digits, thousands separated."""
    if value != 0 and abs(value) < 1:
        return f"{value:.4g}"
    if abs(value) >= 1000 or value == int(value):
        return f"{value:,.0f}"
    return f"{value:.3g}" if abs(value) >= 10 else f"{value:.3f}".rstrip("0").rstrip(".")


def with_unit(value: float, unit: str) -> str:
    if unit in ("", "×", "x"):
        return number(value) + ("×" if unit else "")
    return f"{number(value)} {unit}"


def target_text(row: dict[str, Any]) -> str:
    if row["target"] is None:
        return "–"
    return f"{'≤' if row['op'] == '<=' else '≥'} {with_unit(row['target'], row['unit'])}"


def miss_text(row: dict[str, Any]) -> str:
    """By how much a missed target is missed, e.g. "1.8× the target" or "0.6× the target (40% short)"."""
    value, target, unit = row["value"], row["target"], row["unit"]
    if target == 0:
        return f"{with_unit(value, unit)} {'over' if row['op'] == '<=' else 'under'} the target of 0"
    ratio = value / target
    if row["op"] == "<=":
        return f"{ratio:.2g}× the target"
    if unit.startswith("of ") or unit == "count":  # counts: "3 short of 20"
        return f"{target - value:g} short of {target:g}"
    return f"{ratio:.2g}× the target ({1 - ratio:.0%} short)"


def met_text(row: dict[str, Any]) -> str:
    if row.get("missing") or row["value"] is None:
        return "**missing**"
    if row["met"] is None:
        return "–"
    return "yes" if row["met"] else f"**no**: {miss_text(row)}"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(payload: dict[str, Any], *, plots: Path = REPORTS, base: Path = REPORTS) -> str:
    """The report: how it was produced, the machine, a summary of targets, then one table per section
    (figure | value | target | met), its notes, and the section's plots found in ``plots`` (linked
    relative to ``base``, the report's folder)."""
    quick = payload["quick"]
    before, after = payload["machine"]["before"], payload["machine"]["after"]
    figures = payload["figures"]
    with_target = [f for f in figures if f["target"] is not None or f.get("missing")]
    met = [f for f in with_target if f["met"]]
    lines = ["# ccimatch benchmarks" + (" (quick mode: small sizes, for development only)" if quick else ""), "",
             f"Produced by `{payload['command']}`" + ("" if quick else " (`make bench` runs it after "
                                                     "`make bench-schedule`)")
             + f", started {payload['started']}, took {payload['duration_seconds'] / 60:.1f} min.",
             f"Every figure is the median of at least {payload['runs_per_figure']} runs after a warm-up; every "
             "ratio is measured side by side in the same run; nothing is estimated.", ""]
    if payload.get("earlier_sections_from"):
        lines += [f"Only some sections were re-run; the others are from the run started "
                  f"{payload['earlier_sections_from']} (each section gives its own date below).", ""]
    lines += ["| machine | |", "| --- | --- |",
              f"| cores | {before.get('cpus')} ({_cell(str(before.get('cpu_model', '')))}) |",
              f"| memory | {before.get('memory_gib', '?')} GiB |",
              f"| platform | {_cell(str(before.get('platform', '')))}, Python {before.get('python')}, "
              f"numpy {before.get('numpy')} |",
              f"| load average (1, 5, 15 min) | before {before.get('load_average')}, "
              f"after {after.get('load_average')} |", "",
              f"**{len(met)} of {len(with_target)} targets met.**"]
    missed = [f for f in with_target if not f["met"]]
    failed = [s for s in payload["sections"] if not s["ok"]]
    if failed:
        lines += ["", "Failed sections: " + "; ".join(f"{s['section']} ({_cell(s['error'])})" for s in failed) + "."]
    if missed:
        lines += ["", "Missed or missing:", ""]
        lines += [f"- {f['section']}: {f['name']}: {met_text(f).replace('**', '')}" for f in missed]
    lines.append("")
    by_section = {s["section"]: s for s in payload["sections"]}
    used_plots: set[str] = set()
    for name in [s for s in SECTIONS if s in by_section] + [s for s in by_section if s not in SECTIONS]:
        sec = by_section[name]
        lines += [f"## {TITLES.get(name, name)}", "",
                  f"Ran {sec['started']}, {sec['seconds'] / 60:.1f} min; load average before "
                  f"{sec['load_before']}, after {sec['load_after']}." + (" Quick mode." if sec.get("quick") and
                                                                           not quick else ""), ""]
        if not sec["ok"]:
            lines += [f"**Section failed:** {_cell(sec['error'])}", ""]
        rows = [f for f in figures if f["section"] == name]
        if rows:
            lines += ["| figure | value | target | met |", "| --- | ---: | ---: | --- |"]
            lines += [f"| {_cell(f['name'])} | "
                      f"{'–' if f['value'] is None else with_unit(f['value'], f['unit'])} | {target_text(f)} | "
                      f"{met_text(f)} |" for f in rows]
            notes = [f for f in rows if f["note"]]
            if notes:
                lines += ["", "Notes:", ""] + [f"- *{_cell(f['name'])}*: {f['note']}" for f in notes]
            lines.append("")
        for plot in sorted(plots.glob(f"bench_{name}*.png")):
            used_plots.add(plot.name)
            lines += [f"![{plot.stem}]({_link(plot, base)})", ""]
    others = [p for p in sorted(plots.glob("bench_*.png")) if p.name not in used_plots]
    if others:
        lines += ["## Other plots", ""] + [line for p in others for line in (f"![{p.stem}]({_link(p, base)})", "")]
    return "\n".join(lines).rstrip() + "\n"


def _link(path: Path, base: Path) -> str:
    return Path(os.path.relpath(path, base)).as_posix()


# --- running --------------------------------------------------------------------------------------------
def worker(section: str, *, quick: bool, out: Path) -> int:
    """In a child process: runs one section and writes its figures (or its error) to ``out`` as JSON."""
    if quick:  # plots of a quick run go to reports/quick/, never over the committed ones
        import bench.common

        bench.common.REPORTS = REPORTS / "quick"
        bench.common.REPORTS.mkdir(parents=True, exist_ok=True)
    try:
        import importlib

        module = importlib.import_module(f"bench.{section}")
        figures = module.run(quick=quick)
        payload: dict[str, Any] = {"figures": [f.as_dict() for f in figures]}
    except BaseException as exc:  # recorded and reported; the harness goes on
        traceback.print_exc()
        payload = {"error": f"{type(exc).__name__}: {exc}".strip()}
    out.write_text(json.dumps(payload, default=_json_default), encoding="utf-8")
    return 0 if "figures" in payload else 1


def _json_default(value: object) -> object:
    try:
        return float(value)  # type: ignore[arg-type]  # numpy scalars
    except (TypeError, ValueError):
        return str(value)


def figure_of(d: dict[str, Any]) -> Figure:
    value = d.get("value")
    return Figure(section=d.get("section", ""), name=str(d["name"]),
                  value=float("nan") if value is None else float(value), unit=str(d.get("unit", "")),
                  target=None if d.get("target") is None else float(d["target"]), op=str(d.get("op", "<=")),
                  note=str(d.get("note", "")))


def run_section(section: str, *, quick: bool) -> Section:
    """Runs one section in a child process (own process group, killed whole on timeout)."""
    started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    load_before = tuple(round(x, 2) for x in os.getloadavg())
    limit = QUICK_TIMEOUT if quick else TIMEOUTS.get(section, 30 * 60)
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        out = Path(tmp) / "figures.json"
        cmd = [sys.executable, "-m", "bench", "--worker", section, "--out", str(out), *(["--quick"] if quick else [])]
        proc = subprocess.Popen(cmd, cwd=ROOT, start_new_session=True)
        try:
            code = proc.wait(timeout=limit)
            error = "" if code == 0 else f"exited with code {code}"
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            error = f"stopped after {limit / 60:.0f} min (its time limit)"
        except BaseException:  # the harness itself is stopped (Ctrl-C, SIGTERM): take the section down too
            _kill_group(proc)
            raise
        payload = json.loads(out.read_text(encoding="utf-8")) if out.is_file() else {}
    error = payload.get("error", "") or (error if "figures" not in payload else "")
    figures = tuple(figure_of({**d, "section": d.get("section") or section}) for d in payload.get("figures", []))
    return Section(section=section, ok=not error, figures=figures, error=error, seconds=time.perf_counter() - t0,
                   started=started, load_before=load_before,
                   load_after=tuple(round(x, 2) for x in os.getloadavg()), quick=quick)


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    """Kills the section's process group (its own session: the section and everything it started)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def print_section(section: Section) -> None:
    print(f"\n== {section.section}: " + ("ok" if section.ok else f"FAILED ({section.error})")
          + f", {section.seconds:.0f} s", flush=True)
    for r in rows_of(section):
        d = r.as_dict()
        value = "missing" if r.value is None else with_unit(r.value, r.unit)
        print(f"  {r.name:60} {value:>14}  {target_text(d):>12}  {met_text(d).replace('**', '')}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes for development; writes bench_quick.*")
    parser.add_argument("--only", default="", help=f"comma-separated sections among {','.join(SECTIONS)}")
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker(args.worker, quick=args.quick, out=args.out)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # a SIGTERM unwinds, killing the running section
    only = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = [s for s in only if s not in SECTIONS]
    if unknown:
        parser.error(f"--only: unknown section(s) {', '.join(unknown)}; choose among {', '.join(SECTIONS)}")
    command = shlex.join(["python", "-m", "bench", *(argv if argv is not None else sys.argv[1:])])
    started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    machine_before, t0 = machine(), time.perf_counter()
    sections = []
    for name in only or SECTIONS:
        print(f"== running {name}" + (" (quick)" if args.quick else ""), flush=True)
        section = run_section(name, quick=args.quick)
        sections.append(section)
        print_section(section)
    payload = report(sections, command=command, quick=args.quick, started=started,
                     duration=time.perf_counter() - t0, machine_before=machine_before, machine_after=machine())
    stem = "bench_quick" if args.quick else "bench"
    REPORTS.mkdir(exist_ok=True)
    json_path, md_path = REPORTS / f"{stem}.json", REPORTS / f"{stem}.md"
    if only and json_path.is_file():
        payload = merge(json.loads(json_path.read_text(encoding="utf-8")), payload)
    json_path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    md_path.write_text(markdown(payload, plots=REPORTS / "quick" if args.quick else REPORTS, base=REPORTS),
                       encoding="utf-8")
    print(f"\nwrote {md_path} and {json_path} in {(time.perf_counter() - t0) / 60:.1f} min")
    return 0 if all(s.ok for s in sections) else 1


if __name__ == "__main__":
    raise SystemExit(main())
