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
from chatbot.i18n import Msg
from chatbot.models.catalog import Catalog
from chatbot.policy.redaction import redact, without_userinfo

MAX_DETAIL = 300  # characters of a server's error message shown to the user

class UnsupportedParam(InvalidInput):
    """A 400 naming one parameter the model does not take; the client may retry without it."""

    def __init__(self, error: ChatbotError, param: str) -> None:
        super().__init__(error.message, hint=error.hint)
        self.keys = error.keys
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
              timeout: float, *, subject: Msg | str = "", retry_after: float | None = None
              ) -> ChatbotError:
    """SDK exception → project error, most specific class first."""
    if isinstance(exc, openai.APIConnectionError):  # timeouts included
        return _transport_error(exc, backend, timeout)
    if not isinstance(exc, openai.APIStatusError):
        said = redact(_hide(str(exc), backend), backend.api_key)
        return ServerError.keyed("client.server_said", where=backend.name, said=said)
    return (_access_error(exc, backend, model, catalog, subject)
            or _size_or_rate_error(exc, backend, model, retry_after)
            or _server_or_input_error(exc, backend))


def _transport_error(exc: openai.APIConnectionError, backend: Backend, timeout: float
                     ) -> ChatbotError:
    if isinstance(exc, openai.APITimeoutError):
        return BackendTimeout.keyed("client.timeout", "client.timeout_hint", where=backend.name,
                                    seconds=f"{timeout:g}")
    url = "api.openai.com" if backend.kind == "openai" else backend.shown_url
    return BackendUnreachable.keyed("client.unreachable", "client.unreachable_hint",
                                    where=url or backend.name)


def _access_error(exc: openai.APIStatusError, backend: Backend, model: str, catalog: Catalog,
                  subject: Msg | str) -> ChatbotError | None:
    """The key, the model or the named resource is not there for this caller."""
    if isinstance(exc, openai.AuthenticationError):
        return AuthError.keyed("client.bad_key", "client.bad_key_hint")
    if isinstance(exc, openai.PermissionDeniedError):
        return AuthError.keyed("client.no_access", "client.no_access_hint", model=model)
    if subject and isinstance(exc, openai.NotFoundError):
        return ResourceNotFound.keyed("client.no_such", "client.check_id", subject=subject)
    if isinstance(exc, openai.NotFoundError) or error_code(exc) == "model_not_found":
        retired = catalog.retired_message(model)
        if retired:
            return ModelNotFound.saying(retired)
        return ModelNotFound.keyed("client.no_model", "client.pick_another", model=model,
                                   where=backend.name)
    return None


def _size_or_rate_error(exc: openai.APIStatusError, backend: Backend, model: str,
                        retry_after: float | None) -> ChatbotError | None:
    """Too much text for the context, or too many requests (or no credit) for the account."""
    code = error_code(exc)
    message = redact(exc.message, backend.api_key).lower()
    if code == "context_length_exceeded" or ("context" in message and (
        "length" in message or "window" in message or "exceed" in message
    )):
        return ContextTooLong.keyed("client.too_long", "client.too_long_hint", model=model)
    if not isinstance(exc, openai.RateLimitError):
        return None
    if code == "insufficient_quota" or "quota" in message:
        return QuotaExceeded.keyed("client.no_credit", "client.no_credit_hint")
    wait = f"{retry_after:g} s" if retry_after else Msg("client.a_few_seconds")
    return RateLimited.keyed("client.rate_limited", "client.wait_and_retry", wait=wait)


def _server_or_input_error(exc: openai.APIStatusError, backend: Backend) -> ChatbotError:
    if exc.status_code >= 500:
        return ServerError.keyed("client.server_failed", "client.server_failed_hint",
                                 where=backend.name, status=exc.status_code)
    detail = redact(error_message(exc), backend.api_key)
    return InvalidInput.keyed("client.rejected", where=backend.name, detail=detail)


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
