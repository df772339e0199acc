"""Two costs Gradio 6.31 pays on the server's event loop, removed at launch.

Both showed up profiling 16 users at once (`bench/bench_app.py users`); neither changes what
Gradio sends to a browser. They touch Gradio's internals, so each one first checks that those are
what it expects: on a Gradio that changed them, it logs a warning and does nothing (the app just
loses the speed-up instead of failing to launch).
"""

from __future__ import annotations

import functools
import importlib.util
import inspect
import logging
import sys
import types
from typing import Any

import gradio.blocks

log = logging.getLogger(__name__)


class _CachedSignatures(types.ModuleType):
    """`inspect` as gradio.blocks sees it, except that a function's signature is computed once."""

    signature = staticmethod(functools.cache(inspect.signature))

    def __getattr__(self, name: str) -> Any:
        return getattr(inspect, name)


def apply(blocks: types.ModuleType = gradio.blocks) -> list[str]:
    """Apply the fixes that fit this Gradio; returns the names of those applied."""
    applied = []
    if _cache_signatures(blocks):
        applied.append("signature cache")
    if _remember_missing_matplotlib():
        applied.append("no matplotlib")
    return applied


def _cache_signatures(blocks: types.ModuleType) -> bool:
    # A new session copies the page's config, calling inspect.signature on every component's
    # class: 219 blocks here, over half of the 15-16 ms each new session costs. A class's
    # signature never changes.
    current = getattr(blocks, "inspect", None)
    if isinstance(current, _CachedSignatures):
        return True
    if current is not inspect:
        log.warning("gradio.blocks no usa el módulo inspect como esperaba (¿otra versión de "
                    "Gradio?): sigo sin la caché de firmas. / gradio.blocks does not use the "
                    "inspect module as expected (another Gradio version?): going on without the "
                    "signature cache.")
        return False
    blocks.inspect = _CachedSignatures("inspect")  # type: ignore[attr-defined]
    return True


def _remember_missing_matplotlib() -> bool:
    # Gradio imports matplotlib around every event to pin its backend; when it is absent each
    # failed import walks sys.path. Recording the absence once makes later imports fail at once.
    if "matplotlib" in sys.modules:
        return sys.modules["matplotlib"] is None
    if importlib.util.find_spec("matplotlib") is not None:
        return False
    sys.modules["matplotlib"] = None  # type: ignore[assignment]
    return True
