"""JSON from users, where every failure is a `JSONDecodeError` the caller already reports:
deep nesting ([[[[…) otherwise escapes from `json.loads` as a RecursionError."""

from __future__ import annotations

import json
from typing import Any


def loads(text: str | bytes) -> Any:
    try:
        return json.loads(text)
    except RecursionError:
        # In English, like every reason json itself gives.
        raise json.JSONDecodeError("nested too deeply",
                                   text if isinstance(text, str) else "", 0) from None
