"""The int8 pre-scan's codes (:mod:`embeddings.prescan`) saved beside the published index file they were built from
(``<view>.faiss.int8.npy``, and the bound's constants in ``<view>.faiss.int8.json``, written last), so that a
process starting on a saved catalogue maps them instead of quantising every vector again. Published index files
never change, so the codes stay valid while the file's size and modification time are those recorded.

Measured at 1M profiles (2 cores, under load from other work): building the codes of the three scanned indexes
(1M + 2 x 1.85M rows of 384 dimensions) took ~45 s of CPU and, while it ran in the scan pool, made the first
suggestions after a start take 14-22 s; mapping the saved codes (1.8 GB, shared in the page cache by every
process) takes milliseconds. A folder that cannot be written (read-only deployment) only loses the saving."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger("ccimatch.prescan")

FORMAT = 1


def link_codes(source: Path, target: Path) -> bool:
    """Hard-link the codes saved beside ``source`` beside ``target`` (a hard link of the same file: a published
    index linked into the next version's folder); whether there were codes to link."""
    linked = []
    try:
        for old, new in zip(_paths(source), _paths(target), strict=True):
            if not old.is_file():
                break
            os.link(old, new)
            linked.append(new)
        else:
            return True
    except OSError:
        pass
    for path in linked:
        with contextlib.suppress(OSError):
            path.unlink()
    return False


def _paths(source: Path) -> tuple[Path, Path]:
    return source.with_name(source.name + ".int8.npy"), source.with_name(source.name + ".int8.json")


def _stamp(source: Path) -> dict[str, int]:
    stat = source.stat()
    return {"source_bytes": stat.st_size, "source_mtime_ns": stat.st_mtime_ns}


def load_codes(source: Path, *, rows: int, columns: int) -> tuple[np.ndarray, dict[str, float]] | None:
    """The codes (rows, columns) int8, memory-mapped read-only, and the constants {scale, residual, norm} saved
    for the index file ``source``; None if none are saved or they do not match the file as it is now."""
    codes_path, meta_path = _paths(source)
    try:
        meta = json.loads(meta_path.read_text())
        if meta.get("format") != FORMAT or {k: meta.get(k) for k in ("source_bytes", "source_mtime_ns")} != \
                _stamp(source):
            return None
        codes = np.load(codes_path, mmap_mode="r")
        constants = {k: float(meta[k]) for k in ("scale", "residual", "norm")}
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if codes.dtype != np.int8 or codes.shape != (rows, columns):
        return None
    return codes, constants


CHUNK_ROWS = 65_536  # rows written at a time by save_codes_from


def save_codes(source: Path, codes: np.ndarray, constants: dict[str, Any]) -> bool:
    """Save ``codes`` and ``constants`` beside ``source`` (each written aside and renamed into place, the
    constants last, so a reader finds both complete or neither); whether it was saved (failures are logged)."""
    return save_codes_from(source, codes.shape, lambda lo, hi: codes[lo:hi], constants)


def save_codes_from(source: Path, shape: tuple[int, int], rows: Callable[[int, int], np.ndarray],
                    constants: dict[str, Any]) -> bool:
    """:func:`save_codes` of the codes ``rows(lo, hi)`` gives ``CHUNK_ROWS`` rows at a time (never all in memory);
    an exception from ``rows`` removes what was written and propagates."""
    codes_path, meta_path = _paths(source)
    tag = f".tmp-{os.getpid()}-{secrets.token_hex(4)}"
    aside = [codes_path.with_name(codes_path.name + tag), meta_path.with_name(meta_path.name + tag)]
    try:
        out = np.lib.format.open_memmap(aside[0], mode="w+", dtype=np.int8, shape=shape)
        for lo in range(0, shape[0], CHUNK_ROWS):
            out[lo : lo + CHUNK_ROWS] = rows(lo, min(shape[0], lo + CHUNK_ROWS))
        out.flush()
        del out
        aside[1].write_text(json.dumps({"format": FORMAT, **_stamp(source),
                                        **{k: float(v) for k, v in constants.items()}}))
        os.replace(aside[0], codes_path)
        os.replace(aside[1], meta_path)
        return True
    except OSError:
        log.warning("could not save the int8 pre-scan beside %s; it is rebuilt by the next process", source,
                    exc_info=True)
        _remove(aside)
        return False
    except BaseException:  # e.g. a background build stopped at exit (embeddings.prescan): no part left behind
        _remove(aside)
        raise


def _remove(paths: list[Path]) -> None:
    for path in paths:
        with contextlib.suppress(OSError):
            path.unlink()
