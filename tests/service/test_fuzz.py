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

from service.api import create_app
from service.catalogue import Catalogue
from service.settings import Settings
from storage.keys import create_key
from tests.conftest import FakeEncoder, record

_DIR = Path(tempfile.mkdtemp(prefix="ccimatch-fuzz-"))
_SETTINGS = Settings(db=str(_DIR / "fuzz.db"), open_reads=True)
_CATALOGUE = Catalogue.open(_SETTINGS, encoder=FakeEncoder())
_CATALOGUE.ingest([record("tn-1"), record("fr-1", country="FR")])
_ADMIN = create_key(_CATALOGUE.engine, "admin")
schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(_SETTINGS, catalogue=_CATALOGUE))
EXAMPLES = int(os.environ.get("CCIMATCH_FUZZ_EXAMPLES", "8"))


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_error(case: schemathesis.Case) -> None:
    case.call_and_validate(headers={"X-API-Key": _ADMIN}, checks=[not_a_server_error])
