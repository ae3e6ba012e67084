"""The real server: uvicorn on a loopback port, an import over HTTP, a kill -9 in the middle of the
next import, a restart that finds database and index consistent."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pandas as pd
import pytest

from tests.conftest import ROOT, SAMPLE

pytestmark = pytest.mark.model
CLI = [sys.executable, "-c", "from service.cli import main; main()"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self, db: Path) -> None:
        self.db, self.port = db, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {**os.environ, "HF_HUB_OFFLINE": "1"}
        self.proc = subprocess.Popen([*CLI, "serve", "--db", str(self.db), "--port", str(self.port)], cwd=ROOT,
                                     env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(self.proc.stderr.read().decode() if self.proc.stderr else "server died")
            try:
                if httpx.get(f"{self.url}/ready", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise TimeoutError("server not ready")

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    srv = Server(tmp_path / "served.db")
    yield srv
    srv.kill()


def test_import_kill_restart_consistent(server: Server, tmp_path: Path) -> None:
    key = subprocess.run([*CLI, "keys", "create", "--role", "admin", "--db", str(server.db)], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout.strip()
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
