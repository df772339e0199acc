"""Chat tab: a bot with its own identity, streamed, with retry / undo / clear."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import gradio as gr
from gradio.events import Dependency

from chatbot.chat import persona
from chatbot.chat.turn import STREAM_EVERY_S, ChatTurn, History, error_notice
from chatbot.context import AppContext, Session
from chatbot.context.costs import estimate_markdown
from chatbot.errors import ChatbotError
from chatbot.messages import content_text
from chatbot.playground import notes_markdown, reasoning_part
from chatbot.ui import capability_controls
from chatbot.ui.conversations import ChatLinks, ChatParts, build_conversation_panel
from chatbot.ui.presets import preset_row

INFO = {
    "temperature": "Más alto, respuestas más variadas. / Higher, more varied answers.",
    "max_tokens": "Longitud máxima de cada respuesta en tokens. / Longest answer, in tokens.",
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
        raise gr.Error(str(exc), title=exc.title) from None
    yield turn.shown("…"), "", turn.notice
    try:
        for text in turn.stream(every=STREAM_EVERY_S):
            yield turn.shown(text), "", turn.notice
    except ChatbotError as exc:
        # A toast, not gr.Error: the chat stays visible and the message goes back to the box.
        gr.Warning(str(exc), title=exc.title)
        yield history, message, error_notice(exc)
        return
    if turn.cut is not None:
        yield turn.shown(turn.answer or None), "", error_notice(turn.cut)
    elif turn.result is not None:
        yield (turn.shown(turn.answer), "",
               f"{turn.notice}\n\n{turn_summary(turn.result)}".strip())


def turn_summary(result: Any) -> str:
    u = result.usage
    cost = "—" if result.cost_usd is None else f"${result.cost_usd:.6f}"
    return (f"{u.prompt_tokens} → {u.completion_tokens} tokens{reasoning_part(u)} · coste / "
            f"cost {cost} · {result.latency_s:.1f} s{notes_markdown(result.notes)}")


def build_chat_tab(ctx: AppContext, session: gr.State,
                   handoff: ChatLinks | None = None) -> list[Dependency]:
    """Returns the events that spend, so the app can refresh the status line after them."""
    first = persona.PRESETS[0]
    start = ctx.capabilities_for(ctx.new_session(), probe=False)
    initial = capability_controls.control_states(start, None, INFO)
    gr.Markdown("Un bot con identidad propia: elige una persona o escribe la tuya. / "
                "A bot with its own identity: pick a persona or write your own.")
    with gr.Row():
        with gr.Column(scale=1):
            preset = gr.Dropdown(
                [(f"{p.name} — {p.description}", p.key) for p in persona.PRESETS],
                value=first.key, label="Persona",
                info="Carga un nombre, prompt de sistema y saludo de ejemplo. / Loads an example "
                     "name, system prompt and greeting.",
            )
            name = gr.Textbox(first.name, label="Nombre / Name",
                              info="Cómo se presenta el bot. / What the bot calls itself.")
            system = gr.Textbox(first.system_prompt, lines=8,
                                label="Prompt de sistema / System prompt",
                                info="Instrucciones que el bot sigue en toda la conversación. / "
                                     "Instructions the bot follows all along.")
            greeting = gr.Textbox(first.greeting, lines=2, label="Saludo / Greeting",
                                  info="El primer mensaje del bot al empezar o limpiar. / "
                                       "The bot's first message when starting or clearing.")
            with gr.Accordion("Parámetros / Parameters", open=False):
                effort = capability_controls.effort_dropdown(start)
                temperature = gr.Slider(0, 2, value=0.7, step=0.1, label="temperature",
                                        **initial["temperature"])
                max_tokens = gr.Slider(16, 2048, value=256, step=16, label="max_tokens",
                                       **initial["max_tokens"])
            with gr.Accordion("Preset de persona (JSON) / Persona preset (JSON)", open=False):
                preset_row("persona", {"name": name, "system_prompt": system,
                                       "greeting": greeting, "temperature": temperature,
                                       "max_tokens": max_tokens}, "chat", ctx.workdirs)
        with gr.Column(scale=2):
            chat = gr.Chatbot(greeting_history(first.greeting),  # type: ignore[arg-type]
                              label=first.name, height=460, buttons=["copy"],
                              editable="all", feedback_options=("Like", "Dislike"))
            message = gr.Textbox(label="Mensaje / Message", lines=1, max_lines=8, autofocus=True,
                                 placeholder="Escribe y pulsa Enter… / Type and press Enter…",
                                 info="Enter envía; Shift+Enter, nueva línea. / Enter sends; "
                                      "Shift+Enter, new line.")
            with gr.Row():
                send = gr.Button("Enviar / Send", variant="primary")
                retry = gr.Button("🔄 Reintentar / Retry")
                undo = gr.Button("↩️ Deshacer / Undo")
                clear = gr.Button("🗑️ Limpiar / Clear")
            estimate = gr.Markdown()
            notice = gr.Markdown()

    def load_preset(key: str) -> tuple[str, str, str, History, dict[str, Any]]:
        p = persona.preset(key)
        return p.name, p.system_prompt, p.greeting, greeting_history(p.greeting), gr.update(
            label=p.name)

    preset.change(load_preset, preset, [name, system, greeting, chat, chat], api_visibility="private")

    def send_fn(message: str, history: History, bot_name: str, system_prompt: str,
                temperature: float, max_tokens: int, reasoning_effort: str, state: Session
                ) -> Iterator[tuple[History, str, str]]:
        yield from respond(ctx, state, message, history,
                           persona.identity_prompt(bot_name, system_prompt), temperature,
                           max_tokens, reasoning_effort)

    def follow_model(current: str, state: Session) -> list[Any]:
        """The session's model decides which controls apply (Settings changes it)."""
        caps = ctx.capabilities_for(state)
        return [capability_controls.effort_update(caps, current),
                *capability_controls.control_updates(caps, current, INFO)]

    gr.on([session.change, effort.change], follow_model, [effort, session],
          [effort, temperature, max_tokens], api_name=False, show_progress="hidden",
          trigger_mode="always_last")

    inputs = [message, chat, name, system, temperature, max_tokens, effort, session]
    outputs = [chat, message, notice]
    # On the embedded engine, chats beyond its slots wait in Gradio's queue, which shows each
    # student their place in line, instead of behind an unexplained spinner.
    slots = ctx.chat_slots()
    line: dict[str, Any] = {"concurrency_limit": slots, "concurrency_id": "chat"} if slots else {}
    billed = [send.click(send_fn, inputs, outputs, api_name="chat", **line),
              message.submit(send_fn, inputs, outputs, api_visibility="private", **line)]

    def retry_fn(history: History, bot_name: str, system_prompt: str, temperature: float,
                 max_tokens: int, reasoning_effort: str, state: Session
                 ) -> Iterator[tuple[History, str, str]]:
        history = list(history or [])
        while history and history[-1]["role"] == "assistant":
            history.pop()
        if not history:
            raise gr.Error("No hay mensaje que reintentar. / Nothing to retry.")
        last = content_text(history.pop()["content"])
        yield from respond(ctx, state, last, history,
                           persona.identity_prompt(bot_name, system_prompt), temperature,
                           max_tokens, reasoning_effort)

    billed.append(retry.click(retry_fn, [chat, name, system, temperature, max_tokens, effort,
                                         session],
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
        respond, line, [*billed, undone], [cleared]), handoff)
    return billed
