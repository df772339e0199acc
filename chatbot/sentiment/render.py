"""Verdicts in words and tables: the answer, how it was reached, what it cost (no Gradio here)."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

from chatbot.client import Usage
from chatbot.money.billing import format_usd
from chatbot.sentiment.classify import Verdict
from chatbot.sentiment.labels import DISPLAY, LABELS, UNKNOWN, Probs

TABLE_HEADERS = ["tweet", "sentimiento / sentiment", "confianza / confidence"]
SHOWN_CHARS = 140


def label_value(verdict: Verdict) -> dict[str, float] | str:
    """What a label widget shows: every label's probability, or just the name when unknown."""
    if verdict.probs is None:
        return DISPLAY[verdict.label] if verdict.label else UNKNOWN
    return {DISPLAY[label]: round(verdict.probs[label], 4) for label in LABELS}


def confidence_text(verdict: Verdict) -> str:
    """Unknown without a label; without logprobs, the model cannot say: not invented here."""
    value = verdict.confidence
    if value is not None:
        return f"{value:.0%}"
    if verdict.label is not None and verdict.probs is None:
        return "no disponible en este modelo / not available on this model"
    return "¿? / unknown"


def _probs(probs: Probs) -> str:
    return " · ".join(f"{label} {probs[label]:.0%}" for label in LABELS)


def _short(text: str) -> str:
    return text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS].rstrip() + "…"


def how_markdown(verdict: Verdict, source: str | None) -> list[str]:
    """How it decided: probabilities before and after calibration, examples, nearest tweets."""
    lines: list[str] = []
    if verdict.raw_probs is not None and verdict.calibrated and verdict.probs is not None:
        lines.append(f"Sin calibrar / Uncalibrated: {_probs(verdict.raw_probs)}  \n"
                     f"Calibrado / Calibrated: {_probs(verdict.probs)}"
                     + (f"  \n({source})" if source else ""))
    elif verdict.probs is not None and verdict.raw_probs is None:
        parts = "".join(f"{name}: {_probs(probs)}  \n" for name, probs in verdict.parts)
        mixed = " (mezcla / mix)" if verdict.parts else ""
        lines.append(parts + f"Clasificador lineal / Linear classifier{mixed}: "
                     f"{_probs(verdict.probs)}" + (f" ({source})" if source else ""))
    if verdict.examples:
        shots = "\n".join(f"{i}. *{label}* — {_short(text)}"
                          for i, (text, label) in enumerate(verdict.examples, 1))
        lines.append(f"**Ejemplos que vio el modelo / Examples the model saw:**\n\n{shots}")
    if verdict.neighbours:
        near = "\n".join(f"{i}. *{n.label}* ({n.similarity:.2f}) — {_short(n.text)}"
                         for i, n in enumerate(verdict.neighbours, 1))
        lines.append(f"**Tweets de entrenamiento más cercanos / Nearest training tweets:**\n\n"
                     f"{near}")
    return lines


def verdict_markdown(verdict: Verdict, use_calibration: bool, source: str | None) -> str:
    """The answer in words, why the confidence may be missing, and how it was reached."""
    name = DISPLAY[verdict.label] if verdict.label else UNKNOWN
    lines = [f"### {name} · confianza / confidence: {confidence_text(verdict)}"]
    if verdict.label is None:
        lines.append(f"El modelo no respondió con una etiqueta: escribió «{verdict.answer}». / The "
                     f"model did not answer with a label: it wrote «{verdict.answer}».")
    elif verdict.probs is None and verdict.structured:
        lines.append("Este modelo no da logprobs: la etiqueta sale de una respuesta JSON limitada a "
                     "las tres etiquetas (structured output) y la confianza no está disponible en "
                     "este modelo. / This model gives no logprobs: the label comes from a JSON "
                     "answer bound to the three labels (structured output), and the confidence "
                     "is not available on this model.")
    elif verdict.probs is None:
        lines.append("Este modelo no da logprobs: la etiqueta sale de su respuesta y la confianza "
                     "no está disponible. / This model gives no logprobs: the label comes from "
                     "its answer and the confidence is not available.")
    elif use_calibration and not verdict.calibrated:
        lines.append("No pude medir el sesgo del modelo, así que no está calibrado. / Could not "
                     "measure the model's bias, so this is not calibrated.")
    lines += how_markdown(verdict, source)
    lines.extend(verdict.notices)
    return "\n\n".join(lines)


def usage_line(usage: Usage, cost: float | None, latency_s: float, calls: int,
               setup: tuple[Usage, float | None, int], ledger_summary: str) -> str:
    """This request's tokens and cost, the one-off setup cost, and the session total."""
    parts = [f"**Uso / Usage:** {calls} llamada(s) / call(s) · {usage.prompt_tokens} entrada / in "
             f"· {usage.completion_tokens} salida / out · **coste / cost:** {format_usd(cost)} "
             f"· {latency_s:.2f} s"]
    setup_usage, setup_cost, setup_calls = setup
    if setup_calls:
        parts.append(f"Preparación hecha ahora (una vez por backend, modelo y prompt o pool) / "
                     f"Set-up done now (once per backend, model and prompt or pool): "
                     f"{setup_calls} llamadas / calls, {setup_usage.total_tokens} tokens, "
                     f"{format_usd(setup_cost)}")
    parts.append(ledger_summary)
    return "  \n".join(parts)


def table(verdicts: Sequence[Verdict]) -> list[list[str]]:
    return [[v.tweet, DISPLAY[v.label] if v.label else UNKNOWN, confidence_text(v)]
            for v in verdicts]


def counts_markdown(verdicts: Sequence[Verdict], total: int) -> str:
    found = {label: sum(1 for v in verdicts if v.label == label) for label in LABELS}
    unknown = sum(1 for v in verdicts if v.label is None)
    parts = [f"**{DISPLAY[label]}:** {found[label]}" for label in LABELS]
    if unknown:
        parts.append(f"**{UNKNOWN}:** {unknown}")
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
