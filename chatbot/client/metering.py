"""Paying: every call estimated, held under the caps before it leaves, billed from its usage."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from chatbot.client.params import ChatParams
from chatbot.client.results import Usage
from chatbot.client.sdk import Backend
from chatbot.models.catalog import Catalog
from chatbot.money import billing
from chatbot.money.spending import Hold, Meter


class Metering:
    """One session's purse on one backend: its ledger and the caps its calls are held against."""

    def __init__(self, backend: Backend, catalog: Catalog, ledger: billing.Ledger | None = None,
                 meter: Meter | None = None) -> None:
        self.backend = backend
        self.catalog = catalog
        self.ledger = ledger
        self.meter = meter

    def estimate(self, prompt: list[dict[str, Any]] | str, params: ChatParams
                 ) -> billing.CostEstimate:
        est = billing.estimate(self.catalog, params.model, prompt, params.max_tokens, params.n)
        if self.backend.kind == "local":
            est = replace(est, low_usd=0.0, high_usd=0.0, worst_usd=0.0)
        return est

    def estimate_embeddings(self, texts: list[str], model: str) -> billing.CostEstimate:
        if self.backend.kind == "local":  # free, and not worth a call to its tokenizer
            return billing.CostEstimate(model, 0, 0, 1, 0.0, 0.0, (), 0.0)
        return billing.estimate_embeddings(self.catalog, model, texts)

    def hold(self, est: billing.CostEstimate) -> Hold | None:
        """The worst case, set aside under every cap before the request is sent (or refused)."""
        return self.meter.hold(est) if self.meter is not None else None

    @contextmanager
    def metered(self, est: billing.CostEstimate) -> Iterator[Hold | None]:
        """The one metering point: every request that can cost money (chat, completions,
        embeddings, capability probes) is sent inside this block. Its worst case is held under
        every cap before it leaves (or it is refused), `bill` settles the hold with what the
        server reported, and a request that failed before any answer releases it."""
        hold = self.hold(est)
        try:
            yield hold
        finally:
            self.release(hold)

    def bill(self, model: str, usage: Usage, hold: Hold | None = None) -> float | None:
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
    def release(hold: Hold | None) -> None:
        """A request that failed before any answer costs nothing; a settled hold stays as is."""
        if hold is not None:
            hold.settle(0.0)
