"""The Train tab's "on this machine" panel: llama.cpp fine-tunes the embedded model here.

Its jobs then show in the same status, plot, events and buttons as an OpenAI job.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from chatbot.context import AppContext, Session
from chatbot.finetune.on_machine import views
from chatbot.finetune.on_machine.job import Settings
from chatbot.ui.binding import Controls
from chatbot.ui.common import friendly


def build_local_training(ctx: AppContext, session: gr.State, training: gr.File,
                         suffix: gr.Textbox, job: gr.Textbox, status: gr.Markdown) -> gr.Button:
    """The panel; returns its launch button, whose click the tab wires to its job state."""
    with gr.Accordion("🖥️ Entrenar en esta máquina (llama.cpp, sin clave) / Train on this "
                      "machine (llama.cpp, no key)", open=ctx.settings.backend == "local"):
        gr.Markdown(
            "Afina el modelo embebido aquí, en la CPU: con ~20 ejemplos aprende un **estilo**, "
            "no conocimientos. Usa el fichero y el sufijo de arriba. / Fine-tunes the embedded "
            "model here, on the CPU: from ~20 examples it learns a **style**, not knowledge. "
            "Uses the file and suffix above.")
        with gr.Row():
            epochs = gr.Number(Settings.epochs, precision=0, minimum=1, maximum=20,
                               label="Épocas / Epochs",
                               info="Pasadas por los ejemplos. / Passes over the examples.")
            lr = gr.Number(Settings.learning_rate, minimum=0, maximum=1e-3,
                           label="Tasa de aprendizaje / Learning rate",
                           info="1e-5 es seguro; 5e-5 ya estropea el modelo. / 1e-5 is safe; "
                                "5e-5 already wrecks the model.")
            window = gr.Dropdown([256, 512, 1024], value=Settings.ctx,
                                 label="Contexto / Context",
                                 info="Tokens por ventana de entrenamiento; más, más memoria. / "
                                      "Tokens per training window; more needs more memory.")
            optimizer = gr.Radio(["adamw", "sgd"], value=Settings.optimizer,
                                 label="Optimizador / Optimizer",
                                 info="AdamW aprende mejor (~11 GB); SGD usa menos memoria. / "
                                      "AdamW learns better (~11 GB); SGD uses less memory.")
        with gr.Row():
            plan = gr.Button("Estimar / Estimate")
            launch = gr.Button("Entrenar aquí / Train here", variant="primary")
        estimate = gr.Markdown()
    form = Controls(file=training, epochs=epochs, learning_rate=lr, ctx_tokens=window,
                    optimizer=optimizer, suffix=suffix)
    owned = Controls(session=session, **form.components)

    @friendly
    def plan_fn(**values: Any) -> str:
        return views.plan_view(ctx, **values)

    @friendly
    def launch_fn(session: Session, **values: Any) -> tuple[str, str]:
        return views.create_view(ctx, session, **values)

    plan.click(form.bind(plan_fn), form.inputs, estimate, api_name="ft_local_plan")
    launch.click(owned.bind(launch_fn), owned.inputs, [job, status],
                 api_name="ft_local_create")
    return launch
