"""Render chat examples into training text with the model's own chat template.

The template is the Jinja text stored in the GGUF (`tokenizer.chat_template`), the one llama.cpp's
server applies when it answers, so the tuned model sees at training time exactly the markup it
will be prompted with. Pure functions: no model is needed to render.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from jinja2.exceptions import TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from chatbot.errors import InvalidInput


def _raise(message: str) -> None:
    raise TemplateError(message)


def render(template: str, messages: Sequence[Mapping[str, Any]], *,
           add_generation_prompt: bool = False, bos_token: str = "", eos_token: str = "") -> str:
    """One conversation as the text the model reads, special tokens written out as text."""
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
    env.globals["raise_exception"] = _raise
    try:
        return env.from_string(template).render(
            messages=[dict(m) for m in messages], add_generation_prompt=add_generation_prompt,
            bos_token=bos_token, eos_token=eos_token, tools=None)
    except TemplateError as exc:
        raise InvalidInput.keyed("finetune_local.template_rejects", detail=str(exc)) from exc


def training_texts(template: str, examples: Sequence[Mapping[str, Any]]) -> list[str]:
    """Each chat example (`{"messages": [...]}`) rendered whole, the assistant's turns included."""
    return [render(template, ex["messages"]) for ex in examples]
