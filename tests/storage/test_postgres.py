"""The same storage code on a real PostgreSQL server (a throw-away cluster: the `pg_url` fixture)."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.catalogue import Catalogue, ingest, search
from service.settings import Settings
from storage import repository as repo
from tests.conftest import FakeEncoder, record

pytestmark = pytest.mark.postgres


def test_catalogue_on_postgresql(pg_url: str, tmp_path: Path) -> None:
    rows = [record("tn-1", description="ورشة خزف في نابل", offers="poterie émaillée"),
            record("fr-1", country="FR", description="concept store in Lyon", offers="ceramics distribution")]
    cat = Catalogue.open(Settings(db=pg_url, index_dir=tmp_path / "index"), encoder=FakeEncoder())
    report = ingest(cat, [*rows, record("bad", country="XX")], atomic=True)
    assert report.written == 0 and repo.count_profiles(cat.engine) == 0
    report = ingest(cat, rows)
    assert report.inserted == 2 and not report.errors
    assert repo.load_profiles(cat.engine)[1].description == "ورشة خزف في نابل"  # UTF-8 round trip
    hits, eligible = search(cat, "ceramics distribution", k=1, view="offers")
    assert hits[0].id == "fr-1" and eligible == 2
    again = ingest(cat, rows)
    assert (again.updated, again.encoded) == (2, 0)
