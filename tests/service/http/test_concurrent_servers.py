"""Two real ``ccimatch serve`` processes on one database, with writers and readers on both for a bounded
time: no 5xx, every acknowledged write is in the database and no refused one is, a duplicate id is refused
with 409 even when both processes create it at the same moment, and afterwards each server's index agrees
with the database (and a process starting afterwards reaches the database's catalogue version and ids from the
published index)."""

from __future__ import annotations

import csv
import json
import random
import re
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from embeddings.store import ids_checksum
from service.catalogue import Catalogue, default_index_dir, ingest
from service.settings import Settings
from storage import repository as repo
from storage.db import open_database
from tests.conftest import SAMPLE
from tests.service.servers import Server, create_key

pytestmark = pytest.mark.model

DURATION = 10.0  # seconds of concurrent traffic (the bug report saw 1 failure in 131 writes over 15 s)
WRITERS, SEED_ROWS = 2, 30  # writer threads per server; profiles in the catalogue before the traffic
FRESH_COUNTRIES = ("IS", "NO")  # absent from the sample data: a profile created there is the only one eligible
_LISTS = ("sectors", "offers", "needs", "partnership_types", "languages", "members")


def body_of(row: dict[str, str], **changes: Any) -> dict[str, Any]:
    """A sample CSV row as the JSON body of POST /profiles."""
    out: dict[str, Any] = {k: ([x for x in v.split(";") if x] if k in _LISTS else v) for k, v in row.items()}
    out["size"] = int(out["size"]) if out["size"] else None
    return {**out, **changes}


@dataclass
class Outcome:
    server: int
    op: str
    profile_id: str
    status: int  # 0: no HTTP answer (connection error, timeout)
    detail: str = ""


@dataclass
class Traffic:
    """What every thread did, and what the database must hold because of it."""

    outcomes: list[Outcome] = field(default_factory=list)
    expected: dict[str, str | None] = field(default_factory=dict)  # id -> description, None: must be absent
    races: dict[int, list[Outcome]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, outcome: Outcome) -> None:
        with self.lock:
            self.outcomes.append(outcome)


def call(client: httpx.Client, traffic: Traffic, server: int, op: str, profile_id: str, method: str, path: str,
         **kwargs: Any) -> int:
    try:
        r = client.request(method, path, **kwargs)
        status, detail = r.status_code, r.text[:300] if r.status_code >= 300 else ""
    except httpx.HTTPError as exc:
        status, detail = 0, repr(exc)
    traffic.record(Outcome(server, op, profile_id, status, detail))
    return status


def writer(client: httpx.Client, traffic: Traffic, server: int, number: int, templates: list[dict[str, str]],
           seed_ids: list[str], deadline: float) -> None:
    """Creates its own ids, updates and deletes some of them, and tries to create ids that exist (409)."""
    rng = random.Random(f"{server}-{number}")
    mine: dict[str, str] = {}  # live ids -> description, as acknowledged by the server
    created = 0
    while time.monotonic() < deadline:
        roll = rng.random()
        if roll < 0.15:
            pid = rng.choice(seed_ids)
            body = body_of(rng.choice(templates), id=pid, description=f"must never be written {pid}")
            call(client, traffic, server, "conflict", pid, "POST", "/profiles", json=body)
        elif roll < 0.25 and mine:
            pid = rng.choice(sorted(mine))
            if call(client, traffic, server, "delete", pid, "DELETE", f"/profiles/{pid}") == 204:
                del mine[pid]
                traffic.expected[pid] = None
        elif roll < 0.5 and mine:
            pid = rng.choice(sorted(mine))
            text = f"{body_of(rng.choice(templates))['description']} Update {rng.randrange(10**6)}."
            body = body_of(rng.choice(templates), id=pid, description=text)
            if call(client, traffic, server, "put", pid, "PUT", f"/profiles/{pid}", json=body) == 200:
                mine[pid] = traffic.expected[pid] = text
        else:
            created += 1
            pid = f"w{server}{number}-{created:04d}"
            template = rng.choice(templates)
            text = f"{template['description']} Atelier {pid}."
            traffic.expected.setdefault(pid, None)
            if call(client, traffic, server, "create", pid, "POST", "/profiles",
                    json=body_of(template, id=pid, description=text)) == 201:
                mine[pid] = traffic.expected[pid] = text


