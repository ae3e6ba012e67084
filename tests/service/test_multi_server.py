"""Many servers, one database (issue 19 point 1): two real ``ccimatch serve`` processes on loopback share one
database (a SQLite file in WAL mode, and a throw-away PostgreSQL cluster) and one published index folder. A write
through either is seen by the next request on the other; two processes writing the same profile at the same
moment leave one of the two writes in the database and both indexes agree with it (the last write wins); two
imports at once both land; an event's scheduling job started through both at once runs once (the database's
one-running-job-per-event index), and a stop asked through the other server ends it.

The longer soak of mixed traffic on two servers is tests/service/http/test_concurrent_servers.py."""

from __future__ import annotations

import csv
import io
import secrets
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, func, select, text

from service.catalogue import Catalogue
from service.events import EventService
from service.settings import Settings
from storage import jobs as job_store
from storage import repository as repo
from storage.db import open_database
from tests.conftest import SAMPLE, FakeEncoder
from tests.service.events.test_jobs import hard_event
from tests.service.http.test_concurrent_servers import body_of
from tests.service.servers import Server, create_key

pytestmark = pytest.mark.model

SEED = 10  # sample profiles imported through server A (it encodes them) before the tests
FRESH = ("IS", "NO", "CH")  # countries absent from the sample data: a test's profiles there are the only ones eligible
TOPICS = ("Fonderie de bijoux en argent et en pierre de lave, pièces uniques.",
          "Studio de cinéma d'animation, courts métrages en stop motion.",
          "Maison d'édition de livres d'art et de bandes dessinées.")


def sample_rows() -> list[dict[str, str]]:
    with SAMPLE.open(encoding="utf-8") as fh:
        return [r for r in csv.DictReader(fh) if r["kind"] != "cluster"]


