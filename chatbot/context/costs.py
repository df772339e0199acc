"""The "before you send" line every tab shows: input tokens and the worst-case cost."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from chatbot.context import AppContext, Session
from chatbot.i18n import say
from chatbot.money import billing


def estimate_markdown(ctx: AppContext, session: Session, model: str,
                      prompt: Sequence[Mapping[str, Any]] | str, max_tokens: int | None,
                      n: int = 1, calls: int = 1) -> str:
    """Worst case before sending: input tokens plus n × max_tokens, times `calls` requests."""
    retired = ctx.catalog.retired_message(model)
    if retired:
        return f"⚠️ {retired.said(session.lang)}"
    est = billing.estimate(ctx.catalog, model, prompt, max_tokens, n)
    many = f" × {calls}" if calls > 1 else ""
    tokens = say(session.lang, "costs.input_tokens", n=est.input_tokens, many=many)
    if ctx.backend_kind(session) == "local":
        return tokens + say(session.lang, "costs.local_free")
    if est.high_usd is None or est.low_usd is None:
        return tokens + say(session.lang, "costs.unknown_price")
    return tokens + say(session.lang, "costs.estimated", low=f"{est.low_usd * calls:.6f}",
                        high=f"{est.high_usd * calls:.6f}")
