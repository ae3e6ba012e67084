"""Reading records (profiles, participants, requests) from CSV, Excel, JSON, JSON Lines and Parquet files.

A file that cannot be read as a table of records raises :class:`FileFormatError` with one line naming the
file and the problem (and how to fix it where a user can: the encoding, the separator, the file type);
never another exception. Third-party parsers raise a zoo of exceptions on malformed input (BadZipFile,
KeyError, ArrowInvalid, RecursionError ...), so each reader's failures are caught whole and described."""

from __future__ import annotations

import codecs
import csv
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from matcher.errors import InvalidRequestError


class FileFormatError(InvalidRequestError):
    """The file cannot be read as a table of records (not a per-row problem)."""


SUFFIXES = (".csv", ".xlsx", ".xls", ".json", ".jsonl", ".parquet")
_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Excel 97-2003 (.xls) and other legacy Office files
_SEPARATORS = {";": "';'-separated", "\t": "tab-separated", "|": "'|'-separated"}


def read_records(path: Path) -> list[dict[str, Any]]:
    """Records in file order. Every cell is read as text so that codes like "NA" stay codes."""
    if not path.is_file():
        raise FileFormatError(f"{path}: no such file")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FileFormatError(f"{path}: cannot read: {_short(exc)}") from None
    return read_upload(str(path), data)


def read_upload(name: str, data: bytes) -> list[dict[str, Any]]:
    """:func:`read_records` of a file's bytes, e.g. an upload; ``name`` (as the sender called the file) gives
    the format by its suffix and starts every error message."""
    path = Path(name)
    suffix = path.suffix.lower()
    reader = _READERS.get(suffix)
    if reader is None:
        raise FileFormatError(f"{name}: unsupported file type {suffix or '(none)'!r}; use one of "
                              f"{', '.join(SUFFIXES)}")
    try:
        if not data.strip():
            raise FileFormatError("the file is empty")
        return reader(data, path)
    except FileFormatError as exc:
        raise FileFormatError(f"{name}: {exc}") from None
    except RecursionError:
        raise FileFormatError(f"{name}: nested too deeply to be a table of records") from None
    except MemoryError:
        raise FileFormatError(f"{name}: too large to read") from None
    except Exception as exc:  # see the module docstring: any parser failure is a file problem
        raise FileFormatError(f"{name}: cannot read as {suffix[1:]}: {_short(exc)}") from None


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or exc.__class__.__name__
    return text if len(text) <= 200 else text[:197] + "..."


def _text(data: bytes) -> str:
    """The file as text: UTF-8 (with or without a BOM), or UTF-16 when a byte order mark says so."""
    if data.startswith(_ZIP):
        raise FileFormatError("this looks like an Excel workbook (a zip archive): name it .xlsx")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    if b"\x00" in data[:8192] or data.startswith(_OLE):
        raise FileFormatError("binary content, not text (is it a spreadsheet or another file renamed?)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise FileFormatError(
            f"not UTF-8 text (line {line}: byte 0x{data[exc.start]:02X} at offset {exc.start}); save it as UTF-8 "
            "(in Excel: 'CSV UTF-8'; in LibreOffice: character set 'Unicode (UTF-8)')") from None


def _csv(data: bytes, path: Path) -> list[dict[str, Any]]:
    import pandas as pd

    text = _text(data)
    first = next(csv.reader(io.StringIO(text)), [])
    _unique([c.strip() for c in first])  # pandas would rename a second 'id' to 'id.1' silently
    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    columns = [str(c).strip() for c in frame.columns]
    if len(columns) == 1:
        header = columns[0]
        for sep, name in _SEPARATORS.items():
            if sep in header:
                shown = header if len(header) <= 40 else header[:37] + "..."
                raise FileFormatError(f"one column named {shown!r}: did you mean {name}? ccimatch reads "
                                      "comma-separated CSV: save it as 'CSV UTF-8 (comma delimited)'")
    frame.columns = columns
    return _rows(frame)


def _excel(data: bytes, path: Path) -> list[dict[str, Any]]:
    import pandas as pd

    if path.suffix.lower() == ".xls" or data.startswith(_OLE):
        raise FileFormatError("an Excel 97-2003 workbook (.xls) cannot be read: save it as .xlsx")
    if not data.startswith(_ZIP):
        raise FileFormatError("not an Excel .xlsx workbook (a .xlsx file is a zip archive; is it a CSV renamed?)")
    return _binary_table(lambda: pd.read_excel(io.BytesIO(data), dtype=str, keep_default_na=False,
                                               engine="openpyxl"), "Excel workbook")


def _parquet(data: bytes, path: Path) -> list[dict[str, Any]]:
    import pandas as pd

    return _binary_table(lambda: pd.read_parquet(io.BytesIO(data)), "Parquet file")


def _binary_table(read: Callable[[], Any], what: str) -> list[dict[str, Any]]:
    """The rows of a frame read by ``read``; any failure means the file is corrupt or truncated."""
    try:
        frame = read()
    except Exception as exc:
        raise FileFormatError(f"not a valid {what} (corrupt or truncated): {_short(exc)}") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    return _rows(frame)


def _json(data: bytes, path: Path) -> list[dict[str, Any]]:
    try:
        parsed = json.loads(_text(data))
    except json.JSONDecodeError as exc:
        raise FileFormatError(f"not valid JSON: {exc}") from None
    except RecursionError:
        raise FileFormatError("nested too deeply to be a table of records") from None
    for key in ("profiles", "relationships"):  # {"profiles": [...]}, {"relationships": [...]}
        if isinstance(parsed, dict) and isinstance(parsed.get(key), list):
            parsed = parsed[key]
    if not isinstance(parsed, list):
        raise FileFormatError("expected a JSON array of objects (or {\"profiles\": [...]})")
    return [_object(item, i) for i, item in enumerate(parsed, 1)]


def _jsonl(data: bytes, path: Path) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for number, line in enumerate(_text(data).splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise FileFormatError(f"line {number}: not valid JSON: {exc.msg} (column {exc.colno})") from None
        except RecursionError:
            raise FileFormatError(f"line {number}: nested too deeply to be a record") from None
        except ValueError as exc:
            raise FileFormatError(f"line {number}: {_short(exc)}") from None
        try:
            out.append(_object(item, len(out) + 1))
        except FileFormatError as exc:
            raise FileFormatError(f"line {number}: {exc}") from None
    return out


def _unique(columns: list[str]) -> None:
    seen: dict[str, int] = {}
    for number, name in enumerate(columns, 1):
        if name in seen:
            raise FileFormatError(f"column {name!r} appears twice (columns {seen[name]} and {number})")
        seen[name] = number


def _rows(frame: Any) -> list[dict[str, Any]]:
    _unique([str(c) for c in frame.columns])
    return [dict(rec) for rec in frame.to_dict(orient="records")]


def _object(item: Any, number: int) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise FileFormatError(f"record {number} is not a JSON object")
    return item


_READERS: dict[str, Callable[[bytes, Path], list[dict[str, Any]]]] = {
    ".csv": _csv, ".xlsx": _excel, ".xls": _excel, ".json": _json, ".jsonl": _jsonl, ".parquet": _parquet}
