"""The Chat tab's conversation controls: edit and branch, thumbs and notes, keep it in the
browser, export / import, and the liked answers as a training file for the Fine-tuning tab.

Wiring only: the tree, files and dataset live in `chatbot.conversations`. api_names: chat_edit,
chat_branch, chat_feedback, chat_export, chat_import, chat_to_dataset.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gradio as gr
from gradio.events import Dependency

from chatbot.chat import persona
from chatbot.context import AppContext, Session
from chatbot.conversations import views
from chatbot.conversations.exchange import Persona
from chatbot.conversations.tree import Conversation
from chatbot.errors import ChatbotError
from chatbot.finetune.views import validate_view
from chatbot.i18n import say
from chatbot.messages import content_text
from chatbot.ui.common import error_for, friendly
from chatbot.ui.i18n import T

History = list[dict[str, Any]]
DATASET_MODEL = "gpt-4o-mini"  # whose rules, tokenizer and price the training file is shown with
OPENAI_MINIMUM = 10  # examples OpenAI requires; a run on this machine takes fewer
Answer = Callable[..., Iterator[tuple[History, str, str]]]


@dataclass
class ChatParts:
    """What the Chat tab hands over: its components, how it answers, its answering events."""
    chat: gr.Chatbot
    preset: gr.Dropdown
    name: gr.Textbox
    system: gr.Textbox
    greeting: gr.Textbox
    temperature: gr.Slider
    max_tokens: gr.Slider
    effort: gr.Dropdown
    notice: gr.Markdown
    session: gr.State
    # The chat's own turn, knowledge and tools included: answer(message, history, bot_name,
    # system_prompt, temperature, max_tokens, effort, *extras, session)
    answer: Answer
    extras: list[Any]  # the knowledge and tools inputs `answer` takes after the effort
    queue: dict[str, Any] = field(default_factory=dict)  # the chat's concurrency line
    changes: list[Dependency] = field(default_factory=list)  # events that change the chat
    fresh_starts: list[Dependency] = field(default_factory=list)  # events that start anew


@dataclass
class ChatLinks:
    """What the Chat tab shares with the page around it: the browser storage (read on page load
    only when rendered outside the tabs), and its training file with the Fine-tuning tab's
    places that take it. Each tab sets its part as it is built; the app calls `place` at the
    top level of its Blocks and `wire` once that is closed."""
    kept: gr.BrowserState | None = None
    button: gr.Button | None = None
    file: gr.File | None = None
    status: gr.Markdown | None = None
    session: gr.State | None = None
    targets: list[gr.File] = field(default_factory=list)
    tabs: list[gr.Tab] = field(default_factory=list)  # to open, outer first; each has an id

    def place(self) -> None:
        if self.kept is not None:
            self.kept.render()

    def wire(self) -> None:
        """Call once the app's Blocks is closed (inside `with demo:`): Gradio wraps tabs in
        their `gr.Tabs` only then."""
        if self.button is None or self.file is None or self.status is None \
                or self.session is None or not self.targets:
            return
        targets = self.targets
        opened = [(tab.parent, tab.id) for tab in self.tabs if isinstance(tab.parent, gr.Tabs)]

        def open_fn(path: str | None, state: Session) -> list[Any]:
            if not path:
                raise gr.Error(say(state.lang, "conversations.no_dataset"))
            return [say(state.lang, "conversations.opened"), *([path] * len(targets)),
                    *(gr.Tabs(selected=tab_id) for _, tab_id in opened)]

        self.button.click(open_fn, [self.file, self.session], [self.status, *targets,
                                                *(tabs for tabs, _ in opened)],
                          api_visibility="private")


def shown(tree: Conversation, *, history: bool = True) -> Any:
    """The chat on screen with its thumbs (Gradio's names, one per answer). API endpoints
    return the plain history and set the thumbs in a browser-only step (`history=False`)."""
    names = {"up": "Like", "down": "Dislike"}
    thumbs = [names.get(tree.nodes[i].feedback or "") for i in tree.path
              if tree.nodes[i].role == "assistant"]
    if not history:
        return gr.Chatbot(feedback_value=thumbs)
    return gr.Chatbot(value=tree.history(), feedback_value=thumbs)  # type: ignore[arg-type]


def show_thumbs(data: Any) -> Any:
    return shown(views.stored(data), history=False)


def _message_index(index: int | tuple[int, int]) -> int:
    return index if isinstance(index, int) else index[0]


def build_conversation_panel(ctx: AppContext, parts: ChatParts,
                             handoff: ChatLinks | None = None) -> list[Dependency]:
    """Returns the events that spend (an edited question is answered)."""
    chat, session = parts.chat, parts.session
    tree = gr.State({})
    kept = gr.BrowserState(None, storage_key="chatbot-lab-chat", render=handoff is None)
    with gr.Accordion(T("conversations.panel"), open=False):
        gr.Markdown(T("conversations.kept"))
        with gr.Row():
            picker = gr.Dropdown([], label=T("conversations.versions"),
                                 info=T("conversations.versions_info"), scale=3)
            previous = gr.Button(T("conversations.previous"), scale=1)
            following = gr.Button(T("conversations.next"), scale=1)
        note = gr.Textbox(label=T("conversations.note"), info=T("conversations.note_info"),
                          max_lines=3)
        status = gr.Markdown()
        with gr.Row():
            export = gr.Button(T("conversations.export"))
            forget = gr.Button(T("conversations.forget"), variant="stop")
        exported = gr.File(label=T("conversations.files"), file_count="multiple", interactive=False)
        upload = gr.File(label=T("conversations.import"), file_types=[".json"], type="filepath")
        with gr.Row():
            make_dataset = gr.Button(T("conversations.dataset"), variant="primary")
            open_dataset = gr.Button(T("conversations.open"))
        data_file = gr.File(label=T("conversations.dataset_file"), file_types=[".jsonl"],
                            type="filepath")
        data_summary = gr.Markdown()
    # The API's arguments for edit, branch and feedback; the browser's events fill them in.
    index_box = gr.Number(0, precision=0, visible=False)
    text_box, value_box = gr.Textbox(visible=False), gr.Textbox(visible=False)
    step_box = gr.Number(0, precision=0, visible=False)
    run_edit, run_rate, run_switch = (gr.Button(visible=False) for _ in range(3))
    if handoff is not None:
        handoff.kept, handoff.button, handoff.file = kept, open_dataset, data_file
        handoff.status, handoff.session = data_summary, session

    def prompt_for(bot_name: str, system_prompt: str) -> str:
        return persona.identity_prompt(bot_name or "", system_prompt or "")

    # -- the tree follows the chat, the browser keeps both -------------------------------------

    def sync_fn(data: Any, history: History) -> dict[str, Any]:
        return views.current(data, history).to_dict()

    for event in parts.changes:
        event.then(sync_fn, [tree, chat], tree, api_visibility="private", show_progress="hidden")
    for event in parts.fresh_starts:
        event.then(lambda: {}, None, tree, api_visibility="private", show_progress="hidden")
    parts.preset.change(lambda: {}, None, tree, api_visibility="private")

    def keep_fn(data: Any, name: str, system: str, greeting: str) -> tuple[dict[str, Any], Any]:
        choices = views.version_choices(views.stored(data))
        return ({"tree": data or {}, "name": name, "system": system, "greeting": greeting},
                gr.Dropdown(choices=choices, value=choices[-1][1] if choices else None))

    gr.on([tree.change, parts.name.change, parts.system.change, parts.greeting.change], keep_fn,
          [tree, parts.name, parts.system, parts.greeting], [kept, picker],
          api_visibility="private", show_progress="hidden", trigger_mode="always_last")

    def restore_fn(saved: Any) -> list[Any]:
        if not isinstance(saved, dict):
            return [gr.skip()] * 5
        restored = views.stored(saved.get("tree"))
        persona_fields = [saved[k] if isinstance(saved.get(k), str) else gr.skip()
                          for k in ("name", "system", "greeting")]
        if not restored.path:
            return [gr.skip(), gr.skip(), *persona_fields]
        return [restored.to_dict(), shown(restored), *persona_fields]

    demo = gr.context.Context.root_block
    if demo is not None:
        demo.load(restore_fn, kept, [tree, chat, parts.name, parts.system, parts.greeting],
                  api_visibility="private", show_progress="hidden")

    def forget_fn(greeting: str, state: Session) -> tuple[None, dict[str, Any], Any, str]:
        fresh = Conversation.from_history([{"role": "assistant", "content": greeting}])
        return None, {}, shown(fresh), say(state.lang, "conversations.forgotten")

    forget.click(forget_fn, [parts.greeting, session], [kept, tree, chat, status],
                 api_visibility="private")

    # -- edit and branch -----------------------------------------------------------------------

    def edit_fn(history: History, index: float, text: str, bot_name: str, system_prompt: str,
                temperature: float, max_tokens: int, reasoning_effort: str, *more: Any
                ) -> Iterator[tuple[Any, Any, Any]]:
        """The edited question is answered as the chat answers any (its knowledge, its tools)."""
        *extras, state, data = more
        try:
            edited = views.current(data, history).edit(int(index or 0), text or "")
        except ChatbotError as exc:
            raise error_for(exc, state.lang) from None
        before = edited.history()
        if before[-1]["role"] == "assistant":  # the answer the student wanted: nothing to ask
            yield before, "", edited.to_dict()
            return
        final, notice = before[:-1], ""
        for final, _box, notice in parts.answer(text, before[:-1], bot_name, system_prompt,
                                                temperature, max_tokens, reasoning_effort,
                                                *extras, state):
            yield final, notice, gr.skip()
        # the last update repeats the chat: an API caller's result is the last one
        yield final, notice, views.current(edited.to_dict(), final).to_dict()

    def pick_edit(history: History, evt: gr.EditData) -> tuple[History, int, str]:
        """The browser already shows the new text; the tree must see the old one first."""
        at = _message_index(evt.index)
        history = list(history or [])
        if 0 <= at < len(history):
            history[at] = {**history[at], "content": content_text(evt.previous_value)}
        return history, at, content_text(evt.value)

    edit_inputs = [chat, index_box, text_box, parts.name, parts.system, parts.temperature,
                   parts.max_tokens, parts.effort, *parts.extras, session, tree]
    edit_outputs = [chat, parts.notice, tree]
    spending = [run_edit.click(edit_fn, edit_inputs, edit_outputs, api_name="chat_edit",
                               **parts.queue)]
    spending.append(chat.edit(pick_edit, chat, [chat, index_box, text_box],
                              api_visibility="private").then(
        edit_fn, edit_inputs, edit_outputs, api_visibility="private", **parts.queue))

    @friendly
    def switch_fn(history: History, index: float, step: float, data: Any
                  ) -> tuple[History, dict[str, Any]]:
        moved = views.current(data, history).switch(int(index or 0), int(step or 0))
        return moved.history(), moved.to_dict()

    switch_io = ([chat, index_box, step_box, tree], [chat, tree])
    run_switch.click(switch_fn, *switch_io, api_name="chat_branch")
    for button, step in ((previous, -1), (following, 1)):
        button.click(lambda at, s=step: (at, s), picker, [index_box, step_box],
                     api_visibility="private").then(
            switch_fn, *switch_io, api_visibility="private").then(
            show_thumbs, tree, chat, api_visibility="private", show_progress="hidden")

    # -- feedback ------------------------------------------------------------------------------

    @friendly
    def rate_fn(history: History, index: float, value: str, note: str, data: Any,
                state: Session) -> tuple[str, dict[str, Any]]:
        at = int(index or 0)
        rated = views.current(data, history).rate(at, value, note or "")
        mark = {"up": "👍", "down": "👎"}.get(rated.nodes[rated.path[at]].feedback or "")
        return (say(state.lang, "conversations.rated", mark=mark, index=at) if mark
                else say(state.lang, "conversations.unrated", index=at),
                rated.to_dict())

    def pick_rating(evt: gr.LikeData) -> tuple[int, str]:
        value = {True: "up", False: "down"}.get(evt.liked, "") if isinstance(evt.liked, bool) \
            else ""  # "" when a thumb is clicked again, to take it back
        return _message_index(evt.index), value

    rate_io = ([chat, index_box, value_box, note, tree, session], [status, tree])
    run_rate.click(rate_fn, *rate_io, api_name="chat_feedback")
    chat.like(pick_rating, None, [index_box, value_box], api_visibility="private").then(
        rate_fn, *rate_io, api_visibility="private")

    # -- files ---------------------------------------------------------------------------------

    @friendly
    def export_fn(history: History, bot_name: str, system_prompt: str, greeting: str,
                  data: Any, state: Session) -> list[str]:
        about = Persona(bot_name or "", prompt_for(bot_name, system_prompt), greeting or "")
        paths = views.export_files(ctx.workdirs.fresh(), views.current(data, history), about,
                                   state.lang)
        return [str(p) for p in paths]

    export.click(export_fn, [chat, parts.name, parts.system, parts.greeting, tree, session],
                 exported, api_name="chat_export")

    @friendly
    def import_fn(file: str | None, state: Session) -> list[Any]:
        saved = views.import_file(file)
        about = saved.persona
        return [saved.conversation.history(), saved.conversation.to_dict(),
                about.name or gr.skip(), about.system_prompt, about.greeting or gr.skip(),
                say(state.lang, "conversations.imported", count=len(saved.conversation.path))]

    upload.upload(import_fn, [upload, session],
                  [chat, tree, parts.name, parts.system, parts.greeting, status],
                  api_name="chat_import").then(
        show_thumbs, tree, chat, api_visibility="private", show_progress="hidden")

    @friendly
    def dataset_fn(history: History, bot_name: str, system_prompt: str, previous: str | None,
                   data: Any, state: Session) -> tuple[str, str]:
        path, collected = views.build_dataset(ctx.workdirs.fresh(), views.current(data, history),
                                              prompt_for(bot_name, system_prompt),
                                              Path(previous) if previous else None)
        verdict, _, cost, _ = validate_view(ctx, state.lang, str(path), DATASET_MODEL, 0)
        lines = [say(state.lang, "conversations.collected", added=collected.added,
                     total=len(collected.lines)), verdict]
        if len(collected.lines) < OPENAI_MINIMUM:
            lines.append(say(state.lang, "conversations.few"))
        return str(path), "\n\n".join([*lines, cost])

    make_dataset.click(dataset_fn, [chat, parts.name, parts.system, data_file, tree, session],
                       [data_file, data_summary], api_name="chat_to_dataset")
    return spending
