"""Gradio edges shared by every tab: project errors become popups, never tracebacks, in the
reader's language."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import gradio as gr

from chatbot.context import Session
from chatbot.errors import ChatbotError
from chatbot.i18n import DEFAULT, one_language

F = TypeVar("F", bound=Callable[..., Any])


def reader_lang(*values: Any) -> str:
    """The language of the session among a handler's arguments (the course's, if none)."""
    return next((v.lang for v in values if isinstance(v, Session)), DEFAULT)


def error_for(exc: ChatbotError, lang: str) -> gr.Error:
    return gr.Error(one_language(str(exc), lang), title=one_language(exc.title, lang))


def warn(exc: ChatbotError, lang: str) -> None:
    """A toast instead of a popup, for errors after part of a result is shown."""
    gr.Warning(one_language(str(exc), lang), title=one_language(exc.title, lang))


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
