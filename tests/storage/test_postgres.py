"""The same storage code on a real PostgreSQL server (a throw-away cluster started here)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from service.catalogue import Catalogue
from service.settings import Settings
from storage import repository as repo
from tests.conftest import FakeEncoder, record

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if not (initdb and pg_ctl):
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    base = Path(tempfile.mkdtemp(prefix="ccimatch-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        shutil.chown(base, "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    data = base / "data"
    run = dict(check=True, capture_output=True)
    subprocess.run([*as_user, initdb, "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                    "--locale=C"], **run)  # type: ignore[call-overload]
    subprocess.run([*as_user, pg_ctl, "-D", str(data), "-l", str(base / "log"), "-w", "-o",
                    f"-p {port} -k {base} -c listen_addresses=''", "start"], **run)  # type: ignore[call-overload]
    try:
        yield f"postgresql+psycopg://postgres@/postgres?host={base}&port={port}"
    finally:
        subprocess.run([*as_user, pg_ctl, "-D", str(data), "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


def test_catalogue_on_postgresql(pg_url: str, tmp_path: Path) -> None:
    rows = [record("tn-1", description="ورشة خزف في نابل", offers="poterie émaillée"),
            record("fr-1", country="FR", description="concept store in Lyon", offers="ceramics distribution")]
    cat = Catalogue.open(Settings(db=pg_url, index_dir=tmp_path / "index"), encoder=FakeEncoder())
    report = cat.ingest([*rows, record("bad", country="XX")], atomic=True)
    assert report.written == 0 and repo.count_profiles(cat.engine) == 0
    report = cat.ingest(rows)
    assert report.inserted == 2 and not report.errors
    assert repo.load_profiles(cat.engine)[1].description == "ورشة خزف في نابل"  # UTF-8 round trip
    hits, eligible = cat.search("ceramics distribution", k=1, view="offers")
    assert hits[0].id == "fr-1" and eligible == 2
    again = cat.ingest(rows)
    assert (again.updated, again.encoded) == (2, 0)
