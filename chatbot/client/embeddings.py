"""Embeddings: vectors for texts, for the classifiers and similarity searches built on them."""

from __future__ import annotations

import time
from dataclasses import dataclass

from chatbot import billing
from chatbot.client.base import ClientBase
from chatbot.client.results import Usage


@dataclass(frozen=True)
class Embeddings:
    """One vector per input text, in input order, and what the request cost."""

    model: str
    vectors: tuple[tuple[float, ...], ...]
    usage: Usage
    latency_s: float
    cost_usd: float | None = None


MAX_INPUTS = 2048  # OpenAI's limit of texts per embeddings request


class EmbedCalls(ClientBase):
    def embed(self, texts: list[str], model: str) -> Embeddings:
        """Vectors from the embeddings endpoint (OpenAI's, or a compatible server's), asked in
        batches of at most MAX_INPUTS texts, each held under the caps before it is sent."""
        self.check_model(model)
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
        with self.metered(self._embed_estimate(batch, model)) as hold:
            resp, _ = self._call(model, lambda: self.sdk.embeddings.create(model=model,
                                                                           input=batch))
            got = self._read(lambda: Usage(resp.usage.prompt_tokens if resp.usage else 0))
            billed = self._bill(model, got, hold)
        vectors = self._read(lambda: [tuple(d.embedding)
                                      for d in sorted(resp.data, key=lambda d: d.index)])
        return got, billed, vectors, resp.model or served

    def _embed_estimate(self, texts: list[str], model: str) -> billing.CostEstimate:
        if self.backend.kind == "local":  # free, and not worth a call to its tokenizer
            return billing.CostEstimate(model, 0, 0, 1, 0.0, 0.0, "", 0.0)
        return billing.estimate_embeddings(self.catalog, model, texts)
