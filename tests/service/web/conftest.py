"""Browser tests: a real uvicorn server on a loopback port serving the sample catalogue, and Debian's headless
Chromium driven by Playwright (``make test`` installs the ``chromium`` package when it is missing; these
tests never skip)."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
                 "--disable-background-networking", "--disable-component-update"]
PHONE = {"width": 375, "height": 667}
DESKTOP = {"width": 1280, "height": 900}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    """The app (API and pages) in a uvicorn thread on 127.0.0.1."""

    def __init__(self, app: Any) -> None:
        import uvicorn

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the web server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture(scope="session")
def web(sample_catalogue: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The whole app on the sample catalogue (real encoder), with an admin, an editor and an organiser key."""
    from service.http import create_app
    from service.settings import Settings

    settings = Settings(db=str(sample_catalogue.engine.url.database))
    with LiveServer(create_app(settings, catalogue=sample_catalogue)) as server:
        yield server


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    assert executable, "Debian's chromium is missing: 'make test' installs it (apt-get install chromium)"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium: Any) -> Iterator[Any]:
    """A fresh browser context (no cookies) at desktop size."""
    context = chromium.new_context(viewport=DESKTOP)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def phone(chromium: Any) -> Iterator[Any]:
    """A fresh browser context at the size of a small phone (375 × 667)."""
    context = chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    yield page
    context.close()


def serious_violations(page: Any) -> list[str]:
    """What axe-core finds serious or critical on the page (none is the goal)."""
    from axe_playwright_python.sync_playwright import Axe

    result = Axe().run(page)
    return [f"{v['id']}: {v['help']} ({len(v['nodes'])} node(s), e.g. {v['nodes'][0]['html'][:120]})"
            for v in result.response["violations"] if v.get("impact") in ("serious", "critical")]


def direction(page: Any) -> tuple[str | None, str]:
    """The page's dir attribute and the computed direction of its main column."""
    return (page.get_attribute("html", "dir"),
            page.evaluate("getComputedStyle(document.querySelector('main')).direction"))
