"""The chat engine's copy of the bundled model in Q8_0, made once with llama.cpp's own
`llama-quantize`, found beside `llama-server`.

Why: the bundled GGUF is Q4_K_M, which for this model is mostly Q5_0 tensors. On 2 cores
llama.cpp's CPU kernels decode 8 streams of Q5_0 only ~1.5x faster than one; in Q8_0, ~2x, and
prompts are processed ~25 % faster, while one stream decodes as fast (docs/engine.md, "Q8_0"). The
copy holds the same numbers: every Q5_0 / Q4_K / Q6_K value lands on Q8_0's finer grid. It costs
~7 s once, and 676 MB of disk and memory instead of 491 MB. The embeddings engine keeps the
original file: the Sentiment tab's classifier was fitted on its vectors.

Without `llama-quantize` (a `CHATBOT_LLAMA_SERVER` pointing at a lone binary), or if it fails,
the engine serves the original file, as before.
"""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Mapping
from pathlib import Path

QUANTIZE_TIMEOUT_S = 600


def q8_path(source: Path) -> Path:
    return source.with_name(f"{source.stem}.q8_0.gguf")


def quantize_tool(server_binary: Path) -> Path | None:
    """`llama-quantize` from the same build or package as the server, if it is there."""
    tool = server_binary.with_name(f"llama-quantize{server_binary.suffix}")
    return tool if tool.is_file() else None


def q8_copy(source: Path, server_binary: Path, env: Mapping[str, str], threads: int) -> Path:
    """The Q8_0 copy of `source` (made now if missing), or `source` when it cannot be made.
    Written under a temporary name and renamed, so a copy that exists is whole."""
    target = q8_path(source)
    if target.is_file():
        return target
    tool = quantize_tool(server_binary)
    if tool is None:
        return source
    tmp = target.with_suffix(f".part-{os.getpid()}-{threading.get_ident()}")
    try:
        done = subprocess.run(
            [str(tool), "--allow-requantize", str(source), str(tmp), "Q8_0", str(threads)],
            env=dict(env), stdin=subprocess.DEVNULL, capture_output=True,
            timeout=QUANTIZE_TIMEOUT_S, check=False)
        if done.returncode != 0 or not tmp.is_file():
            return source
        tmp.replace(target)
        return target
    except (OSError, subprocess.TimeoutExpired):
        return source
    finally:
        tmp.unlink(missing_ok=True)
