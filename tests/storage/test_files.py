from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from matcher.profile import validate_record
from storage.files import FileFormatError, read_records
from tests.conftest import record

ROWS = [record("tn-1", city="NA", sectors="crafts;jewellery", description="ورشة خزف — poterie"),
        record("fr-1", country="FR", languages='["fr", "en"]', size="")]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".json", ".jsonl", ".parquet"])
def test_every_format_reads_the_same_profiles(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"p{suffix}"
    frame = pd.DataFrame(ROWS)
    if suffix == ".csv":
        frame.to_csv(path, index=False)
    elif suffix == ".xlsx":
        frame.to_excel(path, index=False)
    elif suffix == ".parquet":
        frame.assign(sectors=[["crafts", "jewellery"], ["crafts"]]).to_parquet(path)
    elif suffix == ".json":
        path.write_text(json.dumps(ROWS, ensure_ascii=False), "utf-8")
    else:
        path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in ROWS) + "\n", "utf-8")
    records = read_records(path)
    assert [r["id"] for r in records] == ["tn-1", "fr-1"]
    first, errors = validate_record(records[0])
    assert errors == [] and first is not None
    assert first.city == "NA"  # a text like "NA" is not mistaken for a missing value
    assert first.sectors == ("crafts", "jewellery")
    assert first.description == "ورشة خزف — poterie"
    second, errors = validate_record(records[1])
    assert errors == [] and second is not None and second.languages == ("fr", "en") and second.size is None


def test_unsupported_and_broken_files_get_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileFormatError, match=r"unsupported file type '\.txt'"):
        (tmp_path / "a.txt").write_text("x")
        read_records(tmp_path / "a.txt")
    with pytest.raises(FileFormatError, match="no such file"):
        read_records(tmp_path / "missing.csv")
    (tmp_path / "b.json").write_text('{"not": "a list"}')
    with pytest.raises(FileFormatError, match="expected a JSON array"):
        read_records(tmp_path / "b.json")
    (tmp_path / "c.json").write_text("[1, 2")
    with pytest.raises(FileFormatError, match="cannot read as json"):
        read_records(tmp_path / "c.json")
