"""Streamed chat: text as it arrives, a cut stream kept as `StreamCut.partial`, billed at the end."""

from __future__ import annotations

import functools
import time
from collections.abc import Generator
from dataclasses import dataclass, replace
from typing import Any, cast

import openai
from openai.types.chat import ChatCompletionMessageParam

from chatbot.client.errors import translate
from chatbot.client.metering import Metering
from chatbot.client.params import ChatParams
from chatbot.client.request import Requests
from chatbot.client.results import Choice, Result, StreamEvent, Usage, read_usage
from chatbot.client.transport import Transport
from chatbot.errors import ChatbotError, InvalidInput, StreamCut
from chatbot.money import billing
from chatbot.money.spending import Hold


def _cut_off(key: str, hint_key: str, partial: str, **fields: object) -> StreamCut:
    """A cut answer, said in the reader's language, keeping what had arrived."""
    cut = StreamCut.keyed(key, hint_key, **fields)
    cut.partial = partial
    return cut


@dataclass
class _Received:
    """What the stream has delivered so far."""

    model: str
    text: str = ""
    finish: str | None = None
    usage: Usage | None = None

    def add(self, chunk: Any) -> str:
        """Take one chunk in; return its new text (empty for usage-only or role chunks)."""
        self.model = chunk.model or self.model
        if chunk.usage is not None:
            self.usage = read_usage(chunk.usage)
        delta = ""
        for c in chunk.choices:
            if c.finish_reason:
                self.finish = c.finish_reason
            delta += c.delta.content or ""
        self.text += delta
        return delta


@dataclass
class StreamCalls:
    """A streamed chat answer."""

    transport: Transport
    metering: Metering
    requests: Requests

    def stream_chat(self, messages: list[dict[str, Any]], params: ChatParams
                    ) -> Generator[StreamEvent, None, None]:
        """Stream one answer; bill from the final `usage` chunk (tiktoken only when it is absent)."""
        if params.n != 1:
            raise InvalidInput.keyed("client.stream_one")
        self.requests.validate(params)
        est = self.metering.estimate(messages, params)
        got = _Received(params.model)
        with self.metering.metered(est) as hold:
            try:
                yield from self._receive(messages, params, est, hold, got)
            finally:  # cut, failed or abandoned (the reader closed us): billed for what arrived
                if hold is not None and not hold.settled:
                    self.metering.bill(params.model, self._arrived(got, est), hold)

    def _arrived(self, got: _Received, est: billing.CostEstimate) -> Usage:
        if got.usage is not None:
            return got.usage
        if got.finish is None and not got.text:  # nothing came back: maybe not even read
            return Usage()
        return Usage(est.input_tokens, billing.count_completion(self.transport.catalog, got.model,
                                                                got.text))

    def _receive(self, messages: list[dict[str, Any]], params: ChatParams,
                 est: billing.CostEstimate, hold: Hold | None, got: _Received
                 ) -> Generator[StreamEvent, None, None]:
        start = time.monotonic()
        sdk_messages = cast("list[ChatCompletionMessageParam]", messages)
        stream, applied = self.requests.adapting(params, lambda body: self.transport.call(
            params.model, lambda: self.transport.sdk.chat.completions.create(
                messages=sdk_messages, stream=True, stream_options={"include_usage": True},
                **body))[0])
        first: float | None = None
        try:
            for chunk in stream:
                delta = self.transport.read(functools.partial(got.add, chunk))
                if delta:
                    if first is None:
                        first = time.monotonic() - start
                    yield StreamEvent(delta, got.text, first)
        except ChatbotError:
            raise
        except Exception as exc:  # SDK and httpx2 protocol errors alike: the connection is gone
            raise self._cut(exc, got.text, params.model) from None
        finally:
            stream.close()
        result = self._finish(got, params, est, start, hold)
        notes = self.requests.result_notes(applied, params.model, [got.text], [got.finish])
        yield StreamEvent("", got.text, first, replace(result, notes=notes))

    def _cut(self, exc: Exception, text: str, model: str) -> ChatbotError:
        """A stream that broke: a hang when nothing arrived, else a cut that keeps the text."""
        if isinstance(exc, openai.APITimeoutError):
            wire = self.transport
            error = translate(exc, wire.backend, model, wire.catalog, wire.pool.timeout)
            if not text:
                return error
            return _cut_off("client.stopped_midway", "client.timeout_hint", text)
        return _cut_off("client.dropped", "client.kept", text)

    def _finish(self, got: _Received, params: ChatParams, est: billing.CostEstimate,
                start: float, hold: Hold | None) -> Result:
        if got.finish is None:
            raise _cut_off("client.incomplete", "client.kept", got.text)
        usage = self._arrived(got, est)
        cost = self.metering.bill(params.model, usage, hold)
        return Result(got.model, (Choice(0, got.text, got.finish),), usage,
                      time.monotonic() - start, est, cost)
