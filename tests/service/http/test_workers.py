"""``ccimatch serve --workers 2``, a real gunicorn master with two uvicorn workers on one loopback port: a
write through one worker is seen by the next request on the other (a profile's GET, its suggestions, a draft
search, an update, a delete), both workers answer and are children of the master, the master's encoder is
shared with them (most of a worker's resident memory is not its own), and a worker dies with its master."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from service.http.workers import WORKER_HEADER
from tests.conftest import ROOT, SAMPLE
from tests.service.servers import CLI, Server, create_key
from tests.service.traffic import body_of

pytestmark = pytest.mark.model

ROWS = 12  # sample profiles imported through the server (encoded by it) before the tests
FRESH = "IS"  # absent from the sample data: a profile created there is the only one eligible


class Workers(Server):
    """``ccimatch serve --workers 2`` on a free loopback port."""

    def launch(self) -> None:
        env = {**os.environ, "HF_HUB_OFFLINE": "1", **self.env}
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen([*CLI, "serve", "--db", str(self.db), "--port", str(self.port),
                                          "--workers", "2"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                         stderr=log)


def worker_of(response: httpx.Response) -> int:
    return int(response.headers[WORKER_HEADER.decode()])


def parent_of(pid: int) -> int:
    with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
        return int(fh.read().rsplit(")", 1)[1].split()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Workers, dict[str, str]]]:
    folder = tmp_path_factory.mktemp("workers")
    db = folder / "workers.db"
    headers = {"X-API-Key": create_key(db)}
    started = Workers(db, log=folder / "server.log")
    started.start()
    with SAMPLE.open(encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["kind"] != "cluster"][:ROWS]
    upload = folder / "seed.csv"
    with upload.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    try:
        r = httpx.post(f"{started.url}/profiles/import", headers=headers, timeout=300,
                       files={"file": ("seed.csv", upload.read_bytes(), "text/csv")})
        assert r.status_code == 200 and r.json()["written"] == ROWS, r.text
        yield started, headers
    finally:
        started.stop()


@dataclass
class Pinned:
    """A keep-alive client and the worker its connection was accepted by (a connection stays with it)."""

    client: httpx.Client
    worker: int

    def __call__(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """The response, checked to come from this client's worker."""
        response = self.client.request(method, path, **kwargs)
        assert worker_of(response) == self.worker, "the keep-alive connection moved to another worker"
        return response


def two_workers(server: Workers, headers: dict[str, str]) -> tuple[Pinned, Pinned]:
    """Two clients whose connections were accepted by different workers."""
    first: Pinned | None = None
    for _ in range(200):
        client = httpx.Client(base_url=server.url, headers=headers, timeout=60)
        pinned = Pinned(client, worker_of(client.get("/health")))
        if first is None:
            first = pinned
        elif pinned.worker != first.worker:
            return first, pinned
        else:
            client.close()
    if first is not None:
        first.client.close()
    raise AssertionError("200 connections were all accepted by one worker")


@pytest.fixture
def pair(server: tuple[Workers, dict[str, str]]) -> Iterator[tuple[Pinned, Pinned]]:
    a, b = two_workers(*server)
    yield a, b
    a.client.close()
    b.client.close()


def profile_body(pid: str, description: str) -> dict[str, Any]:
    with SAMPLE.open(encoding="utf-8") as fh:
        template = next(r for r in csv.DictReader(fh) if r["kind"] == "firm")
    return body_of(template, id=pid, country=FRESH, description=description)


def test_both_workers_answer_and_are_children_of_the_master(server: tuple[Workers, dict[str, str]],
                                                             pair: tuple[Pinned, Pinned]) -> None:
    master = server[0].proc
    assert master is not None
    pids = {pinned.worker for pinned in pair}
    assert len(pids) == 2 and master.pid not in pids
    assert {parent_of(pid) for pid in pids} == {master.pid}
    for pinned in pair:
        ready = pinned("GET", "/ready").json()
        assert ready["ready"] and ready["index_fresh"] and ready["profiles"] >= ROWS


def test_a_write_through_one_worker_is_seen_by_the_next_request_on_the_other(
        pair: tuple[Pinned, Pinned]) -> None:
    a, b = pair
    for writer, reader, pid in ((a, b, "wk-a"), (b, a, "wk-b")):
        text = f"Atelier de bijoux en argent et en pierre de lave, fonderie {pid}."
        assert writer("POST", "/profiles", json=profile_body(pid, text)).status_code == 201
        got = reader("GET", f"/profiles/{pid}")
        assert got.status_code == 200 and got.json()["description"] == text
        found = reader("POST", "/suggestions", json={"text": text, "countries": [FRESH], "k": 5})
        assert found.status_code == 200 and pid in [s["id"] for s in found.json()["suggestions"]], found.text
        own = reader("GET", f"/profiles/{pid}/suggestions", params={"k": 5})
        assert own.status_code == 200 and own.json()["suggestions"], own.text

        changed = "Studio de cinéma d'animation, courts métrages en stop motion."
        assert reader("PUT", f"/profiles/{pid}", json=profile_body(pid, changed)).status_code == 200
        assert writer("GET", f"/profiles/{pid}").json()["description"] == changed
        assert writer("DELETE", f"/profiles/{pid}").status_code == 204
        assert reader("GET", f"/profiles/{pid}").status_code == 404
        found = reader("POST", "/suggestions", json={"text": changed, "countries": [FRESH], "k": 5})
        assert pid not in [s["id"] for s in found.json()["suggestions"]]


def test_the_workers_share_the_masters_encoder(server: tuple[Workers, dict[str, str]],
                                               pair: tuple[Pinned, Pinned]) -> None:
    """The encoder loaded before the fork stays shared: a worker's own pages (USS) are a small part of what
    it maps (RSS), which counts the shared model (~660 MB resident)."""
    for pinned in pair:
        rollup = Path(f"/proc/{pinned.worker}/smaps_rollup").read_text()
        kb = {line.split(":")[0]: int(line.split()[1]) for line in rollup.splitlines()[1:] if line.endswith("kB")}
        own = kb["Private_Clean"] + kb["Private_Dirty"]
        assert kb["Rss"] > 400_000 and own < kb["Rss"] / 2, kb


def test_a_worker_dies_with_its_master(server: tuple[Workers, dict[str, str]],
                                      pair: tuple[Pinned, Pinned]) -> None:
    """Even a master killed by SIGKILL (no chance to stop its workers) leaves no worker behind. The module's
    last test: it ends the server."""
    pids = [pinned.worker for pinned in pair]
    server[0].kill()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and [pid for pid in pids if alive(pid)]:
        time.sleep(0.2)
    left = [pid for pid in pids if alive(pid)]
    for pid in left:  # not to leave them running after a failure
        os.kill(pid, signal.SIGKILL)
    assert not left, "workers outlived their master"


def alive(pid: int) -> bool:
    """Whether the process runs (a zombie, waiting for nobody to reap it, does not)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
