"""The whole app as one gr.Blocks: a title with the language switch, the status line, one tab per
part of the course."""

from __future__ import annotations

import gradio as gr

from chatbot.context import AppContext, Session
from chatbot.policy.workdirs import MAX_AGE_S
from chatbot.ui.chat import build_chat_tab
from chatbot.ui.conversations import ChatLinks
from chatbot.ui.finetune import build_finetune_tab
from chatbot.ui.i18n import READ_JS, SWITCH_JS, T, language_switch, with_language
from chatbot.ui.lab import build_lab_tab
from chatbot.ui.playground import build_playground_tab
from chatbot.ui.sentiment import build_sentiment_tab
from chatbot.ui.settings_panel import build_settings_panel
from chatbot.ui.token_counter import build_tokens_tab


def build_demo(ctx: AppContext) -> gr.Blocks:
    # Gradio's copies of uploads and results go after an hour, checked every ten minutes.
    with gr.Blocks(title=T("app.title"), delete_cache=(600, int(MAX_AGE_S))) as demo:
        with gr.Row(equal_height=True, elem_id="app-head"):
            gr.Markdown(T("app.title_md"), elem_id="app-title")
            switch = language_switch()
        # A function (deep-copied as itself), called per visitor: each session gets its own id.
        session = gr.State(lambda: ctx.new_session())
        status = build_settings_panel(ctx, session)
        billed = []
        handoff = ChatLinks()  # the Chat tab's browser storage, its training file → Fine-tuning
        with gr.Tabs(overflow_behavior="wrap"):  # every tab in sight on a phone, none behind "•••"
            with gr.Tab(T("tab.sentiment"), elem_id="tab-sentiment"):
                billed += build_sentiment_tab(ctx, session)
            with gr.Tab(T("tab.chat"), elem_id="tab-chat"):
                billed += build_chat_tab(ctx, session, handoff)
            with gr.Tab(T("tab.playground"), elem_id="tab-playground"):
                billed += build_playground_tab(ctx, session)
            with gr.Tab(T("tab.tokens"), elem_id="tab-tokens"):
                count_example = build_tokens_tab(ctx, session)
            with gr.Tab(T("tab.finetune"), id="finetune", elem_id="tab-finetune") as finetune_tab:
                billed += build_finetune_tab(ctx, session, handoff)
            with gr.Tab(T("tab.lab"), elem_id="tab-lab"):
                billed += build_lab_tab(ctx, session)
        handoff.tabs.insert(0, finetune_tab)
        handoff.place()

        def refresh(state: Session) -> str:
            return ctx.status_markdown(state)

        # The ledger changes in place, which gr.State cannot see: refresh after every paid call.
        for event in billed:
            event.then(refresh, session, status, api_name=False, show_progress="hidden")

        def arrive(code: str | None, state: Session) -> tuple[Session, str, str]:
            """Per page load: the reader's language, and the status as it is now (the model may
            be loading or ready; the page was built before either)."""
            state = with_language(code, state)
            return state, ctx.status_markdown(state), state.lang

        code = gr.Textbox(visible=False)
        demo.load(arrive, [code, session], [session, status, switch], js=READ_JS,
                  api_name=False, show_progress="hidden").then(
            *count_example, api_name=False, show_progress="hidden")
        switch.input(None, switch, None, js=SWITCH_JS, api_visibility="private")
    with demo:
        handoff.wire()
    return demo
