"""The embedded model's embeddings instance and the shipped classifier, through the real SDK.

A second llama.cpp server (`--embeddings --pooling last`) starts with `python app.py`, or else on
the first embeddings request, and the embeddings method on the embedded backend classifies with it
and the weights bench/fit_sentiment.py shipped, with no pool to upload.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from chatbot.context import AppContext, Session
from chatbot.sentiment.labels import DISPLAY
from chatbot.sentiment.prompt import DEFAULT_PROMPT
from chatbot.sentiment.service import method_for
from chatbot.sentiment.views import classify_many, classify_one

from .conftest import launch_app

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def ctx(embedded_ctx: AppContext) -> AppContext:
    return embedded_ctx


def test_the_embeddings_instance_starts_on_first_use_and_serves_vectors(ctx: AppContext) -> None:
    assert ctx.embedder is not None and ctx.embedder.status == "stopped"
    session = ctx.new_session()
    client = ctx.embeddings_client(session)
    assert ctx.embedder.status == "ready"
    out = client.embed(["Odio los lunes", "I love Fridays"], ctx.model_for(session))
    assert [len(v) for v in out.vectors] == [896, 896]
    assert out.usage.prompt_tokens > 0 and out.cost_usd == 0.0
    assert ctx.embedded is not None and ctx.embedded.status == "stopped"  # chat not needed


def test_a_batch_on_the_default_method_does_not_warn_of_missing_logprobs(ctx: AppContext) -> None:
    """`auto` is the embeddings classifier here, which calibrates nothing: no warning that the
    model's bias could not be measured (it read `auto` as "not embeddings" before)."""
    session = ctx.new_session()
    assert method_for(ctx, session, "auto") == "embeddings"
    *_, last = classify_many(ctx, session, {}, "Me encanta este curso\nOdio los lunes", None,
                             DEFAULT_PROMPT, True)
    rows, _, notes, *_ = last
    assert len(rows) == 2
    assert "logprobs" not in notes


@pytest.mark.parametrize(("tweet", "label"), [
    ("I absolutely love this, best day ever! 😍", "positive"),
    ("¡Qué alegría! Por fin me han dado el trabajo 🎉", "positive"),
    ("This is the worst service I have ever had, I hate it 😡", "negative"),
    ("Odio cuando el metro se retrasa, qué asco 🤬", "negative"),
])
def test_the_shipped_classifier_labels_clear_tweets_through_the_embeddings_instance(
        ctx: AppContext, tweet: str, label: str) -> None:
    session = ctx.new_session()
    probs, words, usage, _ = classify_one(ctx, session, {}, tweet, DEFAULT_PROMPT, True,
                                          "embeddings")
    assert isinstance(probs, dict) and max(probs, key=probs.__getitem__) == DISPLAY[label]
    assert "Clasificador lineal" in words and "umsab_train" in words
    assert "Sobre embeddings: " in words and "Palabras (TF-IDF): " in words  # each opinion
    assert "Clasificador lineal (mezcla): " in words  # and the mix of the two
    assert "Preparación hecha ahora" not in usage  # the weights were shipped: nothing to fit


def test_auto_is_the_embeddings_way_on_the_embedded_model_and_the_prompt_elsewhere(
        ctx: AppContext) -> None:
    assert method_for(ctx, ctx.new_session(), "auto") == "embeddings"
    assert method_for(ctx, Session(backend="openai", model="gpt-4o-mini"), "auto") == "prompt"
    assert method_for(ctx, ctx.new_session(), "similar") == "similar"


def embeddings_servers(parent: int) -> list[int]:
    """The app's child processes that serve embeddings (llama-server --embeddings)."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
            args = (proc / "cmdline").read_bytes().split(b"\0")
        except (OSError, ValueError, IndexError):
            continue
        if ppid == parent and b"--embeddings" in args:
            found.append(int(proc.name))
    return found


def test_the_app_starts_the_embeddings_instance_with_it_and_stops_it(tmp_path: Path) -> None:
    """The Sentiment tab's default embeds, so its first click should not wait for a load."""
    proc, _ = launch_app({}, tmp_path / "app.log")
    try:
        deadline = time.monotonic() + 60
        while not embeddings_servers(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.5)
        children = embeddings_servers(proc.pid)
        assert len(children) == 1  # no request was sent: it started with the app
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert not Path(f"/proc/{children[0]}").exists() or b"Z" in Path(
        f"/proc/{children[0]}/stat").read_bytes().rsplit(b")", 1)[1][:3]
