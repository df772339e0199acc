"""The Playground's outputs shown: n answers side by side, tokens coloured by probability, usage."""

from __future__ import annotations

import html
import math
from typing import Any

from chatbot.client import Result, TokenLogprob, Usage
from chatbot.i18n import Msg, say


def _colour(prob: float) -> str:
    """Green for likely tokens, through yellow, to red for unlikely ones."""
    hue = int(120 * max(0.0, min(1.0, prob)))
    return f"hsl({hue}, 85%, 82%)"


def _visible(token: str) -> str:
    return html.escape(token).replace("\n", "↵<br>").replace(" ", "&nbsp;") or "∅"


def tokens_html(logprobs: tuple[TokenLogprob, ...]) -> str:
    """Each output token coloured by its probability; its top alternatives in the tooltip."""
    spans = []
    for tok in logprobs:
        prob = math.exp(tok.logprob)
        alts = " · ".join(f"{t.token!r} {math.exp(t.logprob):.1%}" for t in tok.top)
        title = html.escape(f"{tok.token!r}: {prob:.1%}" + (f"\n{alts}" if alts else ""),
                            quote=True)
        spans.append(f'<span class="tok" style="background:{_colour(prob)}" '
                     f'title="{title}">{_visible(tok.token)}</span>')
    return "".join(spans)


def result_html(result: Result, lang: str) -> str:
    """The n outputs side by side, each with its finish reason."""
    reasons = {reason: say(lang, f"playground.finish_{reason}")
               for reason in ("stop", "length", "content_filter")}
    cards = []
    for choice in result.choices:
        body = (tokens_html(choice.logprobs) if choice.logprobs
                else html.escape(choice.text).replace("\n", "<br>"))
        reason = reasons.get(choice.finish_reason or "", choice.finish_reason or "?")
        cards.append(
            f'<div class="pg-card"><div class="pg-head">#{choice.index + 1} · '
            f'finish_reason: <code>{html.escape(choice.finish_reason or "?")}</code> '
            f'({html.escape(reason)})</div><div class="pg-body">{body}</div></div>'
        )
    return f'<div class="pg-grid">{"".join(cards)}</div>'


def usage_markdown(result: Result, lang: str) -> str:
    u = result.usage
    cost = "—" if result.cost_usd is None else f"${result.cost_usd:.6f}"
    estimate = ""
    if result.estimate and result.estimate.high_usd is not None:
        estimate = say(lang, "playground.estimated_before", low=f"{result.estimate.low_usd:.6f}",
                       high=f"{result.estimate.high_usd:.6f}")
    fanned = say(lang, "playground.requests", n=result.requests) if result.requests > 1 else ""
    line = say(lang, "playground.usage", prompt=u.prompt_tokens, completion=u.completion_tokens,
               reasoning=reasoning_part(u, lang), cached=u.cached_tokens, cost=cost,
               estimate=estimate, seconds=f"{result.latency_s:.2f}", fanned=fanned)
    return line + notes_markdown(result.notes, lang)


def reasoning_part(usage: Usage, lang: str) -> str:
    """Hidden reasoning is part of the output tokens, and billed with them."""
    if not usage.reasoning_tokens:
        return ""
    return say(lang, "playground.of_which_reasoning", n=usage.reasoning_tokens)


def notes_markdown(notes: tuple[Msg, ...], lang: str) -> str:
    """The settings the model did not take (and usage the app recounted), one line each."""
    return "".join(f"\n\n⚠️ {note.said(lang)}" for note in notes)


def raw_result(result: Result, lang: str) -> dict[str, Any]:
    """A plain summary for the API and for students curious about the response's shape."""
    return {
        "model": result.model,
        "choices": [{"index": c.index, "text": c.text, "finish_reason": c.finish_reason}
                    for c in result.choices],
        "usage": {"prompt_tokens": result.usage.prompt_tokens,
                  "completion_tokens": result.usage.completion_tokens,
                  "cached_tokens": result.usage.cached_tokens,
                  "reasoning_tokens": result.usage.reasoning_tokens},
        "cost_usd": result.cost_usd,
        "latency_s": round(result.latency_s, 3),
        "requests": result.requests,
        "not_applied": [note.said(lang) for note in result.notes],
    }
