"""How to ask a model for a label, from what it takes (see chatbot/models/capabilities.py).

The best way reads the three labels' probabilities from one answer token's logprobs. Reasoning
models refuse logprobs at their default effort; the newer ones take them back with effort "none",
which also spends no hidden tokens, so one token of budget is still enough. A model that gives no
logprobs at all (older reasoning models, servers without them) is asked for JSON whose label is
an enum of the three: structured output, which OpenAI's `json_schema` and llama.cpp's
schema-to-grammar both enforce. Its confidence is then unknown, and the tab says so.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from chatbot.client import ChatParams
from chatbot.models.capabilities import Capabilities
from chatbot.sentiment.labels import LABELS, label_of

TOP_LOGPROBS = 20
STRUCTURED_TOKENS = 24  # {"label": "negative"} with room for the spaces a server may add
# A reasoning model thinks inside max_completion_tokens before it writes a word; too small a
# budget and the answer is empty. A tweet rarely needs much thought at the lowest effort.
THINKING_TOKENS = 2048
LABEL_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"label": {"type": "string", "enum": list(LABELS)}},
    "required": ["label"],
    "additionalProperties": False,
}
# OpenAI's form (strict: the answer always fits), which compatible servers copy.
SCHEMA: dict[str, Any] = {"type": "json_schema",
                          "json_schema": {"name": "sentiment", "strict": True,
                                          "schema": LABEL_SCHEMA}}
# llama.cpp's own form, which both its Python server and upstream llama-server turn into a grammar.
LLAMA_SCHEMA: dict[str, Any] = {"type": "json_object", "schema": LABEL_SCHEMA}


@dataclass(frozen=True)
class Asking:
    """The request for one label, and whether its answer is JSON (then it has no logprobs)."""

    params: ChatParams
    structured: bool


def _sampling(caps: Capabilities, effort: str | None) -> dict[str, Any]:
    """Temperature 0 where the model takes it; the effort only for a reasoning model."""
    extra: dict[str, Any] = {"reasoning_effort": effort} if caps.reasoning else {}
    if "temperature" in caps.takes_at(effort):
        extra["temperature"] = 0
    return extra


def logprob_effort(caps: Capabilities) -> tuple[bool, str | None]:
    """Whether the model gives logprobs at some effort, and that effort (None: its default)."""
    if caps.reasoning and "none" in caps.efforts and "logprobs" in caps.takes_at("none"):
        return True, "none"
    return "logprobs" in caps.takes_at(None), None


def asking_for(caps: Capabilities, model: str, *, structured: bool = False) -> Asking:
    """One token with its top logprobs where the model gives them, else a schema-bound JSON.

    `structured` forces the JSON way (a model that answered something other than a label).
    """
    with_logprobs, effort = logprob_effort(caps)
    if with_logprobs and not structured:
        return Asking(ChatParams(model=model, max_tokens=1, logprobs=True,
                                 top_logprobs=TOP_LOGPROBS, **_sampling(caps, effort)), False)
    effort = caps.efforts[0] if caps.efforts else None  # the least thinking the model allows
    budget = STRUCTURED_TOKENS + (THINKING_TOKENS if caps.reasoning and effort != "none" else 0)
    schema = LLAMA_SCHEMA if caps.source == "embedded" else SCHEMA
    return Asking(ChatParams(model=model, max_tokens=budget, response_format=schema,
                             **_sampling(caps, effort)), True)


def label_from_json(text: str) -> str | None:
    """The label of a structured answer; a server that ignored the schema may still have
    written the bare word, which is read as such."""
    try:
        data = json.loads(text)
    except ValueError:
        words = text.split()
        return label_of(words[0]) if words else None
    value = data.get("label") if isinstance(data, dict) else data
    return label_of(value) if isinstance(value, str) else None
