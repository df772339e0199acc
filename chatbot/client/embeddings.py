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


MAX_INPUTS = 2048  # OpenAI's limit of texts per embeddings request


@dataclass
class EmbedCalls:
    """Vectors for texts."""

    transport: Transport
    metering: Metering
    requests: Requests

    def embed(self, texts: list[str], model: str) -> Embeddings:
        """Vectors from the embeddings endpoint (OpenAI's, or a compatible server's), asked in
        batches of at most MAX_INPUTS texts, each held under the caps before it is sent."""
        self.requests.check_model(model)
        start = time.monotonic()
        vectors: list[tuple[float, ...]] = []
        usage, served = Usage(), model
        cost: float | None = 0.0
        for first in range(0, len(texts), MAX_INPUTS):
            batch = texts[first:first + MAX_INPUTS]
            got, billed, more, served = self._embed_batch(batch, model, served)
            vectors += more
            usage = usage + got
            cost = None if cost is None or billed is None else cost + billed
        return Embeddings(served, tuple(vectors), usage, time.monotonic() - start, cost)

    def _embed_batch(self, batch: list[str], model: str, served: str
                     ) -> tuple[Usage, float | None, list[tuple[float, ...]], str]:
        """One metered request: its usage, cost, vectors in input order, and the model named."""
        wire = self.transport
        with self.metering.metered(self.metering.estimate_embeddings(batch, model)) as hold:
            resp, _ = wire.call(model, lambda: wire.sdk.embeddings.create(model=model,
                                                                          input=batch))
            got = wire.read(lambda: Usage(resp.usage.prompt_tokens if resp.usage else 0))
            billed = self.metering.bill(model, got, hold)
        vectors = wire.read(lambda: [tuple(d.embedding)
                                     for d in sorted(resp.data, key=lambda d: d.index)])
        return got, billed, vectors, resp.model or served
