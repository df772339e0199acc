"""Gradio inputs bound by name: a handler takes keyword arguments named like its controls.

Gradio passes input values by position; keeping a list of components in step with a function
signature far away is what made adding a control a two-place change. `Controls` keeps the names
beside the components, in the order the API lists them.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from typing import Any

import gradio as gr

POSITIONAL = inspect.Parameter.POSITIONAL_OR_KEYWORD


class Controls:
    """Named input components. `inputs` is the list an event takes; `bind(fn)` the handler that
    calls `fn(name=value, ...)`. A `gr.Progress` default parameter of `fn` is kept, so Gradio
    still fills it in."""

    def __init__(self, **components: Any) -> None:
        self.components = components

    @property
    def inputs(self) -> list[Any]:
        return list(self.components.values())

    def bind(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        progress = [p.replace(kind=POSITIONAL)
                    for p in inspect.signature(fn).parameters.values()
                    if isinstance(p.default, gr.Progress)]
        names = [*self.components, *(p.name for p in progress)]
        handler: Any  # a function that gets a __signature__
        if inspect.isgeneratorfunction(fn):
            def stream(*values: Any) -> Iterator[Any]:
                yield from fn(**dict(zip(names, values, strict=True)))
            handler = stream
        else:
            def call(*values: Any) -> Any:
                return fn(**dict(zip(names, values, strict=True)))
            handler = call
        handler.__name__ = getattr(fn, "__name__", handler.__name__)
        handler.__signature__ = inspect.Signature(
            [*(inspect.Parameter(n, POSITIONAL) for n in self.components), *progress])
        return handler
