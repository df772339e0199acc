"""Tokens tab: how a text or a chat splits into tokens, and what it would cost on each model."""

from __future__ import annotations

import json

import gradio as gr
import pandas as pd

from chatbot.context import AppContext, Session
from chatbot.token_counter import view as token_view
from chatbot.ui.common import Loader, friendly, show_result
from chatbot.ui.i18n import T

EXAMPLE_TEXT = ("¡Hola! Los modelos no leen letras sino tokens: «tokenización» ≠ tokenization. "
                "Emoji 🎉, 中文 y código: def f(x): return x ** 2")
EXAMPLE_CHAT = json.dumps([
    {"role": "system", "content": "Eres un asistente que responde en español."},
    {"role": "user", "content": "¿Cuántos tokens ocupa este mensaje?"},
], ensure_ascii=False, indent=1)


Report = tuple[str, pd.DataFrame, str, pd.DataFrame]


def run(ctx: AppContext, text: str, view: str, lang: str) -> Report:
    report = token_view.analyse(ctx.catalog, text, view, lang)
    return (report.html,
            pd.DataFrame(report.counts, columns=token_view.headers(token_view.COUNT_HEADERS, lang)),
            report.overhead,
            pd.DataFrame(report.costs, columns=token_view.headers(token_view.COST_HEADERS, lang)))


def build_tokens_tab(ctx: AppContext, session: gr.State) -> Loader:
    """Returns what to run once the page has loaded: the prefilled example, counted."""
    gr.Markdown(T("tokens.intro"))
    view = gr.Radio(
        [("o200k_base (gpt-4o, gpt-4.1, gpt-5…)", "o200k_base"),
         ("cl100k_base (gpt-3.5-turbo, gpt-4…)", "cl100k_base"),
         (T("tokens.embedded_model"), "local")],
        value="o200k_base", label=T("tokens.show_tokens_of"),
        info=T("tokens.which_tokenizer_colours_the"))
    text = gr.Textbox(EXAMPLE_TEXT, lines=5, max_lines=30, label=T("tokens.text_or_chat"),
                      info=T("tokens.free_text_or_a"))
    with gr.Row():
        count_btn = gr.Button(T("tokens.count"), variant="primary")
        chat_btn = gr.Button(T("tokens.chat_example"))
    # The result right under the buttons: the coloured tokens, then the counts and costs.
    tokens_html = gr.HTML(label="Tokens", elem_id="tokens-view", min_height=60)
    gr.Markdown(T("tokens.hover_a_token_to"))
    counts = gr.Dataframe(interactive=False, wrap=True, label=T("tokens.counts"),
                          elem_classes=["scroll-table"])
    overhead = gr.Markdown()
    costs = gr.Dataframe(interactive=False, wrap=True, label=T("tokens.cost_of_this_text"),
                         elem_classes=["scroll-table"])
    gr.Markdown(T("tokens.prices") + f": {ctx.catalog.as_of}, {ctx.catalog.source[0]}")
    outputs = [tokens_html, counts, overhead, costs]

    @friendly
    def count_fn(text: str, view: str, state: Session) -> Report:
        return run(ctx, text, view, state.lang)

    inputs = [text, view, session]
    count_btn.click(count_fn, inputs, outputs, api_name="tokens")
    show_result(count_btn.click, "tokens-view")
    view.change(count_fn, inputs, outputs, api_visibility="private", show_progress="hidden")
    filled = chat_btn.click(lambda: EXAMPLE_CHAT, None, text, api_visibility="private")
    # The longer example grows the text box, which pushes the result down: look again once it has.
    show_result(filled.then, "tokens-view")
    filled.then(count_fn, inputs, outputs, api_visibility="private")
    return count_fn, inputs, outputs
