"""The one OpenAI client of the app: every model call goes through here and the official SDK.

It hides which backend answers (OpenAI, any OpenAI-compatible server, or the embedded llama.cpp
server), returns plain result objects, bills every call through the session's ledger, and turns
every SDK exception into a project error with a message a person can act on.
"""

from __future__ import annotations

import hashlib
import random
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

import openai

from chatbot import billing
from chatbot.catalog import Catalog
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
    StreamCut,
)

T = TypeVar("T")

NO_KEY = "sk-no-key-required"  # placeholder for servers that need none; not a secret
MAX_N = 8
MAX_STOP = 4
MAX_RETRY_WAIT = 20.0
EFFORTS = ("none", "minimal", "low", "medium", "high", "xhigh")


@dataclass(frozen=True)
class Backend:
    """Where requests go. `kind` is "local" (embedded), "openai" or "compatible" (any base URL)."""

    kind: str
    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)
    context_window: int | None = None  # the embedded server's n_ctx, when known

    @property
    def label(self) -> str:
        if self.kind == "local":
            return "Embebido (llama.cpp, sin clave) / Embedded (llama.cpp, no key)"
        if self.kind == "openai":
            return "OpenAI"
        return f"Servidor compatible / Compatible server: {self.base_url}"


@dataclass(frozen=True)
class ChatParams:
    """The Playground's sampling parameters; `None` means the backend's default."""

    model: str
    temperature: float | None = None
    top_p: float | None = None
    n: int = 1
    max_tokens: int | None = None
    frequency_penalty: float | None = None
    presence_penalty: float | None = None
    stop: tuple[str, ...] = ()
    seed: int | None = None
    logprobs: bool = False
    top_logprobs: int | None = None
    reasoning_effort: str | None = None  # reasoning models only; sent by capabilities.apply
    response_format: dict[str, Any] | None = None  # structured output, e.g. a JSON schema

    def problems(self, max_output: int | None = None) -> list[str]:
        """Every impossible value at once, in words a student understands."""
        found: list[str] = []
        if not self.model.strip():
            found.append("falta el modelo / the model is missing")
        if not 1 <= self.n <= MAX_N:
            found.append(f"n={self.n}: entre 1 y {MAX_N} / between 1 and {MAX_N}")
        if self.temperature is not None and not 0 <= self.temperature <= 2:
            found.append(f"temperature={self.temperature}: entre 0 y 2 / between 0 and 2")
        if self.top_p is not None and not 0 <= self.top_p <= 1:
            found.append(f"top_p={self.top_p}: entre 0 y 1 / between 0 and 1")
        for name in ("frequency_penalty", "presence_penalty"):
            value = getattr(self, name)
            if value is not None and not -2 <= value <= 2:
                found.append(f"{name}={value}: entre -2 y 2 / between -2 and 2")
        if self.max_tokens is not None:
            if self.max_tokens < 1:
                found.append(f"max_tokens={self.max_tokens}: al menos 1 / at least 1")
            elif max_output and self.max_tokens > max_output:
                found.append(
                    f"max_tokens={self.max_tokens}: este modelo da como mucho {max_output} / "
                    f"this model returns at most {max_output}"
                )
        if len(self.stop) > MAX_STOP:
            found.append(
                f"{len(self.stop)} secuencias de parada; máximo {MAX_STOP} / "
                f"{len(self.stop)} stop sequences; at most {MAX_STOP}"
            )
        if any(not s for s in self.stop):
            found.append("una secuencia de parada está vacía / a stop sequence is empty")
        if self.top_logprobs is not None and not 0 <= self.top_logprobs <= 20:
            found.append(f"top_logprobs={self.top_logprobs}: entre 0 y 20 / between 0 and 20")
        if self.reasoning_effort and self.reasoning_effort not in EFFORTS:
            found.append(f"reasoning_effort={self.reasoning_effort}: uno de / one of "
                         + ", ".join(EFFORTS))
        return found

    def sdk_kwargs(self) -> dict[str, Any]:
        """The request body fields, omitting the ones left to the backend's default."""
        kwargs: dict[str, Any] = {"model": self.model}
        for name in ("temperature", "top_p", "max_tokens", "frequency_penalty",
                     "presence_penalty", "seed"):
            value = getattr(self, name)
            if value is not None:
                kwargs[name] = value
        if self.n != 1:
            kwargs["n"] = self.n
        if self.stop:
            kwargs["stop"] = list(self.stop)
        if self.logprobs:
            kwargs["logprobs"] = True
            if self.top_logprobs:
                kwargs["top_logprobs"] = self.top_logprobs
        if self.response_format:
            kwargs["response_format"] = self.response_format
        return kwargs


