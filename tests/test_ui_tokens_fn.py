import json
import re
from datetime import date

import gradio as gr
import pytest
from gradio_client import Client

from chatbot.context import AppContext
from chatbot.engine.embedded_model import LOCAL_MODEL_NAME
from chatbot.errors import ChatbotError, InvalidInput
from chatbot.models.catalog import Catalog
from chatbot.models.token_count import chat_overhead, count_chat, count_text
from chatbot.money.billing import format_usd
from chatbot.settings import Settings
from chatbot.token_counter import view as token_view
from chatbot.ui.token_counter import build_tokens_tab

CHAT = [{"role": "system", "content": "Eres útil."},
        {"role": "user", "name": "ana", "content": "¿Qué tal? 🎉"}]


@pytest.fixture(scope="module")
def catalog(tmp_path_factory) -> Catalog:
    """No embedded model in this process: the local column says it is unavailable."""
    return Catalog.load(today=date(2026, 11, 23), local_models={LOCAL_MODEL_NAME: None})


def test_tokens_are_html_escaped_with_ids_and_visible_whitespace():
    pieces = [(1, b"<script>"), (2, b" a&b"), (3, b"\t"), (4, b"\n"), (5, b"\xf0\x9f")]
    out = token_view.render_tokens_html(pieces)
    assert "<script>" not in out and "&lt;script&gt;" in out
    assert "·a&amp;b" in out and "→" in out and "↵<br>" in out
    assert "‹f0 9f›" in out  # half an emoji: its bytes, not a broken character
    assert all(f'title="id {i}"' in out for i in range(1, 6))
    assert out.count('class="tok"') == 5


def test_long_texts_show_a_prefix_and_say_so():
    pieces = [(i, b"x") for i in range(token_view.MAX_SHOWN_TOKENS + 50)]
    out = token_view.render_tokens_html(pieces, total=123_456)
    assert out.count('class="tok"') == token_view.MAX_SHOWN_TOKENS
    assert "123,456" in out


def test_plain_text_report(catalog):
    text = "Hola <|endoftext|> mundo, ¿qué tal?"
    report = token_view.analyse(catalog, text, "cl100k_base")
    counts = {row[0]: row for row in report.counts}
    assert counts["cl100k_base"][3] == count_text(text, "cl100k_base")
    assert counts["o200k_base"][3] == count_text(text, "o200k_base")
    local = counts["Modelo integrado / Embedded model"]
    assert local[3] == "—" and "unavailable" in local[5]
    assert report.html.count('class="tok"') == count_text(text, "cl100k_base")
    assert "endo" in report.html  # the special-token string shown as ordinary text pieces
    assert "sin formato de chat" in report.overhead


def test_cost_table_covers_the_catalog_and_flags_retired_models(catalog):
    text = "una frase corta"
    report = token_view.analyse(catalog, text, "o200k_base")
    rows = {row[0]: row for row in report.costs}
    assert set(rows) == set(catalog.names())
    assert rows["gpt-4"][1].startswith("⚠️") and "gpt-4.1" in rows["gpt-4"][1]
    assert rows["gpt-4o-mini"][1].startswith("⏳")
    n = count_text(text, "o200k_base")
    assert rows["gpt-4o-mini"][3] == n
    assert rows["gpt-4o-mini"][4] == format_usd(n * 0.15 / 1e6)
    assert rows["gpt-4o-mini"][5] == format_usd(n * 0.60 / 1e6)
    assert rows[LOCAL_MODEL_NAME][3] == "—"  # its tokenizer is not available in this fixture


def test_chat_report_shows_the_format_overhead(catalog):
    report = token_view.analyse(catalog, json.dumps(CHAT, ensure_ascii=False), "o200k_base")
    counts = {row[0]: row for row in report.counts}
    expected = count_chat(CHAT, "o200k_base")
    assert counts["o200k_base"][1:4] == [expected.text_tokens, expected.overhead_tokens,
                                         expected.total]
    assert f"= **{chat_overhead(CHAT)} tokens**" in report.overhead
    assert report.html.count('class="tok-msg"') == 2
    rows = {row[0]: row for row in report.costs}
    assert rows["gpt-4.1"][3] == expected.total  # input cost includes the chat format


@pytest.mark.parametrize(("text", "word"), [
    ("", "Escribe"), ("   \n ", "Escribe"), (None, "Escribe"),
    ("x" * (token_view.MAX_TAB_CHARS + 1), "python -m chatbot tokens"),
    ('[{"content": "sin rol"}]', "role"),
])
def test_bad_input_gives_clear_messages(catalog, text, word):
    with pytest.raises(InvalidInput, match=re.escape(word)):
        token_view.analyse(catalog, text)


def test_local_view_without_the_model_says_so(catalog):
    with pytest.raises(ChatbotError, match="No embedded model"):
        token_view.analyse(catalog, "hola", "local")


def test_invalid_json_is_counted_as_text(catalog):
    report = token_view.analyse(catalog, "[esto no es JSON", "o200k_base")
    assert report.counts[0][3] == count_text("[esto no es JSON", "o200k_base")


@pytest.mark.model
def test_embedded_view_shows_the_chat_template(embedded):
    cat = Catalog.load(local_models={LOCAL_MODEL_NAME: embedded.root})
    report = token_view.analyse(cat, json.dumps(CHAT, ensure_ascii=False), "local")
    assert "&lt;|im_start|&gt;" in report.html  # special tokens of Qwen's template
    local = report.counts[2]
    assert local[2] > 0 and local[3] == local[1] + local[2]


def test_tab_answers_through_the_api(tmp_path):
    ctx = AppContext.create(Settings(cache_dir=tmp_path), embedded=False)
    with gr.Blocks() as demo:
        session = gr.State(ctx.new_session())
        build_tokens_tab(ctx, session)
    demo.queue().launch(prevent_thread_lock=True, server_name="127.0.0.1", server_port=None)
    try:
        client = Client(demo.local_url, verbose=False)
        html, counts, overhead, costs = client.predict("hola mundo", "cl100k_base",
                                                       api_name="/tokens")
        assert html.count('class="tok"') == count_text("hola mundo", "cl100k_base")
        assert counts["data"][1][0] == "cl100k_base"
        assert "sin formato de chat" in overhead
        assert len(costs["data"]) == len(ctx.catalog.names())
        with pytest.raises(Exception, match="Escribe"):
            client.predict("", "o200k_base", api_name="/tokens")
    finally:
        demo.close()
