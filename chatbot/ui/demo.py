"""The whole app as one gr.Blocks: a settings strip on top, one tab per part of the course."""

from __future__ import annotations

import gradio as gr

from chatbot.context import AppContext, Session
from chatbot.policy.workdirs import MAX_AGE_S
from chatbot.ui.chat import build_chat_tab
from chatbot.ui.conversations import ChatLinks
from chatbot.ui.finetune import build_finetune_tab
from chatbot.ui.lab import build_lab_tab
from chatbot.ui.playground import build_playground_tab
from chatbot.ui.sentiment import build_sentiment_tab
from chatbot.ui.settings_panel import build_settings_panel
from chatbot.ui.token_counter import build_tokens_tab

TITLE = "Laboratorio de chatbots con la API de OpenAI / Chatbot lab on the OpenAI API"


def build_demo(ctx: AppContext) -> gr.Blocks:
    # Gradio's copies of uploads and results go after an hour, checked every ten minutes.
    with gr.Blocks(title=TITLE, delete_cache=(600, int(MAX_AGE_S))) as demo:
        gr.Markdown(f"# 🤖 {TITLE}")
        # A function (deep-copied as itself), called per visitor: each session gets its own id.
        session = gr.State(lambda: ctx.new_session())
        status = build_settings_panel(ctx, session)
        billed = []
        handoff = ChatLinks()  # the Chat tab's browser storage, its training file → Fine-tuning
        with gr.Tab("Sentimiento / Sentiment"):
            billed += build_sentiment_tab(ctx, session)
        with gr.Tab("Chat"):
            billed += build_chat_tab(ctx, session, handoff)
        with gr.Tab("Playground"):
            billed += build_playground_tab(ctx, session)
        with gr.Tab("Tokens"):
            build_tokens_tab(ctx, session)
        with gr.Tab("Fine-tuning", id="finetune") as finetune_tab:
            billed += build_finetune_tab(ctx, session, handoff)
        with gr.Tab("Laboratorio / Lab"):
            billed += build_lab_tab(ctx, session)
        handoff.tabs.insert(0, finetune_tab)
        handoff.place()

        def refresh(state: Session) -> str:
            return ctx.status_markdown(state)

        # The ledger changes in place, which gr.State cannot see: refresh after every paid call.
        for event in billed:
            event.then(refresh, session, status, api_name=False, show_progress="hidden")
    with demo:
        handoff.wire()
    return demo
