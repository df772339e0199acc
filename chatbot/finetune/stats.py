"""Tokens per example, the epochs OpenAI picks by default, and what training would cost.

The rules are those of OpenAI's cookbook "Data preparation and analysis for chat model
fine-tuning": 3 epochs by default, scaled so that examples × epochs lands in [100, 25,000] with
epochs in [1, 25]; each example billed up to the model's per-example limit, once per epoch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any

import numpy as np

from chatbot.finetune.formats import CHAT, LEGACY
from chatbot.i18n import say
from chatbot.models import token_count
from chatbot.models.catalog import OFFLINE_ENCODINGS, Catalog
from chatbot.money.billing import format_usd

TARGET_EPOCHS = 3
MIN_TARGET_EXAMPLES = 100
MAX_TARGET_EXAMPLES = 25_000
MIN_DEFAULT_EPOCHS = 1
MAX_DEFAULT_EPOCHS = 25


class ExampleCounter:
    """Tokens of training examples with the model's own tokenizer, all through `tokens`."""

    def __init__(self, catalog: Catalog, model: str) -> None:
        self.catalog = catalog
        self.info = catalog.get(model)

    @property
    def limit(self) -> int | None:
        return self.info.context_window

    def count(self, kind: str, record: dict[str, Any]) -> int:
        if kind == CHAT:
            return token_count.count_prompt(self.catalog, self.info, record["messages"]).tokens
        return (token_count.count_prompt(self.catalog, self.info, record["prompt"]).tokens
                + token_count.count_output(self.catalog, self.info, record["completion"]))

    def format_tokens(self, messages: list[dict[str, Any]]) -> int:
        """The chat format's share of a chat example's count (roles, separators, priming)."""
        if self.info.encoding in OFFLINE_ENCODINGS:
            return token_count.chat_overhead(messages)
        plain = sum(token_count.count_output(self.catalog, self.info, s)
                    for s in token_count.message_strings(messages))
        return token_count.count_prompt(self.catalog, self.info, messages).tokens - plain

    def count_many(self, records: Sequence[dict[str, Any]]) -> list[int]:
        """The same counts for a batch, tokenised in one call (what makes 100 MB files fast)."""
        if self.info.encoding not in OFFLINE_ENCODINGS:  # the embedded model's own tokenizer
            return [self.count(CHAT if "messages" in r else LEGACY, r) for r in records]
        parts = [token_count.example_strings(r) for r in records]
        lengths = iter(token_count.encode_lengths(token_count.get_encoding(self.info.encoding),
                                             [s for _, strings in parts for s in strings]))
        return [sum(islice(lengths, len(strings)))
                + (token_count.chat_overhead(messages) if messages is not None else 0)
                for messages, strings in parts]


