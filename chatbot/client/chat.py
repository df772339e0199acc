"""Non-streamed calls: chat completions, the legacy completions endpoint, and `n` fan-out."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any, cast

from openai.types.chat import ChatCompletionMessageParam

from chatbot.client.metering import Metering
from chatbot.client.params import ChatParams
from chatbot.client.request import Requests
from chatbot.client.results import (
    Choice,
    Result,
    Usage,
    read_legacy_logprobs,
    read_logprobs,
    read_tool_calls,
    read_usage,
)
from chatbot.client.transport import Transport
from chatbot.i18n import Msg
from chatbot.models import token_count
from chatbot.money import billing
from chatbot.money.spending import Hold


@dataclass(frozen=True)
class SingleResponse:
    """One HTTP answer, before fan-out merges several into a Result."""

    choices: list[Choice]
    usage: Usage
    model: str | None
    attempts: int
    fingerprint: str | None = None


Request = Callable[[dict[str, Any]], SingleResponse]


@dataclass
class ChatCalls:
    """Chat completions and the legacy endpoint, one answer or `n`."""

    transport: Transport
    metering: Metering
    requests: Requests

    def chat(self, messages: list[dict[str, Any]], params: ChatParams) -> Result:
        """A non-streamed chat completion with `n` choices, fanned out if the backend gives fewer."""
        self.requests.validate(params)
        est = self.metering.estimate(messages, params)

        def request(kwargs: dict[str, Any]) -> SingleResponse:
            wire = self.transport
            resp, attempts = wire.call(params.model, lambda: wire.sdk.chat.completions.create(
                messages=cast("list[ChatCompletionMessageParam]", messages), **kwargs))
            return self.transport.read(lambda: SingleResponse(
                [Choice(c.index, c.message.content or "", c.finish_reason,
                        read_logprobs(c.logprobs.content if c.logprobs else None),
                        read_tool_calls(c.message))
                 for c in resp.choices], read_usage(resp.usage), resp.model, attempts,
                getattr(resp, "system_fingerprint", None)))

        return self._fan_out(params, request, est)

    def complete(self, prompt: str, params: ChatParams) -> Result:
        """The legacy /v1/completions endpoint the course began with (text-davinci-003 days)."""
        self.requests.validate(params)
        est = self.metering.estimate(prompt, params)

        def request(kwargs: dict[str, Any]) -> SingleResponse:
            resp, attempts = self.transport.call(params.model, lambda: self.transport.sdk.completions.create(
                prompt=prompt, **kwargs))
            return self.transport.read(lambda: SingleResponse(
                [Choice(c.index, c.text, c.finish_reason, read_legacy_logprobs(c.logprobs))
                 for c in resp.choices], read_usage(resp.usage), resp.model, attempts,
                getattr(resp, "system_fingerprint", None)))

        return self._fan_out(params, request, est, legacy=True)

    def list_models(self) -> list[str]:
        page, _ = self.transport.call("", lambda: self.transport.sdk.models.list())
        return self.transport.read(lambda: sorted(m.id for m in page.data))

    def _fan_out(self, params: ChatParams, request: Request, est: billing.CostEstimate, *,
                 legacy: bool = False) -> Result:
        """The worst case held under every cap for the whole call, settled on what it cost."""
        with self.metering.metered(est) as hold:
            return self._ask(params, request, est, hold, legacy)

    def _usage_per_choice(self, model: str, usage: Usage, choices: list[Choice]
                          ) -> tuple[Usage, tuple[Msg, ...]]:
        """Output tokens as generated: some servers (llama-server) count one choice of n.

        Each choice's tokens are its logprobs when it has them, else its text counted with the
        model's tokenizer; when they add up to more than the server said, the sum is billed and
        a note says so."""
        if len(choices) < 2:
            return usage, ()
        info = self.metering.catalog.get(model)
        counted = sum(len(c.logprobs) if c.logprobs else
                      token_count.count_output(self.metering.catalog, info, c.text) for c in choices)
        if counted <= usage.completion_tokens:
            return usage, ()
        note = Msg("client.recounted", server=usage.completion_tokens, n=len(choices),
                   counted=counted)
        return replace(usage, completion_tokens=counted), (note,)

    def _ask(self, params: ChatParams, request: Request, est: billing.CostEstimate,
             hold: Hold | None, legacy: bool) -> Result:
        """Ask once; if the backend ignored `n` (some servers do), ask again one choice at a time."""
        start = time.monotonic()
        first, applied = self.requests.adapting(params, request, legacy=legacy)
        kwargs = applied.body
        choices, requests = list(first.choices), first.attempts
        usage, recount = self._usage_per_choice(params.model, first.usage, choices)
        missing = params.n - len(choices)
        if missing > 0:
            def one(i: int) -> SingleResponse:
                extra = {**kwargs, "n": 1}
                if "seed" in kwargs:  # same seed, same text: vary it reproducibly
                    extra["seed"] = kwargs["seed"] + i + 1
                return request(extra)

            with ThreadPoolExecutor(max_workers=min(missing, 4)) as pool:
                for more in pool.map(one, range(missing)):
                    choices.extend(more.choices[:1])
                    usage = usage + more.usage
                    requests += more.attempts
        choices = [replace(c, index=i) for i, c in enumerate(choices)]
        cost = self.metering.bill(params.model, usage, hold)
        notes = self.requests.result_notes(applied, params.model, [c.text for c in choices],
                                           [c.finish_reason for c in choices]) + recount
        return Result(first.model or params.model, tuple(choices), usage, time.monotonic() - start,
                      est, cost, requests, notes, first.fingerprint)
