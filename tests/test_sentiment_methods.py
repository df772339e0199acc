"""The similar-examples and embeddings methods through the real SDK against the fake OpenAI server.

The fake embeds by hashing words, so tweets that share words are close: enough to check what is
sent (balanced examples, the most similar last; one embeddings request per tweet once the pool is
embedded) and that a classifier fitted on the pool decides.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from chatbot.client import Backend, LLMClient
from chatbot.context import AppContext
from chatbot.errors import InvalidInput
from chatbot.sentiment.labels import DISPLAY
from chatbot.sentiment.prompt import DEFAULT_PROMPT
from chatbot.sentiment.service import new_fitted
from chatbot.sentiment.views import classify_one, load_pool
from chatbot.settings import Settings
from tests.fakes.openai_server import FakeOpenAI

POOL = """text,label,lang
I love this phone,positive,en
love love love it,positive,en
Me encanta el café,positive,es
I hate Mondays,negative,en
hate this traffic,negative,en
Odio la lluvia,negative,es
The train leaves at nine,neutral,en
the train station opens today,neutral,en
El tren sale a las nueve,neutral,es
broken row without label,,en
"""


def answer(body: dict[str, Any]) -> str:
    tweet = body["messages"][-1]["content"].lower()
    return "negative" if "hate" in tweet else "positive" if "love" in tweet else "neutral"


FAKE_OPTIONS = {"reply": answer, "strict_models": False}  # a compatible server: any model embeds


@pytest.fixture
def ctx(fake: FakeOpenAI) -> AppContext:
    return AppContext.create(Settings.from_env({"OPENAI_BASE_URL": fake.base_url,
                                                "OPENAI_API_KEY": "sk-test-0000"}),
                             embedded=False)


@pytest.fixture
def pool_file(tmp_path: Path) -> str:
    path = tmp_path / "train.csv"
    path.write_text(POOL, encoding="utf-8")
    return str(path)


def sent(fake: FakeOpenAI, endpoint: str) -> list[dict[str, Any]]:
    return [r.json for r in fake.requests if r.path.endswith(endpoint)]


def test_embed_returns_one_vector_per_text_in_order(fake: FakeOpenAI, ctx: AppContext) -> None:
    client = LLMClient(Backend("compatible", fake.base_url, "sk-test-0000"), ctx.pool,
                       ctx.catalog)
    out = client.embed(["love it", "hate it", "love it"], "text-embedding-3-small")
    assert len(out.vectors) == 3 and out.vectors[0] == out.vectors[2] != out.vectors[1]
    assert out.usage.prompt_tokens == 6
    assert sent(fake, "/embeddings")[0]["input"] == ["love it", "hate it", "love it"]


def test_the_pool_loads_with_counts_and_skips_rows_without_a_label(ctx: AppContext,
                                                                   pool_file: str) -> None:
    pool, line = load_pool(pool_file)
    assert pool is not None and len(pool.texts) == 9 and pool.skipped == 1
    assert "positive 3 · neutral 3 · negative 3" in line and "1 filas" in line


def test_a_pool_without_labels_is_a_clear_error(ctx: AppContext, tmp_path: Path) -> None:
    path = tmp_path / "tweets.csv"
    path.write_text("text\nhola\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="has no label column"):
        load_pool(str(path))


def test_similar_examples_are_balanced_and_the_closest_goes_last(
        fake: FakeOpenAI, ctx: AppContext, pool_file: str) -> None:
    pool, _ = load_pool(pool_file)
    label, words, _, _ = classify_one(ctx, ctx.new_session(), {}, "I hate this traffic jam",
                                      DEFAULT_PROMPT, False, "similar", pool)
    assert label[DISPLAY["negative"]] == 1.0
    [body] = sent(fake, "/chat/completions")
    shots = [m["content"] for m in body["messages"] if m["role"] == "assistant"]
    assert sorted(shots) == ["negative", "negative", "neutral", "neutral", "positive",
                             "positive"]
    assert body["messages"][-3]["content"] == "Tweet: hate this traffic"  # the most similar
    assert "Ejemplos que vio el modelo" in words and "hate this traffic" in words


def test_similar_examples_without_a_pool_say_what_is_missing(fake: FakeOpenAI,
                                                             ctx: AppContext) -> None:
    with pytest.raises(InvalidInput, match="needs a pool"):
        classify_one(ctx, ctx.new_session(), {}, "hola", DEFAULT_PROMPT, True, "similar")
    assert fake.requests == []


def test_embeddings_fit_a_classifier_on_the_pool_once_and_show_neighbours(
        fake: FakeOpenAI, ctx: AppContext, pool_file: str) -> None:
    pool, _ = load_pool(pool_file)
    session, mine = ctx.new_session(), new_fitted()
    label, words, usage, _ = classify_one(ctx, session, {}, "I love my new phone",
                                          DEFAULT_PROMPT, True, "embeddings", pool, fitted=mine)
    assert max(label, key=label.get) == DISPLAY["positive"]
    assert "Tweets de entrenamiento más cercanos" in words and "I love this phone" in words
    assert "Clasificador lineal" in words and "ajustado ahora en train.csv" in words
    assert "Palabras (TF-IDF): " in words  # fitted on the same pool
    assert "Preparación hecha ahora" in usage
    assert len(sent(fake, "/embeddings")) == 2  # the pool (one batch), then the tweet
    assert sent(fake, "/chat/completions") == []

    _, _, usage, _ = classify_one(ctx, session, {}, "Odio la lluvia de hoy",
                                  DEFAULT_PROMPT, True, "embeddings", pool, fitted=mine)
    assert len(sent(fake, "/embeddings")) == 3  # the pool's vectors were kept in the session
    assert "Preparación hecha ahora" not in usage
    assert not any("vectors" in key for key in ctx.priors)  # and only there


def test_embeddings_without_a_pool_or_shipped_weights_say_what_is_missing(
        fake: FakeOpenAI, ctx: AppContext) -> None:
    with pytest.raises(InvalidInput, match="needs a pool"):
        classify_one(ctx, ctx.new_session(), {}, "hola", DEFAULT_PROMPT, True, "embeddings")