def default_epochs(n_examples: int) -> int:
    """What `n_epochs="auto"` gives for this many training examples."""
    if n_examples <= 0:
        return TARGET_EPOCHS
    if n_examples * TARGET_EPOCHS < MIN_TARGET_EXAMPLES:
        return min(MAX_DEFAULT_EPOCHS, MIN_TARGET_EXAMPLES // n_examples)
    if n_examples * TARGET_EPOCHS > MAX_TARGET_EXAMPLES:
        return max(MIN_DEFAULT_EPOCHS, MAX_TARGET_EXAMPLES // n_examples)
    return TARGET_EPOCHS


@dataclass(frozen=True)
class Distribution:
    count: int
    total: int
    minimum: int
    maximum: int
    mean: float
    median: float
    p5: float
    p95: float

    @classmethod
    def of(cls, values: Sequence[int]) -> Distribution:
        if not len(values):
            return cls(0, 0, 0, 0, 0.0, 0.0, 0.0, 0.0)
        arr = np.asarray(values, dtype=np.int64)
        p5, median, p95 = np.quantile(arr, [0.05, 0.5, 0.95]).tolist()
        return cls(len(arr), int(arr.sum()), int(arr.min()), int(arr.max()),
                   float(arr.mean()), median, p5, p95)


def histogram(values: Sequence[int], bins: int = 20) -> list[tuple[str, int]]:
    """(range label, examples) pairs for a bar chart of tokens per example."""
    if not len(values):
        return []
    arr = np.asarray(values, dtype=np.int64)
    counts, edges = np.histogram(arr, bins=min(bins, max(1, len(np.unique(arr)))))
    lows = np.ceil(edges[:-1]).astype(int)  # bins are [lo, hi), the last one [lo, hi]
    highs = np.append(np.ceil(edges[1:-1]).astype(int) - 1, int(np.floor(edges[-1])))
    return [(f"{lo}–{hi}" if hi > lo else str(lo), int(c))
            for lo, hi, c in zip(lows.tolist(), highs.tolist(), counts, strict=True)]


@dataclass(frozen=True)
class TrainingCost:
    model: str
    examples: int
    billed_tokens: int  # per epoch: each example counted up to the per-example limit
    over_limit: int
    epochs: int
    default_epochs: bool
    price_per_1m: float | None
    fine_tunable: bool

    @property
    def trained_tokens(self) -> int:
        return self.billed_tokens * self.epochs

    @property
    def usd(self) -> float | None:
        if self.price_per_1m is None:
            return None
        return self.trained_tokens * self.price_per_1m / 1_000_000


def training_cost(catalog: Catalog, model: str, example_tokens: Sequence[int], *,
                  limit: int | None = None, n_epochs: int | None = None) -> TrainingCost:
    """billed tokens × epochs × the catalog's training price (None when the price is unknown)."""
    info = catalog.get(model)
    limit = limit or info.context_window
    arr = np.asarray(example_tokens, dtype=np.int64)
    billed = int(np.minimum(arr, limit).sum()) if limit else int(arr.sum())
    over = int((arr > limit).sum()) if limit else 0
    epochs = n_epochs or default_epochs(len(arr))
    return TrainingCost(model, len(arr), billed, over, epochs, n_epochs is None,
                        info.training_per_1m, info.fine_tunable)


def fine_tunable_models(catalog: Catalog) -> list[str]:
    """Models that still accept new fine-tuning jobs, by the catalog (cheapest first)."""
    infos = [catalog.get(name) for name in catalog.names()]
    ok = [i for i in infos if i.fine_tunable and i.provider == "openai"]
    return [i.name for i in sorted(ok, key=lambda i: (i.training_per_1m or 0, i.name))]


def cost_markdown(cost: TrainingCost, dist: Distribution, lang: str) -> str:
    """The cost and token numbers in the words the course uses."""
    epochs_note = say(lang, "finetune.epochs_default" if cost.default_epochs
                      else "finetune.epochs_chosen")
    lines = [
        say(lang, "finetune.cost_examples", examples=cost.examples, total=f"{dist.total:,}",
            minimum=dist.minimum, median=f"{dist.median:g}", mean=f"{dist.mean:.1f}",
            p5=f"{dist.p5:g}", p95=f"{dist.p95:g}", maximum=dist.maximum),
        say(lang, "finetune.cost_epochs", epochs=cost.epochs, note=epochs_note),
        say(lang, "finetune.cost_billed", billed=f"{cost.billed_tokens:,}", epochs=cost.epochs,
            trained=f"{cost.trained_tokens:,}"),
    ]
    if cost.price_per_1m is None:
        lines.append(say(lang, "finetune.cost_unknown", model=cost.model))
    else:
        lines.append(say(lang, "finetune.cost_estimated", usd=format_usd(cost.usd),
                         trained=f"{cost.trained_tokens:,}", price=f"{cost.price_per_1m:g}"))
    if cost.over_limit:
        lines.append(say(lang, "finetune.cost_over_limit", count=cost.over_limit))
    if not cost.fine_tunable:
        lines.append(say(lang, "finetune.cost_not_tunable", model=cost.model))
    return "\n\n".join(lines)