def racer(client: httpx.Client, traffic: Traffic, server: int, template: dict[str, str], barrier: threading.Barrier,
          deadline: float) -> None:
    """Both servers create the same new id at the same moment, round after round: one 201, one 409."""
    round_ = 0
    try:
        while time.monotonic() < deadline:
            barrier.wait(timeout=60)
            pid = f"race-{round_:04d}"
            body = body_of(template, id=pid, description=f"{template['description']} Written by server {server}.")
            status = call(client, traffic, server, "race", pid, "POST", "/profiles", json=body)
            with traffic.lock:
                traffic.races.setdefault(round_, []).append(Outcome(server, "race", pid, status))
            round_ += 1
    except threading.BrokenBarrierError:
        pass
    finally:
        barrier.abort()  # the other racer stops too


def reader(client: httpx.Client, traffic: Traffic, server: int, seed_ids: list[str], deadline: float) -> None:
    rng = random.Random(f"reader-{server}")
    while time.monotonic() < deadline:
        pid = rng.choice(seed_ids)
        call(client, traffic, server, "get", pid, "GET", f"/profiles/{pid}")
        call(client, traffic, server, "suggest", pid, "GET", f"/profiles/{pid}/suggestions", params={"k": 10})


EXPECTED_STATUS = {"create": 201, "put": 200, "delete": 204, "conflict": 409, "get": 200, "suggest": 200}


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, Path]:
    """(database, index folder) for the servers: a SQLite file (index beside it), or a fresh PostgreSQL
    database (index under tmp_path, given to the servers through CCIMATCH_INDEX_DIR)."""
    if request.param == "sqlite":
        db = str(tmp_path / "shared.db")
        return db, default_index_dir(Settings(db=db))
    return str(request.getfixturevalue("pg_url")), tmp_path / "pg.index"


@pytest.fixture
def servers(database: tuple[str, Path], tmp_path: Path) -> Iterator[list[Server]]:
    db, index_dir = database
    env = {"CCIMATCH_INDEX_DIR": str(index_dir)}
    started = [Server(db, log=tmp_path / f"server-{i}.log", env=env) for i in range(2)]
    yield started
    for server in started:
        server.kill()


def server_errors(servers: list[Server]) -> str:
    """The last line of every traceback in the servers' logs, counted."""
    found: Counter[str] = Counter()
    for server in servers:
        lines = server.log_text().splitlines()
        for i, line in enumerate(lines):
            if line.startswith("Traceback"):
                end = next((j for j in range(i + 1, len(lines)) if re.match(r"^\w[\w.]*(Error|Exception)", lines[j])),
                           None)
                found[lines[end] if end is not None else "?"] += 1
    return "\n".join(f"{n} x {text[:300]}" for text, n in found.most_common(8))


def published_manifest(index_dir: Path) -> dict[str, Any]:
    """The manifest of the index version the CURRENT pointer names."""
    version = (index_dir / "CURRENT").read_text().strip()
    return dict(json.loads((index_dir / version / "manifest.json").read_text()))


