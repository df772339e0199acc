"""The Playground's pure parts: reading its controls, showing its outputs, writing "view code"."""

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

__all__ = [
    "build_messages",
    "legacy_prompt",
    "notes_markdown",
    "parse_seed",
    "parse_stop",
    "python_code",
    "raw_result",
    "reasoning_part",
    "result_html",
    "tokens_html",
    "usage_markdown",
]
