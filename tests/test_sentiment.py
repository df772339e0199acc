"""Prompt building, label scoring and calibration maths: pure functions, no server."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from chatbot.client import Backend, Choice, LLMClient, Result, SDKPool, TokenLogprob, TopToken, Usage
from chatbot.engine.embedded_model import LOCAL_MODEL_NAME
from chatbot.errors import InvalidInput
from chatbot.models.catalog import Catalog
from chatbot.models.token_count import LocalTokenizer
from chatbot.sentiment.asking import SCHEMA, asking_for, label_from_json
from chatbot.sentiment.calibration import Calibration, cache_key, shipped
from chatbot.sentiment.classify import read_answer, score
from chatbot.sentiment.embeddings_classifier import shipped_probe
from chatbot.sentiment.labels import LABELS, label_of, mean_probs
from chatbot.sentiment.prompt import DEFAULT_PROMPT, Prompt, build_messages, parse_prompt
from chatbot.sentiment.service import AUTO, EMBEDDINGS, PROMPT, SIMILAR, build_plan, resolve


def top(**probs: float) -> tuple[TopToken, ...]:
    return tuple(TopToken(token, math.log(p)) for token, p in probs.items())


def result(text: str, logprobs: tuple[TokenLogprob, ...] | None) -> Result:
    return Result("m", (Choice(0, text, "length", logprobs),), Usage(10, 1), 0.1)


@pytest.mark.parametrize(("token", "label"), [
    ("positive", "positive"), (" Positive", "positive"), ("POS", "positive"), ("posit", "positive"),
    ("neutral", "neutral"), ("Neutral", "neutral"), ("neu", "neutral"), ("neutro", "neutral"),
    ("negative", "negative"), ("-negative", "negative"), ("neg", "negative"),
    ("negativo", "negative"), ("**Negative**", "negative"), ("负面", "negative"),
    ("n", None), ("ne", None), ("", None), ("  ", None), ("mixed", None), ("The", None),
])
def test_label_of_tokens(token: str, label: str | None) -> None:
    assert label_of(token) == label


def test_default_prompt_parses_to_balanced_bilingual_examples() -> None:
    prompt = parse_prompt(DEFAULT_PROMPT)
    assert prompt.instructions.startswith("Classify the sentiment")
    assert "Tweet:" not in prompt.instructions
    labels = [label for _, label in prompt.examples]
    assert {label: labels.count(label) for label in LABELS} == {
        "positive": 3, "neutral": 4, "negative": 3}
    texts = " ".join(text for text, _ in prompt.examples)
    assert "¿Alguien sabe" in texts and "Just landed" in texts


def test_messages_put_examples_in_turns_and_the_tweet_last() -> None:
    prompt = Prompt("Classify.", (("I love it", "positive"), ("Odio esto", "negative")))
    assert build_messages(prompt, "Hoy llueve") == [
        {"role": "system", "content": "Classify."},
        {"role": "user", "content": "Tweet: I love it"},
        {"role": "assistant", "content": "positive"},
        {"role": "user", "content": "Tweet: Odio esto"},
        {"role": "assistant", "content": "negative"},
        {"role": "user", "content": "Tweet: Hoy llueve"},
    ]


def test_examples_chosen_for_a_tweet_replace_the_prompts_own() -> None:
    prompt = Prompt("Classify.", (("I love it", "positive"),))
    messages = build_messages(prompt, "Hoy llueve", [("Llueve", "neutral")])
    assert [m["content"] for m in messages] == ["Classify.", "Tweet: Llueve", "neutral",
                                                "Tweet: Hoy llueve"]


def test_zero_shot_prompt_has_no_system_turns_when_instructions_are_empty() -> None:
    assert build_messages(Prompt(""), "hola") == [{"role": "user", "content": "Tweet: hola"}]


def test_edited_prompt_with_spanish_tags_and_multiline_tweet() -> None:
    prompt = parse_prompt("Clasifica.\n\ntweet: primera línea\nsegunda línea\n"
                          "Sentimiento: Negativo\n")
    assert prompt == Prompt("Clasifica.", (("primera línea segunda línea", "Negativo"),))


@pytest.mark.parametrize(("text", "needle"), [
    ("", "empty"),
    ("   \n ", "empty"),
    ("Classify.\nTweet: great\nSentiment: happy", "Example 1: «happy»"),
    ("Classify.\nTweet: great\n", "Example 1 has no «Sentiment:»"),
    ("Classify.\nTweet: a\nTweet: b\nSentiment: positive", "Example 1 has no «Sentiment:»"),
    ("Classify.\nSentiment: positive", "follows no «Tweet:»"),
    ("Tweet:\nSentiment: positive", "Example 1 has no text"),
])
def test_broken_prompts_say_what_to_fix(text: str, needle: str) -> None:
    with pytest.raises(InvalidInput, match=needle):
        parse_prompt(text)


def test_score_adds_variants_of_a_label_and_renormalises() -> None:
    probs = score(top(negative=0.5, Negative=0.1, positive=0.2, neutral=0.1, The=0.05, n=0.05))
    assert probs is not None
    assert probs["negative"] == pytest.approx(0.6 / 0.9)
    assert probs["positive"] == pytest.approx(0.2 / 0.9)
    assert sum(probs.values()) == pytest.approx(1)


def test_score_without_any_label_is_none() -> None:
    assert score(top(The=0.7, Sure=0.2)) is None
    assert score(()) is None


def calibrate(probs: dict[str, float], prior: dict[str, float]) -> dict[str, float]:
    out = Calibration.from_prior(prior, "test").apply(probs)
    assert out is not None
    return out


def test_calibration_divides_by_the_prior() -> None:
    probs = {"positive": 0.6, "neutral": 0.1, "negative": 0.3}
    prior = {"positive": 0.5, "neutral": 0.1, "negative": 0.4}
    out = calibrate(probs, prior)
    total = 0.6 / 0.5 + 0.1 / 0.1 + 0.3 / 0.4
    assert out["positive"] == pytest.approx(1.2 / total)
    assert out["neutral"] == pytest.approx(1.0 / total)
    assert out["negative"] == pytest.approx(0.75 / total)


def test_a_uniform_prior_changes_nothing_and_a_biased_one_flips_the_label() -> None:
    probs = {"positive": 0.5, "neutral": 0.2, "negative": 0.3}
    uniform = dict.fromkeys(LABELS, 1 / 3)
    assert calibrate(probs, uniform) == pytest.approx(probs)
    biased = {"positive": 0.7, "neutral": 0.1, "negative": 0.2}
    out = calibrate(probs, biased)
    assert max(out, key=out.__getitem__) == "neutral"


def test_a_zero_in_the_prior_does_not_divide_by_zero() -> None:
    out = calibrate({"positive": 0.5, "neutral": 0.25, "negative": 0.25},
                    {"positive": 1.0, "neutral": 0.0, "negative": 0.0})
    assert all(math.isfinite(v) for v in out.values())
    assert sum(out.values()) == pytest.approx(1)


def test_mean_probs_skips_inputs_without_labels() -> None:
    a = {"positive": 1.0, "neutral": 0.0, "negative": 0.0}
    b = {"positive": 0.0, "neutral": 0.5, "negative": 0.5}
    assert mean_probs([a, None, b]) == pytest.approx(
        {"positive": 0.5, "neutral": 0.25, "negative": 0.25})
    assert mean_probs([None, None]) is None


def test_cache_key_changes_with_backend_model_and_prompt() -> None:
    local = Backend("local", "http://127.0.0.1:1/v1")
    keys = {
        cache_key(local, "qwen", "p"),
        cache_key(local, "qwen", "p2"),
        cache_key(local, "other", "p"),
        cache_key(Backend("openai"), "qwen", "p"),
        cache_key(Backend("local", "http://127.0.0.1:2/v1"), "qwen", "p"),
    }
    assert len(keys) == 5
    assert cache_key(local, "qwen", "p") == cache_key(Backend("local", local.base_url), "qwen", "p")


def test_read_answer_uses_first_token_logprobs() -> None:
    first = TokenLogprob("positive", math.log(0.55), top(positive=0.55, negative=0.35,
                                                        neutral=0.1))
    label, probs = read_answer(result("positive", (first,)))
    assert label == "positive"
    assert probs == pytest.approx({"positive": 0.55, "neutral": 0.1, "negative": 0.35})


def test_without_logprobs_the_label_is_parsed_and_confidence_unknown() -> None:
    assert read_answer(result("Negativo.", None)) == ("negative", None)
    assert read_answer(result("I think it is fine", None)) == (None, None)
    assert read_answer(result("", None)) == (None, None)


@pytest.mark.model
def test_label_words_are_distinct_single_tokens_for_qwen(embedded) -> None:
    tokenizer = LocalTokenizer(embedded.root)
    firsts = []
    for word in LABELS:
        pieces = tokenizer.pieces(word)
        assert len(pieces) == 1, word
        firsts.append(pieces[0][0])
        assert label_of(pieces[0][1].decode()) == word
    assert len(set(firsts)) == 3


def test_the_default_prompt_ships_its_calibration_for_the_embedded_model_only() -> None:
    local = Backend("local", "http://127.0.0.1:9/v1")
    cal = shipped(local, LOCAL_MODEL_NAME, DEFAULT_PROMPT)
    assert cal is not None and cal.weights is not None and "measured" in cal.source
    assert shipped(local, LOCAL_MODEL_NAME, DEFAULT_PROMPT.replace("one word", "a word")) is None
    assert shipped(Backend("openai"), LOCAL_MODEL_NAME, DEFAULT_PROMPT) is None
    assert shipped(local, "another-model", DEFAULT_PROMPT) is None


def test_the_first_click_on_the_embedded_default_measures_nothing() -> None:
    client = LLMClient(Backend("local", "http://127.0.0.1:9/v1"), SDKPool(5, 0), Catalog.load())
    plan, kept = build_plan(client, LOCAL_MODEL_NAME, {}, DEFAULT_PROMPT, True, PROMPT)
    assert plan.calibration == shipped(client.backend, LOCAL_MODEL_NAME, DEFAULT_PROMPT)
    assert plan.measured is None and plan.setup_cost[2] == 0 and kept == {}
    plan, kept = build_plan(client, LOCAL_MODEL_NAME, {}, DEFAULT_PROMPT, True)  # the default
    assert plan.method == EMBEDDINGS and plan.probe is not None and plan.vectors is None
    assert plan.setup_cost[2] == 0 and kept == {}


@pytest.mark.parametrize(("model", "effort", "tokens", "structured"), [
    ("gpt-4o-mini", None, 1, False),      # takes logprobs as it is
    ("gpt-5.6-luna", "none", 1, False),   # takes them back at effort none, no hidden thinking
    ("gpt-5.1", "none", 1, False),
    ("gpt-5-mini", "minimal", 24 + 2048, True),  # never gives logprobs: JSON, room to think
    ("o3-mini", "low", 24 + 2048, True),
])
def test_each_model_is_asked_the_way_it_can_answer(model: str, effort: str | None, tokens: int,
                                                   structured: bool) -> None:
    asking = asking_for(Catalog.load().capabilities(model), model)
    params = asking.params
    assert (params.reasoning_effort, params.max_tokens, asking.structured) == (
        effort, tokens, structured)
    assert params.logprobs is not structured
    assert (params.response_format == SCHEMA) is structured
    # temperature only where the model takes it at that effort (never a "not applied" note)
    assert (params.temperature == 0) is (model == "gpt-4o-mini" or effort == "none")


def test_a_model_that_refused_logprobs_is_asked_for_json() -> None:
    caps = Catalog.load().capabilities("gpt-5.6-luna").refuse("logprobs")
    asking = asking_for(caps, "gpt-5.6-luna")
    assert asking.structured and asking.params.reasoning_effort == "none"
    assert asking.params.max_tokens == 24  # effort none does not think


@pytest.mark.parametrize(("text", "label"), [
    ('{"label": "negative"}', "negative"), ('{"label":"neutral"}', "neutral"),
    ("Positivo", "positive"), ('{"label": "mixed"}', None), ('{"label": "neg', None),
    ('["negative"]', None), ("", None),
])
def test_the_label_of_a_structured_answer(text: str, label: str | None) -> None:
    assert label_from_json(text) == label


def test_the_embeddings_classifier_ships_for_the_embedded_model_only() -> None:
    """bench/fit_sentiment.py --probe wrote it: numbers fitted on the train split, for the
    embedded model's vectors (896 dimensions) with this exact template."""
    local = Backend("local", "http://127.0.0.1:9/v1")
    probe = shipped_probe(local, LOCAL_MODEL_NAME)
    assert probe is not None
    assert probe.weights.shape == (3, 896) and probe.bias.shape == (3,)
    assert np.isfinite(probe.weights).all() and np.abs(probe.weights).max() > 0.1
    fitted_on = int(re.search(r"fitted on (\d+) labelled tweets", probe.source)[1])
    assert fitted_on >= 500 and "umsab_train" in probe.source
    assert shipped_probe(Backend("openai"), LOCAL_MODEL_NAME) is None
    assert shipped_probe(local, "another-model") is None
    # the three rows tell the labels apart: no two point the same way
    rows = probe.weights / np.linalg.norm(probe.weights, axis=1, keepdims=True)
    assert (rows @ rows.T)[~np.eye(3, dtype=bool)].max() < 0.9


def test_auto_is_the_shipped_classifier_where_there_is_one_else_the_prompt() -> None:
    local = Backend("local", "http://127.0.0.1:9/v1")
    assert resolve(AUTO, local, LOCAL_MODEL_NAME) == EMBEDDINGS
    assert resolve(AUTO, local, "ft:local:qwen-tuned") == PROMPT
    assert resolve(AUTO, Backend("openai"), "gpt-4o-mini") == PROMPT
    assert resolve(SIMILAR, local, LOCAL_MODEL_NAME) == SIMILAR
