"""Saving the per-view indexes beside the database, with a manifest that says what they were built from;
anything stale, missing or corrupt is reported as ``None`` so the caller rebuilds.

Any number of processes may save and load at once (two ``ccimatch serve`` on one database). Each save
writes a new version folder ``v<catalogue version>-<random>/`` (the .faiss files and manifest.json), then
publishes it by replacing the small pointer file ``CURRENT`` (written aside, then ``os.replace``: atomic).
Nothing is ever renamed over a folder another process may be reading or writing; the former design (swap
the whole folder through ``<dir>.old``) failed with ENOTEMPTY when two processes saved at once. Folders
that are not current are removed once they have been out of use for :data:`KEEP_SECONDS`.

A version folder may also hold the catalogue's columnar snapshot (``*.npy`` and ``names.json``, see
:mod:`storage.snapshot`); then :func:`load_published` serves index and columns from the catalogue version and
the database's identity alone, without reading a profile. Files are memory-mapped, never read into memory
(FAISS ``IO_FLAG_MMAP_IFC``, ``np.load(mmap_mode="r")``): loading is instant and every process on the machine
shares one copy in the page cache. A load checks file sizes, not SHA-256 (hashing the 10 GB of a 1M catalogue
took longer than the 10 s start-up target); the checksums are still written, and checked for a manifest
written before sizes were recorded."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import shutil
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from embeddings.columns import load_columns, save_columns
from embeddings.index_faiss import FaissIndex, write_flat
from matcher.protocols import VectorIndex

MANIFEST = "manifest.json"
VERIFIED = ".verified"  # in a version folder: its checksums were compared and matched (by any process)
POINTER = "CURRENT"  # names the published version folder
KEEP_SECONDS = 60.0  # a superseded version stays this long: a process that just read the pointer can open it
VERIFY_BELOW = 256 << 20  # folders smaller than this have their checksums compared at load (~0.5 s at most)
BUILD_KEEP_SECONDS = 3600.0  # an unfinished build folder (.tmp-*) older than this was left by a crash


@dataclass(frozen=True, kw_only=True)
class Manifest:
    model_id: str
    dim: int
    rows: int  # profiles
    catalogue_version: int
    ids_sha256: str  # checksum of the row order (profile ids)
    files: dict[str, dict[str, Any]]  # index name -> {"sha256": ..., "rows": ..., "bytes": ...}
    database: str = ""  # the database's identity (storage.db UID_KEY); "" if saved without a snapshot
    snapshot: dict[str, Any] | None = None  # {"format": n, "kinds": {field: kind}, "files": {name: bytes},
    #                                          "sha256": {name: hex}}


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


@dataclass(frozen=True, kw_only=True)
class Published:
    """What :func:`load_published` maps: the indexes and the snapshot's columns (memory maps) and names."""

    manifest: Manifest
    folder: Path
    indexes: dict[str, FaissIndex]
    columns: dict[str, np.ndarray]
    names: list[str]
    verified: bool  # checksums compared already (small folders); otherwise see :func:`verify`


def save_indexes(directory: Path, indexes: Mapping[str, FaissIndex | VectorIndex], *, model_id: str, dim: int,
                 ids: list[str], catalogue_version: int, columns: dict[str, np.ndarray] | None = None,
                 kinds: dict[str, str] | None = None, names: list[str] | None = None,
                 database: str = "", snapshot_format: int = 0,
                 before_publish: Callable[[Path], object] | None = None) -> Manifest:
    """Write every view (and, when given, the snapshot's ``columns`` of ``kinds`` and the ``names``) to a new
    version folder, let ``before_publish`` add files to it (the int8 pre-scan's codes,
    :mod:`embeddings.prescan_publish`), and publish it by replacing the pointer; then remove superseded folders
    that nobody can still be opening (see :func:`cleanup`)."""
    directory.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=directory))
    try:
        files: dict[str, dict[str, Any]] = {}
        verified = True  # every file hashed as written here, or linked from a verified folder
        for name, index in indexes.items():
            path = tmp / f"{name}.faiss"
            linked = _link(index, path)
            if linked is not None:
                source = index.source if isinstance(index, FaissIndex) else None
                verified = verified and source is not None and (source.parent / VERIFIED).is_file()
            files[name] = linked or _write(index, path)
        snap = None
        if columns is not None and kinds is not None and names is not None and database:
            written = save_columns(tmp, columns, names)
            snap = {"format": snapshot_format, "kinds": kinds, "files": written,
                    "sha256": {name: _sha256(tmp / name) for name in written}}
        manifest = Manifest(model_id=model_id, dim=dim, rows=len(ids), catalogue_version=catalogue_version,
                            ids_sha256=ids_checksum(ids), files=files, database=database, snapshot=snap)
        (tmp / MANIFEST).write_text(json.dumps(asdict(manifest), indent=2))
        if verified:  # the checksums were just computed from these files: no process need hash them again
            mark_verified(tmp)
        if before_publish is not None:
            before_publish(tmp)
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


def _write(index: FaissIndex | VectorIndex, path: Path) -> dict[str, Any]:
    """Save a FAISS index; stream any other index's vectors into a flat index file (a compaction)."""
    if isinstance(index, FaissIndex):
        index.save(path)
    else:
        write_flat(path, index.vectors, len(index), index.dim)
    return {"sha256": _sha256(path), "rows": len(index), "bytes": path.stat().st_size}


