import copy
from datetime import date

import pytest

from chatbot.models.catalog import Catalog
from chatbot.models.token_count import count_chat, count_text
from chatbot.money import billing

TODAY = date(2026, 11, 23)
CHAT = [{"role": "system", "content": "Eres un asistente amable."},
        {"role": "user", "content": "¿Cuánto cuesta esta pregunta?"}]


def notes(est: billing.CostEstimate, lang: str) -> str:
    """The estimate's notes as a reader of `lang` reads them."""
    return " ".join(note.said(lang) for note in est.notes)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.load(today=TODAY)


def test_cost_from_usage_bills_cached_tokens_at_the_cached_price(catalog):
    # gpt-4o-mini: $0.15 input, $0.075 cached input, $0.60 output per 1M
    assert billing.cost(catalog, "gpt-4o-mini", 1_000_000, 0) == pytest.approx(0.15)
    assert billing.cost(catalog, "gpt-4o-mini", 0, 1_000_000) == pytest.approx(0.60)
    assert billing.cost(catalog, "gpt-4o-mini", 1000, 500, cached_tokens=400) == pytest.approx(
        (600 * 0.15 + 400 * 0.075 + 500 * 0.60) / 1e6)


def test_cached_tokens_without_a_cached_price_pay_full_input(catalog):
    assert billing.cost(catalog, "gpt-4", 1000, 0, cached_tokens=1000) == pytest.approx(0.03)


def test_cost_unknown_price_is_none(catalog):
    assert billing.cost(catalog, "gpt-9-galaxy", 10, 10) is None


def test_fine_tuned_usage_is_billed_at_fine_tuned_prices(catalog):
    assert billing.cost(catalog, "ft:gpt-4o-mini-2024-07-18:acme::x", 1_000_000,
                        1_000_000) == pytest.approx(0.30 + 1.20)


def test_estimate_chat_range_with_n_choices(catalog):
    est = billing.estimate(catalog, "gpt-4o-mini", CHAT, max_tokens=200, n=3)
    expected_in = count_chat(CHAT, "o200k_base").total
    assert est.input_tokens == expected_in
    assert est.max_output_tokens == 200 and est.n == 3
    assert est.low_usd == pytest.approx(expected_in * 0.15 / 1e6)
    # the prompt is billed once; each of the n answers may use max_tokens
    assert est.high_usd == pytest.approx((expected_in * 0.15 + 3 * 200 * 0.60) / 1e6)


def test_estimate_legacy_prompt_has_no_chat_overhead(catalog):
    est = billing.estimate(catalog, "gpt-3.5-turbo-instruct", "Say this is a test", 7)
    assert est.input_tokens == count_text("Say this is a test", "cl100k_base") == 5
    assert est.high_usd == pytest.approx((5 * 1.5 + 7 * 2.0) / 1e6)


def test_estimate_without_max_tokens_uses_what_the_model_could_still_write(catalog):
    est = billing.estimate(catalog, "gpt-4o-mini", CHAT, None)
    assert est.max_output_tokens == 16384
    assert "max_tokens" in notes(est, "en")
    # gpt-4: 8192 context, so the room left is smaller than its max output
    big = [{"role": "user", "content": "palabra " * 5000}]
    est4 = billing.estimate(catalog, "gpt-4", big, None)
    assert est4.max_output_tokens == 8192 - est4.input_tokens


def test_estimate_unknown_model_degrades_to_a_count(catalog):
    est = billing.estimate(catalog, "gpt-9-galaxy", CHAT, 100)
    assert est.input_tokens == count_chat(CHAT, "o200k_base").total
    assert est.low_usd is None and est.high_usd is None
    assert "CHATBOT_PRICES" in notes(est, "es")


def test_ledger_records_and_summarises(catalog):
    ledger = billing.Ledger()
    first = ledger.record(catalog, "gpt-4o-mini", 1000, 500)
    ledger.record(catalog, "gpt-9-galaxy", 10, 10)
    assert first == pytest.approx((1000 * 0.15 + 500 * 0.60) / 1e6)
    assert ledger.spent_usd == pytest.approx(first)
    assert (ledger.calls, ledger.prompt_tokens, ledger.completion_tokens) == (2, 1010, 510)
    text = ledger.summary()
    assert "Gastado" in text and "$0.00045" in text
    assert "Spent" in ledger.summary("en") and "Gastado" not in ledger.summary("en")
    assert "1 sin precio" in text


def test_ledger_is_deep_copyable_state(catalog):
    ledger = billing.Ledger(budget_usd=1.0)
    ledger.record(catalog, "gpt-4o", 100, 100)
    clone = copy.deepcopy(ledger)
    clone.record(catalog, "gpt-4o", 100, 100)
    assert ledger.calls == 1 and clone.calls == 2


def test_count_completion_uses_the_model_encoding(catalog):
    assert billing.count_completion(catalog, "gpt-4", "hola mundo") == count_text(
        "hola mundo", "cl100k_base")


@pytest.mark.parametrize(("value", "text"), [
    (None, "¿?"), (0, "$0"), (0.000123, "$0.000123"), (0.5, "$0.5000"), (1234.5, "$1,234.5000"),
])
def test_format_usd(value, text):
    assert billing.format_usd(value).startswith(text)


def test_reasoning_estimate_takes_the_whole_completion_limit_as_billed_output(catalog):
    # gpt-5.6-luna: $0.20 input, $1.20 output per 1M; hidden reasoning fits in the limit
    est = billing.estimate(catalog, "gpt-5.6-luna", CHAT, max_tokens=500)
    assert est.high_usd == pytest.approx((est.input_tokens * 0.20 + 500 * 1.20) / 1e6)
    assert "reasoning tokens" in notes(est, "en") and "razonamiento" in notes(est, "es")
    unbounded = billing.estimate(catalog, "gpt-5.6-luna", CHAT, None)
    assert unbounded.max_output_tokens == 128_000
    assert "reasoning" not in notes(billing.estimate(catalog, "gpt-4o-mini", CHAT, 5), "en")
