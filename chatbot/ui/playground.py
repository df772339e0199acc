"""Playground tab: every sampling parameter of OpenAI's Playground, n outputs side by side."""

from __future__ import annotations

from typing import Any

import gradio as gr
from gradio.events import Dependency

from chatbot import playground
from chatbot.context import AppContext, Session
from chatbot.playground.request import form_values, preset_values
from chatbot.ui import capability_controls
from chatbot.ui.binding import Controls
from chatbot.ui.common import friendly
from chatbot.ui.presets import preset_row

# Each sampling control's one-sentence explanation, also restored when a model takes it again.
INFO = {
    "temperature": "Aleatoriedad: 0 casi determinista, 2 muy creativo. / Randomness: 0 nearly "
                   "fixed, 2 very creative.",
    "top_p": "Solo considera los tokens que suman esta probabilidad. / Only sample from tokens "
             "adding up to this probability.",
    "n": "Cuántas respuestas distintas pedir (1–8). / How many different answers to ask for "
         "(1–8).",
    "max_tokens": "Longitud máxima de cada respuesta. / Longest answer, in tokens.",
    "frequency_penalty": "Penaliza repetir los mismos tokens. / Penalises repeating the same "
                         "tokens.",
    "presence_penalty": "Empuja a hablar de temas nuevos. / Nudges towards new topics.",
    "stop": "Hasta 4 secuencias, una por línea; el texto se corta ahí. / Up to 4 sequences, one "
            "per line; output stops there.",
    "seed": "Un entero para repetir resultados (si el backend lo admite). / A whole number to "
            "repeat results (if supported).",
    "logprobs": "Colorea cada token por su probabilidad. / Colour each token by its probability.",
    "top_logprobs": "Alternativas mostradas por token (pasa el ratón). / Alternatives shown per "
                    "token (hover).",
}


def build_playground_tab(ctx: AppContext, session: gr.State) -> list[Dependency]:
    """Returns the events that spend, so the app can refresh the status line after them."""
    start = ctx.capabilities_for(ctx.new_session(), probe=False)
    initial = capability_controls.control_states(start, None, INFO)
    gr.Markdown("Prueba los parámetros del Playground de OpenAI y mira su efecto. / Try the "
                "parameters of OpenAI's Playground and see what they do.")
    with gr.Row():
        with gr.Column(scale=3):
            system = gr.Textbox("Eres un asistente útil y conciso.", lines=3,
                                label="Prompt de sistema / System prompt",
                                info="Instrucciones generales para el modelo. / General "
                                     "instructions for the model.")
            user = gr.Textbox("Escribe un eslogan para una escuela de programación online.",
                              lines=4, label="Mensaje de usuario / User message",
                              info="Lo que le pides al modelo. / What you ask the model.")
            endpoint = gr.Radio(
                [("Chat (chat.completions)", "chat"),
                 ("Completions (legacy, text-davinci-003)", "completions")],
                value="chat", label="Endpoint",
                info="Chat usa mensajes con rol; legacy, un solo texto. / Chat takes role "
                     "messages; legacy, one text.")
            estimate = gr.Markdown()
            with gr.Row():
                run_btn = gr.Button("Ejecutar / Run", variant="primary")
                code_btn = gr.Button("Ver código / View code")
        with gr.Column(scale=2):
            model = gr.Dropdown(
                choices=["", *ctx.catalog.names()], value="", allow_custom_value=True,
                label="Modelo / Model", elem_id="pg-model",
                info="Vacío: el modelo activo en Ajustes; o escribe cualquier nombre. / Blank: "
                     "the model active in Settings; or type any name.")
            caps_line = gr.Markdown(capability_controls.summary(start))
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
    outputs_html = gr.HTML(label="Respuestas / Outputs")
    usage = gr.Markdown()
    with gr.Accordion("Código Python / Python code", open=False) as code_box:
        code = gr.Code(language="python", label="openai", interactive=False)
    with gr.Accordion("Respuesta en bruto / Raw result", open=False):
        raw = gr.JSON()
    with gr.Accordion("Presets de parámetros / Parameter presets", open=False):
        gr.Markdown("Guarda estos parámetros en un JSON y cárgalos otro día. / Save these "
                    "parameters as JSON and load them another day.")
        named = {"system": system, "endpoint": endpoint, "model": model,
                 "temperature": temperature, "top_p": top_p, "n": n, "max_tokens": max_tokens,
                 "frequency_penalty": frequency_penalty, "presence_penalty": presence_penalty,
                 "stop": stop, "seed": seed, "logprobs": logprobs, "top_logprobs": top_logprobs}
        preset_row("parameters", named, "playground", ctx.workdirs, read=preset_values,
                   write=form_values)

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
        return [capability_controls.summary(caps), capability_controls.effort_update(caps, current),
                *capability_controls.control_updates(caps, current, INFO)]

    gr.on([model.change, effort.change, session.change], follow_model, [model, effort, session],
          [caps_line, effort, *sampling], api_name="playground_capabilities",
          show_progress="hidden", trigger_mode="always_last")

    @friendly
    def run_fn(session: Session, **values: Any) -> tuple[str, str, str, dict[str, Any]]:
        return playground.run_view(ctx, session, **values)

    billed = [run_btn.click(form.bind(run_fn), form.inputs, [outputs_html, usage, code, raw],
                            api_name="playground")]

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
