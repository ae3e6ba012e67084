"""Saving the per-view indexes beside the database, with a manifest that says what they were built from;
anything stale, missing or corrupt is reported as ``None`` so the caller rebuilds.

Any number of processes may save and load at once (two ``ccimatch serve`` on one database). Each save
writes a new version folder ``v<catalogue version>-<random>/`` (the .faiss files and manifest.json), then
publishes it by replacing the small pointer file ``CURRENT`` (written aside, then ``os.replace``: atomic).
Nothing is ever renamed over a folder another process may be reading or writing; the former design (swap
the whole folder through ``<dir>.old``) failed with ENOTEMPTY when two processes saved at once. Folders
that are not current are removed once they have been out of use for :data:`KEEP_SECONDS`."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from embeddings.index_faiss import FaissIndex

MANIFEST = "manifest.json"
POINTER = "CURRENT"  # names the published version folder
KEEP_SECONDS = 60.0  # a superseded version stays this long: a process that just read the pointer can open it
BUILD_KEEP_SECONDS = 3600.0  # an unfinished build folder (.tmp-*) older than this was left by a crash


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


def current_folder(directory: Path) -> Path | None:
    """The published version folder (what ``CURRENT`` names), or None if there is none or it is invalid."""
    try:
        name = (directory / POINTER).read_text().strip()
    except (OSError, UnicodeDecodeError):
        return None
    if not name.startswith("v") or "/" in name or "\\" in name or name in (".", ".."):
        return None
    return directory / name


def save_indexes(directory: Path, indexes: dict[str, FaissIndex], *, model_id: str, dim: int,
                 ids: list[str], catalogue_version: int) -> Manifest:
    """Write every view to a new version folder and publish it by replacing the pointer; then remove
    superseded folders that nobody can still be opening (see :func:`cleanup`)."""
    directory.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=directory))
    try:
        files: dict[str, dict[str, Any]] = {}
        for name, index in indexes.items():
            index.save(tmp / f"{name}.faiss")
            files[name] = {"sha256": _sha256(tmp / f"{name}.faiss"), "rows": len(index)}
        manifest = Manifest(model_id=model_id, dim=dim, rows=len(ids), catalogue_version=catalogue_version,
                            ids_sha256=ids_checksum(ids), files=files)
        (tmp / MANIFEST).write_text(json.dumps(asdict(manifest), indent=2))
        folder = directory / f"v{catalogue_version}-{secrets.token_hex(4)}"
        os.rename(tmp, folder)
        os.utime(folder)  # its age counts from now (see cleanup)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    previous = current_folder(directory)
    pointer = directory / f".{POINTER}-{secrets.token_hex(4)}"
    pointer.write_text(folder.name)
    os.replace(pointer, directory / POINTER)
    if previous is not None and previous != folder:
        with contextlib.suppress(OSError):  # superseded just now: whoever read the pointer before gets KEEP_SECONDS
            os.utime(previous)
    cleanup(directory)
    return manifest


def _age(path: Path, now: float) -> float:
    """Seconds since the folder or any file in it last changed (a file being written keeps it young)."""
    newest = path.stat().st_mtime
    for entry in os.scandir(path):
        newest = max(newest, entry.stat(follow_symlinks=False).st_mtime)
    return now - newest


def cleanup(directory: Path, *, keep_seconds: float = KEEP_SECONDS) -> list[str]:
    """Remove version folders that are not current and unchanged for ``keep_seconds`` (a superseded folder is
    touched when the pointer moves away from it), unfinished builds older than an hour, stray pointer temp
    files, and the files of the former single-folder layout. Returns the names removed. Never raises: a
    folder that another process removes first, or is still writing, is simply skipped."""
    current = current_folder(directory)
    now = time.time()
    removed: list[str] = []
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return removed
    for entry in entries:
        path = Path(entry.path)
        try:
            if not _expired(entry, current, now, keep_seconds):
                continue
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(path)
            else:
                path.unlink()
            removed.append(entry.name)
        except OSError:
            continue
    return removed


def _expired(entry: os.DirEntry[str], current: Path | None, now: float, keep_seconds: float) -> bool:
    """Whether :func:`cleanup` may remove this entry of the index folder."""
    path = Path(entry.path)
    if entry.is_dir(follow_symlinks=False):
        if entry.name.startswith("v"):
            return path != current and _age(path, now) > keep_seconds
        return entry.name.startswith(".tmp-") and _age(path, now) > max(keep_seconds, BUILD_KEEP_SECONDS)
    if entry.name.startswith(f".{POINTER}-"):
        return now - entry.stat().st_mtime > keep_seconds
    return entry.name == MANIFEST or entry.name.endswith((".faiss", ".faiss.ivf"))  # the former single-folder layout


def load_indexes(directory: Path, *, model_id: str, ids: list[str], catalogue_version: int,
                 **index_params: Any) -> dict[str, FaissIndex] | None:
    """The published indexes if they match this model, these rows and this catalogue version. Any problem
    (no pointer, a folder removed meanwhile, a truncated file, bad JSON, a faiss error) gives None."""
    try:
        return _load(directory, model_id=model_id, ids=ids, catalogue_version=catalogue_version, **index_params)
    except Exception:  # not loadable is an answer, never an error: the caller rebuilds from the database
        return None


def _load(directory: Path, *, model_id: str, ids: list[str], catalogue_version: int,
          **index_params: Any) -> dict[str, FaissIndex] | None:
    folder = current_folder(directory)
    if folder is None:
        return None
    manifest = Manifest(**json.loads((folder / MANIFEST).read_text()))
    if (manifest.model_id != model_id or manifest.catalogue_version != catalogue_version
            or manifest.rows != len(ids) or manifest.ids_sha256 != ids_checksum(ids)):
        return None
    indexes = {}
    for name, meta in manifest.files.items():
        path = folder / f"{name}.faiss"
        if not path.is_file() or _sha256(path) != meta.get("sha256"):
            return None
        index = FaissIndex.load(path, **index_params)
        if len(index) != meta.get("rows") or index.dim != manifest.dim:
            return None
        indexes[name] = index
    return indexes
