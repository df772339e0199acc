"""Embeddings: vectors for texts, for the classifiers and similarity searches built on them."""

from __future__ import annotations

import time
from dataclasses import dataclass

from chatbot.client.metering import Metering
from chatbot.client.request import Requests
from chatbot.client.results import Usage
from chatbot.client.transport import Transport


@dataclass(frozen=True)
class Embeddings:
    """One vector per input text, in input order, and what the request cost."""

    model: str
    vectors: tuple[tuple[float, ...], ...]
    usage: Usage
    latency_s: float
    cost_usd: float | None = None


@dataclass
class EmbedCalls:
    """Vectors for texts."""

    transport: Transport
    metering: Metering
    requests: Requests

    def embed(self, texts: list[str], model: str) -> Embeddings:
        """One request to the embeddings endpoint (OpenAI's, or a compatible server's)."""
        self.requests.check_model(model)
        start = time.monotonic()
        wire = self.transport
        resp, _ = wire.call(model, lambda: wire.sdk.embeddings.create(model=model, input=texts))
        usage = Usage(resp.usage.prompt_tokens if resp.usage else 0)
        vectors = tuple(tuple(d.embedding) for d in sorted(resp.data, key=lambda d: d.index))
        return Embeddings(resp.model or model, vectors, usage, time.monotonic() - start,
                          self.metering.bill(model, usage))
