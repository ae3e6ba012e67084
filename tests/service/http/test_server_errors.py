"""Unexpected failures through a real uvicorn server on loopback: a JSON 500, no traceback, and the
keep-alive connection still usable."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

from tests.service.servers import free_port


def test_an_unexpected_error_is_a_500_and_the_connection_stays_usable(tmp_path: Path) -> None:
    """Problem 4: after a 500 the keep-alive connection still answers (it was dropped: ECONNRESET)."""
    import uvicorn

    from service.catalogue import Catalogue
    from service.http import create_app
    from service.settings import Settings
    from tests.conftest import FakeEncoder

    settings = Settings(db=str(tmp_path / "k.db"))
    app = create_app(settings, catalogue=Catalogue.open(settings, encoder=FakeEncoder()))

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("a bug")

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="critical"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            answers: list[bytes] = []
            for path in ("/boom", "/health"):
                sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
                data = b""
                while b"\r\n\r\n" not in data or len(data.split(b"\r\n\r\n", 1)[1]) < int(
                        data.split(b"content-length: ", 1)[1].split(b"\r\n", 1)[0]):
                    chunk = sock.recv(65536)
                    assert chunk, f"connection closed after {answers}"
                    data += chunk
                answers.append(data)
        assert answers[0].startswith(b"HTTP/1.1 500") and b"internal error" in answers[0]
        assert b"Traceback" not in answers[0] and b"a bug" not in answers[0]
        assert answers[1].startswith(b"HTTP/1.1 200") and b'"ok"' in answers[1]
    finally:
        server.should_exit = True
        thread.join(10)