@dataclass(frozen=True)
class TopToken:
    token: str
    logprob: float


@dataclass(frozen=True)
class TokenLogprob:
    token: str
    logprob: float
    top: tuple[TopToken, ...] = ()


@dataclass(frozen=True)
class Choice:
    index: int
    text: str
    finish_reason: str | None
    logprobs: tuple[TokenLogprob, ...] | None = None


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.prompt_tokens + other.prompt_tokens,
            self.completion_tokens + other.completion_tokens,
            self.cached_tokens + other.cached_tokens,
        )


@dataclass(frozen=True)
class Result:
    model: str
    choices: tuple[Choice, ...]
    usage: Usage
    latency_s: float
    estimate: billing.CostEstimate | None = None
    cost_usd: float | None = None
    requests: int = 1  # more than one when `n` was fanned out

    @property
    def text(self) -> str:
        return self.choices[0].text if self.choices else ""


@dataclass(frozen=True)
class Reply:
    """One HTTP answer, before fan-out merges several into a Result."""

    choices: list[Choice]
    usage: Usage
    model: str | None
    attempts: int


@dataclass(frozen=True)
class StreamEvent:
    """One step of a streamed answer; the last one carries the finished `result`."""

    delta: str
    text: str
    first_token_s: float | None = None
    result: Result | None = None


@dataclass(frozen=True)
class FileInfo:
    id: str
    filename: str
    bytes: int
    status: str | None


@dataclass(frozen=True)
class JobInfo:
    id: str
    model: str
    status: str
    fine_tuned_model: str | None
    created_at: int
    finished_at: int | None
    trained_tokens: int | None
    training_file: str
    validation_file: str | None
    error: str | None
    hyperparameters: dict[str, Any]


@dataclass(frozen=True)
class JobEvent:
    id: str
    created_at: int
    level: str
    message: str
    data: dict[str, Any] | None


class SDKPool:
    """Process-wide cache of SDK clients, so connections are reused across requests.

    Owned by the app context (not a module global); keyed by a digest of the key so the key itself
    is never a dictionary key that could be printed.
    """

    def __init__(self, timeout: float, max_retries: int) -> None:
        self.timeout = timeout
        self.max_retries = max_retries
        self._clients: dict[tuple[str, str], openai.OpenAI] = {}
        self._lock = threading.Lock()

    def get(self, backend: Backend) -> openai.OpenAI:
        key = backend.api_key or NO_KEY
        ident = (backend.base_url or "", hashlib.sha256(key.encode()).hexdigest())
        with self._lock:
            client = self._clients.get(ident)
            if client is None:
                # max_retries=0: the SDK would also retry insufficient_quota; our loop knows better.
                client = openai.OpenAI(
                    api_key=key, base_url=backend.base_url, timeout=self.timeout, max_retries=0
                )
                self._clients[ident] = client
            return client


def redact(text: str, secret: str | None) -> str:
    """The key never reaches a message, even when a server echoes it back."""
    if secret and len(secret) > 4:
        text = text.replace(secret, "sk-…" + secret[-4:])
    return text


def _error_code(exc: openai.APIStatusError) -> str:
    code = exc.code or ""
    body = exc.body if isinstance(exc.body, dict) else {}
    inner = body.get("error") if isinstance(body.get("error"), dict) else {}
    return str(code or inner.get("code") or inner.get("type") or exc.type or "")


