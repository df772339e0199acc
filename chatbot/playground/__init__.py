"""The Playground without Gradio: reading its controls, running them, showing the outputs, writing
"view code". `ui/playground.py` wires what is exported here."""

from chatbot.playground.render import (
    notes_markdown,
    raw_result,
    reasoning_part,
    result_html,
    tokens_html,
    usage_markdown,
)
from chatbot.playground.request import build_messages, legacy_prompt, parse_seed, parse_stop
from chatbot.playground.view_code import python_code
from chatbot.playground.views import code_view, estimate_line, read_params, run_view

__all__ = [
    "build_messages",
    "code_view",
    "estimate_line",
    "legacy_prompt",
    "notes_markdown",
    "parse_seed",
    "parse_stop",
    "python_code",
    "raw_result",
    "read_params",
    "reasoning_part",
    "result_html",
    "run_view",
    "tokens_html",
    "usage_markdown",
]
