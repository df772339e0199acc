"""The Sentiment tab's api_names driven with gradio_client, as a program (or the checker) would.

Only the tab is launched, in-process, against the fake OpenAI server; the whole app against the
embedded model is covered by the app-level tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gradio as gr
import pytest
from gradio_client import Client, handle_file

from chatbot.context import AppContext
from chatbot.sentiment.prompt import DEFAULT_PROMPT
from chatbot.settings import Settings
from chatbot.ui.sentiment import build_sentiment_tab
from tests.conftest import free_port
from tests.fakes.openai_server import FakeOpenAI


def answer(body: dict[str, Any]) -> str:
    tweet = body["messages"][-1]["content"].lower()
    return "negative" if "odio" in tweet else "positive" if "love" in tweet else "neutral"


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    with FakeOpenAI(reply=answer) as fake:
        ctx = AppContext.create(Settings.from_env({"OPENAI_BASE_URL": fake.base_url,
                                                   "OPENAI_API_KEY": "sk-test-0000"}),
                                embedded=False)
        with gr.Blocks() as demo:
            session = gr.State(ctx.new_session())
            build_sentiment_tab(ctx, session)
        demo.queue().launch(server_name="127.0.0.1", server_port=free_port(),
                            prevent_thread_lock=True, quiet=True)
        try:
            yield Client(demo.local_url, verbose=False)
        finally:
            demo.close()


def test_both_events_are_in_the_api_with_the_text_first(client: Client) -> None:
    api = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    assert api["/classify"]["parameters"][0]["label"] == "Tweet"
    assert "sentiment.one_per_line" in str(api["/classify_batch"]["parameters"][0]["label"])
    defaults = {str(p["label"]): p.get("parameter_default")
                for p in api["/classify"]["parameters"]}
    assert defaults["Prompt (editable)"] == DEFAULT_PROMPT
    assert True in defaults.values() and "auto" in defaults.values()  # calibrate, method


def test_classify_returns_label_probabilities_and_usage(client: Client) -> None:
    probs, words, usage = client.predict("Odio los lunes 😡", api_name="/classify")
    assert probs["label"] == "negativo"
    assert {c["label"] for c in probs["confidences"]} == {
        "positivo", "neutro", "negativo"}
    assert "negativo" in words and "confianza" in words
    assert "**Uso:**" in usage


def test_classify_an_empty_tweet_is_a_clear_error(client: Client) -> None:
    with pytest.raises(Exception, match="Escribe un tweet"):
        client.predict("   ", api_name="/classify")


def test_classify_batch_from_paste_and_csv(client: Client, tmp_path: Path) -> None:
    path = tmp_path / "tweets.csv"
    path.write_text("\ufefftweet,user\nI love this,@a\nOdio esperar,@b\n", encoding="utf-8")
    notices, counts, table, usage, download = client.predict(
        "El tren sale a las 9", handle_file(path), api_name="/classify_batch")
    assert [row[:2] for row in table["data"]] == [
        ["El tren sale a las 9", "neutro"],
        ["I love this", "positivo"],
        ["Odio esperar", "negativo"],
    ]
    assert "3/3 tweets" in counts
    assert notices == ""
    assert "3 llamada(s)" in usage
    rows = Path(download).read_text(encoding="utf-8-sig").splitlines()
    assert rows[0].startswith("text,label,confidence") and rows[3].startswith("Odio esperar,negative")


def test_classify_batch_with_wrong_columns_names_them(client: Client, tmp_path: Path) -> None:
    path = tmp_path / "reviews.csv"
    path.write_text("id;review\n1;meh\n", encoding="utf-8")
    with pytest.raises(Exception, match="'id', 'review'"):
        client.predict("", handle_file(path), api_name="/classify_batch")
