"""Real ``ccimatch serve`` processes for the end-to-end tests: uvicorn on a loopback port, the real model."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.conftest import ROOT

CLI = [sys.executable, "-c", "from service.cli import main; main()"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def create_key(db: str | Path, role: str = "admin") -> str:
    """A new API key for ``db``, made by the real CLI."""
    return subprocess.run([*CLI, "keys", "create", "--role", role, "--db", str(db)], cwd=ROOT,
                          capture_output=True, text=True, check=True).stdout.strip()


class Server:
    """One ``ccimatch serve`` process. Its log goes to a file, not a pipe: a busy server writes an access
    line per request and would block once an unread pipe is full."""

    def __init__(self, db: str | Path, *, log: Path | None = None, env: dict[str, str] | None = None) -> None:
        self.db, self.port = db, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log or Path(str(db)).with_name(f"server-{self.port}.log")
        self.env = env or {}
        self.proc: subprocess.Popen[bytes] | None = None

    def launch(self) -> None:
        """Start the process without waiting for it (see :meth:`wait_ready`)."""
        env = {**os.environ, "HF_HUB_OFFLINE": "1", **self.env}
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen([*CLI, "serve", "--db", str(self.db), "--port", str(self.port)], cwd=ROOT,
                                         env=env, stdout=subprocess.DEVNULL, stderr=log)

    def wait_ready(self, timeout: float = 120) -> None:
        assert self.proc is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server died:\n{self.log_text()[-4000:]}")
            try:
                if httpx.get(f"{self.url}/ready", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise TimeoutError("server not ready")

    def start(self) -> None:
        self.launch()
        self.wait_ready()

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it has not exited within 10 s."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
