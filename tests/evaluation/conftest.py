"""Fixtures shared by the evaluation tests: the CORDIS partnership data and its time split, loaded once per
session (read-only frozen dataclasses; loading took ~10 s under load, and three test modules each loaded it)."""

from __future__ import annotations

import pytest

from evaluation.cordis import Cordis, Split, load, time_split
from tests.conftest import shared_data


@pytest.fixture(scope="session")
def cordis() -> tuple[Cordis, Split]:
    """(data, split) of ../shared/data/cordis-partnerships; skipped with a message when it is absent."""
    data = load(shared_data("cordis-partnerships"))
    return data, time_split(data)
