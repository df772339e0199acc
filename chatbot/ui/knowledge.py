"""Chat tab, knowledge panel: load documents, switch the course pack, see what retrieval finds.

Wiring only; the logic is `chatbot.knowledge`. Labels are `T(...)` keys; what the server writes
(the summary, the retrieval table) is in the session's language.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import gradio as gr

from chatbot.chat.turn import History
from chatbot.context import AppContext, Session
from chatbot.i18n import say
from chatbot.knowledge import library as lib
from chatbot.knowledge.grounding import TOP_K, Grounding, sources_markdown, sources_title
from chatbot.knowledge.passages import SUFFIXES
from chatbot.knowledge.views import retrieval_markdown
from chatbot.ui.common import friendly, friendly_stream
from chatbot.ui.i18n import T


@dataclass
class KnowledgePanel:
    """The components the chat's events read."""

    library: gr.State
    pack: gr.Checkbox


def build_panel(ctx: AppContext, session: gr.State, persona: gr.Dropdown,
                max_tokens: gr.Slider) -> KnowledgePanel:
    """The panel, inside the Chat tab's left column; `persona` switches the pack with it."""
    library = gr.State(lib.Library())
    with gr.Accordion(T("knowledge.panel"), open=False):
        gr.Markdown(T("knowledge.intro"))
        files = gr.File(file_count="multiple", file_types=list(SUFFIXES), type="filepath",
                        label=T("knowledge.files"), height=110)
        with gr.Row():
            load = gr.Button(T("knowledge.load"), size="sm", variant="primary")
            forget = gr.Button(T("knowledge.forget"), size="sm")
        pack = gr.Checkbox(True, label=T("knowledge.pack"), info=T("knowledge.pack_info"))
        status = gr.Markdown(lib.summary(lib.Library()))
        question = gr.Textbox(label=T("knowledge.question"), lines=1)
        search = gr.Button(T("knowledge.search"), size="sm")
        view = gr.Markdown()

    @friendly_stream
    def load_fn(paths: list[str] | None, current: lib.Library, state: Session
                ) -> Iterator[tuple[lib.Library, str]]:
        """In two steps: searchable by words at once, then by meaning too once embedded (seconds
        on the embedded model), so a question asked meanwhile is answered from the documents."""
        index, notices = lib.load(paths or [], hosted=ctx.settings.hosted, lang=state.lang)
        by_words = dataclasses.replace(current, documents=index, vectors=None)
        yield by_words, "\n\n".join([lib.summary(by_words, state.lang),
                                      say(state.lang, "knowledge.embedding"), *notices])
        loaded = dataclasses.replace(by_words, vectors=lib.embed(ctx, state, index))
        yield loaded, "\n\n".join([lib.summary(loaded, state.lang), *notices])

    def forget_fn(current: lib.Library, state: Session) -> tuple[lib.Library, str]:
        kept = dataclasses.replace(current, documents=None, vectors=None)
        return kept, lib.summary(kept, state.lang)

    def pack_fn(on: bool, current: lib.Library, state: Session) -> tuple[lib.Library, str]:
        switched = dataclasses.replace(current, pack=bool(on))
        return switched, lib.summary(switched, state.lang)

    @friendly
    def search_fn(text: str, current: lib.Library, tokens_out: int, state: Session) -> str:
        if not isinstance(text, str) or not text.strip():  # a REST caller may send null
            raise gr.Error(say(state.lang, "knowledge.type_a_question"))
        grounding, ranked = lib.retrieval(ctx, state, current, text, int(tokens_out), TOP_K + 3)
        return retrieval_markdown(text, grounding, ranked, state.lang)

    load.click(load_fn, [files, library, session], [library, status], api_name="knowledge_load")
    forget.click(forget_fn, [library, session], [library, status], api_name="knowledge_forget")
    pack.change(pack_fn, [pack, library, session], [library, status], api_name="knowledge_pack")
    persona.change(lambda key: key == "course", persona, pack, api_visibility="private")
    session.change(lambda current, state: lib.summary(current, state.lang), [library, session],
                   status, api_visibility="private", show_progress="hidden")  # the page's language
    gr.on([search.click, question.submit], search_fn, [question, library, max_tokens, session],
          view, api_name="knowledge_search")
    return KnowledgePanel(library, pack)


def grounding(ctx: AppContext, session: Session, library: lib.Library, message: str,
              system_prompt: str, max_tokens: int) -> Grounding:
    return lib.for_turn(ctx, session, library, message or "", system_prompt, int(max_tokens))


def with_sources(ctx: AppContext, session: Session, replies: Iterator[tuple[History, str, str]],
                 grounding: Grounding) -> Iterator[tuple[History, str, str]]:
    """The chat's replies; once the answer is in, its sources, which open to show exactly what
    the model was given, and the tokens and cost they added."""
    last: tuple[History, str, str] | None = None
    for last in replies:
        yield last
    if last is None or last[1] or not grounding.used:  # an error gave the message back
        return
    history, box, notice = last
    title = sources_title(grounding, session.lang)
    sources: dict[str, Any] = {"role": "assistant",
                               "content": sources_markdown(grounding, session.lang),
                               "metadata": {"title": title, "status": "done"}}
    yield [*history, sources], box, f"{notice}\n\n{lib.context_line(ctx, session, grounding)}"
