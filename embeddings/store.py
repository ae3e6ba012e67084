"""Saving the per-view indexes beside the database, with a manifest that says what they were
built from; anything stale, missing or corrupt is reported as ``None`` so the caller rebuilds."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from embeddings.index_faiss import FaissIndex

MANIFEST = "manifest.json"


@dataclass(frozen=True, kw_only=True)
class Manifest:
    model_id: str
    dim: int
    rows: int  # profiles
    catalogue_version: int
    ids_sha256: str  # checksum of the row order (profile ids)
    files: dict[str, dict[str, Any]]  # index name -> {"sha256": ..., "rows": ...}


def ids_checksum(ids: list[str]) -> str:
    return hashlib.sha256("\n".join(ids).encode()).hexdigest()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 22), b""):
            digest.update(block)
    return digest.hexdigest()


def save_indexes(directory: Path, indexes: dict[str, FaissIndex], *, model_id: str, dim: int,
                 ids: list[str], catalogue_version: int) -> Manifest:
    """Write every view to a new folder, then swap it in with one rename."""
    directory.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{directory.name}-", dir=directory.parent))
    try:
        files: dict[str, dict[str, Any]] = {}
        for name, index in indexes.items():
            index.save(tmp / f"{name}.faiss")
            files[name] = {"sha256": _sha256(tmp / f"{name}.faiss"), "rows": len(index)}
        manifest = Manifest(model_id=model_id, dim=dim, rows=len(ids), catalogue_version=catalogue_version,
                            ids_sha256=ids_checksum(ids), files=files)
        (tmp / MANIFEST).write_text(json.dumps(asdict(manifest), indent=2))
        old = directory.with_name(directory.name + ".old")
        if directory.exists():
            os.replace(directory, old)
        os.replace(tmp, directory)
        shutil.rmtree(old, ignore_errors=True)
        return manifest
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def load_indexes(directory: Path, *, model_id: str, ids: list[str], catalogue_version: int,
                 **index_params: Any) -> dict[str, FaissIndex] | None:
    """The saved indexes if they match this model, these rows and this catalogue version."""
    try:
        manifest = Manifest(**json.loads((directory / MANIFEST).read_text()))
    except (OSError, ValueError, TypeError):
        return None
    if (manifest.model_id != model_id or manifest.catalogue_version != catalogue_version
            or manifest.rows != len(ids) or manifest.ids_sha256 != ids_checksum(ids)):
        return None
    indexes = {}
    for name, meta in manifest.files.items():
        path = directory / f"{name}.faiss"
        if not path.is_file() or _sha256(path) != meta.get("sha256"):
            return None
        index = FaissIndex.load(path, **index_params)
        if len(index) != meta.get("rows") or index.dim != manifest.dim:
            return None
        indexes[name] = index
    return indexes
