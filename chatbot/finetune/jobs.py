"""Launch and watch fine-tuning jobs through the client module, and read their metrics.

Only OpenAI (or a server that speaks its fine-tuning API) trains models: the embedded llama.cpp
backend cannot, and says so before anything is uploaded.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chatbot.client import JobEvent, JobInfo, LLMClient
from chatbot.errors import BudgetExceeded, InvalidInput, ResourceNotFound
from chatbot.finetune import files
from chatbot.finetune.stats import fine_tunable_models, training_cost
from chatbot.finetune.validate import Report, validate_file
from chatbot.finetune.words import Refusal
from chatbot.i18n import Msg, say
from chatbot.models.catalog import Catalog

if TYPE_CHECKING:
    from chatbot.context import AppContext, Session

TERMINAL = ("succeeded", "failed", "cancelled")
STATUSES = ("validating_files", "queued", "running", "succeeded", "failed", "cancelled")
# OpenAI's metric names in event data; the plot's legend calls them finetune.metric_<name>
METRICS = ("train_loss", "valid_loss", "train_mean_token_accuracy", "valid_mean_token_accuracy")
MAX_SUFFIX = 64


def job_client(ctx: AppContext, session: Session, job_id: str | None = None) -> LLMClient:
    """A client for job calls, refused before the embedded model is started (it cannot train).

    On a public server: only with the visitor's own key, and only on jobs this session created.
    """
    ensure_can_train(ctx.backend_kind(session))
    if ctx.settings.hosted:
        ensure_own_key(ctx.host_pays(session))
        if job_id is not None:
            ensure_owned(job_id, session.jobs)
    return ctx.client_for(session)


def status_text(status: str, lang: str) -> str:
    """A job's status in words, with its icon (an unknown one as the API says it)."""
    return say(lang, f"finetune.status_{status}") if status in STATUSES else status


def ensure_can_train(backend_kind: str) -> None:
    if backend_kind == "local":
        raise InvalidInput.keyed("finetune.embedded_has_no_jobs", "finetune.embedded_has_no_jobs_hint")


def ensure_own_key(host_pays: bool) -> None:
    """On a public server the host's key trains nothing: its jobs and money are the host's."""
    if host_pays:
        raise InvalidInput.keyed("finetune.needs_own_key", "finetune.needs_own_key_hint")


def ensure_owned(job_id: str, owned: Collection[str]) -> None:
    """A session acts only on the jobs it created, even when others share the key."""
    if job_id not in owned:
        raise ResourceNotFound.keyed("finetune.not_your_job", "finetune.not_your_job_hint",
                                     job_id=job_id)


def charge_training(client: LLMClient, req: JobRequest, report: Report | None) -> None:
    """Training is paid up front: its estimate counts against the caps before the job exists."""
    if client.meter is None or not client.meter.caps:
        return
    model = req.model
    report = report or validate_file(req.training_file, client.catalog, model)
    cost = training_cost(client.catalog, model, report.tokens, limit=report.limit,
                         n_epochs=req.n_epochs)
    if cost.usd is None:
        raise BudgetExceeded.keyed("finetune.cap_unknown_price", "finetune.cap_unknown_price_hint",
                                   model=model)
    client.meter.charge(cost.usd)


@dataclass(frozen=True)
class JobRequest:
    training_file: Path
    model: str
    validation_file: Path | None = None
    suffix: str | None = None
    seed: int | None = None
    n_epochs: int | None = None
    batch_size: int | None = None
    learning_rate_multiplier: float | None = None

    def problems(self, catalog: Catalog, backend_kind: str) -> list[Msg]:
        """Every impossible value at once (ranges as OpenAI documents them)."""
        found = []
        if not self.model.strip():
            found.append(Msg("finetune.no_model"))
        info = catalog.get(self.model)
        if backend_kind == "openai" and info.known and not info.fine_tunable \
                and not self.model.startswith("ft:"):
            found.append(Msg("finetune.model_not_tunable", model=self.model,
                               tunable=", ".join(fine_tunable_models(catalog))))
        if self.suffix and len(self.suffix) > MAX_SUFFIX:
            found.append(Msg("finetune.suffix_too_long", limit=MAX_SUFFIX))
        if self.n_epochs is not None and not 1 <= self.n_epochs <= 50:
            found.append(Msg("finetune.between", name="n_epochs", value=self.n_epochs,
                               low=1, high=50))
        if self.batch_size is not None and not 1 <= self.batch_size <= 256:
            found.append(Msg("finetune.between", name="batch_size", value=self.batch_size,
                               low=1, high=256))
        lr = self.learning_rate_multiplier
        if lr is not None and not 0 < lr <= 10:
            found.append(Msg("finetune.lr_multiplier_range", value=lr))
        return found


def refuse_invalid(report: Report, role: str) -> None:
    """`role`: "training" or "validation", the file's part in the job."""
    if report.ok:
        return
    errors = [p for p in report.problems if p.severity == "error"]
    first = next((p for p in errors if p.line), errors[0])  # a line to look at, when there is one
    where = Msg("finetune.on_line", line=first.line, text=first.message) if first.line \
        else first.message
    raise Refusal(Msg(f"finetune.file_has_errors_{role}", count=report.error_count,
                        first=where),
                  Msg("finetune.file_has_errors_hint", fix=first.fix))


