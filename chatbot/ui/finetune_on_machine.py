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
from chatbot.ui.i18n import T


def build_local_training(ctx: AppContext, session: gr.State, training: gr.File,
                         suffix: gr.Textbox, job: gr.Textbox, status: gr.Markdown, *,
                         is_open: bool) -> gr.Button:
    """The panel (open when it is the tab's way to train); returns its launch button, whose click
    the tab wires to its job state."""
    with gr.Accordion(T("finetune_local.train_on_this_machine"), open=is_open):
        gr.Markdown(T("finetune_local.fine_tunes_the_embedded"))
        with gr.Row():
            epochs = gr.Number(Settings.epochs, precision=0, minimum=1, maximum=20,
                               label=T("finetune_local.epochs"),
                               info=T("finetune_local.passes_over_the_examples"))
            lr = gr.Number(Settings.learning_rate, minimum=0, maximum=1e-3,
                           label=T("finetune_local.learning_rate"),
                           info=T("finetune_local.1e_5_is_safe"))
            window = gr.Dropdown([256, 512, 1024], value=Settings.ctx,
                                 label=T("finetune_local.context"),
                                 info=T("finetune_local.tokens_per_training_window"))
            optimizer = gr.Radio(["adamw", "sgd"], value=Settings.optimizer,
                                 label=T("finetune_local.optimizer"),
                                 info=T("finetune_local.adamw_learns_better_11"))
        with gr.Row():
            plan = gr.Button(T("finetune_local.estimate"))
            launch = gr.Button(T("finetune_local.train_here"), variant="primary")
        estimate = gr.Markdown()
    form = Controls(session=session, file=training, epochs=epochs, learning_rate=lr,
                    ctx_tokens=window, optimizer=optimizer, suffix=suffix)

    @friendly
    def plan_fn(session: Session, **values: Any) -> str:
        return views.plan_view(ctx, session.lang, **values)

    @friendly
    def launch_fn(session: Session, **values: Any) -> tuple[str, str]:
        return views.create_view(ctx, session, **values)

    plan.click(form.bind(plan_fn), form.inputs, estimate, api_name="ft_local_plan")
    launch.click(form.bind(launch_fn), form.inputs, [job, status],
                 api_name="ft_local_create")
    return launch
