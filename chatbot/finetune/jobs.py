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
from chatbot.models.catalog import Catalog

if TYPE_CHECKING:
    from chatbot.context import AppContext, Session

TERMINAL = ("succeeded", "failed", "cancelled")
STATUS = {
    "validating_files": "🔎 Validando ficheros / Validating files",
    "queued": "⏳ En cola / Queued",
    "running": "🏋️ Entrenando / Running",
    "succeeded": "✅ Terminado / Succeeded",
    "failed": "❌ Falló / Failed",
    "cancelled": "⏹️ Cancelado / Cancelled",
}
# OpenAI's metric names in event data -> what the plot calls them
METRICS = {
    "train_loss": "train loss",
    "valid_loss": "valid loss",
    "train_mean_token_accuracy": "train accuracy",
    "valid_mean_token_accuracy": "valid accuracy",
}
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


def ensure_can_train(backend_kind: str) -> None:
    if backend_kind == "local":
        raise InvalidInput(
            "Con el modelo embebido no hay trabajos de OpenAI: entrénalo en esta máquina. / The "
            "embedded model has no OpenAI jobs: train it on this machine.",
            hint="Usa «Entrenar en esta máquina» o `finetune create --backend local`; para "
                 "OpenAI, elige OpenAI en Ajustes (con tu clave). / Use \"Train on this "
                 "machine\" or `finetune create --backend local`; for OpenAI, pick OpenAI in "
                 "Settings (with your key).",
        )


def ensure_own_key(host_pays: bool) -> None:
    """On a public server the host's key trains nothing: its jobs and money are the host's."""
    if host_pays:
        raise InvalidInput(
            "En este servidor público el fine-tuning necesita tu propia clave de OpenAI. / On "
            "this public server fine-tuning needs your own OpenAI key.",
            hint="Pégala en Ajustes (OpenAI); validar, preparar, estimar y evaluar funcionan "
                 "sin ella. / Paste it in Settings (OpenAI); validate, prepare, cost and "
                 "evaluate work without it.",
        )


def ensure_owned(job_id: str, owned: Collection[str]) -> None:
    """A session acts only on the jobs it created, even when others share the key."""
    if job_id not in owned:
        raise ResourceNotFound(
            f"{job_id} no es un trabajo de esta sesión. / {job_id} is not a job of this session.",
            hint="Aquí solo se ven los trabajos que creaste en esta página. / Only jobs you "
                 "created on this page are shown here.",
        )


def charge_training(client: LLMClient, req: JobRequest, report: Report | None) -> None:
    """Training is paid up front: its estimate counts against the caps before the job exists."""
    if client.meter is None or not client.meter.caps:
        return
    model = req.model
    report = report or validate_file(req.training_file, client.catalog, model)
    cost = training_cost(client.catalog, model, report.tokens, limit=report.limit,
                         n_epochs=req.n_epochs)
    if cost.usd is None:
        raise BudgetExceeded(
            f"Hay un límite de gasto y no conozco el precio de entrenar {model}. / There is a "
            f"spending cap and the training price of {model} is unknown.",
            hint="Añade su precio en CHATBOT_PRICES (training_per_1m). / Add its price in "
                 "CHATBOT_PRICES (training_per_1m).")
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

    def problems(self, catalog: Catalog, backend_kind: str) -> list[str]:
        """Every impossible value at once (ranges as OpenAI documents them)."""
        found = []
        if not self.model.strip():
            found.append("falta el modelo / the model is missing")
        info = catalog.get(self.model)
        if backend_kind == "openai" and info.known and not info.fine_tunable \
                and not self.model.startswith("ft:"):
            found.append(f"{self.model} no acepta fine-tuning; usa / does not accept "
                         f"fine-tuning; use: {', '.join(fine_tunable_models(catalog))}")
        if self.suffix and len(self.suffix) > MAX_SUFFIX:
            found.append(f"suffix: como mucho {MAX_SUFFIX} caracteres / at most {MAX_SUFFIX} "
                         "characters")
        if self.n_epochs is not None and not 1 <= self.n_epochs <= 50:
            found.append(f"n_epochs={self.n_epochs}: entre 1 y 50 / between 1 and 50")
        if self.batch_size is not None and not 1 <= self.batch_size <= 256:
            found.append(f"batch_size={self.batch_size}: entre 1 y 256 / between 1 and 256")
        lr = self.learning_rate_multiplier
        if lr is not None and not 0 < lr <= 10:
            found.append(f"learning_rate_multiplier={lr}: mayor que 0 y hasta 10 / above 0 and "
                         "up to 10")
        return found


