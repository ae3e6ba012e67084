"""Figures with confidence intervals, the markdown/JSON report and its plots."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from evaluation.cordis_eval import KMAX, METHODS, PRODUCT, Run
from evaluation.metrics import bootstrap_ci, paired_bootstrap_diff

METRICS = ("recall@10", "ndcg@10", "mrr")
SLICES = ("all", "south_med", "sc6", "firms")
SLICE_LABEL = {"all": "all queries", "south_med": "queries from Southern-Mediterranean countries",
               "sc6": "Societal Challenge 6 projects", "firms": "queries from firms (PRC)"}


@dataclass(frozen=True, kw_only=True)
class Figure:
    protocol: str
    method: str
    slice: str
    metric: str
    value: float
    ci_low: float
    ci_high: float
    n: int


@dataclass(frozen=True, kw_only=True)
class Comparison:
    protocol: str
    metric: str
    method: str  # the baseline
    diff: float  # best - method
    best: str = "ranking"  # the product's ranking compared (ranking, or learned)
    slice: str = "all"
    ci_low: float
    ci_high: float
    outside_ci: bool


def figures(run: Run, protocol: str = "cordis") -> list[Figure]:
    out = []
    for method, metrics in run.methods.items():
        for slice_name, member in run.slices.items():
            for metric in METRICS:
                iv = bootstrap_ci(metrics[metric][member], run.groups[member])
                out.append(Figure(protocol=protocol, method=method, slice=slice_name, metric=metric, value=iv.mean,
                                  ci_low=iv.low, ci_high=iv.high, n=iv.n))
    return out


def comparisons(run: Run, protocol: str = "cordis", best: tuple[str, ...] = PRODUCT,
                slices: tuple[str, ...] = ("all", "firms")) -> list[Comparison]:
    """Paired bootstrap (whole held-out projects resampled) of each product ranking in ``best`` minus every
    other method (the learned ranking also minus the weighted mean), per slice."""
    out = []
    for slice_name in slices:
        member = run.slices[slice_name]
        for top in (b for b in best if b in run.methods):
            for metric in ("ndcg@10", "recall@10", "mrr"):
                for method in run.methods:
                    if method == top or (method in PRODUCT and PRODUCT.index(method) > PRODUCT.index(top)):
                        continue
                    iv = paired_bootstrap_diff(run.methods[top][metric][member], run.methods[method][metric][member],
                                               run.groups[member])
                    out.append(Comparison(protocol=protocol, metric=metric, method=method, diff=iv.mean,
                                          ci_low=iv.low, ci_high=iv.high, outside_ci=iv.excludes_zero and iv.mean > 0,
                                          best=top, slice=slice_name))
    return out


def plot_curves(run: Run, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    ks = np.arange(1, KMAX + 1)
    for method in METHODS:
        if method in run.curves:
            ax.plot(ks, np.nanmean(run.curves[method], axis=0), label=method, linewidth=2 if method in PRODUCT else 1)
    ax.set_xlabel("k")
    ax.set_ylabel("recall@k")
    ax.set_title("CORDIS held-out consortia: recall@k (cross-border partners)")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_slices(figs: list[Figure], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    methods = [m for m in METHODS if any(f.method == m for f in figs)]
    fig, ax = plt.subplots(figsize=(8, 4.5))
    width = 0.8 / len(methods)
    for i, method in enumerate(methods):
        vals = [next(f for f in figs if f.method == method and f.slice == s and f.metric == "ndcg@10") for s in SLICES]
        x = np.arange(len(SLICES)) + i * width
        means = np.array([v.value for v in vals])
        err = np.array([[v.value - v.ci_low for v in vals], [v.ci_high - v.value for v in vals]])
        ax.bar(x, np.nan_to_num(means), width, yerr=np.nan_to_num(err), label=method, capsize=2)
    ax.set_xticks(np.arange(len(SLICES)) + 0.4 - width / 2, SLICES)
    ax.set_ylabel("nDCG@10 (95% CI)")
    ax.set_title("CORDIS: nDCG@10 per slice")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _fmt(f: Figure) -> str:
    if np.isnan(f.value):
        return "–"
    return f"{f.value:.3f} [{f.ci_low:.3f}, {f.ci_high:.3f}]"


def cordis_markdown(figs: list[Figure], comps: list[Comparison], info: dict[str, Any]) -> str:
    lines = [
        "## CORDIS: real cross-border consortia",
        "",
        "Data: © European Union, CORDIS (CC BY 4.0), via `../shared/data/cordis-partnerships`.",
        f"Split by time: history = FP7 + H2020 grant numbers < {info['cut']:,}; held out = H2020 ≥ {info['cut']:,} "
        f"({info['held_out_projects']:,} projects, {info['query_projects']} of them with at least one query). "
        f"{info['merged_ids']} duplicate organisation ids merged (normalised name + country). "
        f"{info['orgs_with_history']:,} organisations have a history (the candidates). "
        f"{info['queries']:,} queries (held-out members with a history and at least one cross-border partner "
        f"with a history); {info['skipped']:,} members had none and are not queries. Profiles use history only.",
        f"Weights of the full ranking (semantic, topic, track record) = {info['weights']}, chosen on a validation "
        f"split inside the history (nDCG@10 there: {info['validation']}).",
        *_learned_lines(info),
        "",
        "Values: mean [95% CI]; CIs resample whole held-out projects (1,000 bootstrap draws).",
        "Near-duplicate removal is off in this protocol: organisations whose only history is the same project "
        "get identical profile vectors without being the same body (it was removing true partners).",
        "The Southern-Mediterranean slice has few queries (the data README warns): its intervals overlap and "
        "support no conclusion.",
        "",
    ]
    for slice_name in SLICES:
        n = next((f.n for f in figs if f.slice == slice_name), 0)
        lines += [f"### {SLICE_LABEL[slice_name]} (n = {n})", "", "| method | recall@10 | nDCG@10 | MRR@50 |",
                  "|---|---|---|---|"]
        for method in METHODS:
            row = {f.metric: f for f in figs if f.method == method and f.slice == slice_name}
            if row:
                lines.append(f"| {method} | " + " | ".join(_fmt(row[m]) for m in METRICS) + " |")
        lines.append("")
    lines += _comparison_lines(comps)
    lines += _popularity_lines(info)
    lines += ["", "![recall@k](cordis_recall_at_k.png)", "", "![nDCG@10 per slice](cordis_slices.png)", ""]
    return "\n".join(lines)


def _cell(c: Comparison) -> str:
    return f"{c.diff:+.3f} [{c.ci_low:+.3f}, {c.ci_high:+.3f}] {'yes' if c.outside_ci else '**no**'}"


def _comparison_lines(comps: list[Comparison]) -> list[str]:
    """One table per metric: a row per baseline, a column per (product ranking, slice); each cell the paired
    difference [95% CI] and whether the ranking is ahead beyond the CI."""
    lines: list[str] = []
    columns = sorted({(c.best, c.slice) for c in comps}, key=lambda bs: (PRODUCT.index(bs[0]), bs[1] != "all"))
    for metric in ("ndcg@10", "recall@10", "mrr"):
        rows = [c for c in comps if c.metric == metric]
        if not rows:
            continue
        lines += [f"### {metric}: product ranking minus each other method (paired bootstrap over projects)", "",
                  "| other method | " + " | ".join(f"{b} − it, {SLICE_LABEL[s]}" for b, s in columns) + " |",
                  "|---|" + "---|" * len(columns)]
        for method in dict.fromkeys(c.method for c in rows):
            cells = []
            for b, s in columns:
                found = [c for c in rows if c.method == method and c.best == b and c.slice == s]
                cells.append(_cell(found[0]) if found else "")
            lines.append(f"| {method} | " + " | ".join(cells) + " |")
        lines.append("")
    return lines


def _learned_lines(info: dict[str, Any]) -> list[str]:
    learned = info.get("learned")
    if not learned:
        return []
    method = {"linear": "coordinate ascent on a linear combination (learning/linear.py)",
              "lambdarank": "LightGBM LambdaRank (learning/ranker.py)"}.get(info.get("learned_method", ""), "a model")
    tried = ", ".join(f"{k.removeprefix('cv_ndcg@10_')} {v:.4f}" for k, v in learned.items()
                      if k.startswith("cv_ndcg@10_"))
    return ["", "The learned ranking (`learned`) is the product's ranking ordered by a model over the ranking's "
            "components and the relationship-graph features (matcher/graph.py), trained on the validation split "
            "inside the history: graph and profiles from the inner history, labels from the inner held-out "
            "projects; the held-out projects above are never seen. "
            f"{int(learned.get('cv_folds', 0))}-fold cross-validation by project over the "
            f"{int(learned.get('cv_queries', 0)):,} inner queries (contiguous blocks in time) chooses the learner: "
            f"nDCG@10 {tried}. Kept: {method}, fitted on the earliest 80 % of the inner projects (the latest 20 % "
            "stop LightGBM's boosting). "
            f"Training: {int(learned.get('training_groups', 0)):,} queries, {int(learned.get('training_rows', 0)):,} "
            f"candidate rows, {learned.get('training_seconds', 0):.0f} s including features and cross-validation. "
            f"Features: {', '.join(info.get('features', []))}."]


def _popularity_lines(info: dict[str, Any]) -> list[str]:
    popular, truth = info.get("popular"), info.get("popular_truth")
    if not popular or truth is None:
        return []
    lines = ["### Popularity: the 1 % most connected organisations", "",
             f"Share of the top-10 slots they take, against their share among the true partners ({truth:.3f}):", "",
             "| method | share of top-10 slots | × their share among true partners |", "|---|---|---|"]
    for method, share in popular.items():
        lines.append(f"| {method} | {share:.3f} | {share / truth if truth else float('nan'):.1f} |")
    return [*lines, ""]


def plain(o: Any) -> Any:
    """JSON-ready copy: dataclasses to dicts, numpy scalars to Python, NaN to null."""
    if hasattr(o, "__dataclass_fields__"):
        return plain(asdict(o))
    if isinstance(o, dict):
        return {str(k): plain(v) for k, v in o.items()}
    if isinstance(o, list | tuple):
        return [plain(v) for v in o]
    if isinstance(o, np.integer):
        return int(o)
    if isinstance(o, float | np.floating):
        return None if np.isnan(o) else float(o)
    return o


def write_json(path: Path, payload: dict[str, Any]) -> None:
    path.write_text(json.dumps(plain(payload), indent=2, ensure_ascii=False, allow_nan=False))
