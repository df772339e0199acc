"""How sampling parameters reshape a next-token distribution, and one seeded draw from it.

The model gives its top candidates (top_logprobs) and leaves the rest of the vocabulary as one
unseen "other tokens" mass. Reshaping follows the order OpenAI and llama.cpp apply: temperature
p_i ∝ exp(log p_i / T), then top_k, then the smallest prefix whose mass reaches top_p, renormalised.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from chatbot.errors import InvalidInput
from chatbot.i18n import Msg

EPS = 1e-12
MAX_CANDIDATES = 20  # OpenAI's ceiling for top_logprobs
OTHER = "~other"  # the unseen tail, named in the reader's words by lab.tables.other; "~" sorts last


@dataclass(frozen=True)
class Candidate:
    token: str
    logprob: float

    @property
    def prob(self) -> float:
        return math.exp(self.logprob)


def candidates_from_rows(rows: Any) -> list[Candidate]:
    """The candidates table as it comes back from the page or a REST call ({token, logprob}
    rows); anything else is named, not a traceback."""
    if not rows:
        raise InvalidInput.keyed("lab.fetch_distribution_first")
    found: list[Candidate] = []
    for i, row in enumerate(rows if isinstance(rows, list) else [rows], 1):
        try:
            logprob = float(row["logprob"])
            token = row["token"]
        except (TypeError, KeyError, ValueError, IndexError):
            logprob, token = math.nan, None
        if not isinstance(token, str) or not math.isfinite(logprob) or logprob > 0:
            raise InvalidInput.keyed("lab.bad_candidate", i=i)
        found.append(Candidate(token, logprob))
    if len(found) > MAX_CANDIDATES:
        raise InvalidInput.keyed("lab.too_many_candidates", most=MAX_CANDIDATES)
    return found


def knobs(temperature: Any, top_k: Any, top_p: Any) -> tuple[float, int, float]:
    """The reshaping knobs as numbers in their ranges, or one message naming each problem."""
    problems: list[Msg] = []
    values = []
    for name, value, low, high, kind in (("temperature", temperature, 0.0, 2.0, float),
                                         ("top_k", top_k, 0, MAX_CANDIDATES, int),
                                         ("top_p", top_p, 0.0, 1.0, float)):
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = math.nan
        if not low <= number <= high:  # NaN fails too
            problems.append(Msg("lab.knob_range", name=name, value=repr(value), low=f"{low:g}",
                                high=f"{high:g}"))
        values.append(kind(number) if math.isfinite(number) else kind(0))
    if problems:
        raise InvalidInput.keyed("lab.impossible_knobs", problems=problems)
    return float(values[0]), int(values[1]), float(values[2])


@dataclass(frozen=True)
class Reshaped:
    """Candidates most likely first, their probabilities before and after, and which survive.

    `rest_*` is the unseen tail (all other tokens) as one bar; it never survives a top_k cut.
    """

    tokens: tuple[str, ...]
    before: tuple[float, ...]
    after: tuple[float, ...]
    kept: tuple[bool, ...]
    rest_before: float
    rest_after: float
    rest_kept: bool


def sort_candidates(candidates: Sequence[Candidate]) -> tuple[Candidate, ...]:
    return tuple(sorted(candidates, key=lambda c: -c.logprob))


def rest_mass(candidates: Sequence[Candidate]) -> float:
    """What the top candidates leave to every other token of the vocabulary."""
    return max(0.0, 1.0 - sum(c.prob for c in candidates))


def _tempered(logprobs: Sequence[float], rest: float, temperature: float
              ) -> tuple[list[float], float]:
    """p_i^(1/T) normalised, with the tail taken as tokens no likelier than the last candidate.

    At T = 1 nothing changes; below 1 the tail shrinks (an upper bound), above 1 it grows (a lower
    bound: a tail spread thinner would grow faster still). T = 0 is greedy.
    """
    if temperature <= 0:
        return [1.0 if i == 0 else 0.0 for i in range(len(logprobs))], 0.0
    scaled = [lp / temperature for lp in logprobs]
    tail = None
    if rest > EPS:
        # rest/p_min tokens of probability p_min each: rest * p_min^(1/T - 1), in log space
        tail = math.log(rest) + (1 / temperature - 1) * logprobs[-1]
    top = max([*scaled, tail if tail is not None else -math.inf])
    weights = [math.exp(s - top) for s in scaled]
    tail_w = math.exp(tail - top) if tail is not None else 0.0
    total = sum(weights) + tail_w
    return [w / total for w in weights], tail_w / total


def reshape(candidates: Sequence[Candidate], temperature: float = 1.0, top_k: int = 0,
            top_p: float = 1.0) -> Reshaped:
    """Temperature, then top_k (0 = off), then top_p, then renormalise what is kept."""
    cands = sort_candidates(candidates)
    rest = rest_mass(cands)
    if temperature == 1.0 and top_k <= 0 and top_p >= 1.0:  # the identity, exactly
        probs = [c.prob for c in cands]
        return Reshaped(tuple(c.token for c in cands), tuple(probs), tuple(probs),
                        (True,) * len(cands), rest, rest, True)
    probs, tail = _tempered([c.logprob for c in cands], rest, temperature)
    kept = [p > 0 or temperature > 0 for p in probs]
    if top_k > 0:
        kept = [k and i < top_k for i, k in enumerate(kept)]
    tail_kept = tail > 0 and top_k <= 0
    if top_p < 1.0:  # on the mass top_k left, as if renormalised first
        goal = top_p * (sum(p for p, k in zip(probs, kept, strict=True) if k)
                        + (tail if tail_kept else 0.0))
        cumulative = 0.0
        for i, p in enumerate(probs):
            if not kept[i]:
                continue
            if cumulative >= goal - EPS:
                kept[i] = False
            cumulative += p
        tail_kept = tail_kept and cumulative < goal - EPS
    total = sum(p for p, k in zip(probs, kept, strict=True) if k) + (tail if tail_kept else 0)
    after = [p / total if k else 0.0 for p, k in zip(probs, kept, strict=True)]
    return Reshaped(tuple(c.token for c in cands), tuple(c.prob for c in cands), tuple(after),
                    tuple(kept), rest, tail / total if tail_kept else 0.0, tail_kept)


def first_candidate(answer: str, tokens: Sequence[str], returned: str | None = None
                    ) -> str | None:
    """Which candidate an answer began with: the token the backend reports, when it reports one;
    otherwise the longest candidate that begins the answer's text (a backend that gives no tokens
    for sampled answers leaves only the text, whose first letters are not a token). None when the
    answer began with a token outside the candidates."""
    if returned is not None:
        return returned if returned in tokens else None
    matches = [t for t in tokens if t and answer.startswith(t)]
    return max(matches, key=len) if matches else None


def draw(shape: Reshaped, seed: int) -> int:
    """One seeded draw among the kept candidates (the unseen tail cannot be named, so it is left
    out and the candidates renormalised). The same seed gives the same index."""
    weights = [p if k else 0.0 for p, k in zip(shape.after, shape.kept, strict=True)]
    total = sum(weights)
    if total <= 0:
        raise ValueError("no candidate survives the cut")
    point = random.Random(seed).random() * total
    cumulative = 0.0
    for i, w in enumerate(weights):
        cumulative += w
        if w > 0 and point < cumulative:
            return i
    return max(i for i, w in enumerate(weights) if w > 0)
