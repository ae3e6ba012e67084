"""The benchmark report writer: targets met or missed (and by how much), missing figures and failed
sections reported rather than dropped, partial re-runs merged; the scheduling report merge and summary."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from bench.__main__ import Section, markdown, merge, report, rows_of, run_section
from bench.common import Figure
from bench.http import Window, figures, ratios, summarise_profile
from bench.schedule import Row, figures_of
from bench.schedule import markdown as schedule_markdown
from bench.schedule import merge as schedule_merge

MACHINE: dict[str, Any] = {"cpus": 2, "cpu_model": "test", "load_average": [0.5, 0.4, 0.3]}


def section(name: str, *figs: Figure, ok: bool = True, error: str = "") -> Section:
    return Section(section=name, ok=ok, figures=figs, error=error, seconds=1.0, started="today")


def payload(*sections: Section, expected: dict[str, tuple[str, ...]] | None = None,
            quick: bool = False) -> dict[str, Any]:
    return report(list(sections), command="python -m bench", quick=quick, started="today", duration=2.0,
                  machine_before=MACHINE, machine_after=MACHINE, expected=expected or {})


def by_name(p: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["name"]: f for f in p["figures"]}


def test_met_follows_the_operator_and_a_figure_without_target_has_none() -> None:
    p = payload(section("search",
                        Figure(section="search", name="ceiling met", value=1.2, unit="×", target=1.5),
                        Figure(section="search", name="ceiling missed", value=2.7, unit="×", target=1.5),
                        Figure(section="search", name="floor met", value=0.97, unit="", target=0.95, op=">="),
                        Figure(section="search", name="floor missed", value=0.5, unit="", target=0.95, op=">="),
                        Figure(section="search", name="at the ceiling", value=1.5, unit="×", target=1.5),
                        Figure(section="search", name="no target", value=3.0, unit="ms")))
    met = {name: f["met"] for name, f in by_name(p).items()}
    assert met == {"ceiling met": True, "ceiling missed": False, "floor met": True, "floor missed": False,
                   "at the ceiling": True, "no target": None}
    assert [f["name"] for f in p["figures"]] == ["ceiling met", "ceiling missed", "floor met", "floor missed",
                                                 "at the ceiling", "no target"]  # the section's order


def test_an_expected_figure_not_reported_is_listed_as_missing_not_dropped() -> None:
    p = payload(section("http", Figure(section="http", name="errors", value=0.0, unit="", target=0.0)),
                expected={"http": ("errors", "suggestions / health throughput")})
    figs = by_name(p)
    assert figs["suggestions / health throughput"]["missing"] is True
    assert figs["suggestions / health throughput"]["met"] is False
    assert figs["suggestions / health throughput"]["value"] is None
    assert "missing" not in figs["errors"]
    text = markdown(p, plots=Path("/nonexistent"))
    assert "| suggestions / health throughput | – | – | **missing** |" in text
    assert "1 of 2 targets met" in text


def test_a_failed_section_is_reported_with_its_error_and_its_expected_figures_missing() -> None:
    failed = section("encoding", ok=False, error="ModuleNotFoundError: No module named 'bench.encoding'")
    p = payload(failed, expected={"encoding": ("ingest / raw throughput",)})
    assert p["sections"][0]["ok"] is False
    row = by_name(p)["ingest / raw throughput"]
    assert row["missing"] and row["met"] is False and "ModuleNotFoundError" in row["note"]
    text = markdown(p, plots=Path("/nonexistent"))
    assert "**Section failed:** ModuleNotFoundError" in text
    assert "Failed sections: encoding" in text


def test_a_failed_section_without_expected_figures_still_gets_a_row() -> None:
    rows = rows_of(section("suggest", ok=False, error="MemoryError"))
    assert len(rows) == 1 and rows[0].missing and rows[0].met is False and "MemoryError" in rows[0].note


def test_a_nan_value_is_missing_not_a_number() -> None:
    p = payload(section("search", Figure(section="search", name="recall", value=math.nan, unit="", target=1.0,
                                         op=">=")))
    row = by_name(p)["recall"]
    assert row["value"] is None and row["missing"] and row["met"] is False


def test_markdown_says_by_how_much_a_target_is_missed() -> None:
    p = payload(section("search",
                        Figure(section="search", name="exact / stream", value=2.7, unit="×", target=1.5),
                        Figure(section="search", name="speed-up", value=12.0, unit="×", target=20.0, op=">="),
                        Figure(section="search", name="ratio", value=0.25, unit="", target=0.5, op=">="),
                        Figure(section="search", name="errors", value=3.0, unit="", target=0.0)),
                section("schedule", Figure(section="schedule", name="original: proven optimal", value=17.0,
                                           unit="of 20", target=20.0, op=">=")))
    text = markdown(p, plots=Path("/nonexistent"))
    assert "| exact / stream | 2.7× | ≤ 1.5× | **no**: 1.8× the target |" in text
    assert "**no**: 0.6× the target (40% short)" in text
    assert "**no**: 0.5× the target (50% short)" in text
    assert "**no**: 3 over the target of 0" in text
    assert "| original: proven optimal | 17 of 20 | ≥ 20 of 20 | **no**: 3 short of 20 |" in text
    assert "0 of 5 targets met" in text
    assert "median of at least 5 runs after a warm-up" in text
    assert "`python -m bench`" in text


def test_markdown_embeds_the_plots_that_exist(tmp_path: Path) -> None:
    (tmp_path / "quick").mkdir()
    (tmp_path / "quick" / "bench_suggest.png").write_bytes(b"png")
    (tmp_path / "quick" / "bench_other.png").write_bytes(b"png")
    p = payload(section("suggest", Figure(section="suggest", name="p50 at 100k", value=20.0, unit="ms",
                                          target=30.0)), quick=True)
    text = markdown(p, plots=tmp_path / "quick", base=tmp_path)
    assert "![bench_suggest](quick/bench_suggest.png)" in text
    assert "## Other plots" in text and "![bench_other](quick/bench_other.png)" in text
    assert "bench_search" not in text


def test_a_partial_rerun_replaces_only_its_sections() -> None:
    old = payload(section("search", Figure(section="search", name="a", value=1.0, unit="")),
                  section("http", Figure(section="http", name="b", value=2.0, unit="")))
    new = payload(section("http", Figure(section="http", name="c", value=3.0, unit="")))
    merged = merge(old, new)
    assert [s["section"] for s in merged["sections"]] == ["search", "http"]
    assert [(f["section"], f["name"]) for f in merged["figures"]] == [("search", "a"), ("http", "c")]
    assert merged["earlier_sections_from"] == "today"


def test_a_missing_section_module_is_recorded_as_failed_with_its_error() -> None:
    result = run_section("no_such_section", quick=True)
    assert not result.ok
    assert "ModuleNotFoundError" in result.error and "no_such_section" in result.error
    assert rows_of(result)[0].missing


# --- http -----------------------------------------------------------------------------------------------------
def window(mode: str, round_: int, rps: float, *, failures: int = 0) -> Window:
    return Window(mode=mode, round=round_, requests=int(rps * 10), failures=failures, rps=rps, p50_ms=10.0,
                  p99_ms=40.0, server_cores=1.0, loadgen_cores=0.2)


def test_http_ratios_pair_windows_of_one_round_and_errors_are_summed() -> None:
    from bench.http import QUICK

    windows = [window("in-process", 0, 100), window("1 worker", 0, 90), window("2 workers", 0, 171),
               window("2 workers", 1, 120), window("1 worker", 1, 80, failures=2), window("in-process", 1, 100),
               window("in-process", 2, 50), window("1 worker", 2, 40)]  # round 2 lost its 2-worker window
    assert ratios(windows, "1 worker", "in-process") == [0.9, 0.8, 0.8]
    assert ratios(windows, "2 workers", "1 worker") == [1.9, 1.5]
    memory = {"pss_total": 1000.0, "master_pss": 0.0, "worker_rss": 900.0, "worker_pss": 1000.0,
              "worker_uss": 300.0, "processes": 1.0}
    facts = {"profiles": 1000, "pinned": True, "cpus": 2, "memory_1": memory,
             "memory_2": {**memory, "pss_total": 1400.0, "processes": 3.0}}
    figs = {f.name: f for f in figures(windows, facts, QUICK)}
    assert figs["HTTP 1 worker / in-process"].value == 0.8 and figs["HTTP 1 worker / in-process"].met is False
    assert figs["HTTP 1 worker / in-process, per CPU-second"].value == 0.8  # every window used one core
    assert figs["HTTP 2 workers / 1 worker"].value == 1.7 and figs["HTTP 2 workers / 1 worker"].met is True
    assert figs["suggestions/s HTTP, 1 worker"].value == 80
    assert figs["memory 2 workers / 1 worker"].value == 1.4 and figs["memory 2 workers / 1 worker"].met is True
    assert figs["errors"].value == 2 and figs["errors"].met is False


def test_profile_summary_leaves_waiting_threads_out() -> None:
    collapsed = "\n".join([
        "run (threading.py:1);Condition.wait (threading.py:327) 50",
        "run (threading.py:1);suggestions (service/api.py:10);rank (matcher/ranking.py:5);"
        "search (faiss/swigfaiss.py:9) 30",
        "run (threading.py:1);suggestions (service/api.py:10);validate_python (pydantic/type_adapter.py:4) 10",
    ])
    text, line = summarise_profile(collapsed, ticks=100)
    assert "40 samples (50 more of a thread waiting" in text
    assert "- 100% suggestions (service/api.py)" in text and "- 75% rank (matcher/ranking.py)" in text
    assert "- 75% faiss" in text and "- 25% pydantic" in text
    assert "GIL held 90% of the time" in line


# --- scheduling -------------------------------------------------------------------------------------------
def schedule_row(folder: str, instance: str, status: str = "optimal", breaks: int | None = 0,
                 published: int | None = None) -> Row:
    return Row(folder=folder, instance=instance, participants=10, meetings=20, breaks=breaks, published=published,
               status=status, bound=breaks, seconds=1.0, valid=True, problems=(), infeasible_reason=None)


def test_running_one_folder_replaces_only_its_rows() -> None:
    legacy = {"time_limit": 60.0, "fairness": 2,
              "rows": [schedule_row("original", "a", published=0).as_dict(),
                       schedule_row("forbidden", "b").as_dict(), schedule_row("forbidden", "c").as_dict()]}
    run = {"time_limit": 30.0, "fairness": 2, "finished": "now", "command": "python -m bench.schedule", "cpus": 2}
    merged = schedule_merge(legacy, [schedule_row("original", "a2", "feasible", 3, published=1)], {"original": run})
    assert [(r["folder"], r["instance"]) for r in merged["rows"]] == [("original", "a2"), ("forbidden", "b"),
                                                                      ("forbidden", "c")]
    assert merged["runs"]["original"] == run
    assert merged["runs"]["forbidden"]["time_limit"] == 60.0 and merged["runs"]["forbidden"]["finished"] is None
    again = schedule_merge(merged, [schedule_row("forbidden", "b", "infeasible", None)], {"forbidden": run})
    assert [r["status"] for r in again["rows"]] == ["feasible", "infeasible"]
    text = schedule_markdown([Row.from_dict(r) for r in again["rows"]], again["runs"])
    assert text.count("run finished now by `python -m bench.schedule`") == 2


def test_schedule_figures_count_each_folder() -> None:
    rows = [schedule_row("original", "a", published=0), schedule_row("original", "b", "feasible", 4, published=4),
            schedule_row("original", "c", "feasible", 9, published=1),
            schedule_row("fixed", "d", "infeasible", None), schedule_row("fixed", "e")]
    figs = {f.name: f for f in figures_of(schedule_merge(None, rows, {"original": {"time_limit": 60}}))}
    assert figs["original: proven optimal"].value == 1 and figs["original: proven optimal"].target == 3
    assert figs["original: proven optimal"].met is False
    assert figs["original: equal to the published optimum"].value == 2
    assert "c 9 vs 1" in figs["original: equal to the published optimum"].note
    assert figs["fixed: proven infeasible"].value == 1 and figs["fixed: proven optimal"].target is None
    assert figs["fixed: unknown (no answer in the time limit)"].met is True
    assert "fixed: equal to the published optimum" not in figs
    assert figs["original: proven optimal"].unit == "of 3"
