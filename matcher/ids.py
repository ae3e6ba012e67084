"""Rows of profile ids in a sorted id column (catalogue arrays, graphs): binary searches, in bulk or one at a time.

A wanted id longer than the column's string width is in no row, and is never cut to a stored one; the column is
never widened to a longer id's type (a copy of the whole column per call: 35 ms at 1M rows, under load)."""

from __future__ import annotations

import numpy as np


def rows_of_ids(ids: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """(m,) int64 row of each of ``wanted`` (m,) in the sorted ``ids`` (n,), -1 where absent."""
    wanted = np.asarray(wanted, dtype=str)
    if not len(wanted) or not len(ids):
        return np.full(len(wanted), -1, np.int64)
    if ids.dtype.kind != "U":  # e.g. an object column: compared as Python strings, nothing to cut
        at = np.minimum(np.searchsorted(ids, wanted), len(ids) - 1)
        return np.where(ids[at] == wanted, at, -1).astype(np.int64)
    fits = np.char.str_len(wanted) <= ids.dtype.itemsize // 4  # a longer id is in no row (and must not be cut)
    cut = np.where(fits, wanted, "").astype(ids.dtype)
    at = np.minimum(np.searchsorted(ids, cut), len(ids) - 1)
    return np.where(fits & (ids[at] == cut), at, -1).astype(np.int64)


def row_of_id(ids: np.ndarray, profile_id: str) -> int:
    """The row of ``profile_id`` in the sorted ``ids``, -1 if absent."""
    return int(rows_of_ids(ids, np.array([profile_id], dtype=str))[0])
