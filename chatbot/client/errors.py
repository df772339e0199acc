"""SDK exceptions → project errors with a message a person can act on, and which ones to retry."""

from __future__ import annotations

import openai

from chatbot.client.sdk import Backend
from chatbot.errors import (
    AuthError,
    BackendTimeout,
    BackendUnreachable,
    ChatbotError,
    ContextTooLong,
    InvalidInput,
    ModelNotFound,
    QuotaExceeded,
    RateLimited,
    ResourceNotFound,
    ServerError,
)
from chatbot.models.catalog import Catalog
from chatbot.policy.redaction import redact, without_userinfo

MAX_DETAIL = 300  # characters of a server's error message shown to the user

class UnsupportedParam(InvalidInput):
    """A 400 naming one parameter the model does not take; the client may retry without it."""

    def __init__(self, error: ChatbotError, param: str) -> None:
        super().__init__(error.message, hint=error.hint)
        self.param = param


def refused_param(exc: Exception) -> str | None:
    """The parameter of a 400 `unsupported_parameter`/`unsupported_value`, as OpenAI names it."""
    if not isinstance(exc, openai.BadRequestError):
        return None
    if error_code(exc) not in ("unsupported_parameter", "unsupported_value"):
        return None
    body = exc.body if isinstance(exc.body, dict) else {}
    error = body.get("error")
    inner = error if isinstance(error, dict) else body
    return exc.param or inner.get("param") or None


def error_code(exc: openai.APIStatusError) -> str:
    code = exc.code or ""
    body = exc.body if isinstance(exc.body, dict) else {}
    error = body.get("error")
    inner = error if isinstance(error, dict) else {}
    return str(code or inner.get("code") or inner.get("type") or exc.type or "")


def translate(exc: Exception, backend: Backend, model: str, catalog: Catalog,
              timeout: float, *, subject: str = "", retry_after: float | None = None
              ) -> ChatbotError:
    """SDK exception → project error, most specific class first."""
    if isinstance(exc, openai.APIConnectionError):  # timeouts included
        return _transport_error(exc, backend, timeout)
    if not isinstance(exc, openai.APIStatusError):
        return ServerError(redact(f"{backend.label}: {_hide(str(exc), backend)}", backend.api_key))
    return (_access_error(exc, backend, model, catalog, subject)
            or _size_or_rate_error(exc, backend, model, retry_after)
            or _server_or_input_error(exc, backend))


def _transport_error(exc: openai.APIConnectionError, backend: Backend, timeout: float
                     ) -> ChatbotError:
    where = backend.label
    if isinstance(exc, openai.APITimeoutError):
        return BackendTimeout(
            f"{where} no respondió en {timeout:g} s. / {where} did not answer within {timeout:g} s.",
            hint="Prueba otra vez, baja max_tokens o sube CHATBOT_TIMEOUT. / "
                 "Try again, lower max_tokens or raise CHATBOT_TIMEOUT.",
        )
    where = "api.openai.com" if backend.kind == "openai" else backend.shown_url or where
    return BackendUnreachable(
        f"No puedo conectar con {where}. / Cannot connect to {where}.",
        hint="¿Está el servidor en marcha y la URL base es correcta? Sin internet, usa el modelo "
             "embebido. / Is the server running and the base URL right? Offline, use the "
             "embedded model.",
    )


def _access_error(exc: openai.APIStatusError, backend: Backend, model: str, catalog: Catalog,
                  subject: str) -> ChatbotError | None:
    """The key, the model or the named resource is not there for this caller."""
    if isinstance(exc, openai.AuthenticationError):
        return AuthError(
            "La clave de API no es válida o fue revocada. / The API key is invalid or revoked.",
            hint="Revisa OPENAI_API_KEY en .env o pega otra clave en Ajustes; o usa el modelo "
                 "embebido. / Check OPENAI_API_KEY in .env or paste another key in Settings; "
                 "or use the embedded model.",
        )
    if isinstance(exc, openai.PermissionDeniedError):
        return AuthError(
            f"Tu clave no tiene acceso a {model}. / Your key has no access to {model}.",
            hint="Prueba otro modelo o revisa tu proyecto en OpenAI. / Try another model or check "
                 "your OpenAI project.",
        )
    if subject and isinstance(exc, openai.NotFoundError):
        return ResourceNotFound(f"No existe {subject}. / {subject} does not exist.",
                                hint="Revisa el identificador. / Check the id.")
    if isinstance(exc, openai.NotFoundError) or error_code(exc) == "model_not_found":
        retired = catalog.retired_message(model)
        return ModelNotFound(
            retired or f"El modelo '{model}' no existe en {backend.label}. / Model '{model}' not "
                       f"found on {backend.label}.",
            hint="" if retired else "Elige otro modelo en la lista. / Pick another model.",
        )
    return None


def _size_or_rate_error(exc: openai.APIStatusError, backend: Backend, model: str,
                        retry_after: float | None) -> ChatbotError | None:
    """Too much text for the context, or too many requests (or no credit) for the account."""
    code = error_code(exc)
    message = redact(exc.message, backend.api_key).lower()
    if code == "context_length_exceeded" or ("context" in message and (
        "length" in message or "window" in message or "exceed" in message
    )):
        return ContextTooLong(
            f"El texto no cabe en el contexto de {model}. / The text does not fit {model}'s "
            f"context window.",
            hint="Acorta el mensaje o el historial, o baja max_tokens. / Shorten the message or "
                 "history, or lower max_tokens.",
        )
    if not isinstance(exc, openai.RateLimitError):
        return None
    if code == "insufficient_quota" or "quota" in message:
        return QuotaExceeded(
            "Tu cuenta de OpenAI no tiene saldo (insufficient_quota); reintentar no ayuda. / "
            "Your OpenAI account is out of credit (insufficient_quota); retrying won't help.",
            hint="Añade saldo en la facturación de OpenAI o usa el modelo embebido. / Add "
                 "credit in OpenAI billing or use the embedded model.",
        )
    es, en = ((f"{retry_after:g} s", f"{retry_after:g} s") if retry_after
              else ("unos segundos", "a few seconds"))
    return RateLimited(
        "Demasiadas peticiones seguidas (rate limit). / Too many requests (rate limit).",
        hint=f"Espera {es} y reintenta. / Wait {en} and try again.",
    )


def _server_or_input_error(exc: openai.APIStatusError, backend: Backend) -> ChatbotError:
    where = backend.label
    if exc.status_code >= 500:
        return ServerError(
            f"{where} falló ({exc.status_code}). / {where} failed ({exc.status_code}).",
            hint="Es un fallo del servidor, no tuyo: reintenta en un momento. / A server-side "
                 "fault, not yours: try again shortly.",
        )
    detail = redact(error_message(exc), backend.api_key)
    return InvalidInput(f"{where} rechazó la petición / rejected the request: {detail}")


def error_message(exc: openai.APIStatusError) -> str:
    """The API's own error message, never the raw body: a typed URL could point at a page whose
    contents must not be echoed back (an internal service, a login form)."""
    body = exc.body if isinstance(exc.body, dict) else {}
    inner = body.get("error") if isinstance(body.get("error"), dict) else body
    message = inner.get("message") if isinstance(inner, dict) else None
    if isinstance(message, str) and message.strip():
        return message.strip()[:MAX_DETAIL]
    return f"HTTP {exc.status_code}"


def _hide(text: str, backend: Backend) -> str:
    """An SDK message may quote the URL it tried: the host's stays hidden, passwords always."""
    if backend.hidden and backend.base_url:
        text = text.replace(backend.base_url, "…")
    return without_userinfo(text)
