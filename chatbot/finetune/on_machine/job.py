"""Local fine-tuning as a job: plan (tokens, time, memory, disk) before starting, start the
worker process, read its progress as the OpenAI jobs' JobInfo / JobEvent, cancel it.

The same plot, tables and CLI output as an OpenAI job then work unchanged.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from chatbot.client import JobEvent, JobInfo
from chatbot.engine import tuned_store
from chatbot.engine.llama_server import LOCAL_MODEL_NAME, assemble_model
from chatbot.errors import InvalidInput
from chatbot.finetune.jobs import refuse_invalid
from chatbot.finetune.on_machine.resources import needs, shortfall
from chatbot.finetune.on_machine.spec import Spec, machine_busy, require_library
from chatbot.finetune.validate import validate_file
from chatbot.finetune.words import Refusal
from chatbot.i18n import Msg, normalise, say
from chatbot.models.catalog import Catalog
from chatbot.settings import Settings as AppSettings

# Full fine-tuning of the 0.5B model with AdamW at context 256, 2 threads, idle machine:
# replaced by the last measured speed on this machine once a run has finished.
DEFAULT_TOKENS_PER_SECOND = 20.0
SETUP_SECONDS = 40.0  # convert to F32, load, save, quantize back
F32_PER_Q4KM = 5.14  # F32 copy / Q4_K_M file, Qwen2.5-0.5B
CHECK_MODEL = "gpt-4o-mini"  # whose validation rules the file must pass (format, roles)
OPENAI_ONLY = ("too_few",)  # OpenAI's service rules that do not bind a local run


@dataclass(frozen=True)
class Settings:
    """What a student may change; defaults are safe for a 0.5B model on a laptop."""
    epochs: int = 3
    learning_rate: float = 1e-5
    ctx: int = 256
    optimizer: str = "adamw"
    suffix: str = ""
    threads: int = 0  # 0: every core
    seed: int = 1
    trainable: str = ""

    def problems(self) -> list[Msg]:
        checks = (("epochs", 1 <= self.epochs <= 20),
                  ("learning_rate", 0 < self.learning_rate <= 1e-3),
                  ("context", not self.ctx % 256 and 256 <= self.ctx <= 2048),
                  ("optimizer", self.optimizer in ("adamw", "sgd")),
                  ("suffix", len(self.suffix) <= 40
                   and all(c.isalnum() or c in "-_" for c in self.suffix)))
        return [Msg(f"finetune_local.range_{name}") for name, ok in checks if not ok]


@dataclass(frozen=True)
class Plan:
    """What a run will cost, known before it starts."""
    examples: int
    longest: int  # tokens of the longest rendered example
    windows: int
    tokens: int  # trained tokens, all epochs
    seconds: float
    measured: bool  # the speed comes from a finished run on this machine
    memory: int
    disk: int

    def markdown(self, lang: str) -> str:
        source = say(lang, "finetune_local.speed_measured" if self.measured
                     else "finetune_local.speed_reference")
        lines = [say(lang, "finetune_local.plan_tokens", examples=self.examples,
                     windows=self.windows, tokens=f"{self.tokens:,}"),
                 say(lang, "finetune_local.plan_time", minutes=f"{self.seconds / 60:.0f}",
                     source=source),
                 say(lang, "finetune_local.plan_space", memory=f"{self.memory / 1024**3:.1f}",
                     disk=f"{self.disk / 1024**3:.1f}")]
        return "\n\n".join(lines)


def base_model(settings: AppSettings) -> tuple[Path, str]:
    """The embedded model's GGUF and the name it is served under."""
    if settings.local_model_path:
        return settings.local_model_path, settings.local_model_path.stem
    return assemble_model(settings.cache_dir), LOCAL_MODEL_NAME


def threads_for(settings: Settings) -> int:
    return settings.threads or os.cpu_count() or 2


def speed_key(settings: Settings) -> str:
    return tuned_store.speed_key(settings.optimizer, bool(settings.trainable), threads_for(settings),
                           settings.ctx)


def plan(cache_dir: Path, base: Path, examples: Path, settings: Settings) -> Plan:
    """Tokens from the model's own tokenizer (vocabulary only, no weights), time from speed."""
    require_library()
    from chatbot.finetune.on_machine import dataset, train  # loads llama.cpp: only when planning

    train.quiet()
    model = train.load_model(base, vocab_only=True)
    try:
        tokens = train.example_tokens(model, examples)
    finally:
        train.llama_cpp.llama_model_free(model)
    n_windows = len(dataset.window_starts([len(t) for t in tokens], settings.ctx))
    trained = n_windows * settings.ctx * settings.epochs
    speed = tuned_store.speed(cache_dir, speed_key(settings))
    f32 = int(base.stat().st_size * F32_PER_Q4KM)
    memory, disk = needs(f32, base.stat().st_size, settings.optimizer, bool(settings.trainable))
    return Plan(len(tokens), max(map(len, tokens), default=0), n_windows, trained,
                SETUP_SECONDS + trained / (speed or DEFAULT_TOKENS_PER_SECOND),
                speed is not None, memory, disk)


