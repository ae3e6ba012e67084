"""The real server: uvicorn on a loopback port, an import over HTTP, a kill -9 in the middle of the
next import, a restart that finds database and index consistent."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pandas as pd
import pytest

from tests.conftest import SAMPLE
from tests.service.servers import Server, create_key

pytestmark = pytest.mark.model


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    srv = Server(tmp_path / "served.db")
    yield srv
    srv.kill()


def test_import_kill_restart_consistent(server: Server, tmp_path: Path) -> None:
    key = create_key(server.db)
    headers = {"X-API-Key": key}
    frame = pd.read_csv(SAMPLE, dtype=str, keep_default_na=False)
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    frame.iloc[:40].to_csv(first, index=False)
    frame.iloc[40:].to_csv(second, index=False)
    server.start()
    with first.open("rb") as fh:
        r = httpx.post(f"{server.url}/profiles/import?atomic=true", files={"file": ("first.csv", fh)},
                       headers=headers, timeout=120)
    assert r.status_code == 200 and r.json()["inserted"] == 40
    some_id = frame.iloc[0]["id"]
    s = httpx.get(f"{server.url}/profiles/{some_id}/suggestions?k=5", headers=headers, timeout=30)
    assert s.status_code == 200 and s.json()["suggestions"]

    def big_import() -> None:
        with second.open("rb") as fh, pytest.raises(httpx.HTTPError):
            httpx.post(f"{server.url}/profiles/import?atomic=true", files={"file": ("second.csv", fh)},
                       headers=headers, timeout=120)

    worker = threading.Thread(target=big_import)
    worker.start()
    time.sleep(3.0)  # the import is encoding by now
    server.kill()
    worker.join()

    server.start()  # start-up repairs the index from the database if they disagree
    ready = httpx.get(f"{server.url}/ready", timeout=10).json()
    assert ready["ready"] and ready["index_fresh"]
    assert ready["profiles"] in (40, len(frame)), "an atomic import must be all or nothing"
    page = httpx.get(f"{server.url}/profiles?limit=100", headers=headers, timeout=10).json()
    assert len(page["items"]) == min(ready["profiles"], 100)
    s = httpx.get(f"{server.url}/profiles/{some_id}/suggestions?k=5", headers=headers, timeout=30)
    assert s.status_code == 200 and s.json()["eligible"] >= 1
    with second.open("rb") as fh:  # and the import can simply be run again
        r = httpx.post(f"{server.url}/profiles/import?atomic=true", files={"file": ("second.csv", fh)},
                       headers=headers, timeout=300)
    assert r.status_code == 200 and r.json()["written"] == len(frame) - 40
    assert httpx.get(f"{server.url}/ready", timeout=10).json()["profiles"] == len(frame)
