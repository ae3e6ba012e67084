"""Alternatives per slot are real alternatives, swaps are exact, and every country asked for but missing says why:
on a catalogue crafted so that each member brings something else (a country, offers someone needs)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from embeddings.index_exact import ExactIndex
from matcher.clusters import ClusterParams, Focus, evaluate_cluster, seed_cluster
from matcher.constraints import CatalogueArrays, Constraints
from matcher.profile import Profile

D = 16
THEME, DIST, MONEY, DESIGN = 0, 1, 2, 3


def unit(*parts: tuple[int, float]) -> np.ndarray:
    v = np.zeros(D, np.float32)
    for i, w in parts:
        v[i] += w
    return v / np.linalg.norm(v)


def build(spain: str = "firm") -> tuple[CatalogueArrays, dict[str, ExactIndex]]:
    """Potters in Morocco and Tunisia who need a distributor (and Tunisians money), distributors in France who
    need pots, each with a slightly weaker look-alike in its own country; a film studio in Spain; nobody in
    Italy (the Spanish studio is of kind ``spain``). Two more potters whose needs nobody answers fill the pool."""
    rows: list[tuple[Profile, np.ndarray, list[np.ndarray], list[np.ndarray]]] = []

    def add(pid: str, country: str, sectors: tuple[str, ...], overall: np.ndarray, offers: list[np.ndarray],
            needs: list[np.ndarray]) -> None:
        kind = spain if country == "ES" else "firm"
        rows.append((Profile(id=pid, name=pid.upper(), kind=kind, country=country, sectors=sectors, description="x",
                             offers=tuple(f"o{i}" for i in range(len(offers))),
                             needs=tuple(f"n{i}" for i in range(len(needs))), languages=("fr",)),
                     overall, offers, needs))

    pots, dist = unit((THEME, 1), (8, 0.1)), unit((DIST, 1))
    add("ma-pot", "MA", ("crafts",), unit((THEME, 1), (9, 0.1)), [pots], [dist])
    add("ma-pot2", "MA", ("crafts",), unit((THEME, 1), (9, 0.3)), [pots], [dist])
    add("tn-pot", "TN", ("crafts",), unit((THEME, 1), (10, 0.15)), [pots], [unit((MONEY, 1))])
    add("tn-pot2", "TN", ("crafts",), unit((THEME, 1), (10, 0.35)), [pots], [unit((MONEY, 1))])
    add("fr-dist", "FR", ("crafts", "cultural_tourism"), unit((THEME, 1), (11, 0.3)), [dist], [pots])
    add("fr-dist2", "FR", ("crafts", "cultural_tourism"), unit((THEME, 1), (11, 0.5)), [dist], [pots])
    add("es-film", "ES", ("audiovisual",), unit((12, 1)), [unit((13, 1))], [unit((14, 1))])
    add("gr-pot", "GR", ("crafts",), unit((THEME, 1), (15, 0.6)), [unit((THEME, 1), (15, 1))], [unit((DESIGN, 1))])
    add("gr-pot2", "GR", ("crafts",), unit((THEME, 1), (15, 0.8)), [unit((THEME, 1), (15, 1))], [unit((DESIGN, 1))])
    cat = CatalogueArrays.from_profiles([r[0] for r in rows])
    indexes = {"overall": ExactIndex(np.array([r[1] for r in rows])),
               "offers_items": ExactIndex(np.array([v for r in rows for v in r[2]])),
               "needs_items": ExactIndex(np.array([v for r in rows for v in r[3]]))}
    return cat, indexes


FOCUS = Focus(theme=unit((THEME, 1)), sectors=("crafts",))
ASKED = Constraints(countries=frozenset({"MA", "TN", "FR", "ES", "IT"}))
PARAMS = ClusterParams(size=3, min_countries=3, rest=("firm",), alternatives=2)


def row(cat: CatalogueArrays, pid: str) -> int:
    return list(cat.ids).index(pid)


def test_each_slot_gets_its_own_alternatives() -> None:
    cat, idx = build()
    seeded = seed_cluster(cat, idx, FOCUS, ASKED, PARAMS)
    members = {str(cat.ids[m.row]) for m in seeded.members}
    assert members == {"ma-pot", "tn-pot", "fr-dist"}
    alternatives = {str(cat.ids[m]): [str(cat.ids[a]) for a in alts] for m, alts in seeded.alternatives.items()}
    # the look-alike of each member first: same country, same offers for the same needs
    assert [alts[0] for alts in (alternatives["ma-pot"], alternatives["tn-pot"], alternatives["fr-dist"])] == \
        ["ma-pot2", "tn-pot2", "fr-dist2"]
    firsts = [alts[0] for alts in alternatives.values()]
    assert len(set(firsts)) == 3  # a different first alternative per slot
    before_issue = [sorted(alts) for alts in alternatives.values()]
    assert len({tuple(a) for a in before_issue}) == 3  # no two slots list the same alternatives


def test_a_swap_delta_is_the_objective_recomputed_from_scratch() -> None:
    cat, idx = build()
    params = replace(PARAMS, alternatives=4)
    seeded = seed_cluster(cat, idx, FOCUS, ASKED, params)
    rows = [m.row for m in seeded.members]
    base = evaluate_cluster(cat, idx, FOCUS, ASKED, params, rows)
    assert base.objective == seeded.objective and base.cohesion == seeded.cohesion
    checked = 0
    for member, found in seeded.swaps.items():
        for swap in found:
            after = evaluate_cluster(cat, idx, FOCUS, ASKED, params, [swap.row if r == member else r for r in rows])
            assert swap.delta == pytest.approx(after.objective - base.objective, abs=2e-4)
            assert swap.cohesion == pytest.approx(after.cohesion - base.cohesion, abs=2e-4)
            checked += 1
    assert checked >= 3 and all(seeded.swaps.values())
    assert all(s.delta <= 1e-9 for found in seeded.swaps.values() for s in found)  # the seed is a local optimum


def test_every_country_asked_for_but_missing_says_why() -> None:
    cat, idx = build()
    seeded = seed_cluster(cat, idx, FOCUS, ASKED, PARAMS)
    missing = {m.country: m for m in seeded.missing_countries}
    assert set(missing) == {"ES", "IT"}
    assert missing["IT"].reason == "no_eligible" and missing["IT"].row == -1
    spain = missing["ES"]
    assert spain.reason == "swap" and str(cat.ids[spain.row]) == "es-film"
    assert spain.cohesion < 0 and spain.delta < 0  # the film studio would lower the cohesion, and by how much
    swapped = [spain.row if m.row == spain.replaces else m.row for m in seeded.members]
    after = evaluate_cluster(cat, idx, FOCUS, ASKED, PARAMS, swapped)
    assert spain.cohesion == pytest.approx(after.cohesion - seeded.cohesion, abs=2e-4)
    assert seeded.quality.countries_asked_covered == ("FR", "MA", "TN")


def test_a_country_whose_profiles_fit_no_slot_says_so() -> None:
    cat, idx = build(spain="funder")  # Spain has a funder only, and the cluster has no funder's place
    seeded = seed_cluster(cat, idx, FOCUS, ASKED, PARAMS)
    missing = {m.country: m.reason for m in seeded.missing_countries}
    assert missing == {"ES": "no_slot", "IT": "no_eligible"}
