"""Reshaped distributions and sample counts as tables for charts (pandas DataFrames)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import pandas as pd

from chatbot.lab.distribution import OTHER, Reshaped
from chatbot.sentiment import DISPLAY, LABELS, UNKNOWN, label_of

KEPT = "se queda / kept"
REMOVED = "eliminado / removed"
REST = "resto / rest"
STATUS = "estado / status"
STATUSES = (KEPT, REMOVED, REST)
PREDICTED = "predicha / predicted"
OBSERVED = "observada / observed"
COLORS = {KEPT: "#4f46e5", REMOVED: "#d1d5db", REST: "#9ca3af",
          PREDICTED: "#4f46e5", OBSERVED: "#f59e0b"}


def show_token(token: str) -> str:
    """Spaces and line breaks made visible: ' azul' and 'azul' are different tokens."""
    return token.replace(" ", "␣").replace("\n", "↵").replace("\t", "⇥") or "∅"


def labels(tokens: Sequence[str]) -> list[str]:
    """Ranked labels, unique even when two tokens look alike once made visible; zero-padded so
    that sorting them as text keeps the rank order."""
    return [f"{i:02d}. {show_token(t)}" for i, t in enumerate(tokens, 1)]


def distribution_frame(shape: Reshaped) -> pd.DataFrame:
    """One row per candidate plus the tail. A removed token keeps its bar, greyed, at the height
    the model gave it, so the cut stays visible."""
    rows = [
        {"token": label, "p": after if kept else before, "antes / before": before,
         "después / after": after, STATUS: KEPT if kept else REMOVED}
        for label, before, after, kept in zip(labels(shape.tokens), shape.before, shape.after,
                                              shape.kept, strict=True)
    ]
    rows.append({"token": OTHER, "p": shape.rest_after if shape.rest_kept else shape.rest_before,
                 "antes / before": shape.rest_before, "después / after": shape.rest_after,
                 STATUS: REST if shape.rest_kept else REMOVED})
    return pd.DataFrame(rows)


def chart_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The distribution as the bar chart gets it: every status present, a missing one as a
    zero-height row on the tail's bar. Gradio's BarPlot fixes its colour domain to the statuses of
    its first draw and never draws a bar of any other, so greyed bars would vanish otherwise."""
    missing = [s for s in STATUSES if s not in set(frame[STATUS])]
    pad = pd.DataFrame([{**dict.fromkeys(frame.columns, 0.0), "token": OTHER, STATUS: s}
                        for s in missing], columns=frame.columns)
    return pd.concat([frame, pad], ignore_index=True) if missing else frame


def frequency_frame(observed: Sequence[str], shape: Reshaped) -> pd.DataFrame:
    """Predicted probability and observed share side by side, for every candidate that could be
    drawn or was; tokens outside the model's top list count under 'other tokens'."""
    counts = Counter(t if t in shape.tokens else OTHER for t in observed)
    total = max(len(observed), 1)
    rows = [{"token": name, PREDICTED: after, OBSERVED: counts[token] / total,
             "veces / count": counts[token]}
            for name, token, after in zip(labels(shape.tokens), shape.tokens, shape.after,
                                          strict=True)
            if after > 0 or counts[token]]
    if shape.rest_after > 0 or counts[OTHER]:
        rows.append({"token": OTHER, PREDICTED: shape.rest_after,
                     OBSERVED: counts[OTHER] / total, "veces / count": counts[OTHER]})
    return pd.DataFrame(rows, columns=["token", PREDICTED, OBSERVED, "veces / count"])


def answer_label(answer: str) -> str | None:
    """The sentiment label an answer gives, read from its first word as the Sentiment tab does."""
    words = answer.split()
    return label_of(words[0]) if words else None


def label_frame(answers: Sequence[str], shape: Reshaped) -> pd.DataFrame:
    """Each sentiment label's predicted probability (the reshaped mass of the first-token
    candidates that spell it, "Neg" and "negative" alike) beside the share of answers that gave it;
    every other token, the unseen tail included, is "unclassified"."""
    predicted: dict[str | None, float] = dict.fromkeys([*LABELS, None], 0.0)
    for token, after in zip(shape.tokens, shape.after, strict=True):
        predicted[label_of(token)] += after
    predicted[None] += shape.rest_after
    counts = Counter(answer_label(a) for a in answers)
    total = max(len(answers), 1)
    return pd.DataFrame(
        [{"token": DISPLAY[label] if label else UNKNOWN, PREDICTED: predicted[label],
          OBSERVED: counts[label] / total, "veces / count": counts[label]}
         for label in [*LABELS, None]],
        columns=["token", PREDICTED, OBSERVED, "veces / count"])
