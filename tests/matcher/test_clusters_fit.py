"""The cluster fit discriminates: strictly ordered on profiles crafted to be better and better matches of the
focus, calibrated (the best eligible row 1, the mean eligible row 0) and explained by parts that add up."""

from __future__ import annotations

import numpy as np
import pytest

from embeddings.index_exact import ExactIndex
from matcher.cluster_fit import Focus, fit_of
from matcher.constraints import CatalogueArrays
from matcher.profile import Profile

D = 12
CRAFT_TEXT, FASHION_TEXT, BACKGROUND = 0, 1, 2


def unit(*parts: tuple[int, float]) -> np.ndarray:
    v = np.zeros(D)
    for i, w in parts:
        v[i] += w
    return v / np.linalg.norm(v)


# best to worst for a crafts + fashion focus: both sectors and text about them; both sectors, text partly about
# something else; crafts only; crafts and an unrelated sector, text further off; a sector on crafts' value chain
# (cultural tourism), text mostly off; then a background of typical profiles of other sectors
CRAFTED = [
    ("a", ("crafts", "fashion_textile"), unit((CRAFT_TEXT, 1), (FASHION_TEXT, 1))),
    ("b", ("crafts", "fashion_textile"), unit((CRAFT_TEXT, 1), (FASHION_TEXT, 1), (4, 0.8))),
    ("c", ("crafts",), unit((CRAFT_TEXT, 1), (5, 0.5))),
    ("d", ("crafts", "music"), unit((CRAFT_TEXT, 1), (6, 1))),
    ("e", ("cultural_tourism",), unit((CRAFT_TEXT, 0.5), (7, 1))),
]
BACKGROUND_SECTORS = ("audiovisual", "music", "publishing", "games_digital", "performing_arts", "advertising")
ROWS = CRAFTED + [(f"z{i}", (BACKGROUND_SECTORS[i % 6],), unit((BACKGROUND, 1), (8 + i % 4, 1))) for i in range(12)]


def catalogue() -> tuple[CatalogueArrays, np.ndarray]:
    profiles = [Profile(id=i, name=i, kind="firm", country="MA", sectors=s, description="x") for i, s, _ in ROWS]
    return CatalogueArrays.from_profiles(profiles), np.array([v for _, _, v in ROWS])


@pytest.mark.parametrize("theme", [None, unit((CRAFT_TEXT, 1), (FASHION_TEXT, 1))])
def test_the_fit_is_strictly_ordered_and_calibrated(theme: np.ndarray | None) -> None:
    cat, overall = catalogue()
    eligible = np.ones(len(cat), bool)
    fit = fit_of(Focus(theme=theme, sectors=("crafts", "fashion_textile")), cat, overall, eligible)
    values = fit.value
    crafted = values[: len(CRAFTED)]
    assert all(crafted[i] > crafted[i + 1] > 0 for i in range(len(CRAFTED) - 1)), values  # strictly ordered
    assert values[0] == 1.0 and values[len(CRAFTED):].max() == 0.0  # the best is 1, a typical profile 0
    assert set(fit.parts) == {"theme", "sectors", "value_chain"}
    for row in range(len(ROWS)):  # the parts add up to the fit before clipping
        total = sum(fit.of(row).values())
        assert total == pytest.approx(values[row], abs=1e-3) or values[row] == 0.0


def test_a_profile_of_the_focus_sectors_with_text_about_something_else_fits_less() -> None:
    cat, overall = catalogue()
    fit = fit_of(Focus(sectors=("crafts", "fashion_textile")), cat, overall, np.ones(len(cat), bool))
    a, b = fit.of(0), fit.of(1)
    assert a["sectors"] == b["sectors"] and a["value_chain"] == b["value_chain"] and a["theme"] > b["theme"]


def test_a_theme_alone_is_the_calibrated_theme_cosine() -> None:
    cat, overall = catalogue()
    theme = unit((CRAFT_TEXT, 1))
    eligible = np.ones(len(cat), bool)
    fit = fit_of(Focus(theme=theme), cat, overall, eligible).value
    cos = overall @ theme
    expected = np.clip((cos - cos.mean()) / (cos.max() - cos.mean()), 0, 1)
    assert np.allclose(fit, expected)
    assert fit_of(Focus(), cat, overall, eligible).value.tolist() == [0.0] * len(cat)


def test_only_eligible_rows_set_the_scale() -> None:
    cat, overall = catalogue()
    eligible = np.ones(len(cat), bool)
    eligible[0] = False  # the best row is filtered out: the next best eligible row is 1
    fit = fit_of(Focus(theme=unit((CRAFT_TEXT, 1), (FASHION_TEXT, 1)), sectors=("crafts", "fashion_textile")),
                 cat, overall, eligible).value
    assert fit[1] == 1.0 and fit[eligible].max() == 1.0


def test_index_vectors_feed_the_fit_as_in_the_seed() -> None:
    cat, overall = catalogue()
    index = ExactIndex(overall.astype(np.float32))
    via_index = fit_of(Focus(sectors=("crafts",)), cat, index.vectors(np.arange(len(cat))), np.ones(len(cat), bool))
    assert via_index.value.argmax() in (0, 1, 2, 3)
