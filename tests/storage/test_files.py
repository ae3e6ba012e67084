from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from matcher.profile import validate_record
from storage.files import SUFFIXES, FileFormatError, read_records
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
    with pytest.raises(FileFormatError, match="not valid JSON"):
        read_records(tmp_path / "c.json")


# --- malformed files (issue 13, problems 4, 8 and 9) ---------------------------------------------------
def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(("name", "data", "message"), [
    ("deep.json", b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    ("deep.jsonl", b'{"id": "a"}\n' + b'{"x": ' * 50_000 + b"1" + b"}" * 50_000 + b"\n", "line 2: nested too deeply"),
    ("corrupt.xlsx", b"PK\x03\x04garbage", "not a valid Excel workbook"),
    ("text.xlsx", b"id,name\nx,y\n", "not an Excel .xlsx workbook"),
    ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "save it as .xlsx"),
    ("truncated.parquet", b"PAR1\x15\x04\x15", "not a valid Parquet file"),
    ("junk.csv", bytes(range(256)) * 4, "binary"),
    ("zip.csv", b"PK\x03\x04" + b"\x00" * 50, "looks like an Excel workbook"),
    ("latin1.csv", "id,name\nfr-1,Société Générale\n".encode("latin-1"), "not UTF-8 text"),
    ("semicolon.csv", b"id;name;kind;country\nfr-1;Atelier;firm;FR\n", "did you mean ';'-separated?"),
    ("tabs.csv", b"id\tname\tkind\nfr-1\tAtelier\tfirm\n", "did you mean tab-separated?"),
    ("empty.csv", b"", "the file is empty"),
    ("empty.json", b"", "the file is empty"),
    ("bad.jsonl", b'{"id": "a"}\n{"id": \n', "line 2: not valid JSON"),
    ("notobj.jsonl", b'{"id": "a"}\n[1]\n', "line 2: record 2 is not a JSON object"),
    ("bigint.json", b"[{\"size\": " + b"9" * 5000 + b"}]", "cannot read as json"),
])
def test_malformed_files_get_one_line_naming_file_and_problem(tmp_path: Path, name: str, data: bytes,
                                                              message: str) -> None:
    path = write(tmp_path, name, data)
    with pytest.raises(FileFormatError) as exc:
        read_records(path)
    text = str(exc.value)
    assert text.startswith(f"{path}: ") and message in text and "\n" not in text and len(text) < 400, text


def test_latin1_error_says_where_and_how_to_fix(tmp_path: Path) -> None:
    path = write(tmp_path, "l.csv", "id,name\nfr-1,Société\n".encode("cp1252"))
    with pytest.raises(FileFormatError, match=r"line 2.*byte 0xE9.*UTF-8"):
        read_records(path)


def test_utf16_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    """Excel's "Unicode text" and some exports are UTF-16 with a BOM: unambiguous, so read it."""
    path = write(tmp_path, "u.csv", "id,name\nma-1,دار الخزف\n".encode("utf-16"))
    assert read_records(path) == [{"id": "ma-1", "name": "دار الخزف"}]


def test_semicolon_list_cells_inside_a_comma_file_are_fine(tmp_path: Path) -> None:
    path = write(tmp_path, "ok.csv", b'id,sectors\ntn-1,"crafts;jewellery"\n')
    assert read_records(path) == [{"id": "tn-1", "sectors": "crafts;jewellery"}]


def test_a_json_field_of_the_wrong_type_is_a_field_error(tmp_path: Path) -> None:
    path = write(tmp_path, "t.json", json.dumps([record("tn-1", name={"a": 1}, size=True, sectors=[["x"]])]).encode())
    profile, errors = validate_record(read_records(path)[0], row=1)
    assert profile is None and {e.field for e in errors} == {"name", "size", "sectors"}
    assert all("expected" in e.reason for e in errors)


# --- property-based: whatever the bytes, a list of records or one FileFormatError -----------------------
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from tests.strategies import EXAMPLES, FORMATS, as_file, records  # noqa: E402

FUZZ = settings(max_examples=EXAMPLES * 5, deadline=None, suppress_health_check=list(HealthCheck))
MAGIC = [b"", b"PK\x03\x04", b"PAR1", b"\xef\xbb\xbf", b"\xff\xfe", b"[", b"{", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"]


@FUZZ
@given(suffix=st.sampled_from(SUFFIXES), head=st.sampled_from(MAGIC), data=st.binary(max_size=600))
def test_random_bytes_never_crash_a_reader(tmp_path_factory: pytest.TempPathFactory, suffix: str, head: bytes,
                                           data: bytes) -> None:
    path = tmp_path_factory.mktemp("fuzz") / f"f{suffix}"
    path.write_bytes(head + data)
    try:
        rows = read_records(path)
    except FileFormatError as exc:
        assert str(exc).startswith(str(path)) and "\n" not in str(exc)
        return
    assert isinstance(rows, list) and all(isinstance(r, dict) for r in rows)
    for i, row in enumerate(rows, 1):
        validate_record(row, row=i)


@FUZZ
@given(suffix=st.sampled_from(FORMATS), rows=records)
def test_random_records_in_every_format_read_and_validate(tmp_path_factory: pytest.TempPathFactory, suffix: str,
                                                          rows: list[dict[str, object]]) -> None:
    path = tmp_path_factory.mktemp("fuzz") / f"f{suffix}"
    path.write_bytes(as_file(rows, suffix))
    try:
        read = read_records(path)
    except FileFormatError:
        return
    for i, row in enumerate(read, 1):
        profile, errors = validate_record(row, row=i)
        assert (profile is None) == bool(errors)
        for e in errors:
            assert e.reason and str(e)


def test_a_column_twice_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, "d.csv", b"id,name,id\ntn-1,x,tn-2\n")
    with pytest.raises(FileFormatError, match=r"column 'id' appears twice \(columns 1 and 3\)"):
        read_records(path)
