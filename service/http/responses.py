"""The JSON response every route and error handler uses."""

from __future__ import annotations

import json
from typing import Any

from fastapi import responses


class JSONResponse(responses.JSONResponse):
    """JSON that any text can go into: a lone surrogate (sent as a JSON escape such as \\\\ud800, and echoed in
    an error) is written back as that escape instead of failing the UTF-8 encoding with a 500."""

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode(
            "utf-8", "backslashreplace")