def translate(exc: Exception, backend: Backend, model: str, catalog: Catalog,
              timeout: float, *, subject: str = "", retry_after: float | None = None
              ) -> ChatbotError:
    """SDK exception → project error, most specific class first."""
    where = backend.label
    if isinstance(exc, openai.APITimeoutError):
        return BackendTimeout(
            f"{where} no respondió en {timeout:g} s. / {where} did not answer within {timeout:g} s.",
            hint="Prueba otra vez, baja max_tokens o sube CHATBOT_TIMEOUT. / "
                 "Try again, lower max_tokens or raise CHATBOT_TIMEOUT.",
        )
    if isinstance(exc, openai.APIConnectionError):
        url = backend.base_url or "api.openai.com"
        return BackendUnreachable(
            f"No puedo conectar con {url}. / Cannot connect to {url}.",
            hint="¿Está el servidor en marcha y la URL base es correcta? Sin internet, usa el modelo "
                 "embebido. / Is the server running and the base URL right? Offline, use the "
                 "embedded model.",
        )
    if not isinstance(exc, openai.APIStatusError):
        return ServerError(redact(f"{where}: {exc}", backend.api_key))
    code = _error_code(exc)
    detail = redact(exc.message, backend.api_key)
    message = detail.lower()
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
    if isinstance(exc, openai.NotFoundError) or code == "model_not_found":
        retired = catalog.retired_message(model)
        return ModelNotFound(
            retired or f"El modelo '{model}' no existe en {where}. / Model '{model}' not found "
                       f"on {where}.",
            hint="" if retired else "Elige otro modelo en la lista. / Pick another model.",
        )
    if code == "context_length_exceeded" or ("context" in message and (
        "length" in message or "window" in message or "exceed" in message
    )):
        return ContextTooLong(
            f"El texto no cabe en el contexto de {model}. / The text does not fit {model}'s "
            f"context window.",
            hint="Acorta el mensaje o el historial, o baja max_tokens. / Shorten the message or "
                 "history, or lower max_tokens.",
        )
    if isinstance(exc, openai.RateLimitError):
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
    if exc.status_code >= 500:
        return ServerError(
            f"{where} falló ({exc.status_code}). / {where} failed ({exc.status_code}).",
            hint="Es un fallo del servidor, no tuyo: reintenta en un momento. / A server-side "
                 "fault, not yours: try again shortly.",
        )
    return InvalidInput(f"{where} rechazó la petición / rejected the request: {detail}")


def _retry_after(exc: Exception) -> float | None:
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


def _retryable(exc: Exception) -> bool:
    """Only failures a retry can mend; a timeout is not retried so a hang stays bounded."""
    if isinstance(exc, openai.APITimeoutError):
        return False
    if isinstance(exc, openai.APIConnectionError):
        return True
    if isinstance(exc, openai.RateLimitError):
        return _error_code(exc) != "insufficient_quota"
    return isinstance(exc, openai.APIStatusError) and exc.status_code in (500, 502, 503, 504)


def _logprobs(content: Any) -> tuple[TokenLogprob, ...] | None:
    if not content:
        return None
    return tuple(
        TokenLogprob(
            t.token, t.logprob,
            tuple(TopToken(a.token, a.logprob) for a in (t.top_logprobs or ())),
        )
        for t in content
    )


def _legacy_logprobs(lp: Any) -> tuple[TokenLogprob, ...] | None:
    if not lp or not lp.tokens:
        return None
    tops = lp.top_logprobs or [None] * len(lp.tokens)
    return tuple(
        TokenLogprob(
            tok, float(lpv if lpv is not None else 0.0),
            tuple(TopToken(k, float(v)) for k, v in sorted(
                (top or {}).items(), key=lambda kv: -kv[1])),
        )
        for tok, lpv, top in zip(lp.tokens, lp.token_logprobs or [], tops, strict=False)
    )