def test_two_servers_on_one_database(servers: list[Server], database: tuple[str, Path], real_encoder: Any) -> None:
    started = time.monotonic()
    db, index_dir = database
    with SAMPLE.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    seed = rows[:: len(rows) // SEED_ROWS][:SEED_ROWS]
    seed_ids = [r["id"] for r in seed]
    templates = [r for r in rows if r["kind"] != "cluster"]
    # the catalogue and its index exist before the servers start (in this process, with the shared model)
    ingest(Catalogue.open(Settings(db=db, index_dir=index_dir), encoder=real_encoder), seed, atomic=True)
    headers = {"X-API-Key": create_key(db)}
    for server in servers:
        server.launch()
    for server in servers:
        server.wait_ready()
    ready_at = time.monotonic()

    traffic = Traffic()
    deadline = time.monotonic() + DURATION
    barrier = threading.Barrier(2)
    clients = [httpx.Client(base_url=s.url, headers=headers, timeout=60) for s in servers]
    threads = []
    for i, client in enumerate(clients):
        threads += [threading.Thread(target=writer, args=(client, traffic, i, n, templates, seed_ids, deadline))
                    for n in range(WRITERS)]
        threads.append(threading.Thread(target=racer, args=(client, traffic, i, templates[i], barrier, deadline)))
        threads.append(threading.Thread(target=reader, args=(client, traffic, i, seed_ids, deadline)))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    traffic_done = time.monotonic()

    counts = Counter((o.op, o.status) for o in traffic.outcomes)
    writes = sum(n for (op, _), n in counts.items() if op in ("create", "put", "delete", "conflict", "race"))
    summary = (f"{len(traffic.outcomes)} requests ({writes} writes): {dict(sorted(counts.items()))}\n"
               f"server errors:\n{server_errors(servers)}")
    failed = [o for o in traffic.outcomes if o.status >= 500 or o.status == 0]
    assert not failed, f"{len(failed)} requests failed, e.g. {failed[:3]}\n{summary}"
    unexpected = [o for o in traffic.outcomes if o.op != "race" and o.status != EXPECTED_STATUS[o.op]]
    assert not unexpected, f"unexpected answers, e.g. {unexpected[:3]}\n{summary}"
    assert counts[("create", 201)] >= 10 and counts[("conflict", 409)] >= 2, summary
    for round_, outcomes in traffic.races.items():
        if len(outcomes) == 2:
            assert sorted(o.status for o in outcomes) == [201, 409], f"race round {round_}: {outcomes}\n{summary}"

    engine = open_database(db)
    stored = {p.id: p for p in repo.load_profiles(engine)}
    # every acknowledged write is there, every refused or undone one is not
    for pid, description in traffic.expected.items():
        if description is None:
            assert pid not in stored, f"{pid} was never acknowledged (or was deleted) but is stored\n{summary}"
        else:
            assert pid in stored and stored[pid].description == description, f"{pid}: lost write\n{summary}"
    for row in seed:
        assert stored[row["id"]].description == row["description"], "a refused create (409) changed a profile"
    for round_, outcomes in traffic.races.items():
        winners = [o.server for o in outcomes if o.status == 201]
        if winners:
            assert stored[f"race-{round_:04d}"].description.endswith(f"Written by server {winners[0]}.")
    assert set(stored) == set(seed_ids) | {p for p, d in traffic.expected.items() if d} | {
        f"race-{r:04d}" for r, outs in traffic.races.items() if any(o.status == 201 for o in outs)}

    # each server's index agrees with the database once the writers have stopped
    for client in clients:
        r = client.get(f"/profiles/{seed_ids[0]}/suggestions", params={"k": 100})
        assert r.status_code == 200
        assert {s["id"] for s in r.json()["suggestions"]} <= set(stored)
        ready = client.get("/ready").json()
        assert ready["index_fresh"] and ready["profiles"] == len(stored)
    # a profile created on one server is found by the other's suggestions
    for i, (mine, other) in enumerate([clients, clients[::-1]]):
        body = body_of(templates[2 + i], id=f"fresh-{i}", country=FRESH_COUNTRIES[i],
                       description=f"Fabrique de bijoux en argent et en pierre de lave ({FRESH_COUNTRIES[i]}).")
        assert mine.post("/profiles", json=body).status_code == 201
        r = other.post("/suggestions", json={"text": body["description"], "countries": [FRESH_COUNTRIES[i]], "k": 5})
        assert r.status_code == 200 and [s["id"] for s in r.json()["suggestions"]][:1] == [f"fresh-{i}"], r.text
    for client in clients:
        client.close()
    for server in servers:
        server.stop()

    ids = sorted(p.id for p in repo.load_profiles(engine))
    version = repo.catalogue_version(engine)
    # Writes are spliced into the published base (service/catalogue/incremental.py), not published one by one:
    # the base may be older, but a process starting now gets the database's version and ids from it.
    manifest = published_manifest(index_dir)
    assert manifest["catalogue_version"] <= version
    fresh = Catalogue.open(Settings(db=db, index_dir=index_dir), encoder=real_encoder)
    st = fresh.state()
    assert st.version == version
    assert sorted(st.arrays.ids.tolist()) == ids and ids_checksum(st.arrays.ids.tolist()) == ids_checksum(
        [p.id for p in st.profiles])
    fresh.engine.dispose()
    engine.dispose()
    print(f"\n{db.split('://')[0] if '://' in db else 'sqlite'}: servers ready in {ready_at - started:.1f} s; "
          f"{summary.splitlines()[0]}; races {len(traffic.races)}; total {time.monotonic() - started:.1f} s "
          f"(traffic {traffic_done - ready_at:.1f} s)")
