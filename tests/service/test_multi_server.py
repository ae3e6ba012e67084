"""Many servers, one database (issue 19 point 1): two real ``ccimatch serve`` processes on loopback share one
database (a SQLite file in WAL mode, and a throw-away PostgreSQL cluster) and one published index folder. A write
through either is seen by the next request on the other; two processes writing the same profile at the same
moment leave one of the two writes in the database and both indexes agree with it (the last write wins); two
imports at once both land; an event's scheduling job started through both at once runs once (the database's
one-running-job-per-event index), and a stop asked through the other server ends it. Last, a soak of mixed
traffic on both for a bounded time: no 5xx, every acknowledged write is in the database and no refused one is, a
duplicate id is refused with 409 even when both processes create it at the same moment, and afterwards each
server's index agrees with the database (and a process starting afterwards reaches the database's catalogue
version and ids from the published index).

The servers start once per database kind (a module-scoped pair, the soak last: it stops them); this file took in
tests/service/http/test_concurrent_servers.py, which started two more servers per kind for the soak alone
(under load on 2 cores: the two files took 287 s of pytest, this one 228 s, 165 s with a torch thread per server)."""

from __future__ import annotations

import csv
import io
import secrets
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, func, select, text

from embeddings.store import ids_checksum
from service.catalogue import Catalogue, default_index_dir, ingest
from service.events import EventService
from service.settings import Settings
from storage import jobs as job_store
from storage import repository as repo
from storage.db import open_database
from tests.conftest import SAMPLE, FakeEncoder
from tests.service import traffic as soak
from tests.service.events.test_jobs import hard_event
from tests.service.servers import Server, create_key
from tests.service.traffic import body_of

pytestmark = pytest.mark.model

SEED = 10  # sample profiles imported through server A (it encodes them) before the tests
SOAK_SEED = 30  # profiles ingested in this process, before the servers start (the catalogue and index exist)
DURATION = 10.0  # seconds of concurrent traffic (the bug report saw 1 failure in 131 writes over 15 s)
WRITERS = 2  # writer threads per server in the soak
FRESH = ("IS", "NO", "CH")  # countries absent from the sample data: a test's profiles there are the only ones eligible
TOPICS = ("Fonderie de bijoux en argent et en pierre de lave, pièces uniques.",
          "Studio de cinéma d'animation, courts métrages en stop motion.",
          "Maison d'édition de livres d'art et de bandes dessinées.")


def sample_rows() -> list[dict[str, str]]:
    with SAMPLE.open(encoding="utf-8") as fh:
        return [r for r in csv.DictReader(fh) if r["kind"] != "cluster"]


