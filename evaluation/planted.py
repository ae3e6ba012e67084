"""Recovery of planted coherent groups (``ccimatch eval consortium`` prints it under the CORDIS table): a
sample-like catalogue (the sample's kinds, countries and value chains, each profile with offers and needs) in
which groups were planted, so the right answer is known by construction.

Each planted group has six members in three countries (three firms, a training body, a support organisation and a
designer) along one value chain, about one theme; member i's needs are what members i + 1 and i + 2 offer (a ring
of offer ↔ need answers). Each group also has six look-alikes: the same theme, sectors and kinds, drawn from the
same distribution, so text similarity cannot tell them from the members, but whose offers and needs answer no
one's. A background of unrelated profiles fills the catalogue. A coordinator gives one member (a firm) as the
anchor, the group's sectors and the role mix; a method proposes five more members; the share of the five true
ones recovered is counted. Vectors stand in for the encoder's (no model is run): the figures say whether the
seed's objective finds a coherent group where similarity alone cannot, not how well the encoder reads text.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from embeddings.index_exact import ExactIndex
from evaluation.metrics import Interval, bootstrap_ci, paired_bootstrap_diff
from matcher.affinity import VALUE_CHAINS
from matcher.clusters import ClusterParams, Focus, seed_cluster
from matcher.constraints import CatalogueArrays, Constraints
from matcher.profile import Profile

D = 48
GROUP_KINDS = ("firm", "firm", "firm", "education", "support_org", "individual")
COUNTRIES = ("MA", "TN", "FR", "IT", "EG", "LB", "ES", "DZ", "JO", "GR")
LANGUAGES = {"MA": ("ar", "fr"), "TN": ("ar", "fr"), "FR": ("fr", "en"), "IT": ("it", "en"), "EG": ("ar", "en"),
             "LB": ("ar", "fr"), "ES": ("es", "en"), "DZ": ("ar", "fr"), "JO": ("ar", "en"), "GR": ("el", "en")}
BACKGROUND_KINDS = ("firm", "firm", "firm", "association", "education", "support_org", "public_body", "funder")
TEXT_NOISE, ITEM_NOISE = 1.0, 2.0  # a member's cosine with its theme ≈ 0.7; an answer's with its need ≈ 0.45
# (a random pair's ≈ 0 ± 0.14). Measured with 20 groups: the seed recovers 1.00 with an item noise of 0.5 to 1.5,
# 0.98 at 2.0 and 0.87 at 3.0; plain top-N 0.38 throughout (it reads no item).


@dataclass(frozen=True, kw_only=True)
class Planted:
    cat: CatalogueArrays
    indexes: dict[str, ExactIndex]
    groups: list[list[int]]  # rows of each planted group, the anchor first
    chains: list[tuple[str, ...]]  # each group's value chain


@dataclass(frozen=True, kw_only=True)
class PlantedRun:
    groups: int
    top_n: np.ndarray  # (g,) share of the five true members among the anchor's five most similar rows
    seed_without_complementarity: np.ndarray  # (g,) seed_cluster with λ_comp = 0
    seed: np.ndarray  # (g,) seed_cluster as the product runs it


def _unit(v: np.ndarray) -> np.ndarray:
    return np.asarray(v / max(float(np.linalg.norm(v)), 1e-12), dtype=np.float32)


def planted_catalogue(groups: int = 20, background: int = 200, seed: int = 0) -> Planted:
    """The catalogue and its planted groups (deterministic for a ``seed``)."""
    rng = np.random.default_rng(seed)

    def noise(scale: float) -> np.ndarray:
        return np.asarray(rng.normal(size=D) / np.sqrt(D) * scale)

    entries: list[tuple[Profile, np.ndarray, list[np.ndarray], list[np.ndarray], int]] = []

    def add(kind: str, country: str, sectors: tuple[str, ...], overall: np.ndarray, offers: list[np.ndarray],
            needs: list[np.ndarray], group: int) -> None:
        pid = f"{country.lower()}-{len(entries):04d}"
        entries.append((Profile(id=pid, name=pid, kind=kind, country=country, sectors=sectors, description="x",
                                offers=tuple(f"offer {i}" for i in range(len(offers))),
                                needs=tuple(f"need {i}" for i in range(len(needs))), languages=LANGUAGES[country]),
                        _unit(overall), [_unit(o) for o in offers], [_unit(n) for n in needs], group))

    chains = []
    for g in range(groups):
        chain = VALUE_CHAINS[g % len(VALUE_CHAINS)]
        chains.append(chain)
        theme = _unit(rng.normal(size=D))
        where = rng.choice(len(COUNTRIES), size=3, replace=False)
        offers = [_unit(rng.normal(size=D)) for _ in GROUP_KINDS]
        for i, kind in enumerate(GROUP_KINDS):
            needs = [offers[(i + 1) % 6] + noise(ITEM_NOISE), offers[(i + 2) % 6] + noise(ITEM_NOISE)]
            add(kind, COUNTRIES[where[i % 3]], (chain[i % len(chain)],), theme + noise(TEXT_NOISE),
                [offers[i]], needs, g)
        for i, kind in enumerate(GROUP_KINDS):  # look-alikes: the same text, sectors and kinds; no answers
            add(kind, COUNTRIES[rng.integers(len(COUNTRIES))], (chain[i % len(chain)],), theme + noise(TEXT_NOISE),
                [_unit(rng.normal(size=D))], [_unit(rng.normal(size=D)) for _ in range(2)], -1)
    for _ in range(background):
        chain = VALUE_CHAINS[rng.integers(len(VALUE_CHAINS))]
        add(BACKGROUND_KINDS[rng.integers(len(BACKGROUND_KINDS))], COUNTRIES[rng.integers(len(COUNTRIES))],
            (chain[rng.integers(len(chain))],), rng.normal(size=D), [rng.normal(size=D)],
            [rng.normal(size=D) for _ in range(2)], -1)
    entries.sort(key=lambda e: e[0].id)  # catalogue rows are sorted by id
    cat = CatalogueArrays.from_profiles([e[0] for e in entries])
    indexes = {"overall": ExactIndex(np.array([e[1] for e in entries])),
               "offers_items": ExactIndex(np.array([v for e in entries for v in e[2]])),
               "needs_items": ExactIndex(np.array([v for e in entries for v in e[3]]))}
    members: list[list[int]] = [[] for _ in range(groups)]
    for row, entry in enumerate(entries):
        if entry[4] >= 0:
            members[entry[4]].append(row)
    for rows in members:  # the anchor: the group's first firm
        rows.sort(key=lambda r: (cat.kinds[r] != "firm", r))
    return Planted(cat=cat, indexes=indexes, groups=members, chains=chains)


def _recovered(picked: set[int], group: list[int]) -> float:
    return len(picked & set(group[1:])) / (len(group) - 1)


def run_planted(groups: int = 20, seed: int = 0) -> PlantedRun:
    """Every method on every planted group."""
    p = planted_catalogue(groups=groups, seed=seed)
    overall = p.indexes["overall"].vectors(np.arange(len(p.cat)))
    params = ClusterParams(size=6, min_countries=3, require={"education": 1, "support_org": 1}, alternatives=0)
    top_n: list[float] = []
    plain: list[float] = []
    seeded: list[float] = []
    for group, chain in zip(p.groups, p.chains, strict=True):
        anchor = group[0]
        similarity = overall @ overall[anchor]
        similarity[anchor] = -np.inf
        top_n.append(_recovered(set(np.argsort(-similarity, kind="stable")[:5].tolist()), group))
        focus = Focus(theme=overall[anchor], sectors=tuple(sorted(set(chain))))
        for out, prm in ((plain, replace(params, complementarity=0.0)), (seeded, params)):
            result = seed_cluster(p.cat, p.indexes, focus, Constraints(), prm, anchors=[anchor])
            out.append(_recovered({m.row for m in result.members}, group))
    return PlantedRun(groups=groups, top_n=np.array(top_n), seed_without_complementarity=np.array(plain),
                      seed=np.array(seeded))


def planted_figures(run: PlantedRun) -> dict[str, Interval]:
    ids = np.arange(run.groups)
    return {"top_n": bootstrap_ci(run.top_n, ids),
            "seed_without_complementarity": bootstrap_ci(run.seed_without_complementarity, ids),
            "seed": bootstrap_ci(run.seed, ids), "seed_minus_top_n": paired_bootstrap_diff(run.seed, run.top_n, ids)}


def planted_markdown(run: PlantedRun, figure: str | None = "planted_clusters.png") -> str:
    f = planted_figures(run)

    def cell(i: Interval, sign: str = "") -> str:
        return f"{i.mean:{sign}.3f} [{i.low:{sign}.3f}, {i.high:{sign}.3f}]"

    lines = ["### Planted coherent groups (sample-like data)", "",
             f"{run.groups} groups of six planted in a sample-like catalogue (evaluation/planted.py: three countries, "
             "the role mix, one value chain, a ring of offer ↔ need answers; six look-alikes per group with the same "
             "text, sectors and kinds but no answers; 200 unrelated profiles). One firm of the group is the anchor; "
             "share of the five other members recovered (mean [95% CI], groups resampled):", "",
             "| method | members recovered |", "|---|---|",
             f"| plain top-N similarity to the anchor | {cell(f['top_n'])} |",
             f"| seed_cluster without the complementarity term (λ_comp = 0) | "
             f"{cell(f['seed_without_complementarity'])} |",
             f"| seed_cluster (anchor, the chain's sectors, education = 1, support_org = 1, ≥ 3 countries) | "
             f"{cell(f['seed'])} |",
             f"| seed_cluster − plain top-N (paired) | {cell(f['seed_minus_top_n'], '+')} |", ""]
    if figure:
        lines += [f"![planted groups recovered]({figure})", ""]
    return "\n".join(lines)


def plot_planted(run: PlantedRun, path: Path) -> None:
    """Bar chart of the share recovered per method, with the 95% intervals."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    f = planted_figures(run)
    names = ["top_n", "seed_without_complementarity", "seed"]
    labels = ["plain top-N\nsimilarity", "seed_cluster\nλ_comp = 0", "seed_cluster"]
    means = [f[n].mean for n in names]
    errors = np.array([[f[n].mean - f[n].low for n in names], [f[n].high - f[n].mean for n in names]])
    fig, ax = plt.subplots(figsize=(5.5, 3.2), dpi=120)
    ax.bar(labels, means, yerr=errors, capsize=4, color=["#9ca3af", "#93c5fd", "#1d4ed8"])
    ax.set_ylim(0, 1)
    ax.set_ylabel("planted members recovered")
    ax.set_title(f"{run.groups} planted groups, one anchor each")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


if __name__ == "__main__":  # python -m evaluation.planted [out.png]: the table, and the figure if a path is given
    import sys

    result = run_planted()
    print(planted_markdown(result))
    if len(sys.argv) > 1:
        plot_planted(result, Path(sys.argv[1]))