def _new_job_id() -> str:
    return f"{tuned_store.JOB_PREFIX}{time.strftime('%Y%m%d%H%M%S')}{os.getpid() % 1000:03d}"


def refuse_impossible(settings: Settings) -> None:
    problems = settings.problems()
    if problems:
        raise Refusal(Msg("finetune.impossible_parameters", problems=problems))


def start(cache_dir: Path, base: Path, base_name: str, training_file: Path,
          settings: Settings, catalog: Catalog, *, lang: str) -> JobInfo:
    """Check everything that can be checked here, then launch the worker and return at once
    (its status in `lang`)."""
    refuse_impossible(settings)
    report = validate_file(training_file, catalog, CHECK_MODEL)
    for code in OPENAI_ONLY:  # a tiny local run is a fine first try
        report.counts.pop(code, None)
    report.problems = [p for p in report.problems if p.code not in OPENAI_ONLY]
    refuse_invalid(report, "training")
    if report.format != "chat":
        raise InvalidInput.keyed("finetune_local.chat_only", "finetune_local.chat_only_hint")
    the_plan = plan(cache_dir, base, training_file, settings)
    cache_dir.mkdir(parents=True, exist_ok=True)
    refusal = None if machine_busy() else shortfall(the_plan.memory, the_plan.disk, cache_dir)
    if refusal:  # when another training runs, its memory comes back: wait in line instead
        raise Refusal(refusal)
    job_id = _new_job_id()
    directory = tuned_store.job_dir(cache_dir, job_id)
    directory.mkdir(parents=True)
    examples = directory / "training.jsonl"
    shutil.copyfile(training_file, examples)  # what was trained, hashed in the manifest
    spec = Spec(job_id=job_id, model=tuned_store.model_name(base_name, settings.suffix, job_id),
                base=str(base), base_name=base_name, examples=str(examples),
                workdir=str(directory),
                output=str(tuned_store.model_dir(cache_dir, job_id) / "model.gguf"),
                ctx=settings.ctx, epochs=settings.epochs, learning_rate=settings.learning_rate,
                optimizer=settings.optimizer, threads=threads_for(settings), seed=settings.seed,
                trainable=settings.trainable, memory_needed=the_plan.memory,
                disk_needed=the_plan.disk, cache_dir=str(cache_dir))
    (directory / "spec.json").write_text(json.dumps(asdict(spec), indent=2), encoding="utf-8")
    tuned_store.append_event(directory, "created", training_file=training_file.name,
                       plan=asdict(the_plan))
    with (directory / "train.log").open("ab") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "chatbot.finetune.on_machine.worker", str(directory)],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True)
    (directory / "pid").write_text(str(proc.pid), encoding="utf-8")
    return get_job(cache_dir, job_id, lang=lang)


def _alive(directory: Path) -> bool:
    """The worker process exists and has not exited (an exited, unreaped child is a zombie)."""
    try:
        pid = int((directory / "pid").read_text(encoding="utf-8"))
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0] != "Z"
    except (OSError, ValueError, IndexError):
        return False


def _said(record: dict[str, Any], lang: str) -> str | None:
    """What the worker wrote on an event: its text in `lang`, or an exception's text."""
    if "said" in record:
        return record["said"].get(normalise(lang))
    return record.get("message")


def _status(events: list[dict[str, Any]], alive: bool, lang: str) -> tuple[str, str | None]:
    kinds = [e["event"] for e in events]
    for kind, status in (("cancelled", "cancelled"), ("done", "succeeded"), ("error", "failed")):
        if kind in kinds:
            message = next((_said(e, lang) for e in events if e["event"] == "error"), None)
            return status, message if status == "failed" else None
    if not alive:
        return "failed", say(lang, "finetune_local.died")
    return ("running" if "started" in kinds else "queued"), None


