"""The core stays pure: importing every matcher module pulls in no heavy dependency."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import matcher

HEAVY = ("torch", "faiss", "fastapi", "sentence_transformers", "transformers", "sqlalchemy")


def test_matcher_imports_no_heavy_dependency() -> None:
    modules = [f"matcher.{m.name}" for m in pkgutil.iter_modules(matcher.__path__)]
    assert modules, "no matcher modules found"
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        f"print(','.join(h for h in {HEAVY!r} if h in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"matcher imported: {out.stdout.strip()}"
