"""Reading profile records from CSV, Excel, JSON (or JSON Lines) and Parquet files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


class FileFormatError(ValueError):
    """The file cannot be read as a table of profiles (not a per-row problem)."""


SUFFIXES = (".csv", ".xlsx", ".xls", ".json", ".jsonl", ".parquet")


def read_records(path: Path) -> list[dict[str, Any]]:
    """Records in file order. Every cell is read as text so that codes like "NA" stay codes."""
    import pandas as pd

    if not path.is_file():
        raise FileFormatError(f"{path}: no such file")
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        elif suffix in (".xlsx", ".xls"):
            frame = pd.read_excel(path, dtype=str, keep_default_na=False)
        elif suffix == ".parquet":
            frame = pd.read_parquet(path)
        elif suffix == ".jsonl":
            return [_object(json.loads(line), i) for i, line in enumerate(path.read_text("utf-8").splitlines(), 1)
                    if line.strip()]
        elif suffix == ".json":
            data = json.loads(path.read_text("utf-8"))
            if isinstance(data, dict) and isinstance(data.get("profiles"), list):
                data = data["profiles"]
            if not isinstance(data, list):
                raise FileFormatError(f"{path}: expected a JSON array of profile objects")
            return [_object(item, i) for i, item in enumerate(data, 1)]
        else:
            raise FileFormatError(f"{path}: unsupported file type {suffix!r}; use one of {', '.join(SUFFIXES)}")
    except FileFormatError:
        raise
    except (ValueError, OSError, ImportError) as exc:
        raise FileFormatError(f"{path}: cannot read as {suffix[1:]}: {exc}") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    return [{k: v for k, v in rec.items()} for rec in frame.to_dict(orient="records")]


def _object(item: Any, number: int) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise FileFormatError(f"record {number} is not a JSON object")
    return item
