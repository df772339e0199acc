"""One turn of a Telegram chat: the same prompt building, knowledge, client and billing as the web
Chat tab, run in a worker thread so one slow answer never holds up the other chats."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import AsyncGenerator, Callable, Iterator
from concurrent.futures import Executor
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar

from telegram import Bot

from chatbot.chat import ChatTurn, Persona, preset
from chatbot.context import AppContext, Session
from chatbot.conversations import Conversation, Saved, to_json
from chatbot.conversations import Persona as Card
from chatbot.errors import ChatbotError
from chatbot.i18n import say
from chatbot.knowledge import Grounding, Library, for_turn, sources_title
from chatbot.store import Store
from chatbot.telegram.live import LiveReply, send_text, typing_indicator
from chatbot.telegram.text import error_reply

T = TypeVar("T")
log = logging.getLogger(__name__)


@dataclass
class ChatState:
    """One chat's conversation; lives in python-telegram-bot's per-chat `chat_data`.

    The lock keeps a chat's turns in order while other chats are answered concurrently.
    """

    persona: Persona
    history: list[dict[str, str]] = field(default_factory=list)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


def restore(store: Store, chat_id: int, default: Persona) -> ChatState:
    """A chat's persona and history as last saved; a fresh chat, or one saved by another
    version whose persona is gone, starts with the default."""
    saved = store.load_conversation(f"tg:{chat_id}") or {}
    try:
        persona = preset(str(saved.get("persona", default.key)))
    except ChatbotError:
        persona = default
    history = [m for m in saved.get("history", [])
               if isinstance(m, dict) and isinstance(m.get("content"), str)]
    return ChatState(persona, history)


def export_json(state: ChatState) -> bytes:
    """The chat as the web Chat tab exports it (its Import reads it back)."""
    p = state.persona
    saved = Saved(Conversation.from_history(state.history),
                  Card(p.name, p.system_prompt, p.greeting))
    return to_json(saved).encode("utf-8")


def remember(store: Store, chat_id: int, state: ChatState) -> None:
    store.save_conversation(f"tg:{chat_id}", {"persona": state.persona.key,
                                              "history": state.history})


async def iterate_in_thread(make: Callable[[], Iterator[T]], executor: Executor
                            ) -> AsyncGenerator[T, None]:
    """Drive a blocking iterator (the SDK's stream) in a worker thread, handing its items to the
    event loop. Leaving early closes the iterator at its next item, which closes the stream."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
    stop = threading.Event()

    def put(kind: str, value: Any) -> None:
        try:
            loop.call_soon_threadsafe(queue.put_nowait, (kind, value))
        except RuntimeError:  # the loop is gone: the bot is shutting down
            stop.set()

    def pump() -> None:
        try:
            iterator = make()
            try:
                for item in iterator:
                    if stop.is_set():
                        return
                    put("item", item)
            finally:
                close = getattr(iterator, "close", None)
                if close is not None:
                    close()
        except BaseException as exc:  # handed over to the awaiting side, raised there
            put("error", exc)
        else:
            put("done", None)

    loop.run_in_executor(executor, pump)
    try:
        while True:
            kind, value = await queue.get()
            if kind == "item":
                yield value
            elif kind == "error":
                raise value
            else:
                return
    finally:
        stop.set()


def _final_text(turn: ChatTurn, grounding: Grounding | None, lang: str) -> str:
    """The answer, then what the reader should know: a cut, the sources, a trimmed history."""
    parts = [turn.answer.strip() or say(lang, "telegram.empty_answer")]
    result = turn.result
    if result is not None and result.choices and result.choices[0].finish_reason == "length":
        parts.append(say(lang, "telegram.cut_by_length"))
    if grounding is not None and grounding.used:
        parts.append(sources_title(grounding, lang))
    if turn.notice:
        parts.append(turn.notice)
    return "\n\n".join(parts)


def _turn(ctx: AppContext, session: Session, state: ChatState, text: str, max_tokens: int,
          library: Library | None) -> tuple[ChatTurn, Grounding | None]:
    """The web Chat's turn: the host's documents searched for this message, the best passages
    in the persona's system prompt."""
    system, grounding = state.persona.system_prompt, None
    if library is not None:
        grounding = for_turn(ctx, session, library, text, system, max_tokens)
        system = grounding.system_prompt
    return ChatTurn(ctx, session, text, state.history, system, max_tokens=max_tokens), grounding


async def answer(bot: Bot, ctx: AppContext, session: Session, state: ChatState, text: str, *,
                 chat_id: int, reply_to: int | None, max_tokens: int, edit_interval: float,
                 executor: Executor, library: Library | None = None) -> None:
    """Stream one answer into the chat; project errors become a short message in the chat."""
    lang = session.lang
    async with state.lock, typing_indicator(bot, chat_id):
        loop = asyncio.get_running_loop()
        live = LiveReply(bot, chat_id, reply_to=reply_to, interval=edit_interval)
        try:
            turn, grounding = await loop.run_in_executor(executor, partial(
                _turn, ctx, session, state, text, max_tokens, library))
            events = iterate_in_thread(turn.stream, executor)
            async with contextlib.aclosing(events):  # a failed edit stops the stream at once
                async for shown in events:
                    await live.show(shown)
        except ChatbotError as exc:
            log.info("chat %s: %s: %s", chat_id, type(exc).__name__, exc.message)
            await send_text(bot, chat_id, error_reply(exc, lang), reply_to=reply_to)
            return
        if turn.cut is None:
            await live.finish(_final_text(turn, grounding, lang))
        elif turn.answer:
            await live.finish(turn.answer)
        state.history = turn.conversation()
        if turn.cut is not None:
            await send_text(bot, chat_id, error_reply(turn.cut, lang), reply_to=reply_to)
