"""Where local training keeps its jobs and models, and the registry of tuned models.

Under `<cache_dir>/finetune-local/`: `jobs/<job id>/` (the spec, an append-only `events.jsonl`
written by the training process, its log, scratch F32 copies) and `models/<id>/` (`model.gguf`
and `manifest.json`). Everything is read back from disk, so a job can be followed from another
process (the CLI, the app after a restart) and the engine can list the models without importing
training code.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MODEL_PREFIX = "ft:local:"
JOB_PREFIX = "ftjob-local-"


def root(cache_dir: Path) -> Path:
    return cache_dir / "finetune-local"


def job_dir(cache_dir: Path, job_id: str) -> Path:
    if not job_id.startswith(JOB_PREFIX) or "/" in job_id or ".." in job_id:
        raise KeyError(job_id)
    return root(cache_dir) / "jobs" / job_id


def model_dir(cache_dir: Path, job_id: str) -> Path:
    return root(cache_dir) / "models" / job_id.removeprefix(JOB_PREFIX)


def model_name(base: str, suffix: str, job_id: str) -> str:
    """`ft:local:<base>:<suffix>:<id>`, shaped like OpenAI's `ft:<base>:<org>:<suffix>:<id>`."""
    return f"{MODEL_PREFIX}{base}:{suffix or 'tuned'}:{job_id.removeprefix(JOB_PREFIX)}"


def append_event(directory: Path, event: str, **data: Any) -> dict[str, Any]:
    record = {"event": event, "time": time.time(), **data}
    with (directory / "events.jsonl").open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    return record


def read_events(directory: Path) -> list[dict[str, Any]]:
    """Every complete line; a line being written right now is left for the next read."""
    path = directory / "events.jsonl"
    if not path.is_file():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            break
    return out


@dataclass(frozen=True)
class LocalModel:
    name: str
    path: Path
    manifest: dict[str, Any]


def list_models(cache_dir: Path) -> list[LocalModel]:
    """The tuned models on this machine, oldest first: what the engine can serve."""
    found = []
    for manifest_path in (root(cache_dir) / "models").glob("*/manifest.json"):
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        path = manifest_path.parent / "model.gguf"
        if path.is_file() and isinstance(manifest.get("model"), str):
            found.append(LocalModel(manifest["model"], path, manifest))
    return sorted(found, key=lambda m: m.manifest.get("created", 0))


def find_model(cache_dir: Path, name: str) -> LocalModel | None:
    return next((m for m in list_models(cache_dir) if m.name == name), None)


def speed_key(optimizer: str, partial: bool, threads: int, ctx: int) -> str:
    return f"{optimizer}:{'partial' if partial else 'all'}:{threads}:{ctx}"


def speed(cache_dir: Path, key: str) -> float | None:
    """Trained tokens per second of the last finished run with these settings, if any."""
    try:
        value = json.loads((root(cache_dir) / "speed.json").read_text(encoding="utf-8")).get(key)
    except (OSError, json.JSONDecodeError):
        return None
    return float(value) if isinstance(value, int | float) and value > 0 else None


def record_speed(cache_dir: Path, key: str, tokens_per_second: float) -> None:
    path = root(cache_dir) / "speed.json"
    try:
        known = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        known = {}
    known[key] = tokens_per_second
    tmp = path.with_suffix(f".{time.monotonic_ns()}")
    tmp.write_text(json.dumps(known, indent=2), encoding="utf-8")
    tmp.replace(path)
