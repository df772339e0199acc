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
from chatbot.finetune import prepare, stats
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
from chatbot.ui.common import friendly, friendly_stream, show_result
from chatbot.ui.conversations import ChatLinks
from chatbot.ui.finetune_on_machine import build_local_training
from chatbot.ui.i18n import T, follow_language, titled

PROBLEM_HEADERS = ("finetune.line", "finetune.severity", "finetune.code", "finetune.problem",
                   "finetune.how_to_fix")
JOB_HEADERS = ("finetune.id", "finetune.status", "finetune.model", "finetune.trained_model",
               "finetune.created")
EVENT_HEADERS = ("finetune.when", "finetune.level", "finetune.message")
LABEL_HEADERS = ("finetune.model", "finetune.label", "finetune.precision", "finetune.recall",
                 "finetune.f1", "finetune.support")
BACKENDS = [(T("finetune.this_session_s_backend"), "session"),
            (T("finetune.embedded_model"), "local")]



# -- layout --------------------------------------------------------------------------------------


def _model_choices(ctx: AppContext) -> list[str]:
    tunable = stats.fine_tunable_models(ctx.catalog)
    return tunable + [n for n in ctx.catalog.names() if n not in tunable]


def _csv_columns(question: Any, answer: Any) -> tuple[gr.Textbox, gr.Textbox]:
    hint = T("finetune.csv_only_blank_recognised")
    return gr.Textbox(label=question, info=hint), gr.Textbox(label=answer, info=hint)


