"""Benchmark of capacity-aware event recommendations (issue 17, point 1): joint lists against independent top-k.

``python -m bench.exposure [--quick]`` compares the two methods of :mod:`matcher.joint_recommend` at the same
k on synthetic events of 100, 500 and 2,000 participants (two popularity skews) and on events built from the
bundled sample data through the real catalogue and ``service.events.recommendations`` (100 and 300
participants), with the figures of :mod:`matcher.exposure` (expected mutually accepted meetings under its
acceptance model, exposure Gini, share with fewer than k, share of requests to the 10 % most requested) and
wall time; for each event the upper bound of :mod:`matcher.joint_bound` on what any lists could reach under
the same model and constraints (bound / independent: the most any method could gain); then the candidate
depth L on the 2,000-participant event. Writes reports/bench_exposure.md and .json; as a section of
``python -m bench`` it returns the target figures.

Synthetic scores: participant a has interests x_a (unit vector, 8 dimensions) and an attractiveness z_a
(standardised log-normal, sigma 0.8: a few participants are far more attractive);
``scores[a, b] = x_a . x_b + skew * 0.35 * z_b + N(0, 0.15)`` (0.35 is the spread of x_a . x_b, so ``skew``
is attractiveness against taste). Capacities: 4 to 12 meetings (a 12-slot day, some participants capped).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from datetime import time as clock
from pathlib import Path
from typing import Any

import numpy as np

import bench.common as common
from bench.common import ROOT, Figure, machine
from bench.exposure_bound import BoundRow, bound_row, unlimited_rows
from matcher.exposure import AcceptanceModel, metrics
from matcher.joint_recommend import independent_lists, joint_lists

SECTION = "exposure"
K = 5
MULTIPLE = 3.0
SIZES = (100, 500, 2_000)
SKEWS = {"moderate": 0.25, "mild": 0.1}
SAMPLE_SIZES = (100, 300)
DEPTHS = (20, 50, 200)
RUNS = 3  # timings: median of 3 after a warm-up (the 2,000-participant solve takes seconds)
SAMPLE = ROOT / "data" / "sample_profiles.csv"
CACHE = ROOT / "var" / "bench"


@dataclass(frozen=True, kw_only=True)
class Row:
    """One event and method, as printed and stored."""

    event: str
    participants: int
    method: str
    expected_meetings: float
    exposure_gini: float
    short_share: float
    top_share: float
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return {"event": self.event, "participants": self.participants, "method": self.method,
                "expected_meetings": round(self.expected_meetings, 2), "exposure_gini": round(self.exposure_gini, 4),
                "short_share": round(self.short_share, 4), "top_share": round(self.top_share, 4),
                "seconds": round(self.seconds, 3)}


def synthetic_event(n: int, *, skew: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(scores, capacity) of a synthetic event (see the module docstring)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 8))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    z = rng.lognormal(0.0, 0.8, n)
    z = (z - z.mean()) / z.std()
    s = x @ x.T + skew * 0.35 * z[None, :] + rng.normal(0.0, 0.15, (n, n))
    np.fill_diagonal(s, np.nan)
    return s, rng.integers(4, 13, n)


def _timed(fn: Any, runs: int) -> tuple[Any, float]:
    out = fn()  # warm-up, and the result
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return out, float(np.median(times))


def synthetic_rows(sizes: tuple[int, ...], runs: int) -> tuple[list[Row], list[BoundRow]]:
    rows = []
    bounds = []
    for label, skew in SKEWS.items():
        for n in sizes:
            s, cap = synthetic_event(n, skew=skew)
            model = AcceptanceModel.fit(s)
            found = {}
            for method in ("independent", "joint"):
                def solve(method: str = method, s: np.ndarray = s, cap: np.ndarray = cap) -> np.ndarray:
                    if method == "joint":
                        return joint_lists(s, cap, k=K, exposure_multiple=MULTIPLE)
                    return independent_lists(s, k=K)
                lists, seconds = _timed(solve, runs)
                found[method] = lists
                m = metrics(lists, s, cap, k=K, model=model)
                rows.append(Row(event=f"synthetic, {label} skew", participants=n, method=method,
                                expected_meetings=m.expected_meetings, exposure_gini=m.exposure_gini,
                                short_share=m.short_share, top_share=m.top_share, seconds=seconds))
                print(_line(rows[-1]), flush=True)
            bounds.append(bound_row(f"synthetic, {label} skew", s, cap, found, k=K, multiple=MULTIPLE))
    return rows, bounds


def depth_rows(n: int, runs: int) -> list[dict[str, Any]]:
    s, cap = synthetic_event(n, skew=SKEWS["moderate"])
    out = []
    for depth in DEPTHS:
        def solve(depth: int = depth) -> np.ndarray:
            return joint_lists(s, cap, k=K, exposure_multiple=MULTIPLE, candidates=depth)
        lists, seconds = _timed(solve, runs)
        out.append({"candidates": depth, "expected_meetings": round(metrics(lists, s, cap, k=K).expected_meetings, 2),
                    "seconds": round(seconds, 3)})
        print(f"  depth L={depth}: {out[-1]}", flush=True)
    return out


def sample_catalogue() -> Any:
    """The bundled sample data ingested with the default model into a cached SQLite file (var/bench)."""
    from service.catalogue import Catalogue, ingest
    from service.settings import Settings
    from storage.files import read_records

    digest = hashlib.sha256(SAMPLE.read_bytes()).hexdigest()[:10]
    db = CACHE / f"sample-{digest}.db"
    if not db.is_file():
        CACHE.mkdir(parents=True, exist_ok=True)
        tmp = db.with_suffix(".tmp.db")
        tmp.unlink(missing_ok=True)
        cat = Catalogue.open(Settings(db=str(tmp)))
        report = ingest(cat, read_records(SAMPLE), atomic=True)
        if report.errors:
            raise RuntimeError(f"sample data: {report.errors[:3]}")
        cat.engine.dispose()
        shutil.rmtree(tmp.with_name(tmp.name + ".index"), ignore_errors=True)
        tmp.rename(db)
    return Catalogue.open(Settings(db=str(db)))


def service_rows(svc: Any, label: str, sizes: tuple[int, ...]) -> tuple[list[Row], list[BoundRow]]:
    """Events of ``svc``'s catalogue profiles (12 slots; a third capped at 4 to 8 meetings; a tenth miss three
    slots), both methods through ``service.events.recommendations`` (the time includes the suggestions); the
    bound on the scores the joint method reads (``service.events.matching.score_matrix``: each participant's
    50 best, so lists beyond them are outside the model)."""
    from service import events as ev
    from service.events import SlotPlan
    from service.events.matching import score_matrix

    ids = sorted(p.id for p in svc.catalogue.state().profiles)
    plan = SlotPlan(days=(date(2031, 12, 1),), morning_start=clock(9), morning_end=clock(12),
                    afternoon_start=clock(14), afternoon_end=clock(17), slot_minutes=30)
    rows = []
    bounds = []
    for n in sizes:
        rng = np.random.default_rng(n)
        members = sorted(rng.choice(ids, size=min(n, len(ids)), replace=False).tolist())
        people = [{"profile_id": pid, "stand": "",
                   "max_meetings": str(rng.integers(4, 9)) if rng.random() < 1 / 3 else "",
                   "forbidden_slots": "1;2;3" if rng.random() < 0.1 else ""} for pid in members]
        eid = ev.create_event(svc, name=f"bench {n}", venue="bench", timezone="UTC", plan=plan,
                              tables=max(1, n // 2), participants=people)
        svc.catalogue.graph_state(svc.catalogue.state())  # warm-up: the index and the graph, loaded once
        got = {}
        for method in ("independent", "joint"):
            t0 = time.perf_counter()
            got[method] = ev.recommendations(svc, eid, k=K, method=method, exposure_multiple=MULTIPLE)
            seconds = time.perf_counter() - t0
            f = got[method].figures
            rows.append(Row(event=label, participants=len(members), method=method,
                            expected_meetings=f.expected_meetings, exposure_gini=f.exposure_gini,
                            short_share=f.short_share, top_share=f.top_share, seconds=seconds))
            print(_line(rows[-1]), flush=True)
        who, s, cap = score_matrix(svc, eid, k=K)
        index = {pid: i for i, pid in enumerate(who)}
        lists = {}
        for method, rec in got.items():
            lists[method] = np.full((len(who), K), -1, dtype=np.int64)
            for r in rec.rows:
                row = lists[method][index[r.participant]]
                row[int((row >= 0).sum())] = index[r.partner]
        bounds.append(bound_row(label, s, cap, lists, k=K, multiple=MULTIPLE))
    return rows, bounds


def sample_rows(sizes: tuple[int, ...]) -> tuple[list[Row], list[BoundRow]]:
    """Sample-data events (the bundled profiles, the real model), events stored in a temporary database."""
    import tempfile

    from service.events import EventService
    from storage.db import open_database

    with tempfile.TemporaryDirectory(prefix="bench-exposure-") as tmp:
        svc = EventService(catalogue=sample_catalogue(), engine=open_database(Path(tmp) / "events.db"))
        return service_rows(svc, "sample data (service end to end)", sizes)


def synthetic_service_rows(n: int) -> tuple[list[Row], list[BoundRow]]:
    """An n-participant event of the 10,000-profile synthetic catalogue of bench.suggest (no encoder)."""
    import tempfile

    from bench.suggest import EVENT_CATALOGUE, MODEL_ID
    from bench.synthetic import synthetic_db
    from service.catalogue import Catalogue
    from service.events import EventService
    from storage.db import open_database

    def no_encoder() -> Any:
        raise RuntimeError("the synthetic catalogue must not need an encoder")

    db, _ = synthetic_db(EVENT_CATALOGUE, model_id=MODEL_ID)
    cat = Catalogue(engine=open_database(db), index_dir=db.with_name(db.name + ".index"), model_id=MODEL_ID,
                    encoder_factory=no_encoder, index_params={"approx_threshold": 2**62})
    with tempfile.TemporaryDirectory(prefix="bench-exposure-") as tmp:
        svc = EventService(catalogue=cat, engine=open_database(Path(tmp) / "events.db"))
        return service_rows(svc, "synthetic catalogue (service end to end)", (n,))


def figures(rows: list[Row], depths: list[dict[str, Any]], bounds: list[BoundRow] | None = None) -> list[Figure]:
    """Per event: joint / independent expected meetings (target >= 1.2), Gini difference (target <= 0), and
    the 2,000-participant joint time (target <= 30 s); per bounded event, bound / independent (the most any
    lists could gain; no target: below 1.2 the target is out of reach there) and joint / bound."""
    out = []
    events = sorted({(r.event, r.participants) for r in rows}, key=lambda e: (e[0], e[1]))
    for event, n in events:
        pair = {r.method: r for r in rows if (r.event, r.participants) == (event, n)}
        ind, joint = pair["independent"], pair["joint"]
        name = f"{event}, {n:,}"
        out.append(Figure(section=SECTION, name=f"{name}: joint / independent expected meetings",
                          value=round(joint.expected_meetings / ind.expected_meetings, 3), unit="×", target=1.2,
                          op=">=", note=f"{joint.expected_meetings:.1f} against {ind.expected_meetings:.1f}"))
        out.append(Figure(section=SECTION, name=f"{name}: exposure Gini joint - independent",
                          value=round(joint.exposure_gini - ind.exposure_gini, 4), unit="", target=0.0, op="<=",
                          note=f"{joint.exposure_gini:.3f} against {ind.exposure_gini:.3f}"))
        if n == max(SIZES) and event.startswith("synthetic"):
            alone = event.startswith("synthetic,")
            out.append(Figure(section=SECTION, name=f"{name}: joint lists, seconds", value=round(joint.seconds, 2),
                              unit="s", target=30.0,
                              note=("matcher.joint_lists alone, median of 3" if alone else
                                    "service.events.recommendations end to end: 50 suggestions per participant, "
                                    "then the flow; one run") + ", under the machine's load at the time"))
    for b in bounds or []:
        name = f"{b.event}, {b.participants:,}"
        out.append(Figure(section=SECTION, name=f"{name}: bound / independent expected meetings",
                          value=round(b.bound / b.independent, 3), unit="×",
                          note=f"no lists reach more than {b.bound:.1f} (matcher.joint_bound); "
                               + ("1.2 × is out of reach here" if b.bound < 1.2 * b.independent
                                  else "1.2 × is not ruled out")))
        out.append(Figure(section=SECTION, name=f"{name}: joint / bound expected meetings",
                          value=round(b.joint / b.bound, 4), unit="×", note=f"{b.joint:.1f} against {b.bound:.1f}"))
    for d in depths:
        out.append(Figure(section=SECTION, name=f"depth L={d['candidates']}: expected meetings",
                          value=d["expected_meetings"], unit="", note=f"{d['seconds']} s"))
    return out


def _line(r: Row) -> str:
    return (f"{r.event:36} {r.participants:6,} {r.method:12} meetings {r.expected_meetings:9.1f}  "
            f"gini {r.exposure_gini:.3f}  short {r.short_share:.1%}  top-10% {r.top_share:.1%}  {r.seconds:7.2f} s")


def _load_words(payload: dict[str, Any]) -> str:
    """Whether the timings can be trusted: a one-minute load above half the cores means others shared the machine."""
    load = float(payload["machine"]["load_average"][0])
    if load > payload["machine"]["cpus"] / 2:
        return ("the machine was shared: timings are **under load**; "
                "re-run idle with `.venv/bin/python -m bench.exposure`")
    return "an idle machine"


def markdown(payload: dict[str, Any]) -> str:
    """The report: the comparison table, the depth table and how to re-run."""
    lines = ["# Event recommendations: joint lists against independent top-k", "",
             f"Produced by `{payload['command']}` on {payload['finished']}, {payload['machine']['cpus']} cores, "
             f"load average before {payload['machine']['load_average']} ({_load_words(payload)}).", "",
             f"k = {payload['k']}, exposure multiple {payload['multiple']:g}; acceptance model and objective: "
             "`matcher/exposure.py`, `matcher/joint_recommend.py` (Su, Bayoumi, Joachims, WWW 2022). "
             "Expected meetings are exact under the model (capacities applied); requests are the expected "
             "requests the lists make.", "",
             "| event | participants | method | expected mutual meetings | exposure Gini | fewer than k "
             "| requests to top 10 % | seconds |", "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |"]
    for r in payload["rows"]:
        lines.append(f"| {r['event']} | {r['participants']:,} | {r['method']} | {r['expected_meetings']:,.1f} | "
                     f"{r['exposure_gini']:.3f} | {r['short_share']:.1%} | {r['top_share']:.1%} | "
                     f"{r['seconds']:.2f} |")
    if payload.get("bounds"):
        lines += ["", "How much is possible: an upper bound on the expected mutual meetings of **any** lists under "
                  "the same model and constraints (k per viewer, exposure ≤ multiple × capacity; "
                  "`matcher/joint_bound.py`: a linear relaxation over valid concave over-estimators of each "
                  "receiver's E[min(capacity, accepted)], certified by a dual-feasible point over every allowed "
                  "pair). bound / independent is the most any method could gain over independent top-k; where it "
                  "is below 1.2 the 20 % target cannot be met on that event under this model.", "",
                  "| event | participants | independent | joint | bound | joint / independent | "
                  "bound / independent | joint / bound | 1.2 × possible | bound seconds |",
                  "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |"]
        for b in payload["bounds"]:
            reach = "yes" if b["bound"] >= 1.2 * b["independent"] else "**no**"
            lines.append(f"| {b['event']} | {b['participants']:,} | {b['independent']:,.1f} | {b['joint']:,.1f} | "
                         f"{b['bound']:,.1f} | {b['joint'] / b['independent']:.3f} | "
                         f"{b['bound'] / b['independent']:.3f} | {b['joint'] / b['bound']:.4f} | {reach} | "
                         f"{b['seconds']:.1f} |")
    if payload.get("unlimited"):
        lines += ["", "The exposure limit lifted (multiple 100), the bound on the smallest synthetic events:", "",
                  "| event | participants | independent | bound, no exposure limit | bound / independent |",
                  "| --- | ---: | ---: | ---: | ---: |"]
        lines += [f"| {u['event']} | {u['participants']:,} | {u['independent']:,.1f} | {u['bound']:,.1f} | "
                  f"{u['bound'] / u['independent']:.3f} |" for u in payload["unlimited"]]
    lines += ["", "Joint against independent (targets: ≥ 1.2× expected meetings, Gini lower, 2,000 participants "
              "≤ 30 s):", "", "| figure | value | target | met |", "| --- | ---: | ---: | --- |"]
    for f in payload["figures"]:
        target = "–" if f["target"] is None else f"{'≤' if f['op'] == '<=' else '≥'} {f['target']:g}"
        met = "–" if f["met"] is None else ("yes" if f["met"] else "**no**")
        lines.append(f"| {f['name']} | {f['value']:g} {f['unit']} | {target} | {met} |")
    if payload["depths"]:
        lines += ["", "Candidate depth L (receivers per viewer the flow may choose from), synthetic 2,000, "
                  "moderate skew:", "", "| L | expected meetings | seconds |", "| ---: | ---: | ---: |"]
        lines += [f"| {d['candidates']} | {d['expected_meetings']:,.1f} | {d['seconds']:.2f} |"
                  for d in payload["depths"]]
    lines += ["", "Synthetic events: `bench/exposure.py` docstring (interests, attractiveness skew, capacities "
              "4 to 12). Sample-data events: the bundled profiles through the real catalogue and "
              "`service.events.recommendations` (the time includes the suggestions each needs; one run)."]
    return "\n".join(lines) + "\n"


def run(*, quick: bool, write: bool = True) -> list[Figure]:
    sizes = (100, 300) if quick else SIZES
    runs = 1 if quick else RUNS
    before = machine()
    rows, bounds = synthetic_rows(sizes, runs)
    for more, more_bounds in (sample_rows((60,) if quick else SAMPLE_SIZES),
                              synthetic_service_rows(300 if quick else max(SIZES))):
        rows += more
        bounds += more_bounds
    depths = depth_rows(max(sizes), runs)
    unlimited = unlimited_rows({f"synthetic, {label} skew": synthetic_event(min(sizes), skew=skew)
                                for label, skew in SKEWS.items()}, k=K)
    figs = figures(rows, depths, bounds)
    if write:
        payload = {"command": "python -m bench.exposure" + (" --quick" if quick else ""),
                   "finished": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "machine": before,
                   "machine_after": machine(), "k": K, "multiple": MULTIPLE, "rows": [r.as_dict() for r in rows],
                   "depths": depths, "bounds": [b.as_dict() for b in bounds], "unlimited": unlimited,
                   "figures": [f.as_dict() for f in figs]}
        folder = common.REPORTS
        folder.mkdir(parents=True, exist_ok=True)
        stem = "bench_exposure_quick" if quick else "bench_exposure"
        (folder / f"{stem}.json").write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
        (folder / f"{stem}.md").write_text(markdown(payload), encoding="utf-8")
        print(f"wrote {folder / (stem + '.md')} and {folder / (stem + '.json')}")
    return figs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.exposure", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (development)")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    figs = run(quick=args.quick)
    print(common.table(figs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