def get_job(cache_dir: Path, job_id: str, *, lang: str) -> JobInfo:
    directory = _existing(cache_dir, job_id)
    spec = json.loads((directory / "spec.json").read_text(encoding="utf-8"))
    events = tuned_store.read_events(directory)
    status, error = _status(events, _alive(directory), lang)
    done = next((e for e in events if e["event"] == "done"), None)
    ended = next((e for e in events if e["event"] in ("done", "error", "cancelled")), None)
    return JobInfo(
        id=job_id, model=spec["base_name"], status=status,
        fine_tuned_model=done["fine_tuned_model"] if done else None,
        created_at=int(events[0]["time"]) if events else 0,
        finished_at=int(ended["time"]) if ended else None,
        trained_tokens=done.get("trained_tokens") if done else None,
        training_file=Path(spec["examples"]).name, validation_file=None, error=error,
        hyperparameters={k: spec[k] for k in ("epochs", "learning_rate", "ctx", "optimizer")})


def _existing(cache_dir: Path, job_id: str) -> Path:
    try:
        directory = tuned_store.job_dir(cache_dir, job_id)
    except KeyError:
        directory = Path("/nonexistent")
    if not (directory / "spec.json").is_file():
        raise InvalidInput.keyed("finetune_local.no_such_job", job_id=job_id)
    return directory


def _event(index: int, record: dict[str, Any], lang: str) -> JobEvent:
    kind = record["event"]
    data: dict[str, Any] | None = None
    if kind == "step":
        data = {"step": record["step"], "train_loss": record["loss"],
                "train_mean_token_accuracy": record["accuracy"]}
        message = say(lang, "finetune_local.event_step", step=record["step"],
                      steps=record["steps"], epoch=record["epoch"], loss=f"{record['loss']:.4f}",
                      accuracy=f"{record['accuracy']:.3f}")
    elif kind == "stage" and record["stage"] in STAGES:
        message = say(lang, f"finetune_local.stage_{record['stage']}")
    elif kind == "created":
        message = Plan(**record["plan"]).markdown(lang).replace("\n\n", " · ").replace("**", "")
    else:
        message = _said(record, lang) or (say(lang, f"finetune_local.event_{kind}")
                                          if kind in EVENTS else record.get("stage", kind))
    level = "error" if kind == "error" else "info"
    return JobEvent(f"{index}", int(record["time"]), level, message, data)


def job_events(cache_dir: Path, job_id: str, *, lang: str) -> list[JobEvent]:
    return [_event(i, r, lang)
            for i, r in enumerate(tuned_store.read_events(_existing(cache_dir, job_id)))]


def list_jobs(cache_dir: Path, *, lang: str) -> list[JobInfo]:
    """Newest first."""
    ids = sorted((p.name for p in (tuned_store.root(cache_dir) / "jobs").glob(f"{tuned_store.JOB_PREFIX}*")
                  if (p / "spec.json").is_file()), reverse=True)
    return [get_job(cache_dir, i, lang=lang) for i in ids]


def cancel(cache_dir: Path, job_id: str, *, lang: str) -> JobInfo:
    """Stop the worker (queued or training); its scratch files go with the job directory's."""
    directory = _existing(cache_dir, job_id)
    job = get_job(cache_dir, job_id, lang=lang)
    if job.status in ("succeeded", "failed", "cancelled"):
        return job
    if _alive(directory):
        pid = int((directory / "pid").read_text(encoding="utf-8"))
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGTERM)
    tuned_store.append_event(directory, "cancelled")
    for scratch in directory.glob("*-f32.gguf"):
        scratch.unlink(missing_ok=True)
    return get_job(cache_dir, job_id, lang=lang)


# What the worker's stages and events are called: finetune_local.stage_<name>, .event_<kind>.
STAGES = ("convert", "train", "save")
EVENTS = ("queued", "started", "done", "cancelled")


class LocalJobs:
    """The job methods of the client (get_job, job_events, cancel_job, list_jobs) for jobs run
    on this machine, so the tab and the CLI follow both kinds the same way, in their reader's
    language."""

    def __init__(self, cache_dir: Path, lang: str) -> None:
        self.cache_dir = cache_dir
        self.lang = lang

    def get_job(self, job_id: str) -> JobInfo:
        return get_job(self.cache_dir, job_id, lang=self.lang)

    def job_events(self, job_id: str) -> list[JobEvent]:
        return job_events(self.cache_dir, job_id, lang=self.lang)

    def cancel_job(self, job_id: str) -> JobInfo:
        return cancel(self.cache_dir, job_id, lang=self.lang)

    def list_jobs(self) -> list[JobInfo]:
        return list_jobs(self.cache_dir, lang=self.lang)


def ensure_enabled(enabled: bool) -> None:
    if not enabled:
        raise InvalidInput.keyed("finetune_local.turned_off", "finetune_local.turned_off_hint")
