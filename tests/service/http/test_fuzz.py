"""Property-based requests generated from /openapi.json (schemathesis): no 5xx, ever.

The example budget per operation is ``CCIMATCH_FUZZ_EXAMPLES`` (small in ``make test``, larger in
``make fuzz``)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from service.catalogue import Catalogue, ingest
from service.http import create_app
from service.settings import Settings
from storage.keys import create_key
from tests.conftest import FakeEncoder, record

_DIR = Path(tempfile.mkdtemp(prefix="ccimatch-fuzz-"))
_SETTINGS = Settings(db=str(_DIR / "fuzz.db"), open_reads=True)
_CATALOGUE = Catalogue.open(_SETTINGS, encoder=FakeEncoder())
ingest(_CATALOGUE, [record("tn-1"), record("fr-1", country="FR")])
_ADMIN = create_key(_CATALOGUE.engine, "admin")
schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(_SETTINGS, catalogue=_CATALOGUE))
EXAMPLES = int(os.environ.get("CCIMATCH_FUZZ_EXAMPLES", "8"))


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_error(case: schemathesis.Case) -> None:
    case.call_and_validate(headers={"X-API-Key": _ADMIN}, checks=[not_a_server_error])


# --- the import routes: random bytes and random records in every format, never a 5xx -------------------
from collections.abc import Iterator  # noqa: E402
from datetime import date, timedelta  # noqa: E402

import pytest  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from service import events as ev  # noqa: E402
from service.events import EventService, SlotPlan  # noqa: E402
from storage.files import SUFFIXES  # noqa: E402
from tests.strategies import FORMATS, as_file, records  # noqa: E402

FUZZ = settings(max_examples=EXAMPLES * 3, deadline=None, suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module")
def client() -> Iterator[tuple[TestClient, int]]:
    event = ev.create_event(
        EventService(_CATALOGUE), name="Fuzz fair", venue="", timezone="Africa/Tunis", tables=2,
        plan=SlotPlan(days=(date.today() + timedelta(days=30),)),
        participants=[{"profile_id": "tn-1"}, {"profile_id": "fr-1"}])
    with TestClient(create_app(_SETTINGS, catalogue=_CATALOGUE), raise_server_exceptions=False) as c:
        yield c, event


def _post_everywhere(client: tuple[TestClient, int], name: str, data: bytes, atomic: bool) -> None:
    c, event = client
    for url in (f"/profiles/import?atomic={str(atomic).lower()}", f"/events/{event}/requests/import",
                f"/relationships/import?atomic={str(atomic).lower()}"):
        r = c.post(url, files={"file": (name, data)}, headers={"X-API-Key": _ADMIN})
        assert r.status_code < 500, (url, r.status_code, r.text[:300])
        assert "Traceback" not in r.text


@FUZZ
@given(suffix=st.sampled_from(FORMATS), rows=records, atomic=st.booleans())
def test_import_routes_take_random_records(client: tuple[TestClient, int], suffix: str,
                                           rows: list[dict[str, object]], atomic: bool) -> None:
    _post_everywhere(client, f"upload{suffix}", as_file(rows, suffix), atomic)


@FUZZ
@given(suffix=st.sampled_from((*SUFFIXES, ".txt", "")), data=st.binary(max_size=400), atomic=st.booleans())
def test_import_routes_take_random_bytes(client: tuple[TestClient, int], suffix: str, data: bytes,
                                         atomic: bool) -> None:
    _post_everywhere(client, f"upload{suffix}", data, atomic)
