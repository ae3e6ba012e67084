"""Benchmark of the B2B meeting scheduler on the published instances (Bofill et al., JAIR 2022).

``python -m bench.schedule [--time-limit 60] [--folder original|forbidden|fixed|precedences|all] [--json]``
solves every instance, checks each answer with the independent validator and compares the originals with
the published optima; the table goes to stdout, reports/bench_schedule.md and reports/bench_schedule.json.
Running some folders replaces only their rows in the JSON (the other folders' rows and run records are kept)
and regenerates the .md from the merged rows.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shlex
import sys
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.common import Figure
from matcher.scheduling import solve, validate
from storage.dzn import read_instance

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "b2b-meetings"
REPORTS = ROOT / "reports"
FOLDERS: tuple[str, ...] = ("original", "forbidden", "fixed", "precedences")


@dataclass(frozen=True, kw_only=True)
class Row:
    """One solved instance, as printed and stored."""

    folder: str
    instance: str
    participants: int
    meetings: int
    breaks: int | None
    published: int | None
    status: str
    bound: int | None
    seconds: float
    valid: bool
    problems: tuple[str, ...]
    infeasible_reason: str | None

    def as_dict(self) -> dict[str, Any]:
        return {"folder": self.folder, "instance": self.instance, "participants": self.participants,
                "meetings": self.meetings, "breaks": self.breaks, "published": self.published,
                "status": self.status, "bound": self.bound, "seconds": round(self.seconds, 2),
                "valid": self.valid, "problems": list(self.problems), "infeasible_reason": self.infeasible_reason}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Row:
        return cls(folder=d["folder"], instance=d["instance"], participants=d["participants"],
                   meetings=d["meetings"], breaks=d["breaks"], published=d["published"], status=d["status"],
                   bound=d["bound"], seconds=float(d["seconds"]), valid=bool(d["valid"]),
                   problems=tuple(d.get("problems", ())), infeasible_reason=d.get("infeasible_reason"))


def merge(previous: dict[str, Any] | None, rows: list[Row], runs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The report payload: ``previous`` with the rows and run records of the folders in ``runs`` replaced.

    Rows are ordered by folder (FOLDERS order) then as run. A previous payload without run records
    (older format) gets one per folder from its top-level time limit, with the date marked unknown.
    """
    previous = previous or {}
    old_rows = [r for r in previous.get("rows", []) if r["folder"] not in runs]
    old_runs = dict(previous.get("runs", {}))
    for r in old_rows:
        old_runs.setdefault(r["folder"], {"time_limit": previous.get("time_limit"), "fairness": 2,
                                          "finished": None, "command": None, "cpus": None})
    merged = [*old_rows, *(r.as_dict() for r in rows)]
    order = {f: i for i, f in enumerate(FOLDERS)}
    merged.sort(key=lambda r: order.get(r["folder"], len(order)))  # stable: keeps each folder's order
    all_runs = {f: v for f, v in {**old_runs, **runs}.items() if any(r["folder"] == f for r in merged)}
    return {"fairness": 2, "runs": {f: all_runs[f] for f in sorted(all_runs, key=lambda f: order.get(f, 99))},
            "rows": merged}


def load_report(path: Path) -> dict[str, Any] | None:
    """The stored payload, or None when there is none (or it cannot be read)."""
    try:
        payload: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return payload


def published_optima(data: Path) -> dict[str, int]:
    """Instance name -> optimal total breaks with d = 2 (originals only)."""
    path = data / "published_optima.csv"
    if not path.is_file():
        return {}
    with path.open(encoding="utf-8") as handle:
        return {row["instance"]: int(row["optimal_breaks_d2"]) for row in csv.DictReader(handle)}


def run_one(path: Path, folder: str, published: dict[str, int], *, time_limit: float, fairness: int = 2) -> Row:
    """Solves one file and validates the answer independently."""
    instance = read_instance(path)
    name = path.name.removesuffix(".dzn")
    base = name.split(".", 1)[0]
    schedule = solve(instance, fairness=fairness, time_limit=time_limit)
    problems = validate(instance, schedule, fairness=fairness)
    return Row(folder=folder, instance=name, participants=instance.n_participants, meetings=len(instance.meetings),
               breaks=schedule.breaks, published=published.get(base) if folder == "original" else None,
               status=schedule.status, bound=schedule.bound, seconds=schedule.seconds, valid=not problems,
               problems=tuple(problems),
               infeasible_reason=None if schedule.infeasible_reason is None else schedule.infeasible_reason.text)


