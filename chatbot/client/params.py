"""The Playground's sampling parameters, their limits in words, and the request body they make."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chatbot.i18n import Msg

MAX_N = 8
MAX_STOP = 4
EFFORTS = ("none", "minimal", "low", "medium", "high", "xhigh")
# The API's own default for a sampling field: sent at its default (or left out), it changes nothing.
API_DEFAULTS: dict[str, Any] = {"temperature": 1, "top_p": 1, "frequency_penalty": 0,
                                "presence_penalty": 0}


@dataclass(frozen=True)
class ChatParams:
    """The Playground's sampling parameters; `None` means the backend's default."""

    model: str
    temperature: float | None = None
    top_p: float | None = None
    n: int = 1
    max_tokens: int | None = None
    frequency_penalty: float | None = None
    presence_penalty: float | None = None
    stop: tuple[str, ...] = ()
    seed: int | None = None
    logprobs: bool = False
    top_logprobs: int | None = None
    reasoning_effort: str | None = None  # reasoning models only; see build_request
    response_format: dict[str, Any] | None = None  # structured output, e.g. a JSON schema
    # Functions the model may ask to call (OpenAI's `tools`, each {"type": "function", ...});
    # the caller runs them, never the client.
    tools: tuple[dict[str, Any], ...] = ()
    tool_choice: str | None = None  # "auto", "none" or "required"; None: the backend's default
    # Fields the OpenAI API does not define, for a server that takes them (llama.cpp's top_k and
    # min_p); sent as the SDK's `extra_body`.
    extra_body: tuple[tuple[str, Any], ...] = ()

    def problems(self, max_output: int | None = None) -> list[Msg]:
        """Every impossible value at once, in words a student understands."""
        found: list[Msg] = []

        def outside(name: str, value: object, low: float, high: float) -> None:
            found.append(Msg("params.between", name=name, value=value, low=low, high=high))
        if not self.model.strip():
            found.append(Msg("params.no_model"))
        if not 1 <= self.n <= MAX_N:
            outside("n", self.n, 1, MAX_N)
        if self.temperature is not None and not 0 <= self.temperature <= 2:
            outside("temperature", self.temperature, 0, 2)
        if self.top_p is not None and not 0 <= self.top_p <= 1:
            outside("top_p", self.top_p, 0, 1)
        for name in ("frequency_penalty", "presence_penalty"):
            value = getattr(self, name)
            if value is not None and not -2 <= value <= 2:
                outside(name, value, -2, 2)
        if self.max_tokens is not None:
            if self.max_tokens < 1:
                found.append(Msg("params.at_least_one", value=self.max_tokens))
            elif max_output and self.max_tokens > max_output:
                found.append(Msg("params.model_max", value=self.max_tokens, most=max_output))
        if len(self.stop) > MAX_STOP:
            found.append(Msg("params.too_many_stops", n=len(self.stop), most=MAX_STOP))
        if any(not s for s in self.stop):
            found.append(Msg("params.empty_stop"))
        if self.top_logprobs is not None and not 0 <= self.top_logprobs <= 20:
            outside("top_logprobs", self.top_logprobs, 0, 20)
        if self.reasoning_effort and self.reasoning_effort not in EFFORTS:
            found.append(Msg("params.effort_one_of", value=self.reasoning_effort,
                             choices=", ".join(EFFORTS)))
        return found

    def sdk_kwargs(self) -> dict[str, Any]:
        """The request body fields, omitting the ones left to the backend's default."""
        kwargs: dict[str, Any] = {"model": self.model}
        for name in ("temperature", "top_p", "max_tokens", "frequency_penalty",
                     "presence_penalty", "seed"):
            value = getattr(self, name)
            if value is not None:
                kwargs[name] = value
        if self.n != 1:
            kwargs["n"] = self.n
        if self.stop:
            kwargs["stop"] = list(self.stop)
        if self.logprobs:
            kwargs["logprobs"] = True
            if self.top_logprobs:
                kwargs["top_logprobs"] = self.top_logprobs
        if self.response_format:
            kwargs["response_format"] = self.response_format
        if self.tools:
            kwargs["tools"] = list(self.tools)
            if self.tool_choice:
                kwargs["tool_choice"] = self.tool_choice
        if self.extra_body:
            kwargs["extra_body"] = dict(self.extra_body)
        return kwargs
