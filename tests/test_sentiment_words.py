"""The words classifier mixed into the embeddings way: fitting, shipping, mixing (no server)."""

from __future__ import annotations

import numpy as np
import pytest

from chatbot.client import Backend
from chatbot.engine.embedded_model import LOCAL_MODEL_NAME
from chatbot.sentiment.calibration import shipped_data
from chatbot.sentiment.embeddings_classifier import shipped_probe, words_digest
from chatbot.sentiment.labels import LABELS
from chatbot.sentiment.words import (
    BITS,
    Stack,
    fit_stack,
    fit_words,
    load_words,
    shipped_words,
)

POOL = [
    ("I love this phone, great camera", "positive"),
    ("Me encanta el nuevo disco, genial", "positive"),
    ("Great match tonight, love it", "positive"),
    ("The meeting is at 5 pm on Tuesday", "neutral"),
    ("El tren sale a las ocho de Madrid", "neutral"),
    ("New episode airs on Tuesday at 9", "neutral"),
    ("I hate this traffic, awful morning", "negative"),
    ("Odio los lunes, qué asco de día", "negative"),
    ("Awful service, I hate waiting", "negative"),
]


def test_words_fitted_on_a_pool_read_its_words_and_survive_a_round_trip() -> None:
    words = fit_words([t for t, _ in POOL], [lab for _, lab in POOL], "pool", c=10.0)
    assert words.weights.shape == (3, 2 * 2 ** BITS)
    for text, label in [("love the camera", "positive"), ("odio este asco", "negative"),
                        ("sale el martes a las ocho", "neutral")]:
        probs = words.predict(text)
        assert max(probs, key=probs.__getitem__) == label, (text, probs)
    again = load_words(words.to_bytes())
    assert again.source == "pool"
    assert again.predict("love it") == pytest.approx(words.predict("love it"), abs=1e-5)


def test_the_fixed_mix_weighs_the_two_opinions() -> None:
    embedded = {"positive": 0.7, "neutral": 0.2, "negative": 0.1}
    words = {"positive": 0.1, "neutral": 0.2, "negative": 0.7}
    assert Stack.mixing(0.0).combine(embedded, words) == pytest.approx(embedded)
    assert Stack.mixing(1.0).combine(embedded, words) == pytest.approx(words)
    half = Stack.mixing(0.5).combine(embedded, words)
    assert half["positive"] == pytest.approx(half["negative"])
    assert sum(half.values()) == pytest.approx(1.0)


def test_a_fitted_stack_trusts_the_opinion_that_was_right() -> None:
    gold = ["positive", "neutral", "negative"] * 20
    right = [{lab: 0.8 if lab == g else 0.1 for lab in LABELS} for g in gold]
    noise = [dict(zip(LABELS, np.roll([0.6, 0.3, 0.1], i // 3), strict=True))
             for i in range(len(gold))]
    stack = fit_stack(noise, right, gold)
    assert np.abs(stack.weights[:, 3:]).sum() > 3 * np.abs(stack.weights[:, :3]).sum()
    for g, r, n in zip(gold, right, noise, strict=True):
        mixed = stack.combine(n, r)
        assert max(mixed, key=mixed.__getitem__) == g
    stack = fit_stack(right, noise, gold)  # the other way round: the embeddings are right
    assert np.abs(stack.weights[:, :3]).sum() > 3 * np.abs(stack.weights[:, 3:]).sum()


def test_the_shipped_words_belong_to_the_shipped_probe() -> None:
    """bench/fit_sentiment.py --probe wrote both from the train split, and the stack from their
    out-of-fold opinions, so neither is refitted apart from the other."""
    words = shipped_words()
    assert words is not None and "umsab_train" in words.source
    assert np.isfinite(words.weights).all() and np.abs(words.weights).max() > 0.1
    probe = shipped_probe(Backend("local", "http://127.0.0.1:9/v1"), LOCAL_MODEL_NAME)
    assert probe is not None and probe.words is not None
    assert words_digest(probe.words) == words_digest(words)
    assert probe.stack.weights.shape == (3, 6) and probe.stack.bias.shape == (3,)
    # each opinion pulls towards its own label: the diagonals are positive
    assert (np.diag(probe.stack.weights[:, :3]) > 0).all()
    assert (np.diag(probe.stack.weights[:, 3:]) > 0).all()
    [entry] = [p for p in shipped_data()["probes"] if p["model"] == LOCAL_MODEL_NAME]
    scores = entry["out_of_fold_macro_f1"]
    assert scores["stacked"] > max(scores["embeddings"], scores["words"])
    for text, label in [("I hate this, worst day ever", "negative"),
                        ("Qué alegría, me encanta", "positive")]:
        probs = words.predict(text)
        assert max(probs, key=probs.__getitem__) == label, (text, probs)
