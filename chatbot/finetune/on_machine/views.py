"""What the Fine-tuning tab shows for training on this machine (no Gradio here)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from chatbot.context import AppContext, Session
from chatbot.engine import tuned_store
from chatbot.errors import InvalidInput
from chatbot.finetune import jobs
from chatbot.finetune.on_machine import job


def settings_from(epochs: Any, learning_rate: Any, ctx_tokens: Any, optimizer: Any,
                  suffix: Any) -> job.Settings:
    try:
        return job.Settings(epochs=int(epochs or job.Settings.epochs),
                            learning_rate=float(learning_rate or job.Settings.learning_rate),
                            ctx=int(ctx_tokens or job.Settings.ctx),
                            optimizer=str(optimizer or "adamw"), suffix=(suffix or "").strip())
    except (TypeError, ValueError) as exc:
        raise InvalidInput.keyed("finetune_local.not_a_number", detail=str(exc)) from exc


def _training_file(file: Any) -> Path:
    if not file:
        raise InvalidInput.keyed("finetune_local.upload_training")
    return Path(file if isinstance(file, str) else file.name)


def plan_view(ctx: AppContext, lang: str, file: Any, **settings: Any) -> str:
    """The estimate shown before anything starts: tokens, minutes, memory, disk."""
    wanted = settings_from(**settings)
    job.refuse_impossible(wanted)
    base, _ = job.base_model(ctx.settings)
    return job.plan(ctx.settings.cache_dir, base, _training_file(file), wanted).markdown(lang)


def create_view(ctx: AppContext, session: Session, file: Any, **settings: Any
                ) -> tuple[str, str]:
    """Start training here; returns the job id and its first status line. The session owns
    the job (on a public server, only it may follow or cancel it)."""
    job.ensure_enabled(ctx.settings.local_training)
    base, base_name = job.base_model(ctx.settings)
    info = job.start(ctx.settings.cache_dir, base, base_name, _training_file(file),
                     settings_from(**settings), ctx.catalog, lang=session.lang)
    session.jobs.add(info.id)
    return info.id, jobs.job_markdown(info, session.lang)


def jobs_for(ctx: AppContext, job_id: str, lang: str) -> job.LocalJobs | None:
    """The local jobs' API, speaking `lang`, when `job_id` is one of them."""
    if not job_id.startswith(tuned_store.JOB_PREFIX):
        return None
    return job.LocalJobs(ctx.settings.cache_dir, lang)
