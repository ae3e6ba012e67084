"""Hypothesis strategies shared by the property tests: hostile bytes and records, and files made of them."""

from __future__ import annotations

import csv
import io
import json
import os
from typing import Any

from hypothesis import strategies as st

from matcher.profile import FIELDS
from matcher.text import printable

EXAMPLES = int(os.environ.get("CCIMATCH_FUZZ_EXAMPLES", "8"))  # small in make test, 200 in make fuzz
FORMATS = (".csv", ".xlsx", ".json", ".jsonl", ".parquet")

# texts a careless or hostile user sends: controls, bidi overrides, Arabic, formulas, separators, surrogates
NASTY = ["\x00", "\x07", "\x1b[31m", "\u202e", "\u2028", "\x85", "\ud800", "=HYPERLINK(\"x\")", "+cmd|'/C calc'!A0",
         ";", ",", "\"", "\n", "\r\n", "\t", "دار الخزف", "Société", "🏺", "NA", "[1, 2", "[\"crafts\"]"]
text = st.one_of(st.text(max_size=40), st.sampled_from(NASTY),
                 st.lists(st.sampled_from([*NASTY, "crafts", "MA", "firm", "tn-1"]), max_size=4).map("".join))
scalar = st.one_of(text, st.none(), st.booleans(), st.integers(-10**12, 10**12), st.floats(allow_nan=True))
value = st.one_of(scalar, st.lists(scalar, max_size=4), st.dictionaries(text, scalar, max_size=2))
keys = st.one_of(st.sampled_from((*FIELDS, "from_id", "to_id", "priority", "message", "state", "expires_at")), text)
records = st.lists(st.dictionaries(keys, value, max_size=8), max_size=6)


def _plain(v: Any) -> str:
    if v is None:
        return ""
    return v if isinstance(v, str) else json.dumps(v, ensure_ascii=True) if isinstance(v, list | dict) else str(v)


def _clean(text: str) -> str:
    """What a spreadsheet can hold: valid UTF-8, no control characters."""
    return printable(text.encode("utf-8", "replace").decode())


def as_file(rows: list[dict[str, Any]], suffix: str) -> bytes:
    """``rows`` written as a file of this type, as faithfully as the format allows (CSV and spreadsheets
    hold text; Excel cannot hold control characters; UTF-8 cannot hold lone surrogates)."""
    if suffix == ".json":
        return json.dumps(rows, ensure_ascii=True).encode()
    if suffix == ".jsonl":
        return b"".join(json.dumps(r, ensure_ascii=True).encode() + b"\n" for r in rows)
    columns = list(dict.fromkeys(str(k) for r in rows for k in r)) or ["id"]
    cells = [[_plain(r.get(c)) for c in columns] for r in [{str(k): v for k, v in r.items()} for r in rows]]
    if suffix == ".csv":
        out = io.StringIO()
        csv.writer(out).writerows([columns, *cells])
        return out.getvalue().encode("utf-8", errors="surrogatepass")  # lone surrogates: invalid UTF-8 bytes
    buffer = io.BytesIO()
    if suffix == ".xlsx":
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.worksheets[0]
        for row in [columns, *cells]:
            sheet.append([_clean(c) for c in row])
        book.save(buffer)
    else:
        import pyarrow as pa
        import pyarrow.parquet as pq

        arrays = [pa.array([_clean(row[i]) for row in cells], pa.string()) for i in range(len(columns))]
        pq.write_table(pa.table(arrays, names=[_clean(c) for c in columns]), buffer)
    return buffer.getvalue()
