"""The JSON response every route and error handler uses: orjson, falling back to the standard library for what
orjson refuses (a lone surrogate, an integer over 64 bits, a non-string key). The standard encoder took 2-3 % of
the 1-worker server's Python time at 10k profiles (py-spy, bench/http.py). orjson writes a NaN as null where
the standard encoder (allow_nan=False) raised, which made a 500 of the whole response."""

from __future__ import annotations

import json
from typing import Any

import orjson
from fastapi import responses


class JSONResponse(responses.JSONResponse):
    """JSON that any text can go into: a lone surrogate (sent as a JSON escape such as \\\\ud800, and echoed in
    an error) is written back as that escape instead of failing the UTF-8 encoding with a 500."""

    def render(self, content: Any) -> bytes:
        try:
            return orjson.dumps(content)
        except TypeError:  # orjson.JSONEncodeError
            pass
        return json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode(
            "utf-8", "backslashreplace")