def all_rows() -> list[dict[str, str]]:
    with SAMPLE.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def soak_seed() -> list[dict[str, str]]:
    """Every k-th sample row (clusters too): the catalogue the servers start on."""
    rows = all_rows()
    return rows[:: len(rows) // SOAK_SEED][:SOAK_SEED]


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

    def __init__(self, db: str, index_dir: Path, folder: Path, seed: list[dict[str, str]]) -> None:
        self.db, self.index_dir, self.seed = db, index_dir, seed
        # one torch thread each, their share of the 2 cores (as ``serve --workers 2`` gives its workers): two
        # servers encoding at once with 2 threads each oversubscribed the cores
        env = {"CCIMATCH_INDEX_DIR": str(index_dir), "CCIMATCH_THREADS": "1"}
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
def pair(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, real_encoder: Any) -> Iterator[Pair]:
    """Two servers started on a catalogue and index ingested in this process (with the shared model), then
    ``SEED`` more sample profiles imported through server A (it encodes them)."""
    folder = tmp_path_factory.mktemp(f"multi-{request.param}")
    db = fresh_database(request.param, folder, request)
    # SQLite: the index beside the file (the default); PostgreSQL: a folder given through CCIMATCH_INDEX_DIR
    index_dir = default_index_dir(Settings(db=db)) if request.param == "sqlite" else folder / "pg.index"
    seed = soak_seed()
    cat = Catalogue.open(Settings(db=db, index_dir=index_dir), encoder=real_encoder)
    report = ingest(cat, seed, atomic=True)
    cat.engine.dispose()
    assert not report.errors, report.errors[:3]
    started = Pair(db, index_dir, folder, seed)
    seeded = {r["id"] for r in seed}
    imported = [r for r in sample_rows() if r["id"] not in seeded][:SEED]
    try:
        started.start()
        r = started.clients[0].post("/profiles/import", files={"file": ("seed.csv", csv_bytes(imported))})
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


def test_a_soak_of_mixed_traffic_on_both_servers_loses_no_write(pair: Pair, real_encoder: Any) -> None:
    """Writers, a racer and a reader per server for ``DURATION`` seconds; then the database holds exactly the
    profiles it held before plus what was acknowledged, and each index agrees with it. Runs last for its
    database kind: it stops the servers to check what a process starting afterwards reads."""
    started = time.monotonic()
    db, index_dir, servers = pair.db, pair.index_dir, pair.servers
    seed = pair.seed
    seed_ids = [r["id"] for r in seed]
    templates = [r for r in all_rows() if r["kind"] != "cluster"]
    headers = {"X-API-Key": pair.key}
    engine = open_database(db)
    before = {p.id for p in repo.load_profiles(engine)}  # the seed, and what the tests above left (an event's)
    assert set(seed_ids) <= before

    traffic = soak.Traffic()
    deadline = time.monotonic() + DURATION
    barrier = threading.Barrier(2)
    clients = [httpx.Client(base_url=s.url, headers=headers, timeout=60) for s in servers]
    threads = []
    for i, client in enumerate(clients):
        threads += [threading.Thread(target=soak.writer, args=(client, traffic, i, n, templates, seed_ids, deadline))
                    for n in range(WRITERS)]
        threads.append(threading.Thread(target=soak.racer, args=(client, traffic, i, templates[i], barrier, deadline)))
        threads.append(threading.Thread(target=soak.reader, args=(client, traffic, i, seed_ids, deadline)))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    traffic_done = time.monotonic()

    counts = Counter((o.op, o.status) for o in traffic.outcomes)
    writes = sum(n for (op, _), n in counts.items() if op in ("create", "put", "delete", "conflict", "race"))
    summary = (f"{len(traffic.outcomes)} requests ({writes} writes): {dict(sorted(counts.items()))}\n"
               f"server errors:\n{soak.server_errors(servers)}")
    failed = [o for o in traffic.outcomes if o.status >= 500 or o.status == 0]
    assert not failed, f"{len(failed)} requests failed, e.g. {failed[:3]}\n{summary}"
    unexpected = [o for o in traffic.outcomes if o.op != "race" and o.status != soak.EXPECTED_STATUS[o.op]]
    assert not unexpected, f"unexpected answers, e.g. {unexpected[:3]}\n{summary}"
    assert counts[("create", 201)] >= 10 and counts[("conflict", 409)] >= 2, summary
    for round_, outcomes in traffic.races.items():
        if len(outcomes) == 2:
            assert sorted(o.status for o in outcomes) == [201, 409], f"race round {round_}: {outcomes}\n{summary}"

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
    assert set(stored) == before | {p for p, d in traffic.expected.items() if d} | {
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
        body = body_of(templates[2 + i], id=f"fresh-{i}", country=FRESH[i],
                       description=f"Fabrique de bijoux en argent et en pierre de lave ({FRESH[i]}).")
        assert mine.post("/profiles", json=body).status_code == 201
        r = other.post("/suggestions", json={"text": body["description"], "countries": [FRESH[i]], "k": 5})
        assert r.status_code == 200 and [s["id"] for s in r.json()["suggestions"]][:1] == [f"fresh-{i}"], r.text
    for client in clients:
        client.close()
    for server in servers:
        server.stop()

    ids = sorted(p.id for p in repo.load_profiles(engine))
    version = repo.catalogue_version(engine)
    # Writes are spliced into the published base (service/catalogue/incremental.py), not published one by one:
    # the base may be older, but a process starting now gets the database's version and ids from it.
    manifest = soak.published_manifest(index_dir)
    assert manifest["catalogue_version"] <= version
    fresh = Catalogue.open(Settings(db=db, index_dir=index_dir), encoder=real_encoder)
    st = fresh.state()
    assert st.version == version
    assert sorted(st.arrays.ids.tolist()) == ids and ids_checksum(st.arrays.ids.tolist()) == ids_checksum(
        [p.id for p in st.profiles])
    fresh.engine.dispose()
    engine.dispose()
    print(f"\n{db.split('://')[0] if '://' in db else 'sqlite'}: {summary.splitlines()[0]}; "
          f"races {len(traffic.races)}; total {time.monotonic() - started:.1f} s "
          f"(traffic {traffic_done - started:.1f} s)")
