"""Sentiment through the real `openai` SDK against the embedded model, on a few clear tweets."""

from __future__ import annotations

import json
import math

import pytest

from chatbot.client import Backend, LLMClient, SDKPool
from chatbot.engine.llama_server import EmbeddedServer
from chatbot.models.catalog import Catalog
from chatbot.money.billing import Ledger
from chatbot.sentiment.asking import asking_for
from chatbot.sentiment.calibration import CALIBRATION_TWEETS, Calibration, shipped
from chatbot.sentiment.classify import ask, classify, measure, score
from chatbot.sentiment.labels import LABELS
from chatbot.sentiment.prompt import DEFAULT_PROMPT, build_messages, parse_prompt

pytestmark = pytest.mark.model

PROMPT = parse_prompt(DEFAULT_PROMPT)


@pytest.fixture(scope="module")
def client(embedded: EmbeddedServer) -> LLMClient:
    return LLMClient(Backend("local", embedded.base_url), SDKPool(120, 1), Catalog.load(),
                     Ledger())


@pytest.fixture(scope="module")
def prior(client: LLMClient, embedded: EmbeddedServer) -> Calibration:
    return measure(client, embedded.model_name, PROMPT)


def test_all_three_labels_come_back_in_the_first_tokens_alternatives(
        client: LLMClient, embedded: EmbeddedServer) -> None:
    model = embedded.model_name
    result = client.chat(build_messages(PROMPT, "Hoy es martes."),
                         asking_for(client.capabilities_for(model), model).params)
    first = result.choices[0].logprobs[0]
    assert len(first.top) == 20
    probs = score(first.top)
    assert probs is not None
    assert all(probs[label] > 0 for label in LABELS)
    assert result.usage.completion_tokens == 1
    assert result.cost_usd == 0.0


def test_the_measured_bias_is_a_distribution_that_undervalues_neutral(
        prior: Calibration) -> None:
    assert prior.calls == len(CALIBRATION_TWEETS)
    assert prior.weights is not None
    # bias = -log(prior). Why calibration exists: on a third-neutral set, this model gives
    # neutral far less than 1/3.
    measured = {label: math.exp(-b) for label, b in zip(LABELS, prior.bias, strict=True)}
    assert sum(measured.values()) == pytest.approx(1)
    assert measured["neutral"] < 0.25


@pytest.mark.parametrize(("tweet", "label"), [
    ("I absolutely love this, best day ever! 😍", "positive"),
    ("¡Qué alegría! Por fin me han dado el trabajo 🎉", "positive"),
    ("This is the worst service I have ever had, I hate it 😡", "negative"),
    ("Odio cuando el metro se retrasa, qué asco 🤬", "negative"),
    ("The meeting starts at 10am in room 4.", "neutral"),
    ("¿A qué hora abre la biblioteca mañana?", "neutral"),
])
def test_clear_tweets_in_both_languages(client: LLMClient, embedded: EmbeddedServer,
                                        prior: Calibration, tweet: str, label: str) -> None:
    verdict = classify(client, embedded.model_name, PROMPT, tweet, prior)
    assert verdict.label == label
    assert verdict.calibrated
    assert verdict.confidence is not None and verdict.confidence > 0.5
    assert verdict.probs is not None and sum(verdict.probs.values()) == pytest.approx(1)


def test_the_shipped_calibration_is_what_this_engine_measures(
        prior: Calibration, embedded: EmbeddedServer) -> None:
    """bench/fit_sentiment.py wrote it; re-run that script if the engine or prompt changed."""
    ready = shipped(Backend("local", embedded.base_url), embedded.model_name, DEFAULT_PROMPT)
    assert ready is not None
    assert ready.bias == pytest.approx(prior.bias, abs=0.25)


def test_structured_output_binds_the_answer_to_the_three_labels(
        client: LLMClient, embedded: EmbeddedServer) -> None:
    """The JSON way (for models without logprobs) also works on llama.cpp, through its own
    schema form: the grammar lets it write nothing but one of the labels."""
    result, probs, label = ask(client, embedded.model_name,
                               build_messages(PROMPT, "Odio cuando el metro se retrasa 🤬"),
                               structured=True)
    assert json.loads(result.text) == {"label": "negative"}
    assert label == "negative" and probs is None
