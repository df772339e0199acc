"""Embeddings: vectors for texts, for the classifiers and similarity searches built on them."""

from __future__ import annotations

import time
from dataclasses import dataclass

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


class EmbedCalls(ClientBase):
    def embed(self, texts: list[str], model: str) -> Embeddings:
        """One request to the embeddings endpoint (OpenAI's, or a compatible server's)."""
        self.check_model(model)
        start = time.monotonic()
        resp, _ = self._call(model, lambda: self.sdk.embeddings.create(model=model, input=texts))
        usage = Usage(resp.usage.prompt_tokens if resp.usage else 0)
        vectors = tuple(tuple(d.embedding) for d in sorted(resp.data, key=lambda d: d.index))
        return Embeddings(resp.model or model, vectors, usage, time.monotonic() - start,
                          self._bill(model, usage))