def _cell(value: object) -> str:
    return "–" if value is None else str(value)


def run_note(run: dict[str, Any] | None) -> str:
    """One line saying which run produced a folder's rows."""
    if not run:
        return "Run not recorded."
    limit = run.get("time_limit")
    text = f"Time limit {limit:g} s per instance" if isinstance(limit, int | float) else "Time limit not recorded"
    if run.get("cpus"):
        text += f", {run['cpus']} cores"
    text += f"; run finished {run['finished']}" if run.get("finished") else "; run date not recorded"
    if run.get("command"):
        text += f" by `{run['command']}`"
    return text + "."


def markdown(rows: list[Row], runs: dict[str, dict[str, Any]] | None = None) -> str:
    """The report: one table per folder, the run that produced it, and a summary line each."""
    lines = ["# B2B meeting scheduling benchmark", "",
             "CP-SAT (OR-Tools) raced against MaxSAT (PySAT RC2, a child process), fairness d = 2. "
             "Published optima: Bofill et al., JAIR 74 (2022), Table 3 (originals only). "
             "*valid* = the independent validator accepts the schedule. Each folder's rows come from the run "
             "named under its heading (`python -m bench.schedule --folder F` replaces only folder F).", ""]
    for folder in FOLDERS:
        mine = [r for r in rows if r.folder == folder]
        if not mine:
            continue
        lines += [f"## {folder}", "", run_note((runs or {}).get(folder)), "",
                  "| instance | participants | meetings | breaks | published | status | bound | seconds | valid |",
                  "| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | --- |"]
        for r in mine:
            status = r.status if r.infeasible_reason is None else f"{r.status} ({r.infeasible_reason})"
            lines.append(f"| {r.instance} | {r.participants} | {r.meetings} | {_cell(r.breaks)} | "
                         f"{_cell(r.published)} | {status} | {_cell(r.bound)} | {r.seconds:.1f} | "
                         f"{'yes' if r.valid else 'NO'} |")
        lines += ["", summary(mine), ""]
    return "\n".join(lines)


def summary(rows: list[Row]) -> str:
    counts = {s: sum(1 for r in rows if r.status == s) for s in ("optimal", "feasible", "infeasible", "unknown")}
    matched = [r for r in rows if r.published is not None]
    text = (f"{len(rows)} instances: {counts['optimal']} optimal, {counts['feasible']} feasible (not proven), "
            f"{counts['infeasible']} infeasible, {counts['unknown']} unknown; "
            f"{sum(r.valid for r in rows)} validated; total {sum(r.seconds for r in rows):.0f} s")
    if matched:
        equal = sum(1 for r in matched if r.status == "optimal" and r.breaks == r.published)
        text += f"; {equal}/{len(matched)} proven optimal at the published optimum"
    return text + "."


def figures_of(payload: dict[str, Any]) -> list[Figure]:
    """Point 8 of the benchmarks: per folder, how many instances were proven optimal, matched the published
    optimum (originals), stayed feasible without proof, were proven infeasible, stayed unknown, validated."""
    out: list[Figure] = []
    runs = payload.get("runs", {})
    for folder in FOLDERS:
        rows = [r for r in payload.get("rows", []) if r["folder"] == folder]
        if not rows:
            continue
        n = len(rows)
        note = f"{n} instances in reports/bench_schedule.json. {run_note(runs.get(folder))}"
        count = Counter(r["status"] for r in rows)
        published = [r for r in rows if r.get("published") is not None]
        items: list[tuple[str, int, float | None, str, str]] = [
            ("proven optimal", count["optimal"], n if folder == "original" else None, ">=", "")]
        if published:
            worse = ", ".join(f"{r['instance']} {_cell(r['breaks'])} vs {r['published']}" for r in published
                              if r["breaks"] != r["published"])
            items.append(("equal to the published optimum", sum(r["breaks"] == r["published"] for r in published),
                          len(published), ">=", f"Breaks above the optimum: {worse}. " if worse else ""))
        items += [("feasible, not proven optimal", count["feasible"], None, ">=", ""),
                  ("proven infeasible", count["infeasible"], None, ">=", ""),
                  ("unknown (no answer in the time limit)", count["unknown"], 0, "<=", ""),
                  ("validated by the independent checker", sum(bool(r["valid"]) for r in rows), n, ">=", "")]
        out += [Figure(section="schedule", name=f"{folder}: {name}", value=float(value), unit=f"of {n}",
                       target=None if target is None else float(target), op=op, note=extra + note)
                for name, value, target, op, extra in items]
    return out


