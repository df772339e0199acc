"""Will a training fit on this machine? Memory and disk needs, from the measured peaks, checked
against what the machine has free right now, with a message a student can act on.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from chatbot.i18n import Msg

GB = 1024**3
# Peak resident memory / size of the F32 weights on Qwen2.5-0.5B at context 256 (2.35 GiB of
# F32 weights): AdamW 9.7 GiB measured here (weights, gradients, two moments, activations);
# SGD from the 6.8 GB llama.cpp's own tool needed (weights and gradients).
MEMORY_FACTOR = {"adamw": 4.3, "sgd": 2.9}
PARTIAL_FACTOR = 1.5  # only a few tensors trained: the weights plus activations
MEMORY_MARGIN = 0.5 * GB


def needs(f32_bytes: int, quantized_bytes: int, optimizer: str, partial: bool
          ) -> tuple[int, int]:
    """(memory, disk) in bytes: disk holds the F32 copy in, the F32 result and the result."""
    factor = PARTIAL_FACTOR if partial else MEMORY_FACTOR[optimizer]
    return int(f32_bytes * factor + MEMORY_MARGIN), 2 * f32_bytes + quantized_bytes


def available_memory() -> int:
    """MemAvailable from /proc/meminfo (Linux); elsewhere unknown, so no refusal."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 1 << 62


def shortfall(memory_needed: int, disk_needed: int, directory: Path) -> Msg | None:
    """The refusal when memory or disk is short, else None."""
    memory, disk = available_memory(), shutil.disk_usage(directory).free
    problems = []
    if memory < memory_needed:
        problems.append(Msg("finetune_local.short_memory", free=f"{memory / GB:.1f}",
                              needed=f"{memory_needed / GB:.1f}"))
    if disk < disk_needed:
        problems.append(Msg("finetune_local.short_disk", directory=str(directory),
                              free=f"{disk / GB:.1f}", needed=f"{disk_needed / GB:.1f}"))
    return Msg("finetune_local.no_resources", problems=problems) if problems else None
