"""A CLI command that exits while the int8 pre-scan codes are still being built in the background thread exits
cleanly: the build is stopped and joined at exit, nothing half-written is left. A daemon thread left inside
numpy's C++ code while the interpreter was torn down aborted the process ("terminate called without an active
exception", exit status 134) in about half of the ``ccimatch search`` runs on a 50k catalogue without saved codes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from service.catalogue import Catalogue, ingest
from service.settings import Settings
from tests.conftest import ROOT, FakeEncoder, record

# The real CLI entry point, with the fake encoder (as the in-process CLI tests) and a background build held back
# until the process exits: its gate opens in an exit hook that runs before the pre-scan's own, and each of its
# chunks (one row) then takes 0.1 s, so the build is certainly still running when the process tears down.
# ``report`` is registered first, so it runs last: it says whether a build thread outlived the exit hooks.
SCRIPT = """
import atexit, sys, threading, time

def report():
    alive = [t.name for t in threading.enumerate() if t.name == "ccimatch-prescan" and t.is_alive()]
    print("builds alive after exit hooks:", alive, flush=True)

atexit.register(report)

from embeddings import prescan
from embeddings.index_faiss import FaissIndex
from service.catalogue import Catalogue
from service.cli import common, main
from service.settings import Settings
from tests.conftest import FakeEncoder

gate = threading.Event()
atexit.register(gate.set)
prescan.CHUNK = 1
read = FaissIndex.vectors

def held(self, rows):
    if threading.current_thread().name == "ccimatch-prescan":
        gate.wait()
        time.sleep(0.1)
    return read(self, rows)

FaissIndex.vectors = held
common.open_catalogue = lambda db: Catalogue.open(Settings(db=db), encoder=FakeEncoder())
sys.argv = ["ccimatch", *sys.argv[1:]]
main()
"""


def test_a_cli_command_exiting_during_a_background_build_exits_cleanly(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    cat = Catalogue.open(Settings(db=str(db)), encoder=FakeEncoder())
    countries = ["TN", "FR", "EG", "IT", "MA", "ES"]
    rows = [record(f"p-{i}", country=countries[i % len(countries)], languages="fr;en") for i in range(12)]
    assert not ingest(cat, rows).errors
    cat.state()  # the index published beside the database: the build would save its codes there
    cat.engine.dispose()

    done = subprocess.run([sys.executable, "-c", SCRIPT, "suggest", "p-0", "--db", str(db), "--json"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)

    assert done.returncode == 0, done.stderr[-2000:]
    assert '"suggestions"' in done.stdout  # the command did its work
    for text in ("terminate called", "Fatal Python error", "Traceback", "Aborted"):
        assert text not in done.stderr
    assert "builds alive after exit hooks: []" in done.stdout  # stopped and joined, not left to the teardown
    assert not list(tmp_path.rglob("*.int8*"))  # the interrupted build saved nothing, not even a part
