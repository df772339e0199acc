"""What a training run is asked to do, and the machine-wide lock: apart from `train.py` so that
planning, the jobs list and the UI load without llama.cpp's library (it may not be installed).
"""

from __future__ import annotations

import fcntl
import importlib.util
import tempfile
from dataclasses import dataclass
from pathlib import Path

from chatbot.errors import ConfigError


@dataclass(frozen=True)
class Spec:
    job_id: str
    model: str  # the name the tuned model is listed under (ft:local:...)
    base: str  # the base GGUF (any type llama.cpp can requantize)
    base_name: str
    examples: str  # chat JSONL, already validated, copied into the job directory
    workdir: str  # the job directory: events, log, scratch F32 copies
    output: str  # the tuned GGUF
    ctx: int = 256
    epochs: int = 3
    learning_rate: float = 1e-5
    optimizer: str = "adamw"
    threads: int = 2
    seed: int = 1
    trainable: str = ""  # regex over tensor names; empty: every F32 tensor (full fine-tuning)
    memory_needed: int = 0
    disk_needed: int = 0
    cache_dir: str = ""


def lock_path() -> Path:
    """One training at a time per machine, whoever runs it."""
    return Path(tempfile.gettempdir()) / "chatbot-lab-training.lock"


def machine_busy() -> bool:
    """Another training holds the lock right now."""
    with lock_path().open("a") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(fh, fcntl.LOCK_UN)
    return False


def require_library() -> None:
    """Training and its token counts run llama.cpp in-process, through llama-cpp-python, which only
    a build from requirements-engine.txt gives (a prebuilt llama-server does not)."""
    if importlib.util.find_spec("llama_cpp") is None:
        raise ConfigError.keyed("finetune_local.no_library", "finetune_local.no_library_hint")
