"""`python -m chatbot finetune create --backend local …`, and status / cancel of local jobs.

Training runs in a worker process; `create` follows it in the foreground (Ctrl-C cancels it)
unless `--detach` is given, then `status ftjob-local-…` follows it from anywhere.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Iterable

from chatbot.client import JobEvent, JobInfo
from chatbot.engine import tuned_store
from chatbot.finetune import jobs
from chatbot.finetune.on_machine import job as local_job
from chatbot.i18n import cli_lang, say
from chatbot.models.catalog import Catalog
from chatbot.settings import Settings

Show = Callable[[JobInfo, Iterable[JobEvent]], None]


def add_arguments(p: argparse.ArgumentParser, lang: str) -> None:
    """The local backend's own settings on `finetune create`."""
    p.add_argument("--backend", choices=("openai", "local"), default="openai",
                   help=say(lang, "finetune_local.cli_backend"))
    p.add_argument("--lr", type=float, default=local_job.Settings.learning_rate,
                   help=say(lang, "finetune_local.cli_lr"))
    p.add_argument("--ctx", type=int, default=local_job.Settings.ctx,
                   help=say(lang, "finetune_local.cli_ctx"))
    p.add_argument("--optimizer", choices=("adamw", "sgd"), default="adamw",
                   help=say(lang, "finetune_local.cli_optimizer"))
    p.add_argument("--threads", type=int, default=0, help=say(lang, "finetune_local.cli_threads"))
    p.add_argument("--detach", action="store_true", help=say(lang, "finetune_local.cli_detach"))


def create(args: argparse.Namespace, show: Show) -> int:
    settings, lang = Settings.from_env(), cli_lang()
    local_job.ensure_enabled(settings.local_training)
    base, base_name = local_job.base_model(settings)
    wanted = local_job.Settings(
        epochs=args.epochs or local_job.Settings.epochs, learning_rate=args.lr, ctx=args.ctx,
        optimizer=args.optimizer, suffix=args.suffix or "", threads=args.threads,
        seed=args.seed if args.seed is not None else 1)
    job = local_job.start(settings.cache_dir, base, base_name, args.file, wanted,
                          Catalog.load(settings.prices), lang=lang)
    if args.detach:
        show(job, local_job.job_events(settings.cache_dir, job.id, lang=lang))
        return 0
    print(f"{job.id} → {tuned_store.model_name(base_name, wanted.suffix, job.id)}", flush=True)
    return follow(local_job.LocalJobs(settings.cache_dir, lang), job.id, show, interval=2.0)


def follow(local: local_job.LocalJobs, job_id: str, show: Show, *, interval: float) -> int:
    """Print each new event until the job ends; Ctrl-C cancels it. Exit 1 unless it succeeded."""
    seen = 0
    try:
        while True:
            job = local.get_job(job_id)
            events = local.job_events(job_id)
            for event in events[seen:]:
                print(f"  {event.message}", flush=True)
            seen = len(events)
            if job.status in jobs.TERMINAL:
                break
            time.sleep(interval)
    except KeyboardInterrupt:
        job = local.cancel_job(job_id)
    show(job, [])
    return 0 if job.status == "succeeded" else 1


def is_local(job_id: str | None) -> bool:
    return bool(job_id) and str(job_id).startswith(tuned_store.JOB_PREFIX)


def status(job_id: str | None, do_follow: bool, show: Show) -> int:
    lang = cli_lang()
    local = local_job.LocalJobs(Settings.from_env().cache_dir, lang)
    if job_id is None:
        for row in jobs.jobs_table(local.list_jobs(), lang):
            print(" · ".join(cell for cell in row if cell))
        return 0
    if do_follow:
        return follow(local, job_id, show, interval=2.0)
    show(local.get_job(job_id), local.job_events(job_id))
    return 0


def cancel(job_id: str, show: Show) -> int:
    show(local_job.LocalJobs(Settings.from_env().cache_dir, cli_lang()).cancel_job(job_id), [])
    return 0
