"""Chat tab: a bot with its own identity, streamed, with retry / undo / clear."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import gradio as gr
from gradio.events import Dependency

from chatbot.chat import persona
from chatbot.chat.turn import (
    PLACEHOLDER_AFTER_S,
    STREAM_EVERY_S,
    ChatTurn,
    History,
    error_notice,
    or_waiting,
)
from chatbot.context import AppContext, Session
from chatbot.context.costs import estimate_markdown
from chatbot.errors import ChatbotError
from chatbot.i18n import DEFAULT, say
from chatbot.knowledge import pack
from chatbot.messages import content_text
from chatbot.playground import notes_markdown, reasoning_part
from chatbot.ui import capability_controls
from chatbot.ui import knowledge as knowledge_ui
from chatbot.ui import tools as tools_ui
from chatbot.ui.common import error_for, model_line, reader_lang, warn
from chatbot.ui.conversations import ChatLinks, ChatParts, build_conversation_panel
from chatbot.ui.i18n import T
from chatbot.ui.presets import preset_row
from chatbot.ui.styles import fold_on_phones

INFO = {  # each control's hint, by key (capability_controls adds why a model refuses it)
    "temperature": "chat.higher_more_varied_answers",
    "max_tokens": "chat.longest_answer_in_tokens",
}


def greeting_history(greeting: str) -> History:
    return [{"role": "assistant", "content": greeting}] if greeting.strip() else []


def respond(ctx: AppContext, session: Session, message: str, history: History,
            system_prompt: str, temperature: float, max_tokens: int,
            reasoning_effort: str | None = None) -> Iterator[tuple[History, str, str]]:
    """Stream the answer into the chat. On error the message goes back to the textbox."""
    history = list(history or [])
    try:
        turn = ChatTurn(ctx, session, message, history, system_prompt,
                        max_tokens=int(max_tokens), temperature=float(temperature),
                        reasoning_effort=reasoning_effort or None)
    except ChatbotError as exc:  # nothing was shown yet: an error popup, the text stays put
        raise error_for(exc, session.lang) from None
    # The message shows with "…" when the answer has not started within PLACEHOLDER_AFTER_S: a
    # class may wait seconds for a slot, and a reasoning model thinks for seconds before its
    # first word. Sooner, it shows with the first words: that early update is a whole Gradio
    # round per student (16 users at once on a 300-ms server waited 1.75-2.0x one for their
    # first token in a bare Gradio chat without it, 2.26-2.46x with it).
    try:
        for text in or_waiting(turn.stream(every=STREAM_EVERY_S), PLACEHOLDER_AFTER_S):
            yield turn.shown("…" if text is None else text), "", turn.notice
    except ChatbotError as exc:
        # A toast, not gr.Error: the chat stays visible and the message goes back to the box.
        warn(exc, session.lang)
        yield history, message, error_notice(exc, session.lang)
        return
    if turn.cut is not None:
        yield turn.shown(turn.answer or None), "", error_notice(turn.cut, session.lang)
    elif turn.result is not None:
        yield (turn.shown(turn.answer), "",
               f"{turn.notice}\n\n{turn_summary(turn.result, session.lang)}".strip())


def turn_summary(result: Any, lang: str) -> str:
    u = result.usage
    cost = "—" if result.cost_usd is None else f"${result.cost_usd:.6f}"
    return (f"{u.prompt_tokens} → {u.completion_tokens} tokens{reasoning_part(u, lang)} · "
            f"{say(lang, 'chat.cost')} {cost} · {result.latency_s:.1f} s"
            f"{notes_markdown(result.notes, lang)}")


def build_chat_tab(ctx: AppContext, session: gr.State,
                   handoff: ChatLinks | None = None) -> list[Dependency]:
    """Returns the events that spend, so the app can refresh the status line after them."""
    first = persona.PRESETS[0]
    start = ctx.capabilities_for(ctx.new_session(), probe=False)
    initial = capability_controls.control_states(start, None, INFO)
    gr.Markdown(T("chat.a_bot_with_its"))
    with gr.Row(elem_id="chat-row"):  # a phone shows the chat first (styles.py)
        with gr.Column(scale=1):
            with gr.Accordion(T("chat.persona"), elem_id="chat-persona") as persona_box:
                preset = gr.Dropdown(
                    [(T(f"persona.{p.key}"), p.key) for p in persona.PRESETS],
                    value=first.key, label="Persona",
                    info=T("chat.loads_an_example_name"),
                )
                name = gr.Textbox(first.name, label=T("chat.name"),
                                  info=T("chat.what_the_bot_calls"))
                system = gr.Textbox(first.system_prompt, lines=8,
                                    label=T("chat.system_prompt"),
                                    info=T("chat.instructions_the_bot_follows"))
                greeting = gr.Textbox(first.greeting, lines=2, label=T("chat.greeting"),
                                      info=T("chat.the_bot_s_first"))
            fold_on_phones(persona_box)
            with gr.Accordion(T("chat.parameters"), open=False):
                effort = capability_controls.effort_dropdown(start)
                temperature = gr.Slider(0, 2, value=0.7, step=0.1, label="temperature",
                                        **initial["temperature"])
                max_tokens = gr.Slider(16, 2048, value=256, step=16, label="max_tokens",
                                       **initial["max_tokens"])
            with gr.Accordion(T("chat.persona_preset_json"), open=False):
                preset_row("persona", {"name": name, "system_prompt": system,
                                       "greeting": greeting, "temperature": temperature,
                                       "max_tokens": max_tokens}, "chat", session,
                           ctx.workdirs)
            knowledge = knowledge_ui.build_panel(ctx, session, preset, max_tokens)
            tools = tools_ui.build_panel(
                session, constrained_first=ctx.backend_kind(ctx.new_session()) == "local")
        with gr.Column(scale=2):
            chat = gr.Chatbot(greeting_history(first.greeting),  # type: ignore[arg-type]
                              label=first.name, height=460, buttons=["copy"], elem_id="chat-box",
                              editable="all", feedback_options=("Like", "Dislike"))
            message = gr.Textbox(label=T("chat.message"), lines=1, max_lines=8, autofocus=True,
                                 placeholder=T("chat.type_and_press_enter"),
                                 info=T("chat.enter_sends_shift_enter"))
            with gr.Row():  # two by two on a phone, not four rows
                send = gr.Button(T("chat.send"), variant="primary", min_width=120)
                retry = gr.Button(T("chat.retry"), min_width=120)
                undo = gr.Button(T("chat.undo"), min_width=120)
                clear = gr.Button(T("chat.clear"), min_width=120)
            estimate = gr.Markdown()
            notice = gr.Markdown()

    # The default persona is prefilled in every slot of the engine once it is up, and grounded
    # in each of the course pack's passages in slots of their own; a persona picked here, or a
    # class's first message with another one, is warmed when the engine is idle
    # (chatbot/engine/warmup.py).
    def warm(bot_name: str, system_prompt: str, greeting: str, lang: str = DEFAULT) -> None:
        opening = persona.opening(bot_name, system_prompt, greeting)
        ctx.warm_persona(opening, pack.openings(opening, lang))

    warm(first.name, first.system_prompt, first.greeting)

    def load_preset(key: str, state: Session) -> tuple[str, str, str, History, dict[str, Any]]:
        p = persona.preset(key)
        warm(p.name, p.system_prompt, p.greeting, state.lang)
        return p.name, p.system_prompt, p.greeting, greeting_history(p.greeting), gr.update(
            label=p.name)

    preset.change(load_preset, [preset, session], [name, system, greeting, chat, chat],
                  api_visibility="private")

    def send_fn(message: str, history: History, bot_name: str, system_prompt: str,
                temperature: float, max_tokens: int, reasoning_effort: str,
                library: knowledge_ui.lib.Library, tool_names: list[str], tool_json: str,
                tool_table: Any, constrained: bool, state: Session
                ) -> Iterator[tuple[History, str, str]]:
        if all(m.get("role") == "assistant" for m in history or []):  # a first message
            greeting = content_text(history[0]["content"]) if history else ""
            warm(bot_name, system_prompt, greeting, state.lang)
        grounded = knowledge_ui.grounding(ctx, state, library, message,
                                          persona.identity_prompt(bot_name, system_prompt),
                                          max_tokens)
        try:
            box = tools_ui.toolbox(ctx, state, library, tool_names, tool_json, tool_table)
        except ChatbotError as exc:
            raise error_for(exc, state.lang) from None
        replies = (tools_ui.respond(ctx, state, message, history, grounded.system_prompt,
                                    temperature, max_tokens, box, constrained) if box.tools
                   else respond(ctx, state, message, history, grounded.system_prompt,
                                temperature, max_tokens, reasoning_effort))
        yield from knowledge_ui.with_sources(ctx, state, replies, grounded)

    def follow_model(current: str, state: Session) -> list[Any]:
        """The session's model decides which controls apply (Settings changes it)."""
        caps = ctx.capabilities_for(state)
        return [capability_controls.effort_update(caps, current, state.lang),
                *capability_controls.control_updates(caps, current, INFO, state.lang)]

    gr.on([session.change, effort.change], follow_model, [effort, session],
          [effort, temperature, max_tokens], api_name=False, show_progress="hidden",
          trigger_mode="always_last")

    extras = [knowledge.library, *tools.inputs]
    inputs = [message, chat, name, system, temperature, max_tokens, effort, *extras, session]
    outputs = [chat, message, notice]
    # On the embedded engine, chats beyond its slots wait in Gradio's queue, which shows each
    # student their place in line, instead of behind an unexplained spinner.
    line = model_line(ctx)
    billed = [send.click(send_fn, inputs, outputs, api_name="chat", **line),
              message.submit(send_fn, inputs, outputs, api_visibility="private", **line)]

    def retry_fn(history: History, bot_name: str, system_prompt: str, temperature: float,
                 max_tokens: int, reasoning_effort: str, *more: Any
                 ) -> Iterator[tuple[History, str, str]]:
        history = list(history or [])
        while history and history[-1]["role"] == "assistant":
            history.pop()
        if not history:
            raise gr.Error(say(reader_lang(*more), "chat.nothing_to_retry"))
        last = content_text(history.pop()["content"])
        yield from send_fn(last, history, bot_name, system_prompt, temperature, max_tokens,
                           reasoning_effort, *more)

    billed.append(retry.click(retry_fn, [chat, name, system, temperature, max_tokens, effort,
                                         *extras, session],
                              outputs, api_name="chat_retry", **line))
    name.change(lambda n: gr.Chatbot(label=n or "Bot"), name, chat, api_visibility="private")

    def undo_fn(history: History, current: str) -> tuple[History, str]:
        history = list(history or [])
        while history and history[-1]["role"] == "assistant":
            history.pop()
        if history and history[-1]["role"] == "user":
            return history[:-1], content_text(history[-1]["content"])
        return history, current

    def estimate_fn(message: str, history: History, bot_name: str, system_prompt: str,
                    max_tokens: int, state: Session) -> str:
        if not (message or "").strip():
            return ""
        prompt = persona.build_messages(persona.identity_prompt(bot_name, system_prompt),
                                        history, message)
        return estimate_markdown(ctx, state, ctx.model_for(state), prompt, int(max_tokens))

    message.change(estimate_fn, [message, chat, name, system, max_tokens, session], estimate,
                   api_visibility="private", show_progress="hidden", trigger_mode="always_last")

    undone = undo.click(undo_fn, [chat, message], [chat, message], api_name="chat_undo")
    cleared = clear.click(lambda g: (greeting_history(g), ""), greeting, [chat, notice],
                          api_name="chat_clear")
    billed += build_conversation_panel(ctx, ChatParts(
        chat, preset, name, system, greeting, temperature, max_tokens, effort, notice, session,
        send_fn, extras, line, [*billed, undone], [cleared]), handoff)
    return billed
