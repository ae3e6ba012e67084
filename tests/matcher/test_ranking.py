"""The ranking on small catalogues whose right answers are known by construction."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from embeddings.index_exact import ExactIndex
from matcher.constraints import CatalogueArrays, Constraints, constraint_mask
from matcher.profile import VIEWS, Profile
from matcher.ranking import Asker, RankingParams, Signal, asker_constraints, candidate_pool, rank
from matcher.taxonomy import KINDS, PARTNERSHIP_TYPES, SECTORS

D = 16
BASIS = np.eye(D, dtype=np.float32)


def unit(*parts: tuple[int, float]) -> np.ndarray:
    v = np.zeros(D, np.float32)
    for i, w in parts:
        v[i] += w
    return v / np.linalg.norm(v)


def make(id: str, *, country: str = "FR", sectors: tuple[str, ...] = ("crafts",), kind: str = "firm",
         languages: tuple[str, ...] = ("fr",), partnership_types: tuple[str, ...] = ()) -> Profile:
    return Profile(id=id, name=f"Org {id}", kind=kind, country=country, sectors=sectors, description=f"about {id}",
                   offers=("o",), needs=("n",), languages=languages, partnership_types=partnership_types)


Views = Mapping[str, np.ndarray | None]


def catalogue(entries: Sequence[tuple[Profile, Views]]) -> tuple[CatalogueArrays, dict, list[str]]:
    """Arrays and exact indexes; each profile has one offer and one need item (the view vectors), or
    none where the view is given as None."""
    entries = sorted(entries, key=lambda e: e[0].id)
    profiles = [replace(p, offers=("o",) if v.get("offers") is not None else (),
                        needs=("n",) if v.get("needs") is not None else ()) for p, v in entries]
    arrays = CatalogueArrays.from_profiles(profiles)
    indexes = {}
    dim = len(entries[0][1]["overall"])  # type: ignore[arg-type]
    for view in VIEWS:
        vecs = np.zeros((len(entries), dim), np.float32)
        for i, (_, v) in enumerate(entries):
            if v.get(view) is not None:
                vecs[i] = v[view]
        indexes[view] = ExactIndex(vecs)
    for side in ("offers", "needs"):
        items = [v[side] for _, v in entries if v.get(side) is not None]
        indexes[f"{side}_items"] = ExactIndex(np.array(items, np.float32).reshape(-1, dim))
    return arrays, indexes, [p.name for p in profiles]


def asker(*, overall: np.ndarray, needs: np.ndarray | None = None, offers: np.ndarray | None = None) -> Asker:
    def rows(v: np.ndarray | None) -> np.ndarray:
        return np.zeros((0, D), np.float32) if v is None else v[None, :]

    return Asker(id="me", country="TN", sectors=("crafts",), languages=("fr",), partnership_types=(),
                 overall=overall, offers=rows(offers), needs=rows(needs))


NEED, OFFER, TOPIC = unit((0, 1)), unit((1, 1)), unit((2, 1))


def test_two_sided_match_ranks_above_one_sided() -> None:
    entries: list[tuple[Profile, Views]] = [
        (make("two-sided"), {"overall": unit((2, 1), (10, 0.3)), "offers": NEED, "needs": OFFER}),
        (make("offers-only"), {"overall": unit((2, 1), (11, 0.3)), "offers": NEED, "needs": unit((5, 1))}),
        (make("no-needs"), {"overall": unit((2, 1), (12, 0.3)), "offers": NEED, "needs": None}),
        (make("unrelated"), {"overall": unit((7, 1)), "offers": unit((8, 1)), "needs": unit((9, 1))}),
    ]
    cat, idx, names = catalogue(entries)
    me = asker(overall=TOPIC, needs=NEED, offers=OFFER)
    ranked = rank(me, cat, idx, asker_constraints(Constraints(), me), k=4, names=names)
    ids = cat.ids[ranked.rows].tolist()
    assert ids[0] == "two-sided"
    comp = dict(zip(ids, ranked.components["complementarity"], strict=True))
    assert comp["two-sided"] > comp["offers-only"] and comp["two-sided"] > comp["no-needs"]
    assert comp["two-sided"] == pytest.approx(1.0)


def test_asker_without_needs_or_offers_falls_back_to_what_it_has() -> None:
    entries = [(make("a"), {"overall": TOPIC, "offers": NEED, "needs": OFFER}),
               (make("b"), {"overall": unit((2, 1), (3, 1)), "offers": unit((4, 1)), "needs": unit((5, 1))})]
    cat, idx, names = catalogue(entries)
    me = asker(overall=TOPIC)  # a thin profile: only a description
    ranked = rank(me, cat, idx, asker_constraints(Constraints(), me), k=2, names=names)
    assert cat.ids[ranked.rows].tolist() == ["a", "b"]
    assert np.all(ranked.components["complementarity"] == 0)
    assert np.all(np.isfinite(ranked.scores))


def test_scores_are_scaled_not_raw_cosines() -> None:
    # cosines all in a narrow high band, as e5 gives: the scaled semantic spans [0, 1]
    base = unit((0, 1))
    entries = [(make(f"c{i}"), {"overall": unit((0, 1), (i + 1, 0.1 + 0.05 * i)), "offers": None, "needs": None})
               for i in range(6)]
    cat, idx, names = catalogue(entries)
    me = asker(overall=base)
    ranked = rank(me, cat, idx, asker_constraints(Constraints(), me), k=6, names=names,
                  params=RankingParams(country_cap=0, pool=6))
    raw = ranked.raw["semantic"]
    assert raw.max() - raw.min() < 0.1
    assert ranked.components["semantic"].max() == pytest.approx(1.0)
    assert ranked.components["semantic"].min() == pytest.approx(0.0)


def test_country_cap_and_near_duplicates() -> None:
    entries = [(make(f"fr{i}", country="FR"), {"overall": unit((0, 1), (i + 1, 0.2)), "offers": None, "needs": None})
               for i in range(6)]
    entries += [(make(f"it{i}", country="IT"), {"overall": unit((0, 1), (i + 1, 0.6)), "offers": None, "needs": None})
                for i in range(3)]
    entries += [(make(f"es{i}", country="ES"), {"overall": unit((0, 1), (i + 4, 0.7)), "offers": None, "needs": None})
                for i in range(3)]
    entries.append((make("fr-copy", country="FR"), {"overall": entries[0][1]["overall"], "offers": None,
                                                     "needs": None}))
    cat, idx, names = catalogue(entries)
    me = asker(overall=unit((0, 1)))
    ranked = rank(me, cat, idx, asker_constraints(Constraints(), me), k=6, names=names)
    countries = cat.countries[ranked.rows].tolist()
    assert len(countries) == 6 and max(countries.count(c) for c in set(countries)) <= math.ceil(6 / 3)
    assert not {"fr0", "fr-copy"} <= set(cat.ids[ranked.rows].tolist())
    assert not ranked.cap_relaxed
    uncapped = rank(me, cat, idx, asker_constraints(Constraints(), me), k=6, names=names,
                    params=RankingParams(country_cap=0))
    assert cat.countries[uncapped.rows].tolist().count("FR") > 2


def test_cap_is_relaxed_rather_than_returning_fewer_than_k() -> None:
    entries = [(make(f"fr{i}", country="FR"), {"overall": unit((0, 1), (i + 1, 0.3)), "offers": None, "needs": None})
               for i in range(5)]
    cat, idx, names = catalogue(entries)
    me = asker(overall=unit((0, 1)))
    ranked = rank(me, cat, idx, asker_constraints(Constraints(), me), k=4, names=names)
    assert len(ranked.rows) == 4 and ranked.cap_relaxed


COUNTRIES = ("TN", "FR", "IT", "MA", "EG")


def wide(i: int, rng: np.random.Generator) -> np.ndarray:
    """A 128-d unit vector with its own axis i plus a little noise: distinct for distinct i."""
    v = np.zeros(128, np.float32)
    v[i] = 1.0
    v[rng.integers(100, 128, size=2)] += 0.4
    return v / np.linalg.norm(v)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), k=st.integers(1, 12), allow_same=st.booleans(), shared=st.booleans(),
       include=st.sets(st.sampled_from(COUNTRIES)), exclude=st.sets(st.sampled_from(COUNTRIES), max_size=2),
       sectors=st.sets(st.sampled_from(SECTORS[:6]), max_size=2), kinds=st.sets(st.sampled_from(KINDS), max_size=3),
       ptypes=st.sets(st.sampled_from(PARTNERSHIP_TYPES), max_size=2))
def test_no_hard_constraint_is_ever_violated(seed: int, k: int, allow_same: bool, shared: bool, include: set[str],
                                             exclude: set[str], sectors: set[str], kinds: set[str],
                                             ptypes: set[str]) -> None:
    rng = np.random.default_rng(seed)
    entries = []
    for i in range(40):
        p = make(f"p{i:02d}", country=str(rng.choice(COUNTRIES)),
                 sectors=tuple(sorted(set(rng.choice(SECTORS[:6], size=2).tolist()))), kind=str(rng.choice(KINDS)),
                 languages=tuple(sorted(set(rng.choice(["fr", "ar", "en", "it"], size=2).tolist()))),
                 partnership_types=tuple(sorted(set(rng.choice(PARTNERSHIP_TYPES, size=2).tolist()))))
        vec = {v: (wide(i, rng) if rng.random() > 0.2 else None) for v in VIEWS}
        vec["overall"] = wide(i, rng)  # distinct profiles: never near-duplicates of each other
        entries.append((p, vec))
    me_profile = entries[0][0]
    cat, idx, names = catalogue(entries)
    me = Asker(id=me_profile.id, country=me_profile.country, sectors=me_profile.sectors,
               languages=me_profile.languages, partnership_types=me_profile.partnership_types,
               overall=wide(99, rng), offers=wide(98, rng)[None, :], needs=wide(97, rng)[None, :])
    base = Constraints(countries=frozenset(include), exclude_countries=frozenset(exclude),
                       sectors=frozenset(sectors), kinds=frozenset(kinds), partnership_types=frozenset(ptypes))
    hard = asker_constraints(base, me, allow_same_country=allow_same, shared_language=shared)
    ranked = rank(me, cat, idx, hard, k=k, names=names, params=RankingParams(pool=8))
    by_id = {p.id: p for p, _ in entries}
    for pid in cat.ids[ranked.rows].tolist():
        p = by_id[pid]
        assert pid != me.id
        assert allow_same or p.country != me.country
        assert not include or p.country in include
        assert p.country not in exclude
        assert not sectors or set(p.sectors) & sectors
        assert not kinds or p.kind in kinds
        assert not ptypes or set(p.partnership_types) & ptypes
        assert not shared or set(p.languages) & set(me.languages)
    eligible = int(constraint_mask(hard, cat).sum())
    assert ranked.eligible == eligible
    assert len(ranked.rows) == min(k, eligible), "k results whenever k are eligible"
    assert len(set(ranked.rows.tolist())) == len(ranked.rows)


def test_a_signal_joins_the_candidates_and_the_fusion() -> None:
    entries: list[tuple[Profile, Views]] = [
        (make(f"c{i}"), {"overall": unit((0, 1), (i + 1, 0.3 + 0.1 * i)), "offers": None, "needs": None})
        for i in range(8)
    ]
    cat, idx, names = catalogue(entries)
    me = asker(overall=unit((0, 1)))
    hard = asker_constraints(Constraints(), me)
    plain = rank(me, cat, idx, hard, k=1, names=names, params=RankingParams(pool=2))
    assert cat.ids[plain.rows].tolist() == ["c0"]
    record = np.zeros(len(cat))
    record[list(cat.ids).index("c7")] = 1.0  # the least similar profile has by far the best track record
    boosted = rank(me, cat, idx, hard, k=1, names=names, params=RankingParams(pool=2),
                   signals={"activity": Signal(weight=5.0, scores=record)})
    assert cat.ids[boosted.rows].tolist() == ["c7"]
    assert boosted.components["activity"][0] == 1.0


@pytest.mark.parametrize("backend", ["exact", "faiss"])
def test_single_pass_candidates_equal_per_bucket_searches(backend: str) -> None:
    """Scoring every unit once and taking each language bucket's top from those scores must give the
    candidates, calibration and ranking of one filtered search per bucket, under a constraint mask."""
    from embeddings.index_faiss import FaissIndex

    rng = np.random.default_rng(7)
    n, dim = 3000, 48
    centres = rng.normal(size=(40, dim))

    def vec() -> np.ndarray:
        v = centres[rng.integers(40)] + 0.5 * rng.normal(size=dim)
        return (v / np.linalg.norm(v)).astype(np.float32)

    entries = [(make(f"p{i:04d}", country=str(rng.choice(COUNTRIES)), sectors=(str(rng.choice(SECTORS[:4])),),
                     kind=str(rng.choice(KINDS))),
                {"overall": vec(), "offers": vec() if rng.random() > 0.1 else None,
                 "needs": vec() if rng.random() > 0.1 else None}) for i in range(n)]
    cat, idx, names = catalogue(entries)
    if backend == "faiss":  # several shards, scored in blocks; filtered searches by every path
        idx = {name: FaissIndex(ix.vectors(np.arange(len(ix))), threads=3, min_shard_rows=1)
               for name, ix in idx.items()}
    # five languages, two of them too small for their own bucket (they share one)
    weights = np.array([0.5, 0.3, 0.17, 0.006, 0.004])
    codes = rng.choice(5, p=weights / weights.sum(), size=n + 2 * n)
    for target in ("overall", "offers_items", "needs_items"):
        cat.text_language[target] = codes[: len(idx[target])].astype(cat.text_language[target].dtype)
        codes = rng.permutation(codes)
    me = Asker(id="p0000", country="TN", sectors=("crafts",), languages=("fr",), partnership_types=(),
               overall=vec(), offers=np.stack([vec(), vec(), vec()]), needs=np.stack([vec(), vec()]))
    hard = asker_constraints(Constraints(exclude_countries=frozenset({"EG"}), sectors=frozenset(SECTORS[:3])), me)
    mask = constraint_mask(hard, cat)
    assert 0 < mask.sum() < n
    one, many = RankingParams(single_pass_fraction=0.0), RankingParams(single_pass_fraction=2.0)
    rows_one, calib_one = candidate_pool(me, cat, idx, mask, one)
    rows_many, calib_many = candidate_pool(me, cat, idx, mask, many)
    np.testing.assert_array_equal(rows_one, rows_many)
    assert calib_one.z_hi.keys() == calib_many.z_hi.keys() == {"semantic", "need_match", "offer_match"}
    for name in calib_one.z_hi:
        assert abs(calib_one.z_hi[name] - calib_many.z_hi[name]) <= 1e-6
        np.testing.assert_allclose(calib_one.mean[name], calib_many.mean[name], atol=1e-6, rtol=0)
    got = rank(me, cat, idx, hard, k=10, names=names, params=one)
    want = rank(me, cat, idx, hard, k=10, names=names, params=many)
    np.testing.assert_array_equal(got.rows, want.rows)
    np.testing.assert_allclose(got.scores, want.scores, atol=1e-6, rtol=0)