def _link(index: FaissIndex | VectorIndex, path: Path) -> dict[str, Any] | None:
    """Hard-link the published file ``index`` was loaded from (and its IVF file) instead of writing it again:
    publishing a snapshot beside an index saved without one costs no copy of the vectors. None if the index was
    not loaded from a published file whose manifest entry is known, or linking fails (another file system)."""
    source = index.source if isinstance(index, FaissIndex) else None
    if source is None or not source.is_file():
        return None
    try:
        manifest = json.loads((source.parent / MANIFEST).read_text())
        meta = dict(manifest["files"][source.name.removesuffix(".faiss")])
        if meta.get("rows") != len(index):
            return None
        os.link(source, path)
        ivf = source.with_name(source.name + ".ivf")
        if ivf.is_file():
            os.link(ivf, path.with_name(path.name + ".ivf"))
    except (OSError, ValueError, KeyError, TypeError):
        for stale in (path, path.with_name(path.name + ".ivf")):
            stale.unlink(missing_ok=True)
        return None
    return {**meta, "bytes": path.stat().st_size}


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


def published_manifest(directory: Path) -> Manifest | None:
    """The manifest of the published folder (one small read), or None: to know its version before mapping it."""
    try:
        folder = current_folder(directory)
        return None if folder is None else Manifest(**json.loads((folder / MANIFEST).read_text()))
    except Exception:
        return None


def load_published(directory: Path, *, model_id: str, catalogue_version: int, database: str,
                   snapshot_format: int, verify_below: int | None = None, older: bool = False,
                   **index_params: Any) -> Published | None:
    """The published indexes and snapshot if they were saved from this database (its identity) at this
    catalogue version (``older``: at this version or before it) for this model, memory-mapped; None otherwise
    or on any problem (the caller then loads from the database). The version counts every write (bumped in
    the write's own transaction), so the same database at the same version holds the same profiles: nothing
    else needs reading to trust the files.

    Sizes are always checked; checksums only when the folder holds fewer than ``verify_below`` bytes (default
    :data:`VERIFY_BELOW`; else
    ``verified`` is false and the caller runs :func:`verify` in the background: hashing the ~10 GB of a 1M
    catalogue takes longer than the start-up target)."""
    try:
        folder = current_folder(directory)
        if folder is None or not database:
            return None
        manifest = Manifest(**json.loads((folder / MANIFEST).read_text()))
        snap = manifest.snapshot
        if (manifest.model_id != model_id
                or not (manifest.catalogue_version <= catalogue_version if older
                        else manifest.catalogue_version == catalogue_version)
                or manifest.database != database or not snap or snap.get("format") != snapshot_format):
            return None
        columns, names = load_columns(folder, snap["files"])
        indexes = _open_indexes(folder, manifest, check_sha=False, **index_params)
        if indexes is None or len(names) != manifest.rows:
            return None
        total = sum(int(m.get("bytes", 0)) for m in manifest.files.values()) + sum(snap["files"].values())
        verify_below = VERIFY_BELOW if verify_below is None else verify_below
        if total < verify_below and not verify(folder, manifest):
            return None
        verified = total < verify_below or (folder / VERIFIED).is_file()
        return Published(manifest=manifest, folder=folder, indexes=indexes, columns=columns, names=names,
                         verified=verified)
    except Exception:  # not loadable is an answer, never an error
        return None


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
    found = _open_indexes(folder, manifest, check_sha=True, **index_params)  # the slow path anyway: reads every profile
    if found is not None:
        mark_verified(folder)
    return found


def mark_verified(folder: Path) -> None:
    """Record that ``folder``'s checksums matched, so the other processes of the machine skip hashing it."""
    with contextlib.suppress(OSError):
        (folder / VERIFIED).touch()


def verify(folder: Path, manifest: Manifest) -> bool:
    """Whether every file of the manifest (indexes, IVF excepted, and snapshot) has its recorded SHA-256."""
    try:
        sums = {f"{name}.faiss": meta.get("sha256") for name, meta in manifest.files.items()}
        sums |= (manifest.snapshot or {}).get("sha256", {})
        return all(_sha256(folder / name) == digest for name, digest in sums.items())
    except FileNotFoundError:  # superseded and removed meanwhile: not a damaged file
        return True
    except OSError:
        return False


def _open_indexes(folder: Path, manifest: Manifest, *, check_sha: bool, **index_params: Any
                  ) -> dict[str, FaissIndex] | None:
    """Every index of the manifest, memory-mapped, if each file has its recorded size (``check_sha``: its
    recorded SHA-256)."""
    indexes = {}
    for name, meta in manifest.files.items():
        path = folder / f"{name}.faiss"
        if not path.is_file():
            return None
        if (_sha256(path) != meta.get("sha256")) if check_sha else (path.stat().st_size != meta.get("bytes")):
            return None
        index = FaissIndex.load(path, **index_params)
        if len(index) != meta.get("rows") or index.dim != manifest.dim:
            return None
        indexes[name] = index
    return indexes
