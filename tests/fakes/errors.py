"""OpenAI's error replies for the fakes, read from the frozen copies in openai_errors.json.

Kept apart from the app (`chatbot/lab/openai_errors.py`) on purpose: a fake that borrowed the app's
table would agree with the app by construction, and a wrong message or header would go unseen.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

_FROZEN = json.loads((Path(__file__).with_name("openai_errors.json")).read_text("utf-8"))["errors"]
# A bare status picks the body OpenAI sends for it.
STATUS_DEFAULT_CODE = {401: "invalid_api_key", 404: "model_not_found", 429: "rate_limit_exceeded",
                       500: "server_error", 502: "server_error", 503: "engine_overloaded"}


class ApiError(Exception):
    """An OpenAI-shaped error reply, raised inside endpoint code and sent by the handler."""

    def __init__(self, status: int, message: str, *, type_: str = "invalid_request_error",
                 param: str | None = None, code: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.body: dict[str, Any] = {"error": {"message": message, "type": type_, "param": param,
                                               "code": code}}
        self.headers = headers or {}


def mask_key(key: str) -> str:
    """How OpenAI echoes a wrong key: the first 8 and the last 4 characters."""
    if len(key) <= 12:
        return "*" * len(key)
    return key[:8] + "*" * (len(key) - 12) + key[-4:]


def frozen(name: str) -> dict[str, Any]:
    """One frozen reply (status, body, headers), a fresh copy each time."""
    return copy.deepcopy(_FROZEN[name])


def known_error(name: str, context: dict[str, Any], status: int | None = None) -> ApiError:
    """The frozen reply `name`, its message filled from the request (`{model}`, `{name}`, ...)."""
    entry = frozen(name)
    values = {"model": "gpt-4o-mini", "masked_key": "sk-****", "context": 16385,
              "tokens": 20000, "name": "", "file_id": "", "param": "", **context}
    err = ApiError(status or entry["status"], "", headers=entry.get("headers", {}))
    err.body = entry["body"]
    error = err.body["error"]
    error["message"] = error["message"].format(**values)
    if isinstance(error["param"], str):
        error["param"] = error["param"].format(**values)
    return err
