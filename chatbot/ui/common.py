"""Gradio edges shared by every tab: project errors become popups, never tracebacks, in the
reader's language."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import gradio as gr

from chatbot.context import AppContext, Session
from chatbot.errors import ChatbotError
from chatbot.i18n import DEFAULT

F = TypeVar("F", bound=Callable[..., Any])
# Work a tab wants done once the page has loaded (and the reader's language is known):
# (handler, inputs, outputs).
Loader = tuple[Callable[..., Any], list[Any], list[Any]]


def reader_lang(*values: Any) -> str:
    """The language of the session among a handler's arguments (the course's, if none)."""
    return next((v.lang for v in values if isinstance(v, Session)), DEFAULT)


def error_for(exc: ChatbotError, lang: str) -> gr.Error:
    return gr.Error(exc.said(lang), title=exc.title_in(lang))


def warn(exc: ChatbotError, lang: str) -> None:
    """A toast instead of a popup, for errors after part of a result is shown."""
    gr.Warning(exc.said(lang), title=exc.title_in(lang))


def friendly(fn: F) -> F:
    """Turn project errors into a Gradio error popup instead of a traceback."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ChatbotError as exc:
            raise error_for(exc, reader_lang(*args, *kwargs.values())) from None

    return wrapper  # type: ignore[return-value]


def friendly_stream(fn: F) -> F:
    """The same for generator handlers (streaming)."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            yield from fn(*args, **kwargs)
        except ChatbotError as exc:
            raise error_for(exc, reader_lang(*args, *kwargs.values())) from None

    return wrapper  # type: ignore[return-value]


def show_result(trigger: Any, elem_id: str) -> None:
    """When `trigger` fires, bring the result area `elem_id` into view (its top mid-screen), so
    the progress and then the answer are where the student looks, even when the button sat at the
    bottom of the screen. A listener of its own, in the browser only: the handler is untouched."""
    trigger(None, None, None, api_visibility="private", show_progress="hidden",
            js=f"() => {{ document.getElementById('{elem_id}')"
               f"?.scrollIntoView({{block: 'center', behavior: 'smooth'}}); }}")


def model_line(ctx: AppContext) -> dict[str, Any]:
    """Queue settings for an event that waits on the model: all such events share one line,
    as long as the backend answers that many at once (AppContext.model_concurrency)."""
    limit, line = ctx.model_concurrency()
    return {"concurrency_limit": limit, "concurrency_id": line}
