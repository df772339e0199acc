"""One chat turn before it is sent: checked, built with the persona, trimmed to the context.

Shared by the web Chat tab and the Telegram bot.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from chatbot import tokens
from chatbot.chat import persona
from chatbot.client import StreamEvent
from chatbot.context import AppContext, Session
from chatbot.errors import ContextTooLong, InvalidInput

MAX_MESSAGE_CHARS = 200_000
STREAM_EVERY_S = 0.05  # at most 20 screen updates a second per answer
History = list[dict[str, Any]]


def paced(events: Iterable[StreamEvent], every: float = STREAM_EVERY_S,
          clock: Callable[[], float] = time.monotonic) -> Iterator[StreamEvent]:
    """The first partial event at once, then at most one every `every` seconds, and always the
    last: each update re-sends the chat to the browser, so a class of students on one server
    (and on slow Wi-Fi) gets fewer, fuller updates instead of one per token. A skipped event's
    text arrives with the next one shown."""
    last: float | None = None
    for event in events:
        if event.result is None:
            now = clock()
            if last is not None and now - last < every:
                continue
            last = now
        yield event


def context_budget(ctx: AppContext, session: Session, model: str, max_tokens: int) -> int:
    """Tokens the prompt may use: the context window less the room kept for the answer."""
    backend = ctx.backend_for(session, wait=False)
    window = backend.context_window or ctx.catalog.get(model).context_window or 8192
    return max(window - max_tokens, 256)


def prepare_turn(ctx: AppContext, session: Session, message: str, history: History,
                 system_prompt: str, max_tokens: int) -> tuple[list[dict[str, str]], str]:
    """Validate the message and build the prompt, trimmed to fit; returns a notice if trimmed."""
    if not (message or "").strip():
        raise InvalidInput("Escribe un mensaje antes de enviar. / Type a message before sending.")
    if len(message) > MAX_MESSAGE_CHARS:
        raise InvalidInput(f"El mensaje tiene {len(message):,} caracteres; el máximo es "
                           f"{MAX_MESSAGE_CHARS:,}. / The message has {len(message):,} characters; "
                           f"the limit is {MAX_MESSAGE_CHARS:,}.")
    model = ctx.model_for(session)
    messages = persona.build_messages(system_prompt, history, message)
    budget = context_budget(ctx, session, model, max_tokens)

    info = ctx.catalog.get(model)

    def count(msgs: list[dict[str, str]]) -> int:
        return tokens.count_prompt(ctx.catalog, info, msgs).tokens

    kept, dropped = persona.trim_to_fit(messages, count, budget)
    if count(kept) > budget:
        raise ContextTooLong(
            f"Tu mensaje solo ya no cabe en el contexto de {model} ({budget} tokens). / Your "
            f"message alone does not fit {model}'s context ({budget} tokens).",
            hint="Acórtalo o baja max_tokens. / Shorten it or lower max_tokens.",
        )
    notice = ""
    if dropped:
        notice = (f"ℹ️ Omití {dropped} mensajes antiguos para caber en el contexto. / "
                  f"Left out {dropped} old messages to fit the context.")
    return kept, notice