def _usage(raw: Any) -> Usage:
    if raw is None:
        return Usage()
    details = getattr(raw, "prompt_tokens_details", None)
    cached = getattr(details, "cached_tokens", None) or 0
    return Usage(raw.prompt_tokens or 0, raw.completion_tokens or 0, cached)


class LLMClient:
    """One user's view of one backend: builds the SDK call, bills it, translates its errors."""

    def __init__(self, backend: Backend, pool: SDKPool, catalog: Catalog,
                 ledger: billing.Ledger | None = None, *, max_retries: int = 2,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.backend = backend
        self.pool = pool
        self.catalog = catalog
        self.ledger = ledger
        self.max_retries = max_retries
        self._sleep = sleep

    @property
    def sdk(self) -> openai.OpenAI:
        return self.pool.get(self.backend)

    # -- plumbing -----------------------------------------------------------------------------

    def _call(self, model: str, fn: Callable[[], T], subject: str = "") -> tuple[T, int]:
        """Run `fn` with bounded, backed-off retries; return its value and the attempts made.

        `subject` names what a non-model call is about ("job ftjob-1"), for a 404's message.
        """
        attempt = 0
        while True:
            attempt += 1
            try:
                return fn(), attempt
            except openai.OpenAIError as exc:
                wait = _retry_after(exc)
                if not _retryable(exc) or attempt > self.max_retries or (
                        wait is not None and wait > MAX_RETRY_WAIT):
                    raise translate(exc, self.backend, model, self.catalog, self.pool.timeout,
                                    subject=subject, retry_after=wait) from None
                if wait is None:
                    wait = 0.5 * 2 ** (attempt - 1) * (1 + random.random() / 4)
                self._sleep(wait)

    def check_model(self, model: str) -> None:
        """On OpenAI itself a retired model is refused before any request is sent."""
        if self.backend.kind == "openai":
            retired = self.catalog.retired_message(model)
            if retired:
                raise ModelNotFound(retired)

    def _validate(self, params: ChatParams) -> None:
        max_output = self.backend.context_window
        if self.backend.kind == "openai":
            max_output = self.catalog.get(params.model).max_output
        problems = params.problems(max_output)
        if problems:
            raise InvalidInput("Parámetros imposibles / Impossible parameters: "
                               + "; ".join(problems) + ".")
        self.check_model(params.model)

    def _estimate(self, prompt: list[dict[str, Any]] | str, params: ChatParams
                  ) -> billing.CostEstimate:
        est = billing.estimate(self.catalog, params.model, prompt, params.max_tokens, params.n)
        if self.backend.kind == "local":
            est = replace(est, low_usd=0.0, high_usd=0.0)
        if self.ledger is not None:
            self.ledger.check(est)
        return est

    def _bill(self, model: str, usage: Usage) -> float | None:
        free = self.backend.kind == "local"
        if self.ledger is not None:
            return self.ledger.record(self.catalog, model, usage.prompt_tokens,
                                      usage.completion_tokens, usage.cached_tokens, free=free)
        return 0.0 if free else billing.cost(self.catalog, model, usage.prompt_tokens,
                                             usage.completion_tokens, usage.cached_tokens)

    # -- chat ---------------------------------------------------------------------------------

    def chat(self, messages: list[dict[str, Any]], params: ChatParams) -> Result:
        """A non-streamed chat completion with `n` choices, fanned out if the backend gives fewer."""
        self._validate(params)
        est = self._estimate(messages, params)

        def request(kwargs: dict[str, Any]) -> Reply:
            resp, attempts = self._call(params.model, lambda: self.sdk.chat.completions.create(
                messages=messages, **kwargs))
            return Reply([Choice(c.index, c.message.content or "", c.finish_reason,
                                 _logprobs(c.logprobs.content if c.logprobs else None))
                          for c in resp.choices], _usage(resp.usage), resp.model, attempts)

        return self._fan_out(params, params.sdk_kwargs(), request, est)

    def _fan_out(self, params: ChatParams, kwargs: dict[str, Any],
                 request: Callable[[dict[str, Any]], Reply],
                 est: billing.CostEstimate) -> Result:
        """Ask once; if the backend ignored `n` (llama.cpp does), ask again one choice at a time."""
        start = time.monotonic()
        first = request(kwargs)
        choices, usage, requests = list(first.choices), first.usage, first.attempts
        missing = params.n - len(choices)
        if missing > 0:
            def one(i: int) -> Reply:
                extra = {**kwargs, "n": 1}
                if params.seed is not None:  # same seed, same text: vary it reproducibly
                    extra["seed"] = params.seed + i + 1
                return request(extra)

            with ThreadPoolExecutor(max_workers=min(missing, 4)) as pool:
                for more in pool.map(one, range(missing)):
                    choices.extend(more.choices[:1])
                    usage = usage + more.usage
                    requests += more.attempts
        choices = [replace(c, index=i) for i, c in enumerate(choices)]
        cost = self._bill(params.model, usage)
        return Result(first.model or params.model, tuple(choices), usage, time.monotonic() - start,
                      est, cost, requests)

    def stream_chat(self, messages: list[dict[str, Any]], params: ChatParams
                    ) -> Iterator[StreamEvent]:
        """Stream one answer; bill from the final `usage` chunk (tiktoken only when it is absent)."""
        if params.n != 1:
            raise InvalidInput("El streaming da una sola respuesta (n=1). / Streaming returns "
                               "a single answer (n=1).")
        self._validate(params)
        est = self._estimate(messages, params)
        start = time.monotonic()
        kwargs = params.sdk_kwargs()
        stream, _ = self._call(params.model, lambda: self.sdk.chat.completions.create(
            messages=messages, stream=True, stream_options={"include_usage": True}, **kwargs))
        text = ""
        first: float | None = None
        finish: str | None = None
        usage: Usage | None = None
        model = params.model
        try:
            for chunk in stream:
                model = chunk.model or model
                if chunk.usage is not None:
                    usage = _usage(chunk.usage)
                for c in chunk.choices:
                    delta = c.delta.content or ""
                    if c.finish_reason:
                        finish = c.finish_reason
                    if delta:
                        if first is None:
                            first = time.monotonic() - start
                        text += delta
                        yield StreamEvent(delta, text, first)
        except openai.APITimeoutError as exc:
            if not text:  # nothing arrived at all: a hang, not a cut
                raise translate(exc, self.backend, params.model, self.catalog,
                                self.pool.timeout) from None
            raise StreamCut(
                "La respuesta se detuvo a medias (tiempo agotado). / The answer stopped mid-way "
                "(timed out).", hint=str(translate(exc, self.backend, params.model, self.catalog,
                                                   self.pool.timeout).hint), partial=text,
            ) from None
        except Exception:  # SDK and httpx2 protocol errors alike: the connection is gone
            raise StreamCut(
                "La conexión se cortó a mitad de la respuesta. / The connection dropped mid-answer.",
                hint="Lo recibido se conserva; reintenta. / What arrived is kept; try again.",
                partial=text,
            ) from None
        finally:
            stream.close()
        if finish is None:
            raise StreamCut(
                "La respuesta llegó incompleta (sin final). / The answer arrived incomplete "
                "(no end).", hint="Lo recibido se conserva; reintenta. / What arrived is kept; "
                "try again.", partial=text,
            )
        if usage is None:
            usage = Usage(est.input_tokens, billing.count_completion(self.catalog, model, text))
        cost = self._bill(params.model, usage)
        result = Result(model, (Choice(0, text, finish),), usage, time.monotonic() - start,
                        est, cost)
        yield StreamEvent("", text, first, result)

    # -- legacy completions -------------------------------------------------------------------

    def complete(self, prompt: str, params: ChatParams) -> Result:
        """The legacy /v1/completions endpoint the course began with (text-davinci-003 days)."""
        self._validate(params)
        est = self._estimate(prompt, params)
        kwargs = params.sdk_kwargs()
        kwargs.pop("top_logprobs", None)
        if params.logprobs:
            kwargs["logprobs"] = params.top_logprobs or 1

        def request(kwargs: dict[str, Any]) -> Reply:
            resp, attempts = self._call(params.model, lambda: self.sdk.completions.create(
                prompt=prompt, **kwargs))
            return Reply([Choice(c.index, c.text, c.finish_reason, _legacy_logprobs(c.logprobs))
                          for c in resp.choices], _usage(resp.usage), resp.model, attempts)

        return self._fan_out(params, kwargs, request, est)

    def list_models(self) -> list[str]:
        page, _ = self._call("", lambda: self.sdk.models.list())
        return sorted(m.id for m in page.data)

    # -- files and fine-tuning ------------------------------------------------------------------

    def upload_file(self, path: Path, purpose: str = "fine-tune") -> FileInfo:
        def send() -> Any:
            with path.open("rb") as fh:
                return self.sdk.files.create(file=(path.name, fh), purpose=purpose)

        f, _ = self._call("", send)
        return FileInfo(f.id, f.filename, f.bytes, getattr(f, "status", None))

    def create_job(self, training_file: str, model: str, *, validation_file: str | None = None,
                   suffix: str | None = None, seed: int | None = None,
                   n_epochs: int | None = None, batch_size: int | None = None,
                   learning_rate_multiplier: float | None = None) -> JobInfo:
        self.check_model(model)
        hyper = {k: v for k, v in (("n_epochs", n_epochs), ("batch_size", batch_size),
                                   ("learning_rate_multiplier", learning_rate_multiplier))
                 if v is not None}
        kwargs: dict[str, Any] = {"training_file": training_file, "model": model}
        if validation_file:
            kwargs["validation_file"] = validation_file
        if suffix:
            kwargs["suffix"] = suffix
        if seed is not None:
            kwargs["seed"] = seed
        if hyper:
            kwargs["method"] = {"type": "supervised",
                                "supervised": {"hyperparameters": hyper}}
        job, _ = self._call(model, lambda: self.sdk.fine_tuning.jobs.create(**kwargs))
        return _job(job)

    def list_jobs(self, limit: int = 20) -> list[JobInfo]:
        page, _ = self._call("", lambda: self.sdk.fine_tuning.jobs.list(limit=limit))
        return [_job(j) for j in page.data]

    def get_job(self, job_id: str) -> JobInfo:
        job, _ = self._call("", lambda: self.sdk.fine_tuning.jobs.retrieve(job_id),
                            f"el trabajo / job {job_id}")
        return _job(job)

    def cancel_job(self, job_id: str) -> JobInfo:
        job, _ = self._call("", lambda: self.sdk.fine_tuning.jobs.cancel(job_id),
                            f"el trabajo / job {job_id}")
        return _job(job)

    def job_events(self, job_id: str, limit: int = 100) -> list[JobEvent]:
        page, _ = self._call("", lambda: self.sdk.fine_tuning.jobs.list_events(
            job_id, limit=limit), f"el trabajo / job {job_id}")
        events = [JobEvent(e.id, e.created_at, e.level, e.message,
                           dict(e.data) if isinstance(getattr(e, "data", None), dict) else None)
                  for e in page.data]
        return events[::-1]  # the API lists newest first; seconds alone can't order them


def _job(job: Any) -> JobInfo:
    hyper = job.hyperparameters.model_dump(exclude_none=True) if job.hyperparameters else {}
    error = None
    if job.error is not None and (job.error.message or job.error.code):
        error = f"{job.error.code or ''}: {job.error.message or ''}".strip(": ")
    return JobInfo(job.id, job.model, job.status, job.fine_tuned_model, job.created_at,
                   job.finished_at, job.trained_tokens, job.training_file, job.validation_file,
                   error, hyper)
