"""Tokens per example, OpenAI's default epochs and the training cost estimate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chatbot.finetune import stats
from chatbot.finetune.validate import validate_file
from chatbot.models import token_count
from chatbot.models.catalog import Catalog

DATA = Path(__file__).parent / "data" / "finetune"


@pytest.mark.parametrize(("n", "epochs"), [
    (1, 25), (3, 25), (4, 25), (5, 20), (10, 10), (12, 8), (30, 3), (33, 3), (34, 3),
    (100, 3), (8333, 3), (8334, 2), (12_500, 2), (12_501, 1), (30_000, 1), (1_000_000, 1),
])
def test_default_epochs_follow_openais_rule(n: int, epochs: int) -> None:
    assert stats.default_epochs(n) == epochs


def test_default_epochs_stay_in_range() -> None:
    for n in range(1, 40_000, 7):
        e = stats.default_epochs(n)
        assert 1 <= e <= 25
        if 34 <= n <= 8333:
            assert e == 3


def test_cost_is_billed_tokens_times_epochs_times_price(catalog: Catalog) -> None:
    counts = [100, 200, 5000]
    cost = stats.training_cost(catalog, "gpt-4o-mini", counts, limit=1000)
    assert cost.billed_tokens == 100 + 200 + 1000 and cost.over_limit == 1
    assert cost.epochs == 25 and cost.default_epochs  # 3 examples → 100 // 3 capped at 25
    price = catalog.get("gpt-4o-mini").training_per_1m
    assert cost.usd == pytest.approx(1300 * 25 * price / 1e6)
    chosen = stats.training_cost(catalog, "gpt-4o-mini", counts, limit=1000, n_epochs=2)
    assert chosen.trained_tokens == 2600 and not chosen.default_epochs


def test_unknown_price_is_none_not_zero(catalog: Catalog) -> None:
    cost = stats.training_cost(catalog, "gpt-6-luna", [10] * 20)
    assert cost.usd is None and not cost.fine_tunable
    text = stats.cost_markdown(cost, stats.Distribution.of([10] * 20), "es")
    assert "gpt-6-luna no tiene precio de entrenamiento" in text and "¿?" in text
    english = stats.cost_markdown(cost, stats.Distribution.of([10] * 20), "en")
    assert "gpt-6-luna has no training price" in english and "precio" not in english


def test_counts_match_the_token_module(catalog: Catalog) -> None:
    report = validate_file(DATA / "chat_valid.jsonl", catalog, "gpt-4o-mini")
    first = (DATA / "chat_valid.jsonl").read_text(encoding="utf-8").splitlines()[0]
    messages = json.loads(first)["messages"]
    assert report.tokens[0] == token_count.count_chat(messages, "o200k_base").total


def test_distribution_and_histogram() -> None:
    d = stats.Distribution.of(list(range(1, 101)))
    assert (d.count, d.total, d.minimum, d.maximum) == (100, 5050, 1, 100)
    assert d.median == pytest.approx(50.5) and d.p5 < 10 < 90 < d.p95
    bars = stats.histogram(list(range(1, 101)), bins=10)
    assert len(bars) == 10 and sum(c for _, c in bars) == 100
    assert stats.Distribution.of([]).count == 0 and stats.histogram([]) == []


def test_fine_tunable_models_come_from_the_catalog(catalog: Catalog) -> None:
    names = stats.fine_tunable_models(catalog)
    assert "gpt-4o-mini" in names
    assert "gpt-3.5-turbo" not in names  # retired
    assert all(catalog.get(n).fine_tunable for n in names)
