"""The JSON every route answers with: UTF-8 as is, compact, and what orjson refuses still written."""

from __future__ import annotations

import json

from service.http.responses import JSONResponse


def body(content: object) -> bytes:
    return bytes(JSONResponse(content).body)


def test_text_in_any_script_is_written_as_utf8_not_escaped() -> None:
    content = {"name": "ورشة فخار آسفي", "city": "Fès", "k": 3, "score": 0.25, "ids": ["a", "b"], "none": None}
    raw = body(content)
    assert "ورشة فخار آسفي".encode() in raw and "Fès".encode() in raw
    assert b" " not in raw.replace("ورشة فخار آسفي".encode(), b"")  # compact separators
    assert json.loads(raw) == content


def test_a_lone_surrogate_is_written_back_as_its_escape() -> None:
    raw = body({"detail": "name x\ud800 refused"})
    assert raw == b'{"detail":"name x\\ud800 refused"}'


def test_what_orjson_refuses_falls_back_to_the_standard_encoder() -> None:
    assert json.loads(body({"big": 2**70})) == {"big": 2**70}
    assert json.loads(body({1: "row one"})) == {"1": "row one"}


def test_nan_is_null_not_a_failed_response() -> None:
    assert json.loads(body({"score": float("nan")})) == {"score": None}
