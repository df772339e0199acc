"""Which failures a retry can mend, and how long to wait before the next attempt."""

from __future__ import annotations

import random

import openai

from chatbot.client.errors import error_code

MAX_RETRY_WAIT = 20.0  # a server asking for a longer pause gets an error, not a frozen UI


def retry_after(exc: Exception) -> float | None:
    response = getattr(exc, "response", None)
    if response is None:
        return None
    raw = response.headers.get("retry-after-ms")
    if raw:
        try:
            return float(raw) / 1000
        except ValueError:
            return None
    raw = response.headers.get("retry-after")
    try:
        return float(raw) if raw else None
    except ValueError:
        return None


def retryable(exc: Exception) -> bool:
    """Only failures a retry can mend; a timeout is not retried so a hang stays bounded."""
    if isinstance(exc, openai.APITimeoutError):
        return False
    if isinstance(exc, openai.APIConnectionError):
        return True
    if isinstance(exc, openai.RateLimitError):
        return error_code(exc) != "insufficient_quota"
    return isinstance(exc, openai.APIStatusError) and exc.status_code in (500, 502, 503, 504)


def backoff(attempt: int) -> float:
    """Exponential wait with a little jitter, so retrying clients do not march in step."""
    return 0.5 * 2 ** (attempt - 1) * (1 + random.random() / 4)
