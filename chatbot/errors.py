"""One family of project errors whose messages a person can act on.

Inside `chatbot/` code raises these; only the edges (Gradio handlers, the CLI, the Telegram bot)
turn them into `gr.Error`, an exit code or a chat reply.
"""

from __future__ import annotations

from typing import Self

from chatbot.i18n import LANGS, Msg, cli_lang, one_language, say


class ChatbotError(Exception):
    """Base class: a message meant for the user, never a traceback, said in the reader's language.

    Written as keys of the language tables (`keyed`); `said(lang)` gives one language, `str()`
    (logs, which have no reader) both. A plain message is a legacy "español / English" text."""

    title_key = "errors.error"

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.keys: tuple[str, str, dict[str, object]] | None = None

    @classmethod
    def keyed(cls, key: str, hint_key: str = "", /, **fields: object) -> Self:
        """An error written as keys of the language tables (chatbot/i18n/); a field may be a
        `Msg` (or a list of them), said in the same language."""
        def both(k: str) -> str:
            return " / ".join(say(lang, k, **fields) for lang in LANGS) if k else ""
        err = cls(both(key), hint=both(hint_key))
        err.keys = (key, hint_key, fields)
        return err

    @classmethod
    def saying(cls, msg: Msg) -> Self:
        """The error whose message is `msg` (a text also shown elsewhere, e.g. a retired model)."""
        err = cls(str(msg))
        err.keys = (msg.key, "", msg.fields)
        return err

    def __str__(self) -> str:
        return f"{self.message} {self.hint}".strip()

    def said(self, lang: str) -> str:
        """The message and hint in one language."""
        if self.keys is not None:
            key, hint_key, fields = self.keys
            hint = say(lang, hint_key, **fields) if hint_key else ""
            return f"{say(lang, key, **fields)} {hint}".strip()
        return f"{one_language(self.message, lang)} {one_language(self.hint, lang)}".strip()

    def title_in(self, lang: str) -> str:
        return say(lang, self.title_key)

    @property
    def title(self) -> str:
        """The title for the CLI and the bot, in their language (`cli_lang`)."""
        return self.title_in(cli_lang())


class InvalidInput(ChatbotError):
    title_key = "errors.invalid_input"


class ConfigError(ChatbotError):
    title_key = "errors.config_error"


class AuthError(ChatbotError):
    title_key = "errors.auth_error"


class ModelNotFound(ChatbotError):
    title_key = "errors.model_not_found"


class ResourceNotFound(ChatbotError):
    title_key = "errors.resource_not_found"


class ContextTooLong(ChatbotError):
    title_key = "errors.context_too_long"


class RateLimited(ChatbotError):
    title_key = "errors.rate_limited"


class QuotaExceeded(ChatbotError):
    title_key = "errors.quota_exceeded"


class BudgetExceeded(ChatbotError):
    title_key = "errors.budget_exceeded"


class ServerError(ChatbotError):
    title_key = "errors.server_error"


class BackendTimeout(ChatbotError):
    title_key = "errors.backend_timeout"


class BackendUnreachable(ChatbotError):
    title_key = "errors.backend_unreachable"


class StreamCut(ChatbotError):
    """The answer stopped mid-way; `partial` keeps what had arrived so nothing is lost."""

    title_key = "errors.stream_cut"

    def __init__(self, message: str, *, hint: str = "", partial: str = "") -> None:
        super().__init__(message, hint=hint)
        self.partial = partial


class BackendStarting(ChatbotError):
    title_key = "errors.backend_starting"