def run(*, quick: bool) -> list[Figure]:
    """The harness's section: summarises reports/bench_schedule.json (written by ``make bench-schedule``);
    solves nothing itself, so ``quick`` changes nothing."""
    payload = load_report(REPORTS / "bench_schedule.json")
    if payload is None:
        raise FileNotFoundError(f"{REPORTS / 'bench_schedule.json'} is missing: run make bench-schedule first")
    return figures_of(merge(payload, [], {}))  # merge: run records for a file in the older format


def schedule_command(path: Path, fairness: int, time_limit: float, as_json: bool) -> dict[str, Any]:
    """The body of ``ccimatch schedule``: solves a .dzn file; meetings, slots and tables numbered from 1."""
    instance = read_instance(path)
    schedule = solve(instance, fairness=fairness, time_limit=time_limit)
    out: dict[str, Any] = {
        "status": schedule.status, "breaks": schedule.breaks, "bound": schedule.bound,
        "seconds": round(schedule.seconds, 3),
        "meetings": [{"meeting": m + 1, "slot": None if slot is None else slot + 1,
                      "table": None if table is None else table + 1}
                     for m, (slot, table) in enumerate(zip(schedule.slots, schedule.tables, strict=True))],
    }
    reason = None if schedule.infeasible_reason is None else schedule.infeasible_reason.text
    if reason is not None:
        out["infeasible_reason"] = reason
    if not as_json:
        print(f"{path.name}: {schedule.status}, breaks {schedule.breaks}, bound {schedule.bound}, "
              f"{schedule.seconds:.1f} s" + (f" ({reason})" if reason else ""))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.schedule", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--time-limit", type=float, default=60.0, help="seconds per instance (default 60)")
    parser.add_argument("--folder", choices=(*FOLDERS, "all"), default="original")
    parser.add_argument("--json", action="store_true", help="print JSON instead of the table")
    args = parser.parse_args(argv)
    if not DATA.is_dir():
        print(f"error: benchmark data not found at {DATA} (the shared data is only in the team checkout)",
              file=sys.stderr)
        return 2
    published = published_optima(DATA)
    rows: list[Row] = []
    folders = FOLDERS if args.folder == "all" else (args.folder,)
    command = shlex.join(["python", "-m", "bench.schedule", *(argv if argv is not None else sys.argv[1:])])
    for folder in folders:
        for path in sorted((DATA / folder).glob("*.dzn")):
            row = run_one(path, folder, published, time_limit=args.time_limit)
            rows.append(row)
            if not args.json:
                print(f"{folder:12} {row.instance:30} {row.participants:4d} {row.meetings:4d} "
                      f"breaks {_cell(row.breaks):>3} published {_cell(row.published):>3} {row.status:10} "
                      f"bound {_cell(row.bound):>3} {row.seconds:6.1f}s valid {'yes' if row.valid else 'NO'}"
                      + (f"  {row.infeasible_reason}" if row.infeasible_reason else ""), flush=True)
    REPORTS.mkdir(exist_ok=True)
    finished = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    runs = {f: {"time_limit": args.time_limit, "fairness": 2, "finished": finished, "command": command,
                "cpus": os.cpu_count()} for f in folders}
    payload = merge(load_report(REPORTS / "bench_schedule.json"), rows, runs)
    report = markdown([Row.from_dict(r) for r in payload["rows"]], payload["runs"])
    (REPORTS / "bench_schedule.md").write_text(report + "\n", encoding="utf-8")
    (REPORTS / "bench_schedule.json").write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    if args.json:
        print(json.dumps({"runs": runs, "rows": [r.as_dict() for r in rows]}, indent=2))
    else:
        for folder in FOLDERS:
            mine = [r for r in rows if r.folder == folder]
            if mine:
                print(f"{folder}: {summary(mine)}")
        print(f"wrote {REPORTS / 'bench_schedule.md'} and {REPORTS / 'bench_schedule.json'}")
    return 0 if all(r.valid for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
