"""Fine-tuning tab: validate and cost a file, prepare data, launch and watch a job, evaluate.

Layout only; every handler is a thin module-level function over `chatbot.finetune`, tested on
its own and through gradio_client (api_names ft_validate, ft_prepare, ft_evaluate, ft_*).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import gradio as gr
import pandas as pd
from gradio.events import Dependency

from chatbot.client import JobEvent, JobInfo
from chatbot.context import AppContext, Session
from chatbot.errors import InvalidInput
from chatbot.finetune import evaluate as ev
from chatbot.finetune import jobs, prepare, stats, validate
from chatbot.finetune.formats import CHAT, LEGACY
from chatbot.finetune.local import job as local_job
from chatbot.finetune.local import views as local_views
from chatbot.playground import parse_seed
from chatbot.ui.binding import Controls
from chatbot.ui.common import friendly, friendly_stream
from chatbot.ui.finetune_local import build_local_training

DEFAULT_MODEL = "gpt-4o-mini"
MAX_FOLLOW_S = 3600.0  # a followed job is left after an hour; "Actualizar" picks it up again
PROBLEM_HEADERS = ["línea / line", "tipo / severity", "código / code", "problema / problem",
                   "cómo arreglarlo / how to fix"]
JOB_HEADERS = ["id", "estado / status", "modelo / model", "modelo entrenado / trained model",
               "creado / created"]
EVENT_HEADERS = ["cuándo / when", "nivel / level", "mensaje / message"]
LABEL_HEADERS = ["modelo / model", "etiqueta / label", "precisión / precision",
                 "exhaustividad / recall", "F1", "ejemplos / support"]
BACKENDS = [("Backend de esta sesión / This session's backend", "session"),
            ("Modelo embebido / Embedded model", "local")]


def _path(file: Any) -> Path:
    if not file:
        raise InvalidInput("Sube un fichero primero. / Upload a file first.")
    return Path(file if isinstance(file, str) else file.name)


def _auto_int(value: Any) -> int | None:
    """Numbers where 0 or blank means "automatic" (a browser shows an empty number as 0)."""
    return None if value in (None, "", 0) else int(value)


def _auto_float(value: Any) -> float | None:
    """The same for decimals (the learning-rate multiplier)."""
    return None if value in (None, "", 0) else float(value)


# -- validate and cost ---------------------------------------------------------------------------


def validate_view(ctx: AppContext, file: Any, model: str, epochs: Any,
                  progress: Callable[[float], None] | None = None
                  ) -> tuple[str, list[list[Any]], str, pd.DataFrame]:
    path = _path(file)
    size = path.stat().st_size if path.is_file() else 0
    model = (model or "").strip() or DEFAULT_MODEL
    report = validate.validate_file(
        path, ctx.catalog, model, max_line=ctx.settings.max_line_kb * 1024,
        progress=(lambda done: progress(done / size)) if progress and size else None)
    cost = stats.training_cost(ctx.catalog, model, report.tokens, limit=report.limit,
                               n_epochs=_auto_int(epochs))
    bars = pd.DataFrame(stats.histogram(report.tokens),
                        columns=["tokens por ejemplo / tokens per example", "ejemplos / examples"])
    return (validate.summary_markdown(report), validate.problem_rows(report),
            stats.cost_markdown(cost, stats.Distribution.of(report.tokens)), bars)


# -- prepare -------------------------------------------------------------------------------------


def _prepare_options(ctx: AppContext, system: str, output: str, fixes: list[str],
                     fraction: float, seed: Any, question: str, answer: str, model: str
                     ) -> prepare.PrepareOptions:
    return prepare.PrepareOptions(
        system_prompt=system or "", output=output or CHAT, fixes=frozenset(fixes or ()),
        validation_fraction=float(fraction or 0), seed=parse_seed(seed) or 0,
        question_column=(question or "").strip() or None,
        answer_column=(answer or "").strip() or None,
        model=(model or "").strip() or DEFAULT_MODEL, max_line=ctx.settings.max_line_kb * 1024)


def analyze_view(ctx: AppContext, file: Any, system: str, output: str, fixes: list[str],
                 fraction: float, seed: Any, question: str, answer: str, model: str
                 ) -> tuple[str, list[str]]:
    """Suggestions in words, and the fixes they propose (pre-ticked for the user to review)."""
    opts = _prepare_options(ctx, system, output, fixes, fraction, seed, question, answer, model)
    analysis = prepare.analyze(_path(file), ctx.catalog, opts)
    suggestions = analysis.suggestions(opts.output)
    lines = [f"**{analysis.rows}** filas / rows · tarea / task: **{analysis.task}**"]
    lines += [f"- {'`' + fix + '` ' if fix else ''}{text}" for fix, text in suggestions]
    if len(lines) == 1:
        lines.append("- Nada que sugerir. / Nothing to suggest.")
    return "\n".join(lines), [fix for fix, _ in suggestions if fix]


def prepare_view(ctx: AppContext, file: Any, system: str, output: str, fixes: list[str],
                 fraction: float, seed: Any, question: str, answer: str, model: str
                 ) -> tuple[str, list[str]]:
    opts = _prepare_options(ctx, system, output, fixes, fraction, seed, question, answer, model)
    # Written beside a private copy: the upload's folder is shared by whoever uploads the same file.
    source = ctx.workdirs.copy_in(_path(file))
    result = prepare.prepare(source, ctx.catalog, opts)
    lines = [f"Escrito / written: `{p.name}`" for p in result.outputs]
    lines.append(f"Entrenamiento / training: **{result.train}** · validación / validation: "
                 f"**{result.validation}**")
    lines += [f"Quitados / dropped ({fix}): {n}" for fix, n in result.dropped.items()]
    lines += [f"- {note}" for note in result.notes]
    return "\n\n".join(lines), [str(p) for p in result.outputs]


# -- jobs ----------------------------------------------------------------------------------------


Known = tuple[str, list[JobEvent]]  # (job id, its events seen so far): the API pages them
JobView = tuple[str, pd.DataFrame, list[list[Any]], Known]


def _jobs(ctx: AppContext, session: Session, job_id: str) -> Any:
    """Whoever runs `job_id`: this machine (ftjob-local-…) or the session's backend; on a
    public server, only a job this session started."""
    local = local_views.jobs_for(ctx, job_id)
    if local is None:
        return jobs.job_client(ctx, session, job_id)
    if ctx.settings.hosted:
        jobs.ensure_owned(job_id, session.jobs)
    return local


def _known(job_id: str, known: Known | None) -> list[JobEvent]:
    return list(known[1]) if known and known[0] == job_id else []


def _job_outputs(job: JobInfo, events: list[JobEvent]) -> JobView:
    plot = pd.DataFrame(jobs.metric_rows(events), columns=["step", "metric", "value"])
    return jobs.job_markdown(job), plot, jobs.events_table(events), (job.id, events)


def create_view(ctx: AppContext, session: Session, training: Any, validation: Any, model: str,
                suffix: str, seed: Any, epochs: Any, batch: Any, lr: Any, check: bool
                ) -> tuple[str, str]:
    client = jobs.job_client(ctx, session)
    req = jobs.JobRequest(_path(training), (model or "").strip() or DEFAULT_MODEL,
                          _path(validation) if validation else None, (suffix or "").strip() or None,
                          parse_seed(seed), _auto_int(epochs), _auto_int(batch), _auto_float(lr))
    job = jobs.launch(client, req, check=bool(check))
    session.jobs.add(job.id)
    return job.id, jobs.job_markdown(job)


def _job_id(job_id: str) -> str:
    job_id = (job_id or "").strip()
    if not job_id:
        raise InvalidInput("Escribe o elige el id del trabajo (ftjob-…). / Type or pick the job "
                           "id (ftjob-…).")
    return job_id


def status_view(ctx: AppContext, session: Session, job_id: str, known: Known | None
                ) -> JobView:
    job_id = _job_id(job_id)
    client = _jobs(ctx, session, job_id)
    job = client.get_job(job_id)
    return _job_outputs(job, jobs.merge_events(_known(job_id, known),
                                               client.job_events(job_id)))


def follow_view(ctx: AppContext, session: Session, job_id: str, interval: float,
                known: Known | None) -> Iterator[JobView]:
    job_id = _job_id(job_id)
    client = _jobs(ctx, session, job_id)
    deadline = time.monotonic() + MAX_FOLLOW_S
    for job, events in jobs.follow(client, job_id, interval=max(1.0, interval or 10),
                                   known=_known(job_id, known)):
        yield _job_outputs(job, events)
        if time.monotonic() > deadline:
            return


def cancel_view(ctx: AppContext, session: Session, job_id: str) -> str:
    job_id = _job_id(job_id)
    return jobs.job_markdown(_jobs(ctx, session, job_id).cancel_job(job_id))


def list_view(ctx: AppContext, session: Session) -> list[list[Any]]:
    """This machine's jobs, then the backend's (when it can train)."""
    found = local_job.LocalJobs(ctx.settings.cache_dir).list_jobs()
    if ctx.backend_kind(session) != "local":
        found += jobs.job_client(ctx, session).list_jobs()
    if ctx.settings.hosted:
        found = [j for j in found if j.id in session.jobs]
    return jobs.jobs_table(found)


def use_model_view(ctx: AppContext, session: Session, job_id: str) -> tuple[Session, str]:
    """The trained model becomes this session's model: Chat, Playground and Sentiment use it."""
    job_id = _job_id(job_id)
    job = _jobs(ctx, session, job_id).get_job(job_id)
    if not job.fine_tuned_model:
        raise InvalidInput(f"El trabajo está «{job.status}»: aún no hay modelo. / The job is "
                           f"'{job.status}': there is no model yet.")
    backend = "local" if local_views.jobs_for(ctx, job_id) else session.backend
    return (replace(session, model=job.fine_tuned_model, backend=backend),
            f"✅ Ahora usas / now using `{job.fine_tuned_model}` en Chat, Playground y "
            "Sentimiento / in Chat, Playground and Sentiment.")


