"""Rows of ids in a sorted column: present, absent, longer than the column's width, empty, object columns."""

from __future__ import annotations

import numpy as np

from matcher.ids import row_of_id, rows_of_ids


def test_rows_of_ids_finds_present_ids_and_marks_the_rest() -> None:
    ids = np.array(["fr-1", "ma-2", "tn-3"])  # <U4
    wanted = np.array(["tn-3", "aa-0", "fr-1", "tn-3x", "zz-9", "ma-2"])
    assert rows_of_ids(ids, wanted).tolist() == [2, -1, 0, -1, -1, 1]
    assert row_of_id(ids, "ma-2") == 1
    assert row_of_id(ids, "tn-3-long") == -1  # longer than the width: never cut to "tn-3"
    assert rows_of_ids(ids, np.array([], dtype=str)).tolist() == []
    assert rows_of_ids(np.array([], dtype=str), np.array(["fr-1"])).tolist() == [-1]


def test_an_object_column_gives_the_same_rows() -> None:
    ids = np.array(["fr-1", "ma-2", "tn-3"], dtype=object)
    assert rows_of_ids(ids, np.array(["tn-3", "tn-3x", "fr-1"])).tolist() == [2, -1, 0]
