"""Plain result objects the app sees instead of SDK types, and the readers that build them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chatbot.i18n import Msg
from chatbot.money import billing


@dataclass(frozen=True)
class TopToken:
    token: str
    logprob: float


@dataclass(frozen=True)
class TokenLogprob:
    token: str
    logprob: float
    top: tuple[TopToken, ...] = ()


@dataclass(frozen=True)
class ToolCall:
    """A function the model asked for: `arguments` is its JSON text, exactly as sent (a small
    model's may not parse; the caller says so)."""

    id: str
    name: str
    arguments: str


@dataclass(frozen=True)
class Choice:
    index: int
    text: str
    finish_reason: str | None
    logprobs: tuple[TokenLogprob, ...] | None = None
    tool_calls: tuple[ToolCall, ...] = ()


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0  # includes reasoning tokens, billed as output
    cached_tokens: int = 0
    reasoning_tokens: int = 0  # hidden thinking of a reasoning model (completion_tokens_details)

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.prompt_tokens + other.prompt_tokens,
            self.completion_tokens + other.completion_tokens,
            self.cached_tokens + other.cached_tokens,
            self.reasoning_tokens + other.reasoning_tokens,
        )


@dataclass(frozen=True)
class Result:
    model: str
    choices: tuple[Choice, ...]
    usage: Usage
    latency_s: float
    estimate: billing.CostEstimate | None = None
    cost_usd: float | None = None
    requests: int = 1  # more than one when `n` was fanned out
    notes: tuple[Msg, ...] = ()  # each setting not applied to this model and why, and the like
    system_fingerprint: str | None = None  # the backend's configuration, when it says

    @property
    def text(self) -> str:
        return self.choices[0].text if self.choices else ""


@dataclass(frozen=True)
class StreamEvent:
    """One step of a streamed answer; the last one carries the finished `result`."""

    delta: str
    text: str
    first_token_s: float | None = None
    result: Result | None = None


@dataclass(frozen=True)
class FileInfo:
    id: str
    filename: str
    bytes: int
    status: str | None


@dataclass(frozen=True)
class JobInfo:
    id: str
    model: str
    status: str
    fine_tuned_model: str | None
    created_at: int
    finished_at: int | None
    trained_tokens: int | None
    training_file: str
    validation_file: str | None
    error: str | None
    hyperparameters: dict[str, Any]


@dataclass(frozen=True)
class JobEvent:
    id: str
    created_at: int
    level: str
    message: str
    data: dict[str, Any] | None


def read_logprobs(content: Any) -> tuple[TokenLogprob, ...] | None:
    """Chat completions' `logprobs.content` → our tokens."""
    if not content:
        return None
    return tuple(
        TokenLogprob(
            t.token, t.logprob,
            tuple(TopToken(a.token, a.logprob) for a in (t.top_logprobs or ())),
        )
        for t in content
    )


def read_legacy_logprobs(lp: Any) -> tuple[TokenLogprob, ...] | None:
    """Legacy completions' parallel lists (and top-k dicts) → our tokens, most likely first;
    llama-server sends the chat shape there (`content`: each token with its `top_logprobs`)."""
    content = getattr(lp, "content", None) if lp else None
    if content:
        return tuple(TokenLogprob(t["token"], float(t["logprob"]), tuple(
            TopToken(a["token"], float(a["logprob"])) for a in t.get("top_logprobs") or ()))
            for t in content)
    if not lp or not lp.tokens:
        return None
    tops = lp.top_logprobs or [None] * len(lp.tokens)
    return tuple(
        TokenLogprob(
            tok, float(lpv if lpv is not None else 0.0),
            tuple(TopToken(k, float(v)) for k, v in sorted(
                (top or {}).items(), key=lambda kv: -kv[1])),
        )
        for tok, lpv, top in zip(lp.tokens, lp.token_logprobs or [], tops, strict=False)
    )


def read_tool_calls(message: Any) -> tuple[ToolCall, ...]:
    """A chat message's function calls (other kinds of tool call are not offered)."""
    return tuple(ToolCall(c.id or f"call_{i}", c.function.name, c.function.arguments or "")
                 for i, c in enumerate(getattr(message, "tool_calls", None) or ())
                 if getattr(c, "function", None) is not None)


def read_usage(raw: Any) -> Usage:
    if raw is None:
        return Usage()
    details = getattr(raw, "prompt_tokens_details", None)
    cached = getattr(details, "cached_tokens", None) or 0
    thinking = getattr(getattr(raw, "completion_tokens_details", None), "reasoning_tokens", None)
    return Usage(raw.prompt_tokens or 0, raw.completion_tokens or 0, cached, thinking or 0)


def read_job(job: Any) -> JobInfo:
    hyper = job.hyperparameters.model_dump(exclude_none=True) if job.hyperparameters else {}
    error = None
    if job.error is not None and (job.error.message or job.error.code):
        error = f"{job.error.code or ''}: {job.error.message or ''}".strip(": ")
    return JobInfo(job.id, job.model, job.status, job.fine_tuned_model, job.created_at,
                   job.finished_at, job.trained_tokens, job.training_file, job.validation_file,
                   error, hyper)


def read_job_event(event: Any) -> JobEvent:
    data = event.data if isinstance(getattr(event, "data", None), dict) else None
    return JobEvent(event.id, event.created_at, event.level, event.message,
                    dict(data) if data is not None else None)
