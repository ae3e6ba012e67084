"""The core stays pure: matcher imports numpy and the solver libraries only, and pulls in no heavy dependency."""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

import matcher

# numpy, and the solver libraries of matcher.scheduling: OR-Tools (CP-SAT) and python-sat (RC2); scipy for the
# sparse matrix OR-Tools' LP model builder takes (matcher/joint_bound.py)
ALLOWED = ("numpy", "ortools", "pysat", "scipy")
HEAVY = ("torch", "sentence_transformers", "transformers", "faiss", "fastapi", "starlette", "sqlalchemy", "pandas",
         "httpx")
# ortools.sat.python.cp_model imports pandas itself (ortools 9.15 requires it): pandas is forbidden in matcher's
# own imports, but is in sys.modules whenever CP-SAT is.
PULLED_IN_BY_SOLVERS = ("pandas",)


def _third_party_imports(path: Path) -> set[str]:
    """Top-level names of the non-standard-library modules a source file imports (anywhere in it)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return {n for n in names if n not in sys.stdlib_module_names and n != "matcher"}


def test_matcher_imports_only_numpy_and_the_solver_libraries() -> None:
    files = sorted(Path(matcher.__file__).parent.rglob("*.py"))
    assert any(f.parent.name == "scheduling" for f in files), "the scheduling package is missing"
    found = {f"{f.relative_to(Path(matcher.__file__).parent.parent)}: {name}"
             for f in files for name in _third_party_imports(f) if name not in ALLOWED}
    assert not found, f"matcher imports beyond {', '.join(ALLOWED)}: {sorted(found)}"


def test_matcher_imports_no_heavy_dependency() -> None:
    modules = [m.name for m in pkgutil.walk_packages(matcher.__path__, "matcher.")]
    assert "matcher.scheduling.cpsat" in modules and "matcher.scheduling.maxsat" in modules
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        f"print(','.join(h for h in {HEAVY!r} if h in sys.modules and h not in {PULLED_IN_BY_SOLVERS!r}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"matcher imported: {out.stdout.strip()}"
