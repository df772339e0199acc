"""Reshaped distributions and sample counts as tables for charts (pandas DataFrames)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import pandas as pd

from chatbot.lab.distribution import OTHER, Reshaped

KEPT = "se queda / kept"
REMOVED = "eliminado / removed"
REST = "resto / rest"
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
         "después / after": after, "estado / status": KEPT if kept else REMOVED}
        for label, before, after, kept in zip(labels(shape.tokens), shape.before, shape.after,
                                              shape.kept, strict=True)
    ]
    rows.append({"token": OTHER, "p": shape.rest_after if shape.rest_kept else shape.rest_before,
                 "antes / before": shape.rest_before, "después / after": shape.rest_after,
                 "estado / status": REST if shape.rest_kept else REMOVED})
    return pd.DataFrame(rows)


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
