"""Fixtures shared by the service tests: a small event catalogue and its event service, and the event CLI and
HTTP clients on it."""

from __future__ import annotations

from pathlib import Path

import pytest

from matcher import scheduling
from service.catalogue import Catalogue, ingest
from service.events import (
    EventService,
)
from service.settings import Settings
from tests.conftest import FakeEncoder, cli_invoker
from tests.service.events.helpers import PROFILES


@pytest.fixture
def catalogue(tmp_path: Path) -> Catalogue:
    cat = Catalogue.open(Settings(db=str(tmp_path / "events.db")), encoder=FakeEncoder())
    report = ingest(cat, PROFILES, atomic=True)
    assert not report.errors
    return cat


@pytest.fixture
def svc(catalogue: Catalogue) -> EventService:
    return EventService(catalogue)


@pytest.fixture
def captured(monkeypatch: pytest.MonkeyPatch) -> list[tuple[scheduling.Instance, scheduling.Schedule]]:
    """Every (instance, schedule) the service solves."""
    seen: list[tuple[scheduling.Instance, scheduling.Schedule]] = []
    import service.events.scheduling as module

    def spy(instance: scheduling.Instance, **kw: object) -> scheduling.Schedule:
        result = scheduling.solve(instance, **kw)  # type: ignore[arg-type]
        seen.append((instance, result))
        return result

    monkeypatch.setattr(module, "solve", spy)
    return seen


@pytest.fixture
def event_cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], catalogue: Catalogue):

    from service.cli import common

    monkeypatch.setattr(common, "open_catalogue", lambda db: catalogue)
    return cli_invoker(monkeypatch, capsys, "event")


@pytest.fixture
def event_api(tmp_path: Path, catalogue: Catalogue):
    from fastapi.testclient import TestClient

    from service.http import create_app
    from storage.keys import create_key

    settings = Settings(db=str(tmp_path / "events.db"), open_reads=True)
    app = create_app(settings, catalogue=catalogue)
    headers = {role: {"X-API-Key": create_key(catalogue.engine, role)}
               for role in ("reader", "editor", "organiser", "admin")}
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, headers
