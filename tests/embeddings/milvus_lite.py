"""One milvus-lite database for the test session (started on first use, in a temporary folder)."""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from pathlib import Path


@functools.cache
def milvus_uri() -> str:
    """A ``.db`` path: pymilvus starts milvus-lite's server for it in this process on first use."""
    folder = Path(tempfile.mkdtemp(prefix="ccimatch-milvus-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return str(folder / "test.db")
