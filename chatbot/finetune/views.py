"""What the Fine-tuning tab's handlers do: thin functions over `chatbot.finetune`, returning what
the tab's components show (Markdown, tables, DataFrames for the plots). No layout here: it lives
in `ui/finetune.py`; these are tested on their own and through gradio_client."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd

from chatbot.client import JobEvent, JobInfo
from chatbot.context import AppContext, Session
from chatbot.errors import InvalidInput
from chatbot.finetune import evaluate as ev
from chatbot.finetune import jobs, prepare, stats, validate
from chatbot.finetune.formats import CHAT
from chatbot.finetune.on_machine import job as local_job
from chatbot.finetune.on_machine import views as local_views
from chatbot.i18n import say
from chatbot.playground import parse_seed

DEFAULT_MODEL = "gpt-4o-mini"
MAX_FOLLOW_S = 3600.0  # a followed job is left after an hour; "Actualizar" picks it up again


def _path(file: Any) -> Path:
    if not file:
        raise InvalidInput.keyed("finetune.upload_first")
    return Path(file if isinstance(file, str) else file.name)


def _auto_int(value: Any) -> int | None:
    """Numbers where 0 or blank means "automatic" (a browser shows an empty number as 0)."""
    return None if value in (None, "", 0) else int(value)


def _auto_float(value: Any) -> float | None:
    """The same for decimals (the learning-rate multiplier)."""
    return None if value in (None, "", 0) else float(value)


# -- validate and cost ---------------------------------------------------------------------------


def validate_view(ctx: AppContext, lang: str, file: Any, model: str, epochs: Any,
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
                        columns=["tokens", "n"])
    return (validate.summary_markdown(report, lang), validate.problem_rows(report, lang),
            stats.cost_markdown(cost, stats.Distribution.of(report.tokens), lang), bars)


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


def analyze_view(ctx: AppContext, lang: str, file: Any, system: str, output: str, fixes: list[str],
                 fraction: float, seed: Any, question: str, answer: str, model: str
                 ) -> tuple[str, list[str]]:
    """Suggestions in words, and the fixes they propose (pre-ticked for the user to review)."""
    opts = _prepare_options(ctx, system, output, fixes, fraction, seed, question, answer, model)
    analysis = prepare.analyze(_path(file), ctx.catalog, opts)
    suggestions = analysis.suggestions(opts.output)
    lines = [say(lang, "finetune.rows_task", rows=analysis.rows,
                 task=prepare.task_words(analysis.task).said(lang))]
    lines += [f"- {'`' + fix + '` ' if fix else ''}{text.said(lang)}" for fix, text in suggestions]
    if len(lines) == 1:
        lines.append(say(lang, "finetune.nothing_to_suggest"))
    return "\n".join(lines), [fix for fix, _ in suggestions if fix]


def prepare_view(ctx: AppContext, lang: str, file: Any, system: str, output: str, fixes: list[str],
                 fraction: float, seed: Any, question: str, answer: str, model: str
                 ) -> tuple[str, list[str]]:
    opts = _prepare_options(ctx, system, output, fixes, fraction, seed, question, answer, model)
    # Written beside a private copy: the upload's folder is shared by whoever uploads the same file.
    source = ctx.workdirs.copy_in(_path(file))
    result = prepare.prepare(source, ctx.catalog, opts)
    lines = [say(lang, "finetune.written", name=p.name) for p in result.outputs]
    lines.append(say(lang, "finetune.split", train=result.train, validation=result.validation))
    lines += [say(lang, "finetune.dropped", fix=fix, count=n) for fix, n in result.dropped.items()]
    lines += [f"- {note.said(lang)}" for note in result.notes]
    return "\n\n".join(lines), [str(p) for p in result.outputs]


# -- jobs ----------------------------------------------------------------------------------------


Known = tuple[str, list[JobEvent]]  # (job id, its events seen so far): the API pages them
JobView = tuple[str, pd.DataFrame, list[list[Any]], Known]


def _jobs(ctx: AppContext, session: Session, job_id: str) -> Any:
    """Whoever runs `job_id`: this machine (ftjob-local-…) or the session's backend; on a
    public server, only a job this session started."""
    local = local_views.jobs_for(ctx, job_id, session.lang)
    if local is None:
        return jobs.job_client(ctx, session, job_id)
    if ctx.settings.hosted:
        jobs.ensure_owned(job_id, session.jobs)
    return local


def _known(job_id: str, known: Known | None) -> list[JobEvent]:
    return list(known[1]) if known and known[0] == job_id else []


def _job_outputs(job: JobInfo, events: list[JobEvent], lang: str) -> JobView:
    plot = pd.DataFrame(jobs.metric_rows(events, lang), columns=["step", "metric", "value"])
    return jobs.job_markdown(job, lang), plot, jobs.events_table(events), (job.id, events)


def create_view(ctx: AppContext, session: Session, training: Any, validation: Any, model: str,
                suffix: str, seed: Any, epochs: Any, batch: Any, lr: Any, check: bool
                ) -> tuple[str, str]:
    client = jobs.job_client(ctx, session)
    req = jobs.JobRequest(_path(training), (model or "").strip() or DEFAULT_MODEL,
                          _path(validation) if validation else None, (suffix or "").strip() or None,
                          parse_seed(seed), _auto_int(epochs), _auto_int(batch), _auto_float(lr))
    job = jobs.launch(client, req, check=bool(check))
    session.jobs.add(job.id)
    return job.id, jobs.job_markdown(job, session.lang)


def _job_id(job_id: str) -> str:
    job_id = (job_id or "").strip()
    if not job_id:
        raise InvalidInput.keyed("finetune.job_id_missing")
    return job_id


def status_view(ctx: AppContext, session: Session, job_id: str, known: Known | None
                ) -> JobView:
    job_id = _job_id(job_id)
    client = _jobs(ctx, session, job_id)
    job = client.get_job(job_id)
    return _job_outputs(job, jobs.merge_events(_known(job_id, known),
                                               client.job_events(job_id)), session.lang)


def follow_view(ctx: AppContext, session: Session, job_id: str, interval: float,
                known: Known | None) -> Iterator[JobView]:
    job_id = _job_id(job_id)
    client = _jobs(ctx, session, job_id)
    deadline = time.monotonic() + MAX_FOLLOW_S
    for job, events in jobs.follow(client, job_id, interval=max(1.0, interval or 10),
                                   known=_known(job_id, known)):
        yield _job_outputs(job, events, session.lang)
        if time.monotonic() > deadline:
            return


def cancel_view(ctx: AppContext, session: Session, job_id: str) -> str:
    job_id = _job_id(job_id)
    return jobs.job_markdown(_jobs(ctx, session, job_id).cancel_job(job_id), session.lang)


def list_view(ctx: AppContext, session: Session) -> list[list[Any]]:
    """This machine's jobs and the backend's (when it can train), newest first whatever ran
    them, so the job just launched heads the list."""
    found = local_job.LocalJobs(ctx.settings.cache_dir, session.lang).list_jobs()
    if ctx.backend_kind(session) != "local":
        found += jobs.job_client(ctx, session).list_jobs()
    if ctx.settings.hosted:
        found = [j for j in found if j.id in session.jobs]
    return jobs.jobs_table(sorted(found, key=lambda j: j.created_at, reverse=True), session.lang)


def use_model_view(ctx: AppContext, session: Session, job_id: str) -> tuple[Session, str]:
    """The trained model becomes this session's model: Chat, Playground and Sentiment use it."""
    job_id = _job_id(job_id)
    job = _jobs(ctx, session, job_id).get_job(job_id)
    if not job.fine_tuned_model:
        raise InvalidInput.keyed("finetune.no_model_yet", status=job.status)
    backend = "local" if local_views.jobs_for(ctx, job_id, session.lang) else session.backend
    return (replace(session, model=job.fine_tuned_model, backend=backend),
            say(session.lang, "finetune.now_using", model=job.fine_tuned_model))


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
    lang = session.lang
    result = ev.evaluate(examples, contenders, lang=lang, max_tokens=_auto_int(max_tokens) or 16,
                         on_progress=(lambda d, t: progress(d / t)) if progress else None)
    text = ev.summary_markdown(result, lang)
    if skipped:
        text += "\n\n" + say(lang, "finetune.rows_skipped", count=len(skipped),
                              line=skipped[0][0], why=skipped[0][1].said(lang))
    matrices = []
    for i in range(2):
        headers, rows = ev.confusion_rows(result, i, lang)
        matrices.append(pd.DataFrame(rows, columns=headers) if rows else pd.DataFrame())
    side = pd.DataFrame(result.side_by_side(), columns=[
        *(say(lang, f"finetune.{name}") for name in ("line", "input", "expected")),
        *[f"{c.name}: {c.model}" for c in contenders]])
    return text, ev.per_label_rows(result), matrices[0], matrices[1], side
