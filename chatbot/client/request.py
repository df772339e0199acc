"""The request body: a student's settings, cut to what the model takes, with a note for the rest.

The one place that turns `ChatParams` into what the SDK sends (`ChatParams.sdk_kwargs` lists the
fields, once), so no tab guesses on its own what a reasoning model or a compatible server takes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from chatbot.client.capability_book import CapabilityBook
from chatbot.client.errors import UnsupportedParam
from chatbot.client.params import API_DEFAULTS, ChatParams
from chatbot.client.sdk import Backend
from chatbot.errors import InvalidInput, ModelNotFound
from chatbot.i18n import Msg
from chatbot.models.capabilities import FEATURES, FIELDS, Capabilities
from chatbot.models.catalog import Catalog

T = TypeVar("T")

# Left out without a note of their own: `n` (the client asks n times instead, see
# ChatCalls._fan_out) and `top_logprobs` (the note on `logprobs` covers it).
QUIET = ("n", "top_logprobs")


@dataclass(frozen=True)
class Applied:
    """The body fields to send and, in both languages, each setting that was not applied."""

    body: dict[str, Any]
    notes: tuple[Msg, ...]


def _shown(name: str, value: Any) -> str:
    if isinstance(value, tuple | list):
        return f"{name} {list(value)!r}"
    return name if value is True else f"{name} {value:g}" if isinstance(value, float) else (
        f"{name} {value}")


def _effort(params: ChatParams, caps: Capabilities) -> tuple[str | None, list[Msg]]:
    effort = params.reasoning_effort or None
    if effort is None:
        return None, []
    if not caps.reasoning:
        return None, [Msg("request.effort_not_reasoning", effort=effort, model=caps.model)]
    if caps.efforts and effort not in caps.efforts:
        levels = ", ".join(caps.efforts)
        return None, [Msg("request.effort_levels", effort=effort, model=caps.model,
                          levels=levels)]
    return effort, []


def build_request(params: ChatParams, caps: Capabilities, *, legacy: bool = False) -> Applied:
    """The request body for `caps`'s model, and a note for each setting left out and why.

    A field left out at the API's default changes nothing, so it gets no note. `legacy`: the
    /v1/completions endpoint, where `logprobs` is a number and the limit is always `max_tokens`.
    """
    effort, notes = _effort(params, caps)
    takes = caps.takes_at(effort)
    body: dict[str, Any] = {"model": params.model}
    wanted = params.sdk_kwargs()
    refused: dict[str, list[str]] = {}
    for name, value in wanted.items():
        feature = FIELDS.get(name)
        if feature is None or feature in takes:
            body[name] = value
        elif name not in QUIET and value != API_DEFAULTS.get(name):
            refused.setdefault(feature, []).append(_shown(name, value))
    limit = wanted.get("max_tokens")
    body.pop("max_tokens", None)
    if limit is not None:
        body["max_tokens" if legacy else caps.token_limit] = limit
    if effort is not None:
        body["reasoning_effort"] = effort
    if legacy and "logprobs" in body:
        body["logprobs"] = body.pop("top_logprobs", None) or 1
    for feature, shown in refused.items():
        settings = ", ".join(shown)
        notes.append(Msg("request.not_applied", settings=settings,
                         why=caps.why_not(feature, effort)))
    return Applied(body, tuple(notes))


class Requests:
    """What one backend's model gets: checked settings, the body it takes, refusals learned."""

    def __init__(self, backend: Backend, catalog: Catalog, book: CapabilityBook) -> None:
        self.backend = backend
        self.catalog = catalog
        self.book = book

    def capabilities_for(self, model: str) -> Capabilities:
        """What `model` takes on this backend. No probe here (the UI probes when a model is
        picked): a request for a model that does not exist must fail once, not five times."""
        return self.book.get(self.backend.kind, self.backend.base_url, model)

    def check_model(self, model: str) -> None:
        """On OpenAI itself a retired model is refused before any request is sent."""
        if self.backend.kind == "openai":
            retired = self.catalog.retired_message(model)
            if retired:
                raise ModelNotFound.saying(retired)

    def validate(self, params: ChatParams) -> None:
        max_output = self.backend.context_window
        if self.backend.kind == "openai":
            max_output = self.catalog.get(params.model).max_output
        problems = params.problems(max_output)
        if problems:
            raise InvalidInput.keyed("request.impossible", problems=problems)
        self.check_model(params.model)

    def adapting(self, params: ChatParams, send: Callable[[dict[str, Any]], T], *,
                 legacy: bool = False) -> tuple[T, Applied]:
        """The one place where a model gets only what it takes.

        Sends `build_request`'s body. If the server still refuses a parameter by name (a model
        the data did not know), the client remembers that for the process and retries without
        it: once per refused parameter, never twice for the same one.
        """
        retried: list[str] = []
        while True:
            applied = build_request(params, self.capabilities_for(params.model), legacy=legacy)
            try:
                value = send(applied.body)
                break
            except UnsupportedParam as refusal:
                if len(retried) > len(FEATURES) or self.book.learn(
                        self.backend.kind, self.backend.base_url, params.model,
                        refusal.param) is None:
                    raise
                retried.append(refusal.param)
        if retried:
            names = ", ".join(retried)
            applied = replace(applied, notes=(*applied.notes, Msg(
                "request.refused_retried", model=params.model, names=names)))
        return value, applied

    @staticmethod
    def result_notes(applied: Applied, model: str, texts: list[str],
                     finish: list[str | None]) -> tuple[Msg, ...]:
        """`applied`'s notes, plus one when hidden reasoning used up the whole answer budget."""
        limit = applied.body.get("max_completion_tokens")
        if limit is None or any(t.strip() for t in texts) or "length" not in finish:
            return applied.notes
        return (*applied.notes, Msg("request.all_reasoning", model=model, limit=limit))
