"""Playground tab: every sampling parameter of OpenAI's Playground, n outputs side by side."""

from __future__ import annotations

from typing import Any

import gradio as gr
from gradio.events import Dependency

from chatbot import playground
from chatbot.context import AppContext, Session
from chatbot.i18n import DEFAULT
from chatbot.playground.request import form_values, preset_values
from chatbot.ui import capability_controls
from chatbot.ui.binding import Controls
from chatbot.ui.common import friendly, model_line, show_result
from chatbot.ui.i18n import T
from chatbot.ui.presets import preset_row

# Each sampling control's one-sentence explanation (a key of chatbot/i18n/), also restored when a
# model takes it again.
INFO = {
    "temperature": "playground.randomness_0_nearly_fixed",
    "top_p": "playground.only_sample_from_tokens",
    "n": "playground.how_many_different_answers",
    "max_tokens": "playground.longest_answer_in_tokens",
    "frequency_penalty": "playground.penalises_repeating_the_same",
    "presence_penalty": "playground.nudges_towards_new_topics",
    "stop": "playground.up_to_4_sequences",
    "seed": "playground.a_whole_number_to",
    "logprobs": "playground.colour_each_token_by",
    "top_logprobs": "playground.alternatives_shown_per_token",
}


def build_playground_tab(ctx: AppContext, session: gr.State) -> list[Dependency]:
    """Returns the events that spend, so the app can refresh the status line after them."""
    start = ctx.capabilities_for(ctx.new_session(), probe=False)
    initial = capability_controls.control_states(start, None, INFO)
    gr.Markdown(T("playground.try_the_parameters_of"))
    with gr.Row():
        with gr.Column(scale=3):
            system = gr.Textbox("Eres un asistente útil y conciso.", lines=3,
                                label=T("playground.system_prompt"),
                                info=T("playground.general_instructions_for_the"))
            user = gr.Textbox("Escribe un eslogan para una escuela de programación online.",
                              lines=4, label=T("playground.user_message"),
                              info=T("playground.what_you_ask_the"))
            endpoint = gr.Radio(
                [("Chat (chat.completions)", "chat"),
                 ("Completions (legacy, text-davinci-003)", "completions")],
                value="chat", label="Endpoint",
                info=T("playground.chat_takes_role_messages"))
            estimate = gr.Markdown()
            with gr.Row():
                run_btn = gr.Button(T("playground.run"), variant="primary")
                code_btn = gr.Button(T("playground.view_code"))
            # The answers right under Run (on a phone too), not under the parameter column.
            outputs_html = gr.HTML(label=T("playground.outputs"), elem_id="pg-outputs",
                                   min_height=60)
            usage = gr.Markdown()
        with gr.Column(scale=2):
            model = gr.Dropdown(
                choices=["", *ctx.catalog.names()], value="", allow_custom_value=True,
                label=T("playground.model"), elem_id="pg-model",
                info=T("playground.blank_the_model_active"))
            caps_line = gr.Markdown(capability_controls.summary(start, DEFAULT))
            effort = capability_controls.effort_dropdown(start)
            temperature = gr.Slider(0, 2, value=1, step=0.05, label="temperature",
                                    elem_id="pg-temperature", **initial["temperature"])
            top_p = gr.Slider(0, 1, value=1, step=0.05, label="top_p", **initial["top_p"])
            n = gr.Number(1, precision=0, label="n", **initial["n"])
            max_tokens = gr.Number(128, precision=0, label="max_tokens", **initial["max_tokens"])
            frequency_penalty = gr.Slider(-2, 2, value=0, step=0.1, label="frequency_penalty",
                                          **initial["frequency_penalty"])
            presence_penalty = gr.Slider(-2, 2, value=0, step=0.1, label="presence_penalty",
                                         **initial["presence_penalty"])
            stop = gr.Textbox("", lines=2, label="stop", **initial["stop"])
            seed = gr.Textbox("", label="seed", **initial["seed"])
            logprobs = gr.Checkbox(True, label="logprobs", **initial["logprobs"])
            top_logprobs = gr.Slider(0, 20, value=5, step=1, label="top_logprobs", **initial["top_logprobs"])
    with gr.Accordion(T("playground.python_code"), open=False) as code_box:
        code = gr.Code(language="python", label="openai", interactive=False)
    with gr.Accordion(T("playground.raw_result"), open=False):
        raw = gr.JSON()
    with gr.Accordion(T("playground.parameter_presets"), open=False):
        gr.Markdown(T("playground.save_these_parameters_as"))
        named = {"system": system, "endpoint": endpoint, "model": model,
                 "temperature": temperature, "top_p": top_p, "n": n, "max_tokens": max_tokens,
                 "frequency_penalty": frequency_penalty, "presence_penalty": presence_penalty,
                 "stop": stop, "seed": seed, "logprobs": logprobs, "top_logprobs": top_logprobs}
        preset_row("parameters", named, "playground", session, ctx.workdirs,
                   read=preset_values, write=form_values)

    form = Controls(user=user, system=system, endpoint=endpoint, model=model,
                    temperature=temperature, top_p=top_p, n=n, max_tokens=max_tokens,
                    frequency_penalty=frequency_penalty, presence_penalty=presence_penalty,
                    stop=stop, seed=seed, logprobs=logprobs, top_logprobs=top_logprobs,
                    reasoning_effort=effort, session=session)
    sampling = [temperature, top_p, n, max_tokens, frequency_penalty, presence_penalty, stop,
                seed, logprobs, top_logprobs]

    def follow_model(model_name: str, current: str, state: Session) -> list[Any]:
        """Grey out what the picked model does not take, with the reason; effort if it reasons."""
        caps = ctx.capabilities_for(state, (model_name or "").strip() or None)
        return [capability_controls.summary(caps, state.lang),
                capability_controls.effort_update(caps, current, state.lang),
                *capability_controls.control_updates(caps, current, INFO, state.lang)]

    gr.on([model.change, effort.change, session.change], follow_model, [model, effort, session],
          [caps_line, effort, *sampling], api_name="playground_capabilities",
          show_progress="hidden", trigger_mode="always_last")

    @friendly
    def run_fn(session: Session, **values: Any) -> tuple[str, str, str, dict[str, Any]]:
        return playground.run_view(ctx, session, **values)

    billed = [run_btn.click(form.bind(run_fn), form.inputs, [outputs_html, usage, code, raw],
                            api_name="playground", **model_line(ctx))]
    show_result(run_btn.click, "pg-outputs")

    @friendly
    def code_fn(session: Session, **values: Any) -> tuple[str, Any]:
        return playground.code_view(ctx, session, **values), gr.Accordion(open=True)

    code_btn.click(form.bind(code_fn), form.inputs, [code, code_box], api_name="playground_code")

    def estimate_fn(session: Session, **values: Any) -> str:
        return playground.estimate_line(ctx, session, **values)

    for trigger in (user, system, endpoint, model, n, max_tokens):
        trigger.change(form.bind(estimate_fn), form.inputs, estimate, api_visibility="private",
                       show_progress="hidden", trigger_mode="always_last")
    return billed
