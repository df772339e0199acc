"""The "before you send" line every tab shows: input tokens and the worst-case cost."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from chatbot.context import AppContext, Session
from chatbot.money import billing


def estimate_markdown(ctx: AppContext, session: Session, model: str,
                      prompt: Sequence[Mapping[str, Any]] | str, max_tokens: int | None,
                      n: int = 1, calls: int = 1) -> str:
    """Worst case before sending: input tokens plus n × max_tokens, times `calls` requests."""
    retired = ctx.catalog.retired_message(model)
    if retired:
        return f"⚠️ {retired}"
    est = billing.estimate(ctx.catalog, model, prompt, max_tokens, n)
    many = f" × {calls} " if calls > 1 else " "
    tokens = f"≈ {est.input_tokens}{many}tokens de entrada / input tokens"
    if ctx.backend_kind(session) == "local":
        return f"{tokens} · modelo local: gratis / local model: free"
    if est.high_usd is None or est.low_usd is None:
        return f"{tokens} · precio desconocido / unknown price"
    return (f"{tokens} · coste estimado / estimated cost: ${est.low_usd * calls:.6f} – "
            f"${est.high_usd * calls:.6f}")
