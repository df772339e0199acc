"""How OpenAI's Chat Completions treats reasoning models, for the fake server.

Written from OpenAI's own 400 bodies (not from the app's `models.json`, so a test checks the app
against the server rather than against itself): reasoning models refuse `max_tokens`,
temperature/top_p other than 1, logprobs, the penalties and `stop`; gpt-5.1 and later take the
sampling parameters again with `reasoning_effort: "none"`. Hidden reasoning tokens count inside
`max_completion_tokens` and are billed in `completion_tokens`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Few, so the fake's short answers still fit the Playground's 128-token default.
REASONING_TOKENS = {"none": 0, "minimal": 8, "low": 16, "medium": 32, "high": 64, "xhigh": 128}


class Refused(Exception):
    """A 400 invalid_request_error with OpenAI's message, param and code."""

    def __init__(self, message: str, param: str, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.param = param
        self.code = code


@dataclass(frozen=True)
class Family:
    efforts: tuple[str, ...]
    default: str

    @property
    def none_restores(self) -> bool:
        return "none" in self.efforts


_O = Family(("low", "medium", "high"), "medium")
_GPT5 = Family(("minimal", "low", "medium", "high"), "medium")
_GPT51 = Family(("none", "low", "medium", "high"), "none")
_LATER = Family(("none", "low", "medium", "high", "xhigh"), "medium")
_FAMILIES = {"o1": _O, "o3": _O, "o4": _O, "gpt-5": _GPT5, "gpt-5.1": _GPT51,
             "gpt-5.2": _LATER, "gpt-5.4": _LATER, "gpt-5.5": _LATER, "gpt-5.6": _LATER,
             "gpt-6": _LATER}


def family(model: str) -> Family | None:
    """By the longest name prefix; a fine-tuned `ft:base:...` is its base."""
    if model.startswith("ft:"):
        model = model.split(":")[1]
    best = max((p for p in _FAMILIES if model == p or model.startswith((p + "-", p + "."))),
               key=len, default=None)
    return _FAMILIES.get(best) if best else None


def _unsupported(name: str, extra: str = "") -> Refused:
    return Refused(f"Unsupported parameter: '{name}' is not supported with this model.{extra}",
                   name, "unsupported_parameter")


def _only_default(body: dict[str, Any], name: str) -> None:
    value = body.get(name)
    if value is not None and value != 1:
        raise Refused(f"Unsupported value: '{name}' does not support {value} with this model. "
                      "Only the default (1) value is supported.", name, "unsupported_value")


def check(body: dict[str, Any], model: str) -> str | None:
    """Raise Refused as OpenAI does; return the effort used (None: not a reasoning model)."""
    found = family(model)
    effort = body.get("reasoning_effort")
    if found is None:
        if effort is not None:
            raise _unsupported("reasoning_effort")
        return None
    if "max_tokens" in body:
        raise _unsupported("max_tokens", " Use 'max_completion_tokens' instead.")
    if effort is not None and effort not in found.efforts:
        levels = ", ".join(f"'{e}'" for e in found.efforts[:-1])
        raise Refused(f"Unsupported value: '{effort}' is not supported with the '{model}' model. "
                      f"Supported values are: {levels}, and '{found.efforts[-1]}'.",
                      "reasoning_effort", "unsupported_value")
    effort = effort or found.default
    if body.get("stop") is not None:
        raise _unsupported("stop")
    if effort == "none" and found.none_restores:
        return effort
    _only_default(body, "temperature")
    _only_default(body, "top_p")
    for name in ("logprobs", "top_logprobs", "presence_penalty", "frequency_penalty"):
        if body.get(name) is not None:
            raise _unsupported(name)
    return effort


def spend(effort: str | None, budget: int | None) -> tuple[int, int | None]:
    """Reasoning tokens used, and what is left of `max_completion_tokens` for visible text."""
    used = REASONING_TOKENS.get(effort or "none", 0)
    if budget is None:
        return used, None
    used = min(used, budget)
    return used, budget - used
