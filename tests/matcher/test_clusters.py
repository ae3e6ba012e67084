"""Cluster seeding on a catalogue built so that coverage and complementarity matter."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from embeddings.index_exact import ExactIndex
from matcher.cluster_extend import extend_cluster
from matcher.clusters import ClusterParams, Focus, evaluate_cluster, seed_cluster
from matcher.constraints import CatalogueArrays, Constraints
from matcher.profile import Profile

D = 12


def unit(*parts: tuple[int, float]) -> np.ndarray:
    v = np.zeros(D, np.float32)
    for i, w in parts:
        v[i] += w
    return v / np.linalg.norm(v)


POTTERY, NEED_DIST, NEED_TRAIN, NEED_MONEY = 0, 1, 2, 3


def build() -> tuple[CatalogueArrays, dict, list[Profile]]:
    rows = []  # (profile, overall, offers, needs)
    for i in range(5):  # five look-alike potters in Morocco: the best theme fit, nothing for each other
        rows.append((Profile(id=f"ma-pot{i}", name=f"Poterie {i}", kind="firm", country="MA", sectors=("crafts",),
                             description="pottery", offers=("pots",), needs=("dist", "train", "money")),
                     unit((POTTERY, 1), (6 + i, 0.15)), [unit((POTTERY, 1), (6 + i, 0.2))],
                     [unit((NEED_DIST, 1)), unit((NEED_TRAIN, 1)), unit((NEED_MONEY, 1))]))
    rows.append((Profile(id="fr-dist", name="Distributeur", kind="firm", country="FR",
                         sectors=("cultural_tourism",), description="shop", offers=("dist",), needs=("pots",)),
                 unit((POTTERY, 0.6), (4, 1)), [unit((NEED_DIST, 1))], [unit((POTTERY, 1), (6, 0.2))]))
    rows.append((Profile(id="it-school", name="Design school", kind="education", country="IT",
                         sectors=("graphic_product_design",), description="school", offers=("train",), needs=()),
                 unit((POTTERY, 0.5), (5, 1)), [unit((NEED_TRAIN, 1))], []))
    rows.append((Profile(id="es-bank", name="Microfinance", kind="funder", country="ES", sectors=("crafts",),
                         description="bank", offers=("money",), needs=()),
                 unit((POTTERY, 0.4), (11, 1)), [unit((NEED_MONEY, 1))], []))
    rows.append((Profile(id="tn-film", name="Film studio", kind="firm", country="TN", sectors=("audiovisual",),
                         description="films", offers=("films",), needs=("actors",)),
                 unit((10, 1)), [unit((10, 1))], [unit((9, 1))]))
    profiles = [r[0] for r in rows]
    cat = CatalogueArrays.from_profiles(profiles)
    indexes = {"overall": ExactIndex(np.array([r[1] for r in rows])),
               "offers_items": ExactIndex(np.array([v for r in rows for v in r[2]])),
               "needs_items": ExactIndex(np.array([v for r in rows for v in r[3]]))}
    return cat, indexes, profiles


def ids(cat: CatalogueArrays, rows: list[int]) -> set[str]:
    return {str(cat.ids[r]) for r in rows}


def test_seed_beats_plain_top_n_where_coverage_matters() -> None:
    cat, idx, _ = build()
    focus = Focus(theme=unit((POTTERY, 1)))
    params = ClusterParams(size=4, min_countries=3, require={"education": 1}, rest=())
    seeded = seed_cluster(cat, idx, focus, Constraints(), params)
    members = [m.row for m in seeded.members]
    overall = idx["overall"].vectors(np.arange(len(cat)))
    top_n = list(np.argsort(-(overall @ focus.theme))[:4])
    assert ids(cat, top_n) <= {f"ma-pot{i}" for i in range(5)}  # plain top-N: four look-alikes, one country
    assert {"it-school", "fr-dist"} <= ids(cat, members)
    assert len({cat.countries[r] for r in members}) >= 3 and not seeded.unmet
    assert any(str(cat.ids[r]).startswith("ma-pot") for r in members)
    assert "tn-film" not in ids(cat, members)
    assert 0 < seeded.cohesion <= 1 and "crafts" in seeded.sectors_covered
    school = next(m for m in seeded.members if cat.ids[m.row] == "it-school")
    assert school.role == "training body" and seeded.alternatives[school.row] == ()


def test_deterministic_and_anchors_kept() -> None:
    cat, idx, _ = build()
    focus = Focus(sectors=("crafts",))
    anchor = list(cat.ids).index("tn-film")
    params = ClusterParams(size=5, min_countries=2, require={"funder": 1})
    first = seed_cluster(cat, idx, focus, Constraints(), params, anchors=[anchor])
    again = seed_cluster(cat, idx, focus, Constraints(), params, anchors=[anchor])
    assert first == again
    rows = [m.row for m in first.members]
    assert anchor in rows and len(rows) == 5 and "es-bank" in ids(cat, rows)
    assert next(m for m in first.members if m.row == anchor).anchor


def test_constraints_that_cannot_be_met_are_said() -> None:
    cat, idx, _ = build()
    focus = Focus(sectors=("crafts",))
    short = seed_cluster(cat, idx, focus, Constraints(), ClusterParams(size=4, require={"funder": 2}))
    assert any("funder" in u for u in short.unmet)
    few = seed_cluster(cat, idx, focus, Constraints(countries=frozenset({"MA"})),
                       ClusterParams(size=4, min_countries=2))
    assert {cat.countries[m.row] for m in few.members} == {"MA"} and any("countries" in u for u in few.unmet)
    with pytest.raises(ValueError, match="more than the size"):
        seed_cluster(cat, idx, focus, Constraints(), ClusterParams(size=2, require={"funder": 1, "education": 2}))


def test_extend_finds_what_the_cluster_needs_abroad() -> None:
    cat, idx, _ = build()
    members = [list(cat.ids).index(f"ma-pot{i}") for i in range(3)]
    top, scores, parts = extend_cluster(cat, idx, members, Constraints(), k=4)
    found = [str(cat.ids[r]) for r in top]
    assert not {"ma-pot3", "ma-pot4"} & set(found)  # same country as the members: not "abroad"
    assert set(found[:3]) == {"fr-dist", "it-school", "es-bank"}
    assert list(scores) == sorted(scores, reverse=True) and np.all(parts["new_market"] == 1.0)


def test_evaluating_the_seeds_own_members_gives_the_seeds_cohesion_and_alternatives() -> None:
    cat, idx, _ = build()
    for focus, params, anchors in [
        (Focus(theme=unit((POTTERY, 1))), ClusterParams(size=4, min_countries=3, require={"education": 1}, rest=()),
         []),
        (Focus(sectors=("crafts",)), ClusterParams(size=5, min_countries=2, require={"funder": 1}),
         [list(cat.ids).index("tn-film")]),
    ]:
        seeded = seed_cluster(cat, idx, focus, Constraints(), params, anchors=anchors)
        rows = [m.row for m in seeded.members]
        evaluated = evaluate_cluster(cat, idx, focus, Constraints(), params, rows, anchors=anchors)
        assert evaluated.cohesion == seeded.cohesion
        assert evaluated.alternatives == seeded.alternatives
        assert evaluated.sectors_covered == seeded.sectors_covered and not evaluated.shortfalls
        assert evaluated.cohesion == round((evaluated.fit + evaluated.complementarity) / 2, 4)
        assert [m.row for m in evaluated.members] == rows
        assert [(m.role, m.fit, m.complements, m.new_country, m.anchor) for m in evaluated.members] == \
            [(m.role, m.fit, m.complements, m.new_country, m.anchor) for m in seeded.members]


def test_a_swap_changes_the_cohesion_and_swapping_back_restores_it() -> None:
    cat, idx, _ = build()
    focus = Focus(theme=unit((POTTERY, 1)))
    params = ClusterParams(size=4, min_countries=3, require={"education": 1}, rest=())
    seeded = seed_cluster(cat, idx, focus, Constraints(), params)
    rows = [m.row for m in seeded.members]
    out = next(r for r in rows if cat.ids[r] == "fr-dist")  # the distributor whose offers the potters need
    swapped_in = list(cat.ids).index("tn-film")
    swapped = [swapped_in if r == out else r for r in rows]
    after = evaluate_cluster(cat, idx, focus, Constraints(), params, swapped)
    assert after.cohesion < seeded.cohesion and after.complementarity < \
        evaluate_cluster(cat, idx, focus, Constraints(), params, rows).complementarity
    assert [m.row for m in after.members] == swapped
    wider = evaluate_cluster(cat, idx, focus, Constraints(), replace(params, alternatives=8), swapped)
    assert out in wider.alternatives[swapped_in]  # the member swapped out is an alternative for its slot
    back = [out if r == swapped_in else r for r in swapped]  # swapping the member it replaced back in
    assert evaluate_cluster(cat, idx, focus, Constraints(), params, back).cohesion == seeded.cohesion


def test_an_evaluated_set_reports_what_it_does_not_meet() -> None:
    cat, idx, _ = build()
    focus = Focus(sectors=("crafts",))
    potters = [list(cat.ids).index(f"ma-pot{i}") for i in range(3)]
    params = ClusterParams(size=4, min_countries=2, require={"education": 1})
    evaluated = evaluate_cluster(cat, idx, focus, Constraints(), params, potters)
    assert [(s.what, s.have, s.wanted) for s in evaluated.shortfalls] == \
        [("education", 0, 1), ("size", 3, 4), ("countries", 1, 2)]
    assert evaluated.shortfalls[0].text == "only 0 education available for the 1 required"
    with pytest.raises(ValueError, match="twice"):
        evaluate_cluster(cat, idx, focus, Constraints(), params, potters + potters[:1])
