"""Calibration: undo the model's lean towards some labels before picking one.

One shape covers both kinds used here: calibrated = softmax(W · log p + b) over the three labels.
Contextual calibration (Zhao et al. 2021: divide by the model's average answer on reference tweets)
is W = identity, b = -log(prior); it is measured at run time for any backend, model and prompt.
For the embedded model and the default prompt, W and b are fitted on real labelled tweets by
`bench/fit_sentiment.py` and shipped as data, so the first click costs no calibration at all.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from chatbot.client import Backend, Usage
from chatbot.sentiment.labels import LABELS, Probs, Source, normalise, rows_by_label, softmax

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "sentiment.json"
FLOOR = 1e-6  # a prior this small is treated as this small (no division by zero)
LOG_FLOOR = 1e-9  # a label missing from the top logprobs: far below any prior's reach

# Unlabelled tweets, both languages, a third each positive, neutral (plans, news headlines) and
# negative: the model's average answer over them is the bias divided out. Content-free inputs
# ("", "N/A", "[TWEET]") are the classic choice, but this model reads them as neutral, so dividing
# by them pushes real neutral tweets away (65% instead of 90% on the tuning half of the dev set).
CALIBRATION_TWEETS = (
    "Qué ganas de que llegue el finde para ver a mis amigas 🥰",
    "Los resultados del examen salen el jueves a las 12",
    "Me cancelaron la cita del médico por tercera vez, qué hartazgo",
    "Best pancakes in town, no contest 🥞🔥",
    "The meeting has been moved to 3pm in room B",
    "my laptop died in the middle of the exam, worst luck ever",
    "Gracias @Vodafone por resolverlo tan rápido, así da gusto",
    "El Gobierno presentará los presupuestos el próximo martes",
    "Otra subida de la luz, no hay quien llegue a fin de mes 😤",
    "So proud of my little brother, he graduated today 🎓❤️",
    "NASA to launch new Mars rover in 2026, agency says",
    "Stuck at the airport for 6 hours, no updates from the airline 😡",
    "Hoy empieza el Mundial de clubes en Estados Unidos",
    "Just finished a 10k run, feeling amazing 💪",
    "Este restaurante ha bajado muchísimo, comida sosa y cara",
    "I'm taking the train to Philly tomorrow morning",
    "Qué alegría volver a casa por Navidad 🎄",
    "The update broke my favorite feature, why would they do that",
)


@dataclass(frozen=True)
class Calibration:
    """W and b of softmax(W · log p + b), where they came from, and what measuring them cost.

    `weights` is None when the backend gave no logprobs to measure with: nothing to correct.
    """

    weights: tuple[tuple[float, ...], ...] | None
    bias: tuple[float, ...]
    source: Source
    usage: Usage = field(default_factory=Usage)
    cost_usd: float | None = 0.0
    calls: int = 0

    @classmethod
    def from_prior(cls, prior: Probs | None, source: Source, usage: Usage | None = None,
                   cost_usd: float | None = 0.0, calls: int = 0) -> Calibration:
        usage = usage or Usage()
        if prior is None:
            return cls(None, (0.0,) * len(LABELS), source, usage, cost_usd, calls)
        identity = tuple(tuple(float(i == j) for j in range(len(LABELS)))
                         for i in range(len(LABELS)))
        bias = tuple(-math.log(max(prior[label], FLOOR)) for label in LABELS)
        return cls(identity, bias, source, usage, cost_usd, calls)

    def apply(self, probs: Mapping[str, float]) -> Probs | None:
        """The calibrated distribution; None when there is nothing to calibrate with."""
        raw = normalise(probs)
        if self.weights is None or raw is None:
            return None
        logs = log_probs(raw)
        scores = {label: sum(w * x for w, x in zip(row, logs, strict=True)) + b
                  for label, row, b in zip(LABELS, self.weights, self.bias, strict=True)}
        return softmax(scores)


def log_probs(probs: Mapping[str, float]) -> list[float]:
    return [math.log(max(probs[label], LOG_FLOOR)) for label in LABELS]


def prompt_digest(prompt_text: str) -> str:
    return hashlib.sha256(prompt_text.strip().encode()).hexdigest()


def cache_key(backend: Backend, model: str, prompt_text: str) -> str:
    """A calibration belongs to one backend, model and prompt; a digest keeps the key short."""
    raw = "\x1f".join((backend.kind, backend.base_url or "", model, prompt_text.strip()))
    return hashlib.sha256(raw.encode()).hexdigest()


@cache
def shipped_data() -> dict[str, Any]:
    """The data file written by bench/fit_sentiment.py (read once: it never changes at run time)."""
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))


def shipped(backend: Backend, model: str, prompt_text: str) -> Calibration | None:
    """The fitted calibration for the embedded model and this exact prompt, if one was shipped."""
    if backend.kind != "local":
        return None
    data = shipped_data()
    for entry in data.get("calibrations", ()):
        if entry["model"] == model and entry["prompt_sha256"] == prompt_digest(prompt_text):
            return Calibration(tuple(tuple(row) for row in entry["weights"]),
                               tuple(entry["bias"]), entry["source"])
    return None


def fit(raw: Sequence[Probs], gold: Sequence[str], source: Source) -> Calibration:
    """W and b by multinomial logistic regression on log p (scikit-learn), classes balanced."""
    from sklearn.linear_model import LogisticRegression

    x = [log_probs(p) for p in raw]
    model = LogisticRegression(C=1.0, class_weight="balanced", max_iter=1000)
    model.fit(x, [LABELS.index(g) for g in gold])
    weights, bias = rows_by_label(model)
    return Calibration(tuple(tuple(float(w) for w in row) for row in weights),
                       tuple(float(b) for b in bias), source)