def csv_bytes(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def fresh_database(kind: str, folder: Path, request: pytest.FixtureRequest) -> str:
    if kind == "sqlite":
        return str(folder / "shared.db")
    server: str = request.getfixturevalue("pg_server")
    name = f"t_{secrets.token_hex(6)}"
    engine = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {name}"))
    finally:
        engine.dispose()
    return server.replace("/postgres?", f"/{name}?", 1)


class Pair:
    """Two servers on one database and one index folder, an admin key, a client for each."""

    def __init__(self, db: str, index_dir: Path, folder: Path) -> None:
        self.db, self.index_dir = db, index_dir
        env = {"CCIMATCH_INDEX_DIR": str(index_dir)}
        self.servers = [Server(db, log=folder / f"server-{i}.log", env=env) for i in range(2)]
        self.key = create_key(db)
        self.clients = [httpx.Client(base_url=s.url, headers={"X-API-Key": self.key}, timeout=300)
                        for s in self.servers]

    def start(self) -> None:
        for server in self.servers:
            server.launch()
        for server in self.servers:
            server.wait_ready()

    def close(self) -> None:
        for client in self.clients:
            client.close()
        for server in self.servers:
            server.stop()


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def pair(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    folder = tmp_path_factory.mktemp(f"multi-{request.param}")
    started = Pair(fresh_database(request.param, folder, request), folder / "index", folder)
    try:
        started.start()
        r = started.clients[0].post("/profiles/import", files={"file": ("seed.csv", csv_bytes(sample_rows()[:SEED]))})
        assert r.status_code == 200 and r.json()["written"] == SEED, r.text
        yield started
    finally:
        started.close()


def at_once(*calls: Callable[[], httpx.Response]) -> list[httpx.Response]:
    """Run the calls in threads released together; their responses in order."""
    barrier = threading.Barrier(len(calls))
    out: list[httpx.Response | BaseException] = [RuntimeError("not run")] * len(calls)

    def run(i: int) -> None:
        barrier.wait(timeout=60)
        try:
            out[i] = calls[i]()
        except BaseException as exc:  # reported below, in the test's thread
            out[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for result in out:
        if isinstance(result, BaseException):
            raise result
    return out  # type: ignore[return-value]


def profile(pid: str, country: str, description: str) -> dict[str, Any]:
    """A firm in ``country`` named after its id (two of one name and country are near-duplicates: one is shown)."""
    return body_of(sample_rows()[0], id=pid, name=f"Atelier {pid}", country=country, description=description)


def ranked(client: httpx.Client, query: str, country: str) -> dict[str, float]:
    """Draft suggestions for ``query`` among the profiles of ``country``: id -> score."""
    r = client.post("/suggestions", json={"text": query, "countries": [country], "k": 10})
    assert r.status_code == 200, r.text
    return {s["id"]: s["score"] for s in r.json()["suggestions"]}


def test_a_write_through_one_server_is_seen_by_the_next_request_on_the_other(pair: Pair) -> None:
    a, b = pair.clients
    for writer, reader, pid in ((a, b, "ms-a"), (b, a, "ms-b")):
        body = profile(pid, FRESH[0], TOPICS[0] + f" ({pid})")
        assert writer.post("/profiles", json=body).status_code == 201
        got = reader.get(f"/profiles/{pid}")
        assert got.status_code == 200 and got.json()["description"] == body["description"]
        assert pid in ranked(reader, body["description"], FRESH[0])
        assert reader.delete(f"/profiles/{pid}").status_code == 204
        assert writer.get(f"/profiles/{pid}").status_code == 404
        assert pid not in ranked(writer, body["description"], FRESH[0])


def test_two_servers_writing_one_profile_at_once_leave_one_write_that_both_indexes_agree_with(pair: Pair) -> None:
    """Each round, A and B replace the same profile at the same moment with different texts. A decoy beside it
    holds the other text, so a search for each text tells which text a server's index holds for the profile:
    the stored one must rank first for its own text, the decoy for the other."""
    a, b = pair.clients
    engine = open_database(pair.db)
    try:
        for round_ in range(2):
            pid, decoy, country = f"race-{round_}", f"decoy-{round_}", FRESH[1]
            texts = [f"{TOPICS[1]} Round {round_}.", f"{TOPICS[2]} Round {round_}."]
            bodies = [profile(pid, country, t) for t in texts]
            statuses = at_once(*(lambda c=c, body=body: c.put(f"/profiles/{body['id']}", json=body)
                                 for c, body in zip((a, b), bodies, strict=True)))
            assert [r.status_code for r in statuses] == [200, 200], [r.text for r in statuses]
            stored = {p.id: p.description for p in repo.load_profiles(engine)}[pid]
            assert stored in texts
            other = texts[1 - texts.index(stored)]
            assert a.put(f"/profiles/{decoy}", json=profile(decoy, country, other)).status_code == 200
            for client in (a, b):
                assert client.get(f"/profiles/{pid}").json()["description"] == stored
                for query, first in ((stored, pid), (other, decoy)):
                    scores = ranked(client, query, country)
                    assert set(scores) == {pid, decoy} and max(scores, key=scores.__getitem__) == first, (
                        f"{client.base_url}: for {query!r} {scores}, stored {stored!r}")
            assert b.delete(f"/profiles/{decoy}").status_code == 204
            assert b.delete(f"/profiles/{pid}").status_code == 204
    finally:
        engine.dispose()


def test_two_imports_at_once_both_land(pair: Pair) -> None:
    """Two files of new ids (the sample's texts: nothing to encode) imported through A and B at once."""
    a, b = pair.clients
    rows = sample_rows()[:SEED]
    files = [[{**r, "id": f"imp-{side}-{i}", "country": FRESH[2]} for i, r in enumerate(rows)] for side in "ab"]
    responses = at_once(
        *(lambda c=c, f=f: c.post("/profiles/import", files={"file": ("more.csv", csv_bytes(f))})
          for c, f in zip((a, b), files, strict=True)))
    assert [r.status_code for r in responses] == [200, 200], [r.text for r in responses]
    assert [r.json()["inserted"] for r in responses] == [SEED, SEED]
    engine = open_database(pair.db)
    try:
        stored = {p.id for p in repo.load_profiles(engine)}
    finally:
        engine.dispose()
    wanted = {r["id"] for f in files for r in f}
    assert wanted <= stored
    for client in (a, b):
        assert client.get("/ready").json()["profiles"] == len(stored)
        found = ranked(client, rows[0]["description"], FRESH[2])
        assert found and set(found) <= wanted
        assert all(client.get(f"/profiles/{pid}").status_code == 200 for pid in wanted)
    for client, f in zip((a, b), files, strict=True):
        for r in f:
            assert client.delete(f"/profiles/{r['id']}").status_code == 204


def signed_in(client: httpx.Client, key: str, page: str) -> str:
    """Signs the client in with a key (a personal link) and returns the CSRF token of ``page``."""
    assert client.get(f"/en/key/{key}").status_code == 303
    assert client.get(page).status_code == 200
    return str(client.cookies["ccimatch_csrf"])


def test_an_events_scheduling_job_runs_once_when_both_servers_are_asked(pair: Pair, tmp_path: Path) -> None:
    """A hard event (no proof within a minute, so the first job still runs when the second start arrives):
    both servers' schedule pages are posted at once; one job exists, owned by one of the two processes, both
    pages show it, and a stop through the server that does not run it ends it."""
    side = Catalogue.open(Settings(db=pair.db, index_dir=tmp_path / "side-index"), encoder=FakeEncoder())
    eid = hard_event(EventService(side))  # its profiles are encoded by the servers when they next read
    side.engine.dispose()
    clients = [httpx.Client(base_url=s.url, timeout=300) for s in pair.servers]
    try:
        page = f"/en/organise/{eid}/schedule"
        tokens = [signed_in(c, pair.key, page) for c in clients]
        form = {"fairness": "2", "time_limit": "600"}
        posted = at_once(*(lambda c=c, t=t: c.post(page, data={**form, "csrf_token": t})
                           for c, t in zip(clients, tokens, strict=True)))
        assert [r.status_code for r in posted] == [303, 303], [r.text[:300] for r in posted]
        engine = open_database(pair.db)
        try:
            with engine.connect() as conn:
                count = conn.scalar(select(func.count()).select_from(job_store.ScheduleJobRow.__table__)
                                    .where(job_store.ScheduleJobRow.event_id == eid))
            job = job_store.latest(engine, eid)
            assert count == 1 and job is not None and job.state == "running", (count, job)
            owners = [s.proc.pid for s in pair.servers if s.proc is not None]
            owner = int(job.owner.rsplit(":", 1)[1])
            assert owner in owners
            for c in clients:
                assert c.get(f"{page}/progress").status_code == 200
            stopper = clients[1 - owners.index(owner)]
            assert stopper.post(f"{page}/stop", data={"csrf_token": tokens[clients.index(stopper)]}).status_code == 303
            final = job_store.get(engine, job.id)
            for _ in range(300):
                if final is not None and final.state != "running":
                    break
                threading.Event().wait(0.2)
                final = job_store.get(engine, job.id)
            assert final is not None and final.state == "stopped", final
            with engine.connect() as conn:
                assert conn.scalar(select(func.count()).select_from(job_store.ScheduleJobRow.__table__)
                                   .where(job_store.ScheduleJobRow.event_id == eid)) == 1
        finally:
            engine.dispose()
    finally:
        for c in clients:
            c.close()