# -- evaluate ------------------------------------------------------------------------------------


def evaluate_view(ctx: AppContext, session: Session, file: Any, system: str, question: str,
                  answer: str, limit: Any, max_tokens: Any, backend_a: str, model_a: str,
                  prompt_a: str, backend_b: str, model_b: str, prompt_b: str,
                  progress: Callable[[float], None] | None = None
                  ) -> tuple[str, list[list[Any]], pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    examples, skipped = ev.load_examples(
        _path(file), system_prompt=system or "", question_column=(question or "").strip() or None,
        answer_column=(answer or "").strip() or None, limit=_auto_int(limit) or 20,
        max_line=ctx.settings.max_line_kb * 1024)
    contenders = [ev.contender(ctx, session, "A", backend_a, model_a, prompt_a)]
    if (model_b or "").strip() or (prompt_b or "").strip() or backend_b == "local":
        contenders.append(ev.contender(ctx, session, "B", backend_b, model_b, prompt_b))
    result = ev.evaluate(examples, contenders, max_tokens=_auto_int(max_tokens) or 16,
                         on_progress=(lambda d, t: progress(d / t)) if progress else None)
    text = ev.summary_markdown(result)
    if skipped:
        text += f"\n\n{len(skipped)} filas omitidas / rows skipped (p. ej. / e.g. línea / line " \
                f"{skipped[0][0]}: {skipped[0][1]})"
    matrices = []
    for i in range(2):
        headers, rows = ev.confusion_rows(result, i)
        matrices.append(pd.DataFrame(rows, columns=headers) if rows else pd.DataFrame())
    side = pd.DataFrame(result.side_by_side(), columns=[
        "línea / line", "entrada / input", "esperado / expected",
        *[f"{c.name}: {c.model}" for c in contenders]])
    return text, ev.per_label_rows(result), matrices[0], matrices[1], side


# -- layout --------------------------------------------------------------------------------------


def _model_choices(ctx: AppContext) -> list[str]:
    tunable = stats.fine_tunable_models(ctx.catalog)
    return tunable + [n for n in ctx.catalog.names() if n not in tunable]


def _csv_columns(question: str, answer: str) -> tuple[gr.Textbox, gr.Textbox]:
    hint = "Solo CSV; vacío: se reconoce por el nombre. / CSV only; blank: recognised by name."
    return gr.Textbox(label=question, info=hint), gr.Textbox(label=answer, info=hint)


def build_finetune_tab(ctx: AppContext, session: gr.State) -> list[Dependency]:
    """Returns the events that spend or change the session, so the app refreshes its status."""
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

    with gr.Tab("3 · Entrenar / Train"):
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
