"""Verdicts in words and tables: the answer, how it was reached, what it cost (no Gradio here)."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

from chatbot.client import Usage
from chatbot.i18n import Msg, one_language, say
from chatbot.money.billing import format_usd
from chatbot.sentiment.classify import Verdict
from chatbot.sentiment.labels import LABELS, Probs, Source, display

COLUMNS = ("sentiment.col_tweet", "sentiment.col_sentiment", "sentiment.col_confidence")
SHOWN_CHARS = 140


def headers(lang: str) -> list[str]:
    return [say(lang, key) for key in COLUMNS]


def label_value(verdict: Verdict, lang: str) -> dict[str, float] | str:
    """What a label widget shows: every label's probability, or just the name when unknown."""
    if verdict.probs is None:
        return display(verdict.label, lang)
    return {display(label, lang): round(verdict.probs[label], 4) for label in LABELS}


def confidence_text(verdict: Verdict, lang: str) -> str:
    """Unknown without a label; without logprobs, the model cannot say: not invented here."""
    value = verdict.confidence
    if value is not None:
        return f"{value:.0%}"
    if verdict.label is not None and verdict.probs is None:
        return say(lang, "sentiment.confidence_unavailable")
    return say(lang, "sentiment.confidence_unknown")


def _probs(probs: Probs) -> str:
    return " · ".join(f"{label} {probs[label]:.0%}" for label in LABELS)


def _short(text: str) -> str:
    return text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS].rstrip() + "…"


def source_text(source: Source, lang: str) -> str:
    """Where a calibration or classifier came from: made now (a Msg), or shipped data's words."""
    return source.said(lang) if isinstance(source, Msg) else one_language(source, lang)


def how_markdown(verdict: Verdict, source: Source | None, lang: str) -> list[str]:
    """How it decided: probabilities before and after calibration, examples, nearest tweets."""
    lines: list[str] = []
    if verdict.raw_probs is not None and verdict.calibrated and verdict.probs is not None:
        lines.append(say(lang, "sentiment.uncalibrated", probs=_probs(verdict.raw_probs))
                     + "  \n" + say(lang, "sentiment.calibrated", probs=_probs(verdict.probs))
                     + (f"  \n({source_text(source, lang)})" if source else ""))
    elif verdict.probs is not None and verdict.raw_probs is None:
        parts = "".join(f"{say(lang, f'sentiment.part_{name}')}: {_probs(probs)}  \n"
                        for name, probs in verdict.parts)
        mixed = say(lang, "sentiment.mix") if verdict.parts else ""
        lines.append(parts + say(lang, "sentiment.linear", mixed=mixed, probs=_probs(verdict.probs))
                     + (f" ({source_text(source, lang)})" if source else ""))
    if verdict.examples:
        shots = "\n".join(f"{i}. *{label}* — {_short(text)}"
                          for i, (text, label) in enumerate(verdict.examples, 1))
        lines.append(say(lang, "sentiment.examples_seen") + f"\n\n{shots}")
    if verdict.neighbours:
        near = "\n".join(f"{i}. *{n.label}* ({n.similarity:.2f}) — {_short(n.text)}"
                         for i, n in enumerate(verdict.neighbours, 1))
        lines.append(say(lang, "sentiment.nearest") + f"\n\n{near}")
    return lines


def verdict_markdown(verdict: Verdict, use_calibration: bool, source: Source | None,
                     lang: str) -> str:
    """The answer in words, why the confidence may be missing, and how it was reached."""
    lines = [say(lang, "sentiment.verdict", name=display(verdict.label, lang),
                 confidence=confidence_text(verdict, lang))]
    if verdict.label is None:
        lines.append(say(lang, "sentiment.no_label", answer=verdict.answer))
    elif verdict.probs is None and verdict.structured:
        lines.append(say(lang, "sentiment.no_logprobs_json"))
    elif verdict.probs is None:
        lines.append(say(lang, "sentiment.no_logprobs"))
    elif use_calibration and not verdict.calibrated:
        lines.append(say(lang, "sentiment.not_calibrated"))
    lines += how_markdown(verdict, source, lang)
    lines.extend(notice.said(lang) for notice in verdict.notices)
    return "\n\n".join(lines)


def usage_line(usage: Usage, cost: float | None, latency_s: float, calls: int,
               setup: tuple[Usage, float | None, int], ledger_summary: str, lang: str) -> str:
    """This request's tokens and cost, the one-off setup cost, and the session total."""
    parts = [say(lang, "sentiment.usage", calls=calls, prompt=usage.prompt_tokens,
                 completion=usage.completion_tokens, cost=format_usd(cost),
                 seconds=f"{latency_s:.2f}")]
    setup_usage, setup_cost, setup_calls = setup
    if setup_calls:
        parts.append(say(lang, "sentiment.setup", calls=setup_calls,
                         tokens=setup_usage.total_tokens, cost=format_usd(setup_cost)))
    parts.append(ledger_summary)
    return "  \n".join(parts)


def table(verdicts: Sequence[Verdict], lang: str) -> list[list[str]]:
    return [[v.tweet, display(v.label, lang), confidence_text(v, lang)] for v in verdicts]


def counts_markdown(verdicts: Sequence[Verdict], total: int, lang: str) -> str:
    found = {label: sum(1 for v in verdicts if v.label == label) for label in LABELS}
    unknown = sum(1 for v in verdicts if v.label is None)
    parts = [f"**{display(label, lang)}:** {found[label]}" for label in LABELS]
    if unknown:
        parts.append(f"**{display(None, lang)}:** {unknown}")
    return f"{len(verdicts)}/{total} tweets · " + " · ".join(parts)


def write_csv(verdicts: Sequence[Verdict], path: Path) -> Path:
    """The batch's table as a UTF-8 CSV (with BOM, so Excel reads accents), one row a tweet."""
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["text", "label", "confidence", *(f"p_{label}" for label in LABELS)])
        for v in verdicts:
            probs = [f"{v.probs[label]:.4f}" for label in LABELS] if v.probs else [""] * 3
            conf = "" if v.confidence is None else f"{v.confidence:.4f}"
            out.writerow([v.tweet, v.label or "", conf, *probs])
    return path
