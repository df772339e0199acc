"""The training process (`python -m chatbot.finetune.on_machine.worker JOB_DIR`).

A child of the app or the CLI, so a crash, an out-of-memory kill or a cancel cannot take them
down. It waits for the machine's training lock (saying so), checks memory and disk, trains, and
writes the model's manifest; everything it has to say goes to the job's `events.jsonl`.
"""

from __future__ import annotations

import fcntl
import json
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from chatbot.engine import tuned_store
from chatbot.engine.llama_server import sha256_of
from chatbot.errors import ChatbotError
from chatbot.finetune.on_machine.resources import shortfall
from chatbot.finetune.on_machine.spec import Spec, lock_path
from chatbot.finetune.on_machine.train import train
from chatbot.finetune.words import in_every_language


def wait_for_lock(job: Path) -> Any:
    """Hold the machine-wide lock until this process ends (the kernel frees it on any exit)."""
    fh = lock_path().open("a")
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        tuned_store.append_event(job, "queued")  # the reader says why, in its language
        fcntl.flock(fh, fcntl.LOCK_EX)
    return fh


def write_manifest(spec: Spec, numbers: dict[str, Any]) -> None:
    output = Path(spec.output)
    settings = {k: v for k, v in asdict(spec).items()
                if k in ("ctx", "epochs", "learning_rate", "optimizer", "threads", "seed",
                         "trainable")}
    manifest = {
        "model": spec.model, "job": spec.job_id, "created": int(time.time()),
        "base": spec.base_name, "base_sha256": sha256_of(Path(spec.base)),
        "sha256": sha256_of(output), "size": output.stat().st_size,
        "training_file": Path(spec.examples).name,
        "training_sha256": sha256_of(Path(spec.examples)), "settings": settings, **numbers,
    }
    (output.parent / "manifest.json").write_text(json.dumps(manifest, indent=2),
                                                 encoding="utf-8")


def run(job: Path) -> int:
    spec = Spec(**json.loads((job / "spec.json").read_text(encoding="utf-8")))
    lock = wait_for_lock(job)
    try:
        refusal = shortfall(spec.memory_needed, spec.disk_needed, job)
        if refusal:
            tuned_store.append_event(job, "error", said=in_every_language(refusal))
            return 1
        tuned_store.append_event(job, "started")
        Path(spec.output).parent.mkdir(parents=True, exist_ok=True)
        numbers = train(spec, lambda event, **data: tuned_store.append_event(job, event, **data))
        write_manifest(spec, numbers)
        tuned_store.record_speed(Path(spec.cache_dir), tuned_store.speed_key(
            spec.optimizer, bool(spec.trainable), spec.threads, spec.ctx),
            numbers["tokens_per_second"])
        tuned_store.append_event(job, "done", fine_tuned_model=spec.model, **numbers)
        return 0
    except ChatbotError as exc:  # a message for the student (a template refusing an example)
        tuned_store.append_event(job, "error", said=in_every_language(exc))
        return 1
    except Exception as exc:  # reported in the job's events, then a non-zero exit
        tuned_store.append_event(job, "error", message=f"{type(exc).__name__}: {exc}")
        return 1
    finally:
        for scratch in job.glob("*-f32.gguf"):
            scratch.unlink()
        lock.close()


if __name__ == "__main__":
    sys.exit(run(Path(sys.argv[1])))
