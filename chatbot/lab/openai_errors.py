"""OpenAI's error replies as its API sends them: status, JSON body and headers.

The lab's error simulator answers the app's real client with these. The tests' fake OpenAI server
keeps its own frozen copies of OpenAI's documented replies (tests/fakes/openai_errors.json) and a
test holds this table to them, so a drift here shows.
"""

from __future__ import annotations

from typing import Any

# code -> (default status, type, param, message template filled from the request)
KNOWN_ERRORS: dict[str, tuple[int, str, str | None, str]] = {
    "invalid_api_key": (
        401, "invalid_request_error", None,
        "Incorrect API key provided: {masked_key}. You can find your API key at "
        "https://platform.openai.com/account/api-keys.",
    ),
    "model_not_found": (
        404, "invalid_request_error", None,
        "The model `{model}` does not exist or you do not have access to it.",
    ),
    "context_length_exceeded": (
        400, "invalid_request_error", "messages",
        "This model's maximum context length is {context} tokens. However, your messages "
        "resulted in {tokens} tokens. Please reduce the length of the messages.",
    ),
    "rate_limit_exceeded": (
        429, "requests", None,
        "Rate limit reached for {model} in organization org-fake on requests per min (RPM): "
        "Limit 3, Used 3, Requested 1. Please try again in 1s. Visit "
        "https://platform.openai.com/account/rate-limits to learn more.",
    ),
    "insufficient_quota": (
        429, "insufficient_quota", None,
        "You exceeded your current quota, please check your plan and billing details. For more "
        "information on this error, read the docs: "
        "https://platform.openai.com/docs/guides/error-codes/api-errors.",
    ),
    "server_error": (
        500, "server_error", None,
        "The server had an error while processing your request. Sorry about that!",
    ),
    "engine_overloaded": (
        503, "server_error", None,
        "The engine is currently overloaded, please try again later.",
    ),
}
# Codes OpenAI leaves null on 5xx: a bare status picks one of these bodies.
STATUS_DEFAULT_CODE = {401: "invalid_api_key", 404: "model_not_found", 429: "rate_limit_exceeded",
                       500: "server_error", 502: "server_error", 503: "engine_overloaded"}
_NULL_CODE = {"server_error", "engine_overloaded"}
_DEFAULT_HEADERS = {
    "rate_limit_exceeded": {"retry-after": "1", "x-ratelimit-limit-requests": "3",
                            "x-ratelimit-remaining-requests": "0",
                            "x-ratelimit-reset-requests": "1s"},
}


class ApiError(Exception):
    """An OpenAI-shaped error reply, raised inside endpoint code and sent by the handler."""

    def __init__(self, status: int, message: str, *, type_: str = "invalid_request_error",
                 param: str | None = None, code: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.body = {"error": {"message": message, "type": type_, "param": param, "code": code}}
        self.headers = headers or {}


def mask_key(key: str) -> str:
    """How OpenAI echoes a wrong key: the first 8 and the last 4 characters."""
    if len(key) <= 12:
        return "*" * len(key)
    return key[:8] + "*" * (len(key) - 12) + key[-4:]


def known_error(code: str, context: dict[str, Any], status: int | None = None) -> ApiError:
    default_status, type_, param, template = KNOWN_ERRORS.get(
        code, (400, "invalid_request_error", None, "Fake error: {code}."))
    values = {"model": "gpt-4o-mini", "masked_key": "sk-****", "context": 16385,
              "tokens": 20000, "code": code, **context}
    return ApiError(status or default_status, template.format(**values), type_=type_, param=param,
                    code=None if code in _NULL_CODE else code,
                    headers=dict(_DEFAULT_HEADERS.get(code, {})))
