"""Ask the model for its next-token distribution, step an answer token by token, and draw many
answers: every call through the project's one client, reading only its returned types."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chatbot.client import ChatParams, LLMClient, Result, build_request
from chatbot.errors import ChatbotError, InvalidInput
from chatbot.lab.distribution import (
    OTHER,
    Candidate,
    Reshaped,
    draw,
    first_candidate,
    reshape,
    sort_candidates,
)
from chatbot.sentiment import DEFAULT_PROMPT, build_messages, parse_prompt

MAX_TOP = 20  # OpenAI's ceiling for top_logprobs
LEGACY_MAX_TOP = 5  # OpenAI's ceiling for the legacy completions' logprobs
MAX_SAMPLES = 40
# llama.cpp samples with min_p 0.05 and top_k 40 unless told otherwise: they drop the rare tokens,
# so its samples would come out sharper than the probabilities. Off, it samples as OpenAI does.
PLAIN_SAMPLING = (("top_k", 0), ("min_p", 0.0))
MODES = ("chat", "completion", "sentiment")  # sentiment: the text is a tweet for that tab's prompt


class NoLogprobs(ChatbotError):
    title_key = "lab.no_logprobs_title"


@dataclass(frozen=True)
class NextToken:
    """The model's top candidates for the next token, most likely first, and the request sent."""

    candidates: tuple[Candidate, ...]
    request: dict[str, Any]
    model: str
    fingerprint: str | None


def _check(prompt: str, mode: str) -> None:
    if not (prompt or "").strip():
        raise InvalidInput.keyed("lab.type_a_prompt")
    if mode not in MODES:
        raise InvalidInput.keyed("lab.unknown_mode", mode=repr(mode), modes=" | ".join(MODES))


def messages_for(prompt: str, mode: str) -> list[dict[str, str]]:
    """A chat turn; in the sentiment form, the Sentiment tab's own few-shot prompt around it."""
    if mode == "sentiment":
        return build_messages(parse_prompt(DEFAULT_PROMPT), prompt)
    return [{"role": "user", "content": prompt}]


def _ask(client: LLMClient, prompt: str, mode: str, params: ChatParams
         ) -> tuple[Result, dict[str, Any]]:
    """One call in the chat or the plain-completion form; returns it with what was sent."""
    _check(prompt, mode)
    sent = build_request(params, client.capabilities_for(params.model),
                         legacy=mode == "completion").body
    if mode != "completion":
        messages = messages_for(prompt, mode)
        return client.chat(messages, params), {"messages": messages, **sent}
    return client.complete(prompt, params), {"prompt": prompt, **sent}


def top_for(client: LLMClient, mode: str, top: int) -> int:
    top = max(1, min(int(top), MAX_TOP))
    if mode == "completion" and client.backend.kind == "openai":
        return min(top, LEGACY_MAX_TOP)
    return top


def next_token(client: LLMClient, model: str, prompt: str, mode: str = "chat",
               top: int = MAX_TOP) -> NextToken:
    """One token asked with logprobs: its top alternatives are the distribution."""
    params = ChatParams(model=model, max_tokens=1, logprobs=True,
                        top_logprobs=top_for(client, mode, top))
    result, sent = _ask(client, prompt, mode, params)
    first = result.choices[0].logprobs if result.choices else None
    if not first or not first[0].top:
        raise NoLogprobs.keyed("lab.no_logprobs", "lab.no_logprobs_hint", model=model)
    cands = sort_candidates([Candidate(t.token, t.logprob) for t in first[0].top])
    return NextToken(cands, sent, result.model, result.system_fingerprint)


@dataclass(frozen=True)
class Step:
    """One token drawn from the reshaped distribution of `before`, and the text after it."""

    before: NextToken
    shape: Reshaped
    index: int
    seed: int
    text: str


def step(client: LLMClient, model: str, text: str, temperature: float, top_k: int,
         top_p: float, seed: int) -> Step:
    """Plain completion of `text`: the form that can be continued one token at a time."""
    dist = next_token(client, model, text, "completion")
    shape = reshape(dist.candidates, temperature, top_k, top_p)
    index = draw(shape, seed)
    return Step(dist, shape, index, seed, text + shape.tokens[index])


@dataclass(frozen=True)
class SampleRun:
    """The answers, and each one's first token where the backend reported tokens (else None)."""

    answers: tuple[str, ...]
    first_tokens: tuple[str | None, ...]
    fingerprints: tuple[str, ...]
    requests: int

    def firsts_among(self, tokens: tuple[str, ...]) -> tuple[str, ...]:
        """Each answer's first token as one of the candidates `tokens`, or OTHER."""
        return tuple(first_candidate(a, tokens, t) or OTHER
                     for a, t in zip(self.answers, self.first_tokens, strict=True))


def samples(client: LLMClient, model: str, prompt: str, mode: str, n: int,
            temperature: float, top_p: float, seed: int | None, max_tokens: int) -> SampleRun:
    """`n` answers, asked in batches the client accepts (it fans `n` out where it is ignored)."""
    if not 1 <= n <= MAX_SAMPLES:
        raise InvalidInput.keyed("lab.samples_range", n=n, most=MAX_SAMPLES)
    answers: list[str] = []
    firsts: list[str | None] = []
    prints: set[str] = set()
    requests = 0
    batch = 8
    for start in range(0, n, batch):
        params = ChatParams(model=model, n=min(batch, n - start), temperature=temperature,
                            top_p=top_p, max_tokens=max_tokens, logprobs=True,
                            seed=None if seed is None else seed + start,
                            extra_body=PLAIN_SAMPLING if client.backend.kind == "local" else ())
        result, _ = _ask(client, prompt, mode, params)
        requests += result.requests
        if result.system_fingerprint:
            prints.add(result.system_fingerprint)
        for choice in result.choices:
            answers.append(choice.text)
            firsts.append(choice.logprobs[0].token if choice.logprobs else None)
    return SampleRun(tuple(answers), tuple(firsts), tuple(sorted(prints)), requests)
