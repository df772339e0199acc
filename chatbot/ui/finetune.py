"""Fine-tuning tab: validate and cost a file, prepare data, launch and watch a job, evaluate.

Layout only; every handler calls a function of `chatbot/finetune/views.py` (thin, over
`chatbot.finetune`), tested on its own and through gradio_client (api_names ft_*).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import gradio as gr
from gradio.events import Dependency

from chatbot.context import AppContext, Session
from chatbot.finetune import jobs, prepare, stats
from chatbot.finetune.formats import CHAT, LEGACY
from chatbot.finetune.views import (
    DEFAULT_MODEL,
    JobView,
    Known,
    analyze_view,
    cancel_view,
    create_view,
    evaluate_view,
    follow_view,
    list_view,
    prepare_view,
    status_view,
    use_model_view,
    validate_view,
)
from chatbot.ui.binding import Controls
from chatbot.ui.common import friendly, friendly_stream
from chatbot.ui.conversations import ChatLinks
from chatbot.ui.finetune_on_machine import build_local_training

PROBLEM_HEADERS = ["línea / line", "tipo / severity", "código / code", "problema / problem",
                   "cómo arreglarlo / how to fix"]
JOB_HEADERS = ["id", "estado / status", "modelo / model", "modelo entrenado / trained model",
               "creado / created"]
EVENT_HEADERS = ["cuándo / when", "nivel / level", "mensaje / message"]
LABEL_HEADERS = ["modelo / model", "etiqueta / label", "precisión / precision",
                 "exhaustividad / recall", "F1", "ejemplos / support"]
BACKENDS = [("Backend de esta sesión / This session's backend", "session"),
            ("Modelo embebido / Embedded model", "local")]



# -- layout --------------------------------------------------------------------------------------


def _model_choices(ctx: AppContext) -> list[str]:
    tunable = stats.fine_tunable_models(ctx.catalog)
    return tunable + [n for n in ctx.catalog.names() if n not in tunable]


def _csv_columns(question: str, answer: str) -> tuple[gr.Textbox, gr.Textbox]:
    hint = "Solo CSV; vacío: se reconoce por el nombre. / CSV only; blank: recognised by name."
    return gr.Textbox(label=question, info=hint), gr.Textbox(label=answer, info=hint)


def build_finetune_tab(ctx: AppContext, session: gr.State,
                       handoff: ChatLinks | None = None) -> list[Dependency]:
    """Returns the events that spend or change the session, so the app refreshes its status.
    `handoff` learns where the Chat tab's training file goes (Validate and Train)."""
    gr.Markdown(jobs.wind_down_notice(ctx.catalog))
    tunable = stats.fine_tunable_models(ctx.catalog) or [DEFAULT_MODEL]
    changed: list[Dependency] = []

    with gr.Tab("1 · Validar y coste / Validate & cost"):
        with gr.Row():
            v_file = gr.File(label="Fichero JSONL / JSONL file", file_types=[".jsonl", ".json"],
                             type="filepath")
            with gr.Column():
                v_model = gr.Dropdown(_model_choices(ctx), value=tunable[0],
                                      allow_custom_value=True, label="Modelo / Model",
                                      info="Su tokenizador, su límite por ejemplo y su precio de "
                                           "entrenamiento. / Its tokenizer, per-example limit and "
                                           "training price.")
                v_epochs = gr.Number(0, precision=0, minimum=0, maximum=50,
                                     label="Épocas / Epochs",
                                     info="0: las que OpenAI elige por defecto para este tamaño. "
                                          "/ 0: OpenAI's default for this size.")
                v_btn = gr.Button("Validar / Validate", variant="primary")
        v_summary = gr.Markdown()
        v_problems = gr.Dataframe(headers=PROBLEM_HEADERS, interactive=False, wrap=True,
                                  column_widths=["7%", "8%", "13%", "36%", "36%"],
                                  label="Problemas por línea / Problems by line")
        v_cost = gr.Markdown()
        v_hist = gr.BarPlot(x="tokens por ejemplo / tokens per example",
                            y="ejemplos / examples", label="Tokens por ejemplo / Tokens per "
                                                           "example", sort=None, y_lim=[0, None])

        @friendly
        def validate_fn(file: Any, model: str, epochs: Any,
                        progress: gr.Progress = gr.Progress()) -> Any:  # noqa: B008
            return validate_view(ctx, file, model, epochs, lambda f: progress(f))

        v_btn.click(validate_fn, [v_file, v_model, v_epochs],
                    [v_summary, v_problems, v_cost, v_hist], api_name="ft_validate")

    with gr.Tab("2 · Preparar / Prepare"):
        with gr.Row():
            p_file = gr.File(label="CSV o JSONL / CSV or JSONL",
                             file_types=[".csv", ".tsv", ".jsonl", ".json"], type="filepath")
            with gr.Column():
                p_system = gr.Textbox(label="Prompt de sistema / System prompt", lines=2,
                                      info="Se añade a cada ejemplo que no tenga uno. / Added "
                                           "to every example that has none.")
                p_output = gr.Radio([("Chat (modelos actuales / current models)", CHAT),
                                     ("prompt/completion (legado / legacy)", LEGACY)],
                                    value=CHAT, label="Formato de salida / Output format",
                                    info="Chat para gpt-4o-mini y similares. / Chat for "
                                         "gpt-4o-mini and similar.")
        with gr.Row():
            p_question, p_answer = _csv_columns("Columna de preguntas / Question column",
                                                "Columna de respuestas / Answer column")
            p_fraction = gr.Slider(0, 0.5, value=0.0, step=0.05,
                                   label="Fracción de validación / Validation fraction",
                                   info="Parte de los ejemplos que se aparta para evaluar. / "
                                        "Share of examples kept apart to evaluate.")
            p_seed = gr.Number(42, precision=0, label="Semilla / Seed",
                               info="La misma semilla da el mismo reparto. / The same seed "
                                    "gives the same split.")
            p_model = gr.Dropdown(_model_choices(ctx), value=tunable[0], allow_custom_value=True,
                                  label="Modelo (límite de tokens) / Model (token limit)",
                                  info="Para detectar ejemplos demasiado largos. / To spot "
                                       "examples that are too long.")
        p_fixes = gr.CheckboxGroup([(f"{name}: {text}", name)
                                    for name, text in prepare.FIXES.items()],
                                   label="Arreglos a aplicar / Fixes to apply",
                                   info="Nada cambia si no lo marcas; «Analizar» marca lo que "
                                        "propone para que lo revises. / Nothing changes unless "
                                        "ticked; 'Analyse' ticks what it proposes for review.")
        with gr.Row():
            p_analyze = gr.Button("Analizar / Analyse")
            p_btn = gr.Button("Preparar / Prepare", variant="primary")
        p_log = gr.Markdown()
        p_outputs = gr.File(label="Ficheros preparados / Prepared files", file_count="multiple",
                            interactive=False)
        p_form = Controls(file=p_file, system=p_system, output=p_output, fixes=p_fixes,
                          fraction=p_fraction, seed=p_seed, question=p_question,
                          answer=p_answer, model=p_model)

        @friendly
        def analyze_fn(**values: Any) -> tuple[str, list[str]]:
            return analyze_view(ctx, **values)

        @friendly
        def prepare_fn(**values: Any) -> tuple[str, list[str]]:
            return prepare_view(ctx, **values)

        p_analyze.click(p_form.bind(analyze_fn), p_form.inputs, [p_log, p_fixes],
                        api_name="ft_analyze")
        p_btn.click(p_form.bind(prepare_fn), p_form.inputs, [p_log, p_outputs],
                    api_name="ft_prepare")

    with gr.Tab("3 · Entrenar / Train", id="ft_train") as train_tab:
        with gr.Row():
            t_train = gr.File(label="Entrenamiento / Training (JSONL)", file_types=[".jsonl"],
                              type="filepath")
            t_valid = gr.File(label="Validación (opcional) / Validation (optional)",
                              file_types=[".jsonl"], type="filepath")
        with gr.Row():
            t_model = gr.Dropdown(tunable, value=tunable[0], allow_custom_value=True,
                                  label="Modelo base / Base model",
                                  info="Los que aún aceptan trabajos, según el catálogo. / "
                                       "Those still accepting jobs, per the catalog.")
            t_suffix = gr.Textbox(label="Sufijo / Suffix", max_length=64,
                                  info="Aparece en el nombre del modelo entrenado. / Appears in "
                                       "the trained model's name.")
            t_seed = gr.Textbox(label="Semilla / Seed", placeholder="42",
                                info="Para repetir el mismo entrenamiento; vacía: al azar. / To "
                                     "repeat the same training; blank: random.")
        with gr.Row():
            t_epochs = gr.Number(0, precision=0, minimum=0, maximum=50,
                                 label="Épocas / Epochs",
                                 info="0: automático (según el tamaño). / 0: auto (by size).")
            t_batch = gr.Number(0, precision=0, minimum=0, maximum=256,
                                label="Tamaño de lote / Batch size",
                                info="0: automático. / 0: auto.")
            t_lr = gr.Number(0, minimum=0, maximum=10,
                             label="Multiplicador de LR / LR multiplier",
                             info="0: automático; más bajo si sobreajusta. / 0: auto; lower if "
                                  "it overfits.")
            t_check = gr.Checkbox(True, label="Validar antes de subir / Validate before upload",
                                  info="Evita pagar por un fichero que OpenAI rechazará. / "
                                       "Avoids paying for a file OpenAI will reject.")
        t_create = gr.Button("Subir y lanzar / Upload and launch", variant="primary")
        t_status = gr.Markdown(render=False)
        with gr.Row():
            t_job = gr.Textbox(label="Trabajo / Job id", placeholder="ftjob-…",
                               info="El trabajo que miran los botones de abajo. / The job the "
                                    "buttons below act on.")
            t_interval = gr.Slider(1, 60, value=10, step=1, label="Consultar cada (s) / Poll "
                                                                  "every (s)",
                                   info="Cada cuánto se pregunta por el estado al seguir. / "
                                        "How often the status is asked while following.")
        with gr.Row():
            t_refresh = gr.Button("Actualizar / Refresh")
            t_follow = gr.Button("Seguir hasta el final / Follow to the end")
            t_cancel = gr.Button("Cancelar / Cancel", variant="stop")
            t_list = gr.Button("Mis trabajos / My jobs")
            t_use = gr.Button("Usar el modelo entrenado / Use the trained model")
        build_local_training(ctx, session, t_train, t_suffix, t_job, t_status)
        t_status.render()
        t_plot = gr.LinePlot(x="step", y="value", color="metric",
                             label="Pérdida y exactitud / Loss and accuracy")
        t_events = gr.Dataframe(headers=EVENT_HEADERS, interactive=False, wrap=True,
                                label="Eventos / Events")
        t_jobs = gr.Dataframe(headers=JOB_HEADERS, interactive=False, wrap=True,
                              label="Trabajos / Jobs")
        t_known = gr.State(("", []))
        job_outputs = [t_status, t_plot, t_events, t_known]

        t_form = Controls(session=session, training=t_train, validation=t_valid, model=t_model,
                          suffix=t_suffix, seed=t_seed, epochs=t_epochs, batch=t_batch, lr=t_lr,
                          check=t_check)

        @friendly
        def create_fn(**values: Any) -> tuple[str, str, Known]:
            job_id, text = create_view(ctx, **values)
            return job_id, text, (job_id, [])

        @friendly
        def status_fn(state: Session, job_id: str, known: Known) -> JobView:
            return status_view(ctx, state, job_id, known)

        @friendly_stream
        def follow_fn(state: Session, job_id: str, interval: float,
                      known: Known) -> Iterator[JobView]:
            yield from follow_view(ctx, state, job_id, interval, known)

        @friendly
        def cancel_fn(state: Session, job_id: str) -> str:
            return cancel_view(ctx, state, job_id)

        @friendly
        def list_fn(state: Session) -> list[list[Any]]:
            return list_view(ctx, state)

        @friendly
        def use_fn(state: Session, job_id: str) -> tuple[Session, str]:
            return use_model_view(ctx, state, job_id)

        t_create.click(t_form.bind(create_fn), t_form.inputs, [t_job, t_status, t_known],
                       api_name="ft_create")
        t_refresh.click(status_fn, [session, t_job, t_known], job_outputs, api_name="ft_status")
        t_follow.click(follow_fn, [session, t_job, t_interval, t_known], job_outputs,
                       api_name="ft_follow")
        t_cancel.click(cancel_fn, [session, t_job], t_status, api_name="ft_cancel")
        t_list.click(list_fn, session, t_jobs, api_name="ft_list")
        def pick_job(evt: gr.SelectData) -> Any:
            return evt.row_value[0] if evt.row_value else gr.skip()

        t_jobs.select(pick_job, None, t_job, api_visibility="private")
        changed.append(t_use.click(use_fn, [session, t_job], [session, t_status],
                                   api_name="ft_use_model"))

    if handoff is not None:
        handoff.targets += [v_file, t_train]
        handoff.tabs.append(train_tab)

    with gr.Tab("4 · Evaluar / Evaluate"):
        with gr.Row():
            e_file = gr.File(label="JSONL de validación o CSV etiquetado / Validation JSONL or "
                                   "labelled CSV", file_types=[".jsonl", ".csv", ".tsv"],
                             type="filepath")
            with gr.Column():
                e_system = gr.Textbox(label="Prompt de sistema / System prompt", lines=2,
                                      info="Para los ejemplos que no traen uno (p. ej. un CSV). "
                                           "/ For examples without one (e.g. a CSV).")
                with gr.Row():
                    e_question, e_answer = _csv_columns("Columna de texto / Text column",
                                                        "Columna esperada / Expected column")
                with gr.Row():
                    e_limit = gr.Slider(1, 200, value=20, step=1,
                                        label="Ejemplos como mucho / At most examples",
                                        info="El modelo embebido tarda unos segundos por "
                                             "respuesta. / The embedded model takes seconds per "
                                             "answer.")
                    e_max = gr.Slider(1, 256, value=16, step=1, label="max_tokens",
                                      info="Respuestas cortas bastan para etiquetas. / Short "
                                           "answers are enough for labels.")
        sides: dict[str, Any] = {}
        with gr.Row():
            for name in ("A", "B"):
                with gr.Column():
                    gr.Markdown(f"**Modelo {name} / Model {name}**" + (
                        " (vacío: no se compara / blank: no comparison)" if name == "B" else ""))
                    backend = gr.Radio(BACKENDS, value="session", label="Backend",
                                       info="El de esta sesión o el embebido, sin clave. / This "
                                            "session's, or the embedded one, keyless.")
                    model = gr.Textbox(label=f"Modelo / Model {name}",
                                       placeholder="ft:gpt-4o-mini:…" if name == "B" else "",
                                       info="Vacío: el modelo de la sesión. / Blank: the "
                                            "session's model.")
                    prompt = gr.Textbox(label="Prompt de sistema propio / Own system prompt",
                                        lines=2, info="Opcional: sustituye al del fichero. / "
                                                      "Optional: replaces the file's.")
                    side = name.lower()
                    sides |= {f"backend_{side}": backend, f"model_{side}": model,
                              f"prompt_{side}": prompt}
        e_btn = gr.Button("Evaluar / Evaluate", variant="primary")
        e_summary = gr.Markdown()
        e_labels = gr.Dataframe(headers=LABEL_HEADERS, interactive=False,
                                label="Por etiqueta / Per label")
        with gr.Row():
            e_conf_a = gr.Dataframe(interactive=False, label="Confusión A / Confusion A")
            e_conf_b = gr.Dataframe(interactive=False, label="Confusión B / Confusion B")
        e_rows = gr.Dataframe(interactive=False, wrap=True,
                              label="Lado a lado, primero donde difieren / Side by side, "
                                    "disagreements first")

        e_form = Controls(session=session, file=e_file, system=e_system, question=e_question,
                          answer=e_answer, limit=e_limit, max_tokens=e_max, **sides)

        @friendly
        def evaluate_fn(progress: gr.Progress = gr.Progress(),  # noqa: B008
                        **values: Any) -> Any:
            return evaluate_view(ctx, **values, progress=lambda f: progress(f))

        changed.append(e_btn.click(
            e_form.bind(evaluate_fn), e_form.inputs,
            [e_summary, e_labels, e_conf_a, e_conf_b, e_rows], api_name="ft_evaluate"))
    return changed
