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
        usage, cost, served = Usage(), 0.0, model
        for first in range(0, len(texts), MAX_INPUTS):
            batch = texts[first:first + MAX_INPUTS]
            est = self._embed_estimate(batch, model)
            with self.metered(est) as hold:
                resp, _ = self._call(model, lambda b=batch: self.sdk.embeddings.create(
                    model=model, input=b))
                got = self._read(lambda r=resp: Usage(r.usage.prompt_tokens if r.usage else 0))
                billed = self._bill(model, got, hold)
            vectors += self._read(lambda r=resp: [tuple(d.embedding) for d in sorted(
                r.data, key=lambda d: d.index)])
            usage, served = usage + got, resp.model or served
            cost = None if cost is None or billed is None else cost + billed
        return Embeddings(served, tuple(vectors), usage, time.monotonic() - start, cost)

    def _embed_estimate(self, texts: list[str], model: str) -> billing.CostEstimate:
        if self.backend.kind == "local":  # free, and not worth a call to its tokenizer
            return billing.CostEstimate(model, 0, 0, 1, 0.0, 0.0, "", 0.0)
        return billing.estimate_embeddings(self.catalog, model, texts)
