"""What every kind of call shares: the SDK client, bounded retries, validation and billing."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any, TypeVar

import openai

from chatbot import billing, capabilities
from chatbot.capabilities import Applied, Capabilities
from chatbot.capability_book import CapabilityBook
from chatbot.catalog import Catalog
from chatbot.client import retry
from chatbot.client.errors import UnsupportedParam, refused_param, translate
from chatbot.client.params import ChatParams
from chatbot.client.results import Usage, read_usage
from chatbot.client.sdk import Backend, SDKPool
from chatbot.errors import InvalidInput, ModelNotFound, ServerError
from chatbot.spending import Hold, Meter

T = TypeVar("T")


class ClientBase:
    """One user's view of one backend: builds the SDK call, bills it, translates its errors."""

    def __init__(self, backend: Backend, pool: SDKPool, catalog: Catalog,
                 ledger: billing.Ledger | None = None, *, max_retries: int = 2,
                 meter: Meter | None = None,
                 sleep: Callable[[float], None] = time.sleep,
                 capabilities: CapabilityBook | None = None) -> None:
        """`capabilities`: the process's book (AppContext owns it); a private one otherwise."""
        self.backend = backend
        self.capabilities = capabilities or CapabilityBook(catalog)
        self.pool = pool
        self.catalog = catalog
        self.ledger = ledger
        self.meter = meter
        self.max_retries = max_retries
        self._sleep = sleep

    @property
    def sdk(self) -> openai.OpenAI:
        return self.pool.get(self.backend)

    def _call(self, model: str, fn: Callable[[], T], subject: str = "") -> tuple[T, int]:
        """Run `fn` with bounded, backed-off retries; return its value and the attempts made.

        `subject` names what a non-model call is about ("job ftjob-1"), for a 404's message.
        """
        attempt = 0
        while True:
            attempt += 1
            try:
                return fn(), attempt
            except (ValueError, AttributeError):  # the SDK parsing HTML, or JSON of another shape
                raise self.not_openai() from None
            except openai.OpenAIError as exc:
                wait = retry.retry_after(exc)
                if not retry.retryable(exc) or attempt > self.max_retries or (
                        wait is not None and wait > retry.MAX_RETRY_WAIT):
                    error = translate(exc, self.backend, model, self.catalog,
                                      self.pool.timeout, subject=subject, retry_after=wait)
                    param = refused_param(exc)
                    raise (UnsupportedParam(error, param) if param else error) from None
                self._sleep(retry.backoff(attempt) if wait is None else wait)

    def not_openai(self) -> ServerError:
        """A compatible server that answered 200 with HTML, or with JSON of another shape."""
        where = self.backend.label
        return ServerError(
            f"{where} respondió algo que no es una respuesta de la API de OpenAI. / {where} "
            "answered with something that is not an OpenAI API response.",
            hint="¿Es correcta la URL base (suele acabar en /v1)? / Is the base URL right (it "
                 "usually ends in /v1)?")

    def _read(self, read: Callable[[], T]) -> T:
        """Read the SDK's parsed answer; a wrong shape is the server's fault, said so."""
        try:
            return read()
        except (AttributeError, TypeError, KeyError, ValueError):
            raise self.not_openai() from None

    def capabilities_for(self, model: str) -> Capabilities:
        """What `model` takes on this backend. No probe here (the UI probes when a model is
        picked): a request for a model that does not exist must fail once, not five times."""
        return self.capabilities.get(self.backend.kind, self.backend.base_url, model)

    def _adapting(self, params: ChatParams, send: Callable[[dict[str, Any]], T], *,
                  legacy: bool = False) -> tuple[T, Applied]:
        """The one place where a model gets only what it takes.

        Sends `capabilities.apply`'s body. If the server still refuses a parameter by name (a
        model the data did not know), the client remembers that for the process and retries
        without it: once per refused parameter, never twice for the same one.
        """
        retried: list[str] = []
        while True:
            applied = capabilities.apply(params, self.capabilities_for(params.model),
                                         legacy=legacy)
            try:
                value = send(applied.body)
                break
            except UnsupportedParam as refusal:
                if len(retried) > len(capabilities.FEATURES) or self.capabilities.learn(
                        self.backend.kind, self.backend.base_url, params.model,
                        refusal.param) is None:
                    raise
                retried.append(refusal.param)
        if retried:
            names = ", ".join(retried)
            applied = replace(applied, notes=(*applied.notes, (
                f"{params.model} rechazó {names}: reintenté sin ello y lo recordaré. / "
                f"{params.model} refused {names}: retried without it, and will remember.")))
        return value, applied

    def send_probe(self, body: dict[str, Any]) -> Any:
        """One capability probe (a one-token chat request), metered like every other request;
        the SDK's own errors pass through, so the probe can tell "not taken" from "unreachable"."""
        model = str(body["model"])
        est = self._estimate(body["messages"], ChatParams(model=model, max_tokens=1,
                                                          n=int(body.get("n", 1))))
        with self.metered(est) as hold:
            reply = self.sdk.chat.completions.create(**body)
            self._bill(model, self._read(lambda: read_usage(reply.usage)), hold)
        return reply

    def _result_notes(self, applied: Applied, model: str, texts: list[str],
                      finish: list[str | None]) -> tuple[str, ...]:
        """`applied`'s notes, plus one when hidden reasoning used up the whole answer budget."""
        limit = applied.body.get("max_completion_tokens")
        if limit is None or any(t.strip() for t in texts) or "length" not in finish:
            return applied.notes
        return (*applied.notes, f"{model} gastó los {limit} tokens en razonar antes de "
                f"responder: sube max_tokens o baja reasoning effort. / {model} spent all {limit} "
                "tokens reasoning before answering: raise max_tokens or lower reasoning effort.")

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
            est = replace(est, low_usd=0.0, high_usd=0.0, worst_usd=0.0)
        return est

    def _hold(self, est: billing.CostEstimate) -> Hold | None:
        """The worst case, set aside under every cap before the request is sent (or refused)."""
        return self.meter.hold(est) if self.meter is not None else None

    @contextmanager
    def metered(self, est: billing.CostEstimate) -> Iterator[Hold | None]:
        """The one metering point: every request that can cost money (chat, completions,
        embeddings, capability probes) is sent inside this block. Its worst case is held under
        every cap before it leaves (or it is refused), `_bill` settles the hold with what the
        server reported, and a request that failed before any answer releases it."""
        hold = self._hold(est)
        try:
            yield hold
        finally:
            self._release(hold)

    def _bill(self, model: str, usage: Usage, hold: Hold | None = None) -> float | None:
        """Record what the call cost in the session's ledger, and settle the hold with it."""
        free = self.backend.kind == "local"
        if self.ledger is not None:
            value = self.ledger.record(self.catalog, model, usage.prompt_tokens,
                                       usage.completion_tokens, usage.cached_tokens, free=free)
        else:
            value = 0.0 if free else billing.cost(self.catalog, model, usage.prompt_tokens,
                                                  usage.completion_tokens, usage.cached_tokens)
        if hold is not None:
            hold.settle(value)
        return value

    @staticmethod
    def _release(hold: Hold | None) -> None:
        """A request that failed before any answer costs nothing; a settled hold stays as is."""
        if hold is not None:
            hold.settle(0.0)
