"""One family of project errors whose messages a person can act on.

Inside `chatbot/` code raises these; only the edges (Gradio handlers, the CLI, the Telegram bot)
turn them into `gr.Error`, an exit code or a chat reply.
"""

from __future__ import annotations

from typing import Self

from chatbot.i18n import LANGS, one_language, say


class ChatbotError(Exception):
    """Base class: `str(err)` is a bilingual message meant for the user, never a traceback."""

    title = "Error"

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.keys: tuple[str, str, dict[str, object]] | None = None

    @classmethod
    def keyed(cls, key: str, hint_key: str = "", **fields: object) -> Self:
        """An error written as keys of the language tables (chatbot/i18n/): `said` gives one
        language exactly; `str()` (logs, REST callers, who have no page language) both."""
        def both(k: str) -> str:
            return " / ".join(say(lang, k, **fields) for lang in LANGS) if k else ""
        err = cls(both(key), hint=both(hint_key))
        err.keys = (key, hint_key, fields)
        return err

    def __str__(self) -> str:
        return f"{self.message} {self.hint}".strip()

    def said(self, lang: str) -> str:
        """The message and hint in one language (each may still be written "español / English")."""
        if self.keys is not None:
            key, hint_key, fields = self.keys
            hint = say(lang, hint_key, **fields) if hint_key else ""
            return f"{say(lang, key, **fields)} {hint}".strip()
        return f"{one_language(self.message, lang)} {one_language(self.hint, lang)}".strip()

    def title_in(self, lang: str) -> str:
        return one_language(self.title, lang)


class InvalidInput(ChatbotError):
    title = "Entrada no válida / Invalid input"


class ConfigError(ChatbotError):
    title = "Configuración / Configuration"


class AuthError(ChatbotError):
    title = "Clave no válida / Invalid key"


class ModelNotFound(ChatbotError):
    title = "Modelo no disponible / Model not available"


class ResourceNotFound(ChatbotError):
    title = "No encontrado / Not found"


class ContextTooLong(ChatbotError):
    title = "Contexto demasiado largo / Context too long"


class RateLimited(ChatbotError):
    title = "Límite de peticiones / Rate limit"


class QuotaExceeded(ChatbotError):
    title = "Sin saldo / Quota exceeded"


class BudgetExceeded(ChatbotError):
    title = "Presupuesto / Budget"


class ServerError(ChatbotError):
    title = "Error del servidor / Server error"


class BackendTimeout(ChatbotError):
    title = "Tiempo agotado / Timeout"


class BackendUnreachable(ChatbotError):
    title = "Sin conexión / Connection failed"


class StreamCut(ChatbotError):
    """The answer stopped mid-way; `partial` keeps what had arrived so nothing is lost."""

    title = "Respuesta cortada / Answer cut off"

    def __init__(self, message: str, *, hint: str = "", partial: str = "") -> None:
        super().__init__(message, hint=hint)
        self.partial = partial


class BackendStarting(ChatbotError):
    title = "Cargando el modelo / Loading the model"
