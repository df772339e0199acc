"""Tokens tab: how a text or a chat splits into tokens, and what it would cost on each model."""

from __future__ import annotations

import json
from typing import Any

import gradio as gr

from chatbot.context import AppContext
from chatbot.token_counter import view as token_view
from chatbot.ui.common import friendly

EXAMPLE_TEXT = ("¡Hola! Los modelos no leen letras sino tokens: «tokenización» ≠ tokenization. "
                "Emoji 🎉, 中文 y código: def f(x): return x ** 2")
EXAMPLE_CHAT = json.dumps([
    {"role": "system", "content": "Eres un asistente que responde en español."},
    {"role": "user", "content": "¿Cuántos tokens ocupa este mensaje?"},
], ensure_ascii=False, indent=1)


def run(ctx: AppContext, text: str, view: str) -> tuple[str, list[list[Any]], str,
                                                       list[list[Any]]]:
    report = token_view.analyse(ctx.catalog, text, view)
    return report.html, report.counts, report.overhead, report.costs


def build_tokens_tab(ctx: AppContext, session: gr.State) -> None:
    gr.Markdown(
        "Mira cómo se parte un texto en tokens y cuánto costaría en cada modelo. Pega texto "
        "normal o un chat como lista JSON de mensajes. / See how a text splits into tokens and "
        "what it would cost on each model. Paste plain text or a chat as a JSON list of "
        f"messages. Precios / Prices: {ctx.catalog.as_of}, {ctx.catalog.source[0]}")
    with gr.Row():
        with gr.Column(scale=3):
            text = gr.Textbox(EXAMPLE_TEXT, lines=8, max_lines=30, label="Texto o chat / Text or chat",
                              info="Texto libre, o [{\"role\": ..., \"content\": ...}] para contar "
                                   "el formato de chat. / Free text, or a JSON message list to "
                                   "count the chat format.")
            with gr.Row():
                count_btn = gr.Button("Contar / Count", variant="primary")
                chat_btn = gr.Button("Ejemplo de chat / Chat example")
        with gr.Column(scale=1):
            view = gr.Radio(
                [("o200k_base (gpt-4o, gpt-4.1, gpt-5…)", "o200k_base"),
                 ("cl100k_base (gpt-3.5-turbo, gpt-4…)", "cl100k_base"),
                 ("Modelo integrado / Embedded model", "local")],
                value="o200k_base", label="Ver tokens de / Show tokens of",
                info="Qué tokenizador colorea el texto; los recuentos salen todos. / Which "
                     "tokenizer colours the text; all counts are shown.")
    tokens_html = gr.HTML(label="Tokens")
    gr.Markdown("Pasa el ratón por un token para ver su id; · es un espacio, → un tabulador, ↵ "
                "un salto de línea. / Hover a token to see its id; · is a space, → a tab, ↵ a "
                "newline.")
    counts = gr.Dataframe(headers=token_view.COUNT_HEADERS, interactive=False, wrap=True,
                          label="Recuento / Counts")
    overhead = gr.Markdown()
    costs = gr.Dataframe(headers=token_view.COST_HEADERS, interactive=False, wrap=True,
                         label="Coste de este texto como entrada o como salida / Cost of this "
                               "text as input or as output")
    outputs = [tokens_html, counts, overhead, costs]

    @friendly
    def count_fn(text: str, view: str) -> tuple[str, list[list[Any]], str, list[list[Any]]]:
        return run(ctx, text, view)

    count_btn.click(count_fn, [text, view], outputs, api_name="tokens")
    view.change(count_fn, [text, view], outputs, api_visibility="private", show_progress="hidden")
    chat_btn.click(lambda: EXAMPLE_CHAT, None, text, api_visibility="private").then(
        count_fn, [text, view], outputs, api_visibility="private")
