"""Two costs Gradio 6.31 pays on the server's event loop, removed at launch.

Both showed up profiling 16 users at once (`bench/bench_app.py users`); neither changes what
Gradio sends to a browser.
"""

from __future__ import annotations

import functools
import importlib.util
import inspect
import sys
import types
from typing import Any

import gradio.blocks


class _CachedSignatures(types.ModuleType):
    """`inspect` as gradio.blocks sees it, except that a function's signature is computed once."""

    signature = staticmethod(functools.cache(inspect.signature))

    def __getattr__(self, name: str) -> Any:
        return getattr(inspect, name)


def apply() -> None:
    # A new session copies the page's config, calling inspect.signature on every component's
    # class: 219 blocks here, over half of the 15-16 ms each new session costs. A class's
    # signature never changes.
    if gradio.blocks.inspect is inspect:
        gradio.blocks.inspect = _CachedSignatures("inspect")
    # Gradio imports matplotlib around every event to pin its backend; when it is absent each
    # failed import walks sys.path. Recording the absence once makes later imports fail at once.
    if "matplotlib" not in sys.modules and importlib.util.find_spec("matplotlib") is None:
        sys.modules["matplotlib"] = None  # type: ignore[assignment]
