"""Gradio edges shared by every tab: project errors become popups, never tracebacks."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import gradio as gr

from chatbot.context import AppContext
from chatbot.errors import ChatbotError

F = TypeVar("F", bound=Callable[..., Any])


def friendly(fn: F) -> F:
    """Turn project errors into a Gradio error popup instead of a traceback."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ChatbotError as exc:
            raise gr.Error(str(exc), title=exc.title) from None

    return wrapper  # type: ignore[return-value]


def friendly_stream(fn: F) -> F:
    """The same for generator handlers (streaming)."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            yield from fn(*args, **kwargs)
        except ChatbotError as exc:
            raise gr.Error(str(exc), title=exc.title) from None

    return wrapper  # type: ignore[return-value]


def model_line(ctx: AppContext) -> dict[str, Any]:
    """Queue settings for an event that waits on the model: all such events share one line,
    as long as the backend answers that many at once (AppContext.model_concurrency)."""
    limit, line = ctx.model_concurrency()
    return {"concurrency_limit": limit, "concurrency_id": line}
