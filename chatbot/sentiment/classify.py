"""The prompted way: a chat model reads the tweet and answers one label word.

A 0.5B model asked zero-shot calls nearly every tweet "positive". Three things fix most of that:
few-shot examples sent as chat turns, reading the probabilities of the three label words from the
first answer token's logprobs instead of the sampled word, and calibration (see calibration.py).
A model without logprobs answers JSON bound to the three labels instead (see asking.py).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from chatbot.client import LLMClient, Result, TopToken, Usage
from chatbot.errors import InvalidInput
from chatbot.i18n import Msg
from chatbot.sentiment.asking import Asking, asking_for, label_from_json, logprob_effort
from chatbot.sentiment.calibration import (
    CALIBRATION_TWEETS,
    Calibration,
    cache_key,
    shipped,
)
from chatbot.sentiment.inputs import clip
from chatbot.sentiment.labels import LABELS, Probs, best, label_of, mean_probs, normalise
from chatbot.sentiment.prompt import Example, Prompt, build_messages

Step = Callable[[int, int], None]


@dataclass(frozen=True)
class Neighbour:
    """A labelled tweet close to the one classified, and how close (cosine similarity)."""

    text: str
    label: str
    similarity: float


@dataclass(frozen=True)
class Verdict:
    """One tweet's answer and how it was reached. `probs` is None when no confidence is known."""

    tweet: str
    label: str | None
    probs: Probs | None
    raw_probs: Probs | None
    answer: str
    usage: Usage = field(default_factory=Usage)
    cost_usd: float | None = 0.0
    latency_s: float = 0.0
    calls: int = 1
    calibrated: bool = False
    structured: bool = False  # the label came from a schema-bound JSON answer, not logprobs
    examples: tuple[Example, ...] = ()
    neighbours: tuple[Neighbour, ...] = ()
    parts: tuple[tuple[str, Probs], ...] = ()  # the opinions mixed into `probs`, by name
    notices: tuple[Msg, ...] = ()

    @property
    def confidence(self) -> float | None:
        if self.label is None or self.probs is None:
            return None
        return self.probs[self.label]


def score(top: Sequence[TopToken]) -> Probs | None:
    """Probability of each label from the first token's alternatives, renormalised to the three.

    Variants of one label ("negative", "Negative", "neg") add up. None when no alternative is a
    label (the model wanted to say something else).
    """
    mass = dict.fromkeys(LABELS, 0.0)
    for alt in top:
        label = label_of(alt.token)
        if label is not None:
            mass[label] += math.exp(alt.logprob)
    return normalise(mass)


def read_answer(result: Result, structured: bool = False) -> tuple[str | None, Probs | None]:
    """The label and its probabilities; without logprobs, the label parsed from the text alone."""
    choice = result.choices[0] if result.choices else None
    if choice is None:
        return None, None
    if structured:
        return label_from_json(choice.text), None
    first = choice.logprobs[0] if choice.logprobs else None
    probs = score(first.top) if first is not None and first.top else None
    if probs is not None:
        return best(probs), probs
    words = choice.text.split()
    return label_of(words[0] if words else ""), None


def ask(client: LLMClient, model: str, messages: list[dict[str, str]], *,
        structured: bool = False) -> tuple[Result, Probs | None, str | None]:
    """One request for one label, shaped by what the model takes (`structured`: force JSON)."""
    asking: Asking = asking_for(client.capabilities_for(model), model, structured=structured)
    result = client.chat(messages, asking.params)
    label, probs = read_answer(result, asking.structured)
    return result, probs, label


def gives_logprobs(client: LLMClient, model: str) -> bool:
    return logprob_effort(client.capabilities_for(model))[0]


def measure(client: LLMClient, model: str, prompt: Prompt,
            inputs: Sequence[str] = CALIBRATION_TWEETS, step: Step | None = None) -> Calibration:
    """Contextual calibration: the model's average answer on `inputs` is the bias divided out.

    `step(done, total)` is called before each request, so a UI can show progress. A model
    without logprobs has nothing to measure: no request is spent on it.
    """
    if not gives_logprobs(client, model):
        return Calibration.from_prior(None, Msg("sentiment.source_no_logprobs"))
    samples: list[Probs | None] = []
    usage = Usage()
    cost: float | None = 0.0
    for done, text in enumerate(inputs):
        if step is not None:
            step(done, len(inputs))
        result, probs, _ = ask(client, model, build_messages(prompt, text))
        samples.append(probs)
        usage = usage + result.usage
        cost = None if cost is None or result.cost_usd is None else cost + result.cost_usd
    source = Msg("sentiment.source_measured_now", n=len(inputs))
    return Calibration.from_prior(mean_probs(samples), source, usage, cost, len(inputs))


def clean_tweet(tweet: str | None) -> tuple[str, tuple[Msg, ...]]:
    """Checked before anything is spent: empty is an error, very long is cut with a notice."""
    text, cut = clip(tweet or "")
    if not text:
        raise InvalidInput.keyed("sentiment.type_a_tweet")
    notices = (Msg("sentiment.tweet_cut"),) if cut else ()
    return text, notices


def classify(client: LLMClient, model: str, prompt: Prompt, tweet: str,
             calibration: Calibration | None = None,
             examples: Sequence[Example] | None = None) -> Verdict:
    """One tweet → label, probabilities before and after calibration, and the call's usage.

    `examples` replaces the prompt's own few-shot examples (chosen for this tweet from a pool).
    """
    text, notices = clean_tweet(tweet)
    shots = tuple(prompt.examples if examples is None else examples)
    messages = build_messages(prompt, text, shots)
    structured = not gives_logprobs(client, model)
    result, raw, label = ask(client, model, messages, structured=structured)
    usage, cost, latency, calls = result.usage, result.cost_usd, result.latency_s, result.requests
    if label is None and not structured:  # it said something else: ask for the label as JSON
        notices += (Msg("sentiment.asked_again"),)
        result, raw, label = ask(client, model, messages, structured=True)
        structured, usage = True, usage + result.usage
        cost = None if cost is None or result.cost_usd is None else cost + result.cost_usd
        latency, calls = latency + result.latency_s, calls + result.requests
    probs = raw
    fixed = calibration.apply(raw) if raw is not None and calibration is not None else None
    if fixed is not None:
        probs, label = fixed, best(fixed)
    return Verdict(text, label, probs, raw, result.text, usage, cost, latency, calls,
                   fixed is not None, structured, shots,
                   notices=(*notices, *result.notes))


def calibration_for(client: LLMClient, model: str, prompt_text: str, prompt: Prompt,
                    cache: Mapping[str, Calibration], step: Step | None = None,
                    ) -> tuple[Calibration, dict[str, Calibration], bool]:
    """The shipped calibration, else the cached one, else one measured now.

    Returns the calibration, the entry to keep in a cache (nothing for a shipped one) and
    whether it was measured just now, so its cost can be shown once.
    """
    ready = shipped(client.backend, model, prompt_text)
    if ready is not None:
        return ready, {}, False
    key = cache_key(client.backend, model, prompt_text)
    if key in cache:
        return cache[key], {key: cache[key]}, False
    fresh = measure(client, model, prompt, step=step)
    return fresh, {key: fresh}, True