def refuse_invalid(report: Report, es: str, en: str) -> None:
    if report.ok:
        return
    errors = [p for p in report.problems if p.severity == "error"]
    first = next((p for p in errors if p.line), errors[0])  # a line to look at, when there is one
    where = f"Línea / line {first.line}: " if first.line else ""
    raise InvalidInput(
        f"El fichero de {es} tiene {report.error_count} errores; no lo subo. / The {en} file "
        f"has {report.error_count} errors; not uploading it. {where}{first.message}",
        hint=first.fix + " (Valida el fichero para verlos todos. / Validate the file to see "
                         "them all.)",
    )


def refuse_too_few(report: Report | None) -> None:
    """OpenAI refuses a job on fewer than MIN_EXAMPLES examples; the file itself is valid (a
    local run takes it), so validation only warns and the OpenAI launch refuses before uploading."""
    too_few = next((p for p in report.problems if p.code == "too_few"), None) if report else None
    if too_few is not None:
        raise InvalidInput(too_few.message, hint=too_few.fix)


def launch(client: LLMClient, req: JobRequest, *, check: bool = True,
           progress: Callable[[str], None] | None = None) -> JobInfo:
    """Validate locally (unless `check` is off), upload the file(s), create the job."""
    ensure_can_train(client.backend.kind)
    problems = req.problems(client.catalog, client.backend.kind)
    if problems:
        raise InvalidInput("Parámetros imposibles / Impossible parameters: "
                           + "; ".join(problems) + ".")
    paths = [("entrenamiento", "training", req.training_file)]
    if req.validation_file:
        paths.append(("validación", "validation", req.validation_file))
    reports: dict[Path, Report] = {}
    for es, en, path in paths:
        if check:  # validating reads the file, which checks it is readable
            reports[path] = validate_file(path, client.catalog, req.model)
            refuse_invalid(reports[path], es, en)
        else:
            files.check_readable(path)
    refuse_too_few(reports.get(req.training_file))
    charge_training(client, req, reports.get(req.training_file))
    say = progress or (lambda _m: None)
    say("Subiendo el fichero… / Uploading the file…")
    training = client.upload_file(req.training_file)
    validation = client.upload_file(req.validation_file) if req.validation_file else None
    say("Creando el trabajo… / Creating the job…")
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


def metric_rows(events: Iterable[JobEvent]) -> list[dict[str, Any]]:
    """Long-format rows (step, metric, value) for a line plot of loss and accuracy."""
    rows = []
    for event in events:
        data = event.data or {}
        step = data.get("step")
        if not isinstance(step, int | float):
            continue
        for key, label in METRICS.items():
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


def job_markdown(job: JobInfo) -> str:
    lines = [f"**{job.id}** · {STATUS.get(job.status, job.status)} · `{job.model}`",
             f"Creado / created: {_when(job.created_at)} · terminado / finished: "
             f"{_when(job.finished_at)}"]
    if job.hyperparameters:
        lines.append("Hiperparámetros / hyperparameters: " + ", ".join(
            f"{k}={v}" for k, v in sorted(job.hyperparameters.items())))
    if job.trained_tokens:
        lines.append(f"Tokens entrenados / trained tokens: {job.trained_tokens:,}")
    if job.fine_tuned_model:
        lines.append(f"**Modelo / model:** `{job.fine_tuned_model}`: úsalo en Chat, Playground y "
                     "Sentimiento / use it in Chat, Playground and Sentiment.")
    if job.error:
        lines.append(f"**Error:** {job.error}")
    return "\n\n".join(lines)


def jobs_table(jobs: Iterable[JobInfo]) -> list[list[str]]:
    return [[j.id, STATUS.get(j.status, j.status), j.model, j.fine_tuned_model or "",
             _when(j.created_at)] for j in jobs]


def events_table(events: Iterable[JobEvent]) -> list[list[str]]:
    """Newest first, as people read a log."""
    return [[_when(e.created_at), e.level, e.message] for e in reversed(list(events))]