def refuse_too_few(report: Report | None) -> None:
    """OpenAI refuses a job on fewer than MIN_EXAMPLES examples; the file itself is valid (a
    local run takes it), so validation only warns and the OpenAI launch refuses before uploading."""
    too_few = next((p for p in report.problems if p.code == "too_few"), None) if report else None
    if too_few is not None:
        raise Refusal(too_few.message, too_few.fix)


def launch(client: LLMClient, req: JobRequest, *, check: bool = True,
           progress: Callable[[Msg], None] | None = None) -> JobInfo:
    """Validate locally (unless `check` is off), upload the file(s), create the job; `progress`
    hears each step, in words its reader says."""
    ensure_can_train(client.backend.kind)
    problems = req.problems(client.catalog, client.backend.kind)
    if problems:
        raise Refusal(Msg("finetune.impossible_parameters", problems=problems))
    paths = [("training", req.training_file)]
    if req.validation_file:
        paths.append(("validation", req.validation_file))
    reports: dict[Path, Report] = {}
    for role, path in paths:
        if check:  # validating reads the file, which checks it is readable
            reports[path] = validate_file(path, client.catalog, req.model)
            refuse_invalid(reports[path], role)
        else:
            files.check_readable(path)
    refuse_too_few(reports.get(req.training_file))
    charge_training(client, req, reports.get(req.training_file))
    step = progress or (lambda _m: None)
    step(Msg("finetune.uploading"))
    training = client.upload_file(req.training_file)
    validation = client.upload_file(req.validation_file) if req.validation_file else None
    step(Msg("finetune.creating_job"))
    return client.create_job(
        training.id, req.model, validation_file=validation.id if validation else None,
        suffix=req.suffix or None, seed=req.seed, n_epochs=req.n_epochs,
        batch_size=req.batch_size, learning_rate_multiplier=req.learning_rate_multiplier)


def merge_events(known: Iterable[JobEvent], new: Iterable[JobEvent]) -> list[JobEvent]:
    """The API returns the latest page only: keep what earlier polls saw, oldest first.

    The sort is stable, so events of the same second keep the order the client gave them.
    """
    by_id = {e.id: e for e in known}
    by_id.update((e.id, e) for e in new if e.id not in by_id)
    return sorted(by_id.values(), key=lambda e: e.created_at)


def metric_rows(events: Iterable[JobEvent], lang: str) -> list[dict[str, Any]]:
    """Long-format rows (step, metric, value) for a line plot of loss and accuracy, the metrics
    named in `lang` (the legend)."""
    labels = {key: say(lang, f"finetune.metric_{key}") for key in METRICS}
    rows = []
    for event in events:
        data = event.data or {}
        step = data.get("step")
        if not isinstance(step, int | float):
            continue
        for key, label in labels.items():
            value = data.get(key)
            if isinstance(value, int | float):
                rows.append({"step": int(step), "metric": label, "value": float(value)})
    return sorted(rows, key=lambda r: (r["step"], r["metric"]))


def follow(client: LLMClient, job_id: str, *, interval: float = 5.0,
           sleep: Callable[[float], None] = time.sleep,
           known: Iterable[JobEvent] = ()) -> Iterator[tuple[JobInfo, list[JobEvent]]]:
    """Poll until the job ends, yielding the job and every event seen so far each time."""
    events = list(known)
    while True:
        job = client.get_job(job_id)
        events = merge_events(events, client.job_events(job_id))
        yield job, events
        if job.status in TERMINAL:
            return
        sleep(interval)


def _when(ts: int | None) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M UTC") if ts else "—"


def job_markdown(job: JobInfo, lang: str) -> str:
    lines = [f"**{job.id}** · {status_text(job.status, lang)} · `{job.model}`",
             say(lang, "finetune.job_times", created=_when(job.created_at),
                 finished=_when(job.finished_at))]
    if job.hyperparameters:
        lines.append(say(lang, "finetune.job_hyperparameters", values=", ".join(
            f"{k}={v}" for k, v in sorted(job.hyperparameters.items()))))
    if job.trained_tokens:
        lines.append(say(lang, "finetune.job_trained_tokens", tokens=f"{job.trained_tokens:,}"))
    if job.fine_tuned_model:
        lines.append(say(lang, "finetune.job_model", model=job.fine_tuned_model))
    if job.error:
        lines.append(f"**Error:** {job.error}")
    return "\n\n".join(lines)


def jobs_table(jobs: Iterable[JobInfo], lang: str) -> list[list[str]]:
    return [[j.id, status_text(j.status, lang), j.model, j.fine_tuned_model or "",
             _when(j.created_at)] for j in jobs]


def events_table(events: Iterable[JobEvent]) -> list[list[str]]:
    """Newest first, as people read a log."""
    return [[_when(e.created_at), e.level, e.message] for e in reversed(list(events))]