def build_finetune_tab(ctx: AppContext, session: gr.State,
                       handoff: ChatLinks | None = None) -> list[Dependency]:
    """Returns the events that spend or change the session, so the app refreshes its status.
    `handoff` learns where the Chat tab's training file goes (Validate and Train)."""
    gr.Markdown(T("finetune.wind_down") + " " + ", ".join(
        f"`{m}`" for m in stats.fine_tunable_models(ctx.catalog)) + f" ({ctx.catalog.as_of}).")
    tunable = stats.fine_tunable_models(ctx.catalog) or [DEFAULT_MODEL]
    changed: list[Dependency] = []

    with gr.Tabs(overflow_behavior="wrap"):  # every step in sight on a phone
        with gr.Tab(T("finetune.validate_cost")):
            with gr.Row():
                v_file = gr.File(label=T("finetune.jsonl_file"), file_types=[".jsonl", ".json"],
                                 type="filepath")
                with gr.Column():
                    v_model = gr.Dropdown(_model_choices(ctx), value=tunable[0],
                                          allow_custom_value=True, label=T("finetune.model_2"),
                                          info=T("finetune.its_tokenizer_per_example"))
                    v_epochs = gr.Number(0, precision=0, minimum=0, maximum=50,
                                         label=T("finetune.epochs"),
                                         info=T("finetune.0_openai_s_default"))
                    v_btn = gr.Button(T("finetune.validate"), variant="primary")
            v_summary = gr.Markdown(elem_id="ft-summary")
            # Widths in pixels, not shares: a phone scrolls the table instead of squeezing
            # "line" into a letter per row.
            v_problems = gr.Dataframe(headers=titled(PROBLEM_HEADERS), interactive=False, wrap=True,
                                      column_widths=["70px", "90px", "150px", "420px", "420px"],
                                      label=T("finetune.problems_by_line"), elem_id="ft-problems")
            v_cost = gr.Markdown()
            # Axis fields are the same in both languages; the label says what they count.
            v_hist = gr.BarPlot(x="tokens", y="n", label=T("finetune.tokens_per_example_2"),
                                sort=None, y_lim=[0, None])

            @friendly
            def validate_fn(state: Session, file: Any, model: str, epochs: Any,
                            progress: gr.Progress = gr.Progress()) -> Any:  # noqa: B008
                return validate_view(ctx, state.lang, file, model, epochs, lambda f: progress(f))

            v_btn.click(validate_fn, [session, v_file, v_model, v_epochs],
                        [v_summary, v_problems, v_cost, v_hist], api_name="ft_validate")
            show_result(v_btn.click, "ft-summary")

        with gr.Tab(T("finetune.tab_prepare")):
            with gr.Row():
                p_file = gr.File(label=T("finetune.csv_or_jsonl"),
                                 file_types=[".csv", ".tsv", ".jsonl", ".json"], type="filepath")
                with gr.Column():
                    p_system = gr.Textbox(label=T("finetune.system_prompt"), lines=2,
                                          info=T("finetune.added_to_every_example"))
                    p_output = gr.Radio([(T("finetune.current_models"), CHAT),
                                         (T("finetune.legacy"), LEGACY)],
                                        value=CHAT, label=T("finetune.output_format"),
                                        info=T("finetune.chat_for_gpt_4o"))
            with gr.Row():
                p_question, p_answer = _csv_columns(T("finetune.question_column"),
                                                    T("finetune.answer_column"))
                p_fraction = gr.Slider(0, 0.5, value=0.0, step=0.05,
                                       label=T("finetune.validation_fraction"),
                                       info=T("finetune.share_of_examples_kept"))
                p_seed = gr.Number(42, precision=0, label=T("finetune.seed"),
                                   info=T("finetune.the_same_seed_gives"))
                p_model = gr.Dropdown(_model_choices(ctx), value=tunable[0], allow_custom_value=True,
                                      label=T("finetune.model_token_limit"),
                                      info=T("finetune.to_spot_examples_that"))
            p_fixes = gr.CheckboxGroup([(T(f"finetune.fix_{name}"), name) for name in prepare.FIXES],
                                       label=T("finetune.fixes_to_apply"),
                                       info=T("finetune.nothing_changes_unless_ticked"))
            with gr.Row():
                p_analyze = gr.Button(T("finetune.analyse"))
                p_btn = gr.Button(T("finetune.prepare"), variant="primary")
            p_log = gr.Markdown()
            p_outputs = gr.File(label=T("finetune.prepared_files"), file_count="multiple",
                                interactive=False)
            p_form = Controls(session=session, file=p_file, system=p_system, output=p_output,
                              fixes=p_fixes, fraction=p_fraction, seed=p_seed, question=p_question,
                              answer=p_answer, model=p_model)

            @friendly
            def analyze_fn(session: Session, **values: Any) -> tuple[str, list[str]]:
                return analyze_view(ctx, session.lang, **values)

            @friendly
            def prepare_fn(session: Session, **values: Any) -> tuple[str, list[str]]:
                return prepare_view(ctx, session.lang, **values)

            p_analyze.click(p_form.bind(analyze_fn), p_form.inputs, [p_log, p_fixes],
                            api_name="ft_analyze")
            p_btn.click(p_form.bind(prepare_fn), p_form.inputs, [p_log, p_outputs],
                        api_name="ft_prepare")

        with gr.Tab(T("finetune.train"), id="ft_train") as train_tab:
            # Without a key, training on this machine is what works: it comes first, open.
            keyless = ctx.backend_kind(ctx.new_session()) == "local"
            with gr.Row():
                t_train = gr.File(label=T("finetune.training_jsonl"), file_types=[".jsonl"],
                                  type="filepath")
                t_valid = gr.File(label=T("finetune.validation_optional"),
                                  file_types=[".jsonl"], type="filepath")
            t_suffix = gr.Textbox(label=T("finetune.suffix"), max_length=64,
                                  info=T("finetune.appears_in_the_trained"), render=False)
            t_job = gr.Textbox(label=T("finetune.job_id"), placeholder="ftjob-…",
                               info=T("finetune.the_job_the_buttons"), render=False)
            t_status = gr.Markdown(render=False)
            if keyless:
                build_local_training(ctx, session, t_train, t_suffix, t_job, t_status, is_open=True)
            with gr.Accordion(T("finetune.openai_upload"), open=not keyless):
                with gr.Row():
                    t_model = gr.Dropdown(tunable, value=tunable[0], allow_custom_value=True,
                                          label=T("finetune.base_model"),
                                          info=T("finetune.those_still_accepting_jobs"))
                    t_suffix.render()
                    t_seed = gr.Textbox(label=T("finetune.seed"), placeholder="42",
                                        info=T("finetune.to_repeat_the_same"))
                with gr.Row():
                    t_epochs = gr.Number(0, precision=0, minimum=0, maximum=50,
                                         label=T("finetune.epochs"),
                                         info=T("finetune.0_auto_by_size"))
                    t_batch = gr.Number(0, precision=0, minimum=0, maximum=256,
                                        label=T("finetune.batch_size"),
                                        info=T("finetune.0_auto"))
                    t_lr = gr.Number(0, minimum=0, maximum=10,
                                     label=T("finetune.lr_multiplier"),
                                     info=T("finetune.0_auto_lower_if"))
                    t_check = gr.Checkbox(True, label=T("finetune.validate_before_upload"),
                                          info=T("finetune.avoids_paying_for_a"))
                t_create = gr.Button(T("finetune.upload_and_launch"), variant="primary")
            if not keyless:
                build_local_training(ctx, session, t_train, t_suffix, t_job, t_status, is_open=False)
            with gr.Row():
                t_job.render()
                t_interval = gr.Slider(1, 60, value=10, step=1, label=T("finetune.poll_every_s"),
                                       info=T("finetune.how_often_the_status"))
            with gr.Row():
                t_refresh = gr.Button(T("finetune.refresh"))
                t_follow = gr.Button(T("finetune.follow_to_the_end"))
                t_cancel = gr.Button(T("finetune.cancel"), variant="stop")
                t_list = gr.Button(T("finetune.my_jobs"))
                t_use = gr.Button(T("finetune.use_the_trained_model"))
            t_status.render()
            t_plot = gr.LinePlot(x="step", y="value", color="metric",
                                 label=T("finetune.loss_and_accuracy"))
            t_events = gr.Dataframe(headers=titled(EVENT_HEADERS), interactive=False, wrap=True,
                                    label=T("finetune.events"))
            t_jobs = gr.Dataframe(headers=titled(JOB_HEADERS), interactive=False, wrap=True,
                                  label=T("finetune.jobs"))
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

        with gr.Tab(T("finetune.tab_evaluate")):
            with gr.Row():
                e_file = gr.File(label=T("finetune.validation_jsonl_or_labelled"),
                                 file_types=[".jsonl", ".csv", ".tsv"], type="filepath")
                with gr.Column():
                    e_system = gr.Textbox(label=T("finetune.system_prompt"), lines=2,
                                          info=T("finetune.for_examples_without_one"))
                    with gr.Row():
                        e_question, e_answer = _csv_columns(T("finetune.text_column"),
                                                            T("finetune.expected_column"))
                    with gr.Row():
                        e_limit = gr.Slider(1, 200, value=20, step=1,
                                            label=T("finetune.at_most_examples"),
                                            info=T("finetune.the_embedded_model_takes"))
                        e_max = gr.Slider(1, 256, value=16, step=1, label="max_tokens",
                                          info=T("finetune.short_answers_are_enough"))
            sides: dict[str, Any] = {}
            with gr.Row():
                for name in ("A", "B"):
                    with gr.Column():
                        gr.Markdown(T(f"finetune.model_{name.lower()}_title"))
                        backend = gr.Radio(BACKENDS, value="session", label="Backend",
                                           info=T("finetune.this_session_s_or"))
                        model = gr.Textbox(label=T("finetune.model_2") + f" {name}",
                                           placeholder="ft:gpt-4o-mini:…" if name == "B" else "",
                                           info=T("finetune.blank_the_session_s"))
                        prompt = gr.Textbox(label=T("finetune.own_system_prompt"),
                                            lines=2, info=T("finetune.optional_replaces_the_file"))
                        side = name.lower()
                        sides |= {f"backend_{side}": backend, f"model_{side}": model,
                                  f"prompt_{side}": prompt}
            e_btn = gr.Button(T("finetune.evaluate"), variant="primary")
            e_summary = gr.Markdown()
            e_labels = gr.Dataframe(headers=titled(LABEL_HEADERS), interactive=False,
                                    label=T("finetune.per_label"))
            with gr.Row():
                e_conf_a = gr.Dataframe(interactive=False, label=T("finetune.confusion_a"))
                e_conf_b = gr.Dataframe(interactive=False, label=T("finetune.confusion_b"))
            e_rows = gr.Dataframe(interactive=False, wrap=True,
                                  label=T("finetune.side_by_side_disagreements"))

            e_form = Controls(session=session, file=e_file, system=e_system, question=e_question,
                              answer=e_answer, limit=e_limit, max_tokens=e_max, **sides)

            @friendly
            def evaluate_fn(progress: gr.Progress = gr.Progress(),  # noqa: B008
                            **values: Any) -> Any:
                return evaluate_view(ctx, **values, progress=lambda f: progress(f))

            changed.append(e_btn.click(
                e_form.bind(evaluate_fn), e_form.inputs,
                [e_summary, e_labels, e_conf_a, e_conf_b, e_rows], api_name="ft_evaluate"))
    follow_language(session, {v_problems: PROBLEM_HEADERS, t_events: EVENT_HEADERS,
                              t_jobs: JOB_HEADERS, e_labels: LABEL_HEADERS})
    return changed
