"""Gathers of stored vectors (embeddings.gather), through FaissIndex.vectors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import embeddings.gather as gather
from embeddings.index_faiss import FaissIndex


def test_a_large_gather_in_parts_equals_the_one_thread_gather(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """FaissIndex.vectors from GATHER_ROWS rows reads in parts side by side: the same vectors, in memory and from a
    mapped file, and the same error for a row out of range."""
    x = np.random.default_rng(3).standard_normal((500, 16)).astype(np.float32)
    built = FaissIndex(x)
    built.save(tmp_path / "x.faiss")
    mapped = FaissIndex.load(tmp_path / "x.faiss")
    rows = np.random.default_rng(4).integers(0, 500, 300)
    monkeypatch.setattr(gather, "GATHER_ROWS", 10)
    for index in (built, mapped):
        assert np.array_equal(index.vectors(rows), x[rows])
        assert np.array_equal(index.vectors(np.sort(rows)), x[np.sort(rows)])
        with pytest.raises(IndexError):
            index.vectors(np.append(rows, 500))


def test_the_pages_of_a_mapped_gather_asked_ahead_change_nothing(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A mapped index's pages asked ahead (MADV_WILLNEED), here after they were dropped from the page cache so the
    probe finds them missing: the same vectors."""
    import os

    x = np.random.default_rng(5).standard_normal((4000, 64)).astype(np.float32)
    FaissIndex(x).save(tmp_path / "x.faiss")
    fd = os.open(tmp_path / "x.faiss", os.O_RDONLY)
    try:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)
    mapped = FaissIndex.load(tmp_path / "x.faiss")
    assert mapped.mapped
    rows = np.random.default_rng(6).integers(0, 4000, 2000)
    monkeypatch.setattr(gather, "GATHER_ROWS", 10)
    gather.ask_ahead(mapped._x, rows)
    assert np.array_equal(mapped.vectors(rows), x[rows])
