"""Reshaped distributions and sample counts as tables for charts (pandas DataFrames)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import pandas as pd

from chatbot.i18n import DEFAULT, LANGS, say
from chatbot.lab.distribution import OTHER, Reshaped
from chatbot.sentiment import LABELS, display, label_of

# Language-neutral values and columns; `localize` turns a frame into the reader's words.
KEPT, REMOVED, REST = "kept", "removed", "rest"
STATUS = "status"
STATUSES = (KEPT, REMOVED, REST)
PREDICTED, OBSERVED, COUNT = "predicted", "observed", "count"
BEFORE, AFTER = "before", "after"
SERIES, SHARE, BAR = "series", "share", "bar"
# Three clearly different colours: indigo kept, light grey removed, amber the unseen tail.
HUES = {KEPT: "#4f46e5", REMOVED: "#d1d5db", REST: "#f59e0b", PREDICTED: "#4f46e5",
        OBSERVED: "#10b981"}
COLORS = {say(lang, f"lab.{key}"): hue for key, hue in HUES.items() for lang in LANGS}


def word(key: str, lang: str) -> str:
    """A status or series as the reader reads it (the chart's legend and colours use these)."""
    return say(lang, f"lab.{key}")


def other(lang: str) -> str:
    """The unseen tail's bar; "~" sorts it after the ranked labels."""
    return "~ " + say(lang, "lab.other_tokens")


def localize(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Statuses, the tail and column titles in the reader's words (a copy)."""
    out = frame.copy()
    if STATUS in out:
        out[STATUS] = [word(v, lang) for v in out[STATUS]]
    if "token" in out:
        out["token"] = [other(lang) if t == OTHER else t for t in out["token"]]
    return out


def titled(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """`localize`, with the columns titled for a table a person reads."""
    out = localize(frame, lang)
    return out.rename(columns={c: say(lang, f"lab.col_{c}") for c in out.columns})


def grouped(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Predicted and observed as one chart: two bars per token, side by side, two colours.

    Gradio's bar chart stacks bars of one category, so each bar gets its own row label
    ("01. azul · predicha"), sorted so a token's pair stays together."""
    rows = []
    for record in localize(frame, lang).to_dict("records"):
        for series in (PREDICTED, OBSERVED):
            rows.append({BAR: f"{record['token']} · {word(series, lang)}",
                         SERIES: word(series, lang), SHARE: record[series]})
    return pd.DataFrame(rows, columns=[BAR, SERIES, SHARE])


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
        {"token": label, "p": after if kept else before, BEFORE: before, AFTER: after,
         STATUS: KEPT if kept else REMOVED}
        for label, before, after, kept in zip(labels(shape.tokens), shape.before, shape.after,
                                              shape.kept, strict=True)
    ]
    rows.append({"token": OTHER, "p": shape.rest_after if shape.rest_kept else shape.rest_before,
                 BEFORE: shape.rest_before, AFTER: shape.rest_after,
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
             COUNT: counts[token]}
            for name, token, after in zip(labels(shape.tokens), shape.tokens, shape.after,
                                          strict=True)
            if after > 0 or counts[token]]
    if shape.rest_after > 0 or counts[OTHER]:
        rows.append({"token": OTHER, PREDICTED: shape.rest_after,
                     OBSERVED: counts[OTHER] / total, COUNT: counts[OTHER]})
    return pd.DataFrame(rows, columns=["token", PREDICTED, OBSERVED, COUNT])


def answer_label(answer: str) -> str | None:
    """The sentiment label an answer gives, read from its first word as the Sentiment tab does."""
    words = answer.split()
    return label_of(words[0]) if words else None


def label_frame(answers: Sequence[str], shape: Reshaped, lang: str = DEFAULT) -> pd.DataFrame:
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
        [{"token": display(label, lang), PREDICTED: predicted[label],
          OBSERVED: counts[label] / total, COUNT: counts[label]}
         for label in [*LABELS, None]],
        columns=["token", PREDICTED, OBSERVED, COUNT])
