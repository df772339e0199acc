"""The three labels, the words a model may use for them, and arithmetic on their probabilities."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from chatbot.i18n import DEFAULT, Msg, say

LABELS = ("positive", "neutral", "negative")
# Where a calibration or classifier came from: a Msg when made now, shipped data's own text.
Source = str | Msg


def display(label: str | None, lang: str) -> str:
    """A label as the reader reads it ("positivo" in Spanish); None is "unclassified"."""
    return say(lang, f"sentiment.label_{label or 'unknown'}")


DISPLAY = {label: display(label, DEFAULT) for label in LABELS}  # in the course's language
UNKNOWN = display(None, DEFAULT)

# Words the model may start its answer with, per label. The Qwen tokenizer encodes "positive",
# "neutral" and "negative" as three distinct single tokens; the rest catch answers like "Neg…",
# "positivo" or Qwen's Chinese habit.
ALIASES = {
    "positive": ("positive", "positivo", "正面", "积极"),
    "neutral": ("neutral", "neutro", "中性"),
    "negative": ("negative", "negativo", "负面", "消极"),
}
_PUNCT = "\"'`*_-:.,;!¡?¿()[]{} \t\n"

Probs = dict[str, float]


def label_of(word: str) -> str | None:
    """The label a word (or the start of one, as a token often is) stands for; None if unclear."""
    w = word.strip(_PUNCT).lower()
    if not w:
        return None
    hits = {label for label, names in ALIASES.items()
            if any(name.startswith(w) or w.startswith(name) for name in names)}
    return hits.pop() if len(hits) == 1 else None


def normalise(probs: Mapping[str, float]) -> Probs | None:
    total = sum(probs.get(label, 0.0) for label in LABELS)
    if total <= 0 or not math.isfinite(total):
        return None
    return {label: probs.get(label, 0.0) / total for label in LABELS}


def mean_probs(samples: Iterable[Probs | None]) -> Probs | None:
    """The average distribution, ignoring inputs that gave no label at all."""
    found = [s for s in samples if s is not None]
    if not found:
        return None
    return normalise({label: sum(s[label] for s in found) / len(found) for label in LABELS})


def best(probs: Mapping[str, float]) -> str:
    return max(LABELS, key=lambda label: probs[label])


def softmax(scores: Mapping[str, float]) -> Probs:
    top = max(scores.values())
    exp = {label: math.exp(scores[label] - top) for label in LABELS}
    total = sum(exp.values())
    return {label: exp[label] / total for label in LABELS}


def rows_by_label(model: Any) -> tuple[np.ndarray, np.ndarray]:
    """A fitted scikit-learn linear classifier's weights and bias, one row per label in LABELS
    order (it keeps its classes in the order it saw them)."""
    order = [list(model.classes_).index(i) for i in range(len(LABELS))]
    return (np.asarray(model.coef_, dtype=np.float64)[order],
            np.asarray(model.intercept_, dtype=np.float64)[order])
