"""Mixed concurrent traffic on two real servers for the end-to-end tests (tests/service/test_multi_server.py):
writer, racer and reader threads, and what the database must hold because of what each server acknowledged."""

from __future__ import annotations

import json
import random
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.service.servers import Server

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
