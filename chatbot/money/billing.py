"""Money: a range before each request, the real cost after it, a session's running total.

The client module calls `estimate` before sending (the caps in `spending` hold its worst case)
and `Ledger.record` with the `usage` the API returned, so no feature can make a call that is not
counted.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from chatbot.i18n import DEFAULT as DEFAULT_LANG
from chatbot.i18n import Msg, say
from chatbot.models.catalog import Catalog, ModelInfo
from chatbot.models.token_count import count_output, count_prompt


@dataclass(frozen=True)
class CostEstimate:
    model: str
    input_tokens: int
    max_output_tokens: int
    n: int
    low_usd: float | None  # the prompt alone; None when the price is unknown
    high_usd: float | None  # the prompt plus n answers of max_output_tokens each
    notes: tuple[Msg, ...]  # what the range assumes or does not know
    # The most the server can bill: the prompt at one token per byte, plus the answers. Holds
    # on a host's money use it, so a server that counts more tokens than tiktoken cannot take
    # concurrent requests past a cap (see spending.Meter).
    worst_usd: float | None = None

    @property
    def hold_usd(self) -> float | None:
        return self.high_usd if self.worst_usd is None else self.worst_usd


def format_usd(value: float | None, lang: str = DEFAULT_LANG) -> str:
    """Cents hide what students spend per call, so small amounts keep six decimals. An unknown
    price is said in `lang`."""
    if value is None:
        return say(lang, "billing.unknown_price")
    if value == 0:
        return "$0"
    if value < 0.01:  # two significant digits, however small
        decimals = max(6, 2 - math.floor(math.log10(value)))
        return f"${value:.{decimals}f}".rstrip("0").rstrip(".")
    return f"${value:,.4f}"


def _price(tokens: int, per_1m: float | None) -> float | None:
    return None if per_1m is None else tokens * per_1m / 1_000_000


def output_room(info: ModelInfo, input_tokens: int, max_tokens: int | None) -> int:
    """Worst-case answer length: max_tokens, else whatever the model could still write."""
    if max_tokens is not None:
        return max(0, max_tokens)
    limits = [x for x in (info.max_output,
                          None if info.context_window is None
                          else info.context_window - input_tokens) if x is not None]
    return max(0, min(limits)) if limits else 0


def billable_bound(prompt: Sequence[Mapping[str, Any]] | str) -> int:
    """The most prompt tokens any byte-level tokenizer can bill: one per byte of text, plus the
    few tokens that frame each chat message."""
    if isinstance(prompt, str):
        return len(prompt.encode("utf-8", "replace")) + 1
    return 3 + sum(4 + sum(len(str(v).encode("utf-8", "replace")) for v in m.values())
                   for m in prompt)


def estimate(catalog: Catalog, model: str, prompt: Sequence[Mapping[str, Any]] | str,
             max_tokens: int | None, n: int = 1) -> CostEstimate:
    """OpenAI bills the prompt once and each of the `n` choices as output."""
    info = catalog.get(model)
    counted = count_prompt(catalog, info, prompt)
    room = output_room(info, counted.tokens, max_tokens)
    n = max(1, n)
    low = _price(counted.tokens, info.input_per_1m)
    out = _price(n * room, info.output_per_1m)
    high = None if low is None or out is None else low + out
    notes = [counted.note] if counted.note else []
    if not info.known:
        notes += info.note
    if max_tokens is None and room:
        notes.append(Msg("billing.no_max_tokens", room=room))
    if catalog.capabilities(model).reasoning:
        notes.append(Msg("billing.reasoning_worst"))
    bound = _price(max(counted.tokens, billable_bound(prompt)), info.input_per_1m)
    worst = None if bound is None or out is None else bound + out
    return CostEstimate(model, counted.tokens, room, n, low, high, tuple(notes), worst)


def estimate_embeddings(catalog: Catalog, model: str, texts: Sequence[str]) -> CostEstimate:
    """Embeddings bill their input only: each text counted with the model's encoding."""
    info = catalog.get(model)
    encoding = info.encoding if info.encoding != "local" else "o200k_base"
    tokens = sum(count_prompt(catalog, replace(info, encoding=encoding), t).tokens
                 for t in texts)
    low = _price(tokens, info.input_per_1m)
    worst = _price(max(tokens, sum(billable_bound(t) for t in texts)), info.input_per_1m)
    return CostEstimate(model, tokens, 0, 1, low, low, () if info.known else info.note, worst)


def cost(catalog: Catalog, model: str, prompt_tokens: int, completion_tokens: int,
         cached_tokens: int = 0) -> float | None:
    """From the API's `usage`; cached prompt tokens at the cached price when there is one."""
    info = catalog.get(model)
    if info.input_per_1m is None or info.output_per_1m is None:
        return None
    cached = min(max(0, cached_tokens), prompt_tokens)
    cached_price = info.cached_input_per_1m
    if cached_price is None:
        cached_price = info.input_per_1m
    return ((prompt_tokens - cached) * info.input_per_1m + cached * cached_price
            + completion_tokens * info.output_per_1m) / 1_000_000


def count_completion(catalog: Catalog, model: str, text: str) -> int:
    """Answer tokens counted locally, for backends that stream without `usage`."""
    return count_output(catalog, catalog.get(model), text)


@dataclass
class Ledger:
    """One session's spending, for display. Plain data (no locks); the caps live in `spending`.

    `budget_usd` is what the session asked for; in hosted mode the context holds calls to the
    lower of it and the host's ceiling."""

    budget_usd: float | None = None
    spent_usd: float = 0.0
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    unpriced_calls: int = 0  # calls to models whose price we do not know

    def record(self, catalog: Catalog, model: str, prompt_tokens: int, completion_tokens: int,
               cached_tokens: int = 0, *, free: bool = False) -> float | None:
        """`free`: the embedded backend answered, whatever name the model was given."""
        value = 0.0 if free else cost(catalog, model, prompt_tokens, completion_tokens,
                                      cached_tokens)
        self.calls += 1
        self.prompt_tokens += prompt_tokens
        self.completion_tokens += completion_tokens
        if value is None:
            self.unpriced_calls += 1
        else:
            self.spent_usd += value
        return value

    def summary(self, lang: str = DEFAULT_LANG) -> str:
        spent = format_usd(self.spent_usd)
        if self.budget_usd is not None:
            spent = say(lang, "ledger.spent_of", spent=spent, budget=format_usd(self.budget_usd))
        text = say(lang, "ledger.summary", spent=spent, calls=self.calls,
                   prompt=self.prompt_tokens, completion=self.completion_tokens)
        if self.unpriced_calls:
            text += say(lang, "ledger.unpriced", n=self.unpriced_calls)
        return text
