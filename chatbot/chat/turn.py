"""One chat turn, the same for every front end: checked, built with the persona, trimmed to the
context, streamed (billed by the client), a cut answer kept, and the history that follows it.

The web Chat tab and the Telegram bot only render what a `ChatTurn` yields.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Generator, Iterable, Iterator
from typing import Any, TypeVar

from chatbot.chat import persona
from chatbot.client import ChatParams, Result, StreamEvent
from chatbot.context import AppContext, Session
from chatbot.errors import ChatbotError, ContextTooLong, InvalidInput, StreamCut
from chatbot.i18n import DEFAULT, say
from chatbot.models import token_count

MAX_MESSAGE_CHARS = 200_000
STREAM_EVERY_S = 0.05  # at most 20 screen updates a second per answer
PLACEHOLDER_AFTER_S = 0.5  # an answer not started by then shows the message with "…" first
CUT_MARK = " […]"  # appended to an answer the stream cut short
History = list[dict[str, Any]]
T = TypeVar("T")


def error_notice(exc: ChatbotError, lang: str = DEFAULT) -> str:
    """The line the Chat tab shows under the conversation when a turn fails (the lab's error
    simulator ends with the same one)."""
    if isinstance(exc, StreamCut):
        return f"⚠️ {exc.said(lang)}"
    return f"⚠️ **{exc.title_in(lang)}:** {exc.said(lang)}"


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


def or_waiting(items: Generator[T, None, None], after_s: float) -> Iterator[T | None]:
    """`items`, preceded by one None if the first takes longer than `after_s` to come: a front
    end then shows that it is waiting. When the answer starts sooner, that early update is not
    sent at all: it is a whole Gradio round per student (docs/engine.md). The first item is
    pulled in a thread of its own; the rest here."""
    pulled: list[tuple[str, Any]] = []
    done = threading.Event()

    def pull() -> None:
        try:
            pulled.append(("item", next(items)))
        except StopIteration:
            pulled.append(("end", None))
        except BaseException as exc:  # raised again below, in the caller's thread
            pulled.append(("error", exc))
        finally:
            done.set()

    threading.Thread(target=pull, name="first-piece", daemon=True).start()
    try:
        if not done.wait(after_s):
            yield None
            done.wait()
        kind, value = pulled[0]
        if kind == "error":
            raise value
        if kind == "item":
            yield value
            yield from items
    finally:  # closed early (Stop): `items` is closed once the thread has let it go
        if done.is_set():
            items.close()
        else:
            threading.Thread(target=_close_after, args=(done, items), daemon=True).start()


def _close_after(done: threading.Event, items: Generator[Any, None, None]) -> None:
    done.wait()
    items.close()


def context_budget(ctx: AppContext, session: Session, model: str, max_tokens: int) -> int:
    """Tokens the prompt may use: the context window less the room kept for the answer."""
    backend = ctx.backend_for(session, wait=False)
    window = backend.context_window or ctx.catalog.get(model).context_window or 8192
    return max(window - max_tokens, 256)


def prepare_turn(ctx: AppContext, session: Session, message: str, history: History,
                 system_prompt: str, max_tokens: int) -> tuple[list[dict[str, str]], str]:
    """Validate the message and build the prompt, trimmed to fit; returns a notice if trimmed."""
    if not (message or "").strip():
        raise InvalidInput.keyed("chat.type_a_message")
    if len(message) > MAX_MESSAGE_CHARS:
        raise InvalidInput.keyed("chat.message_too_long", chars=f"{len(message):,}",
                                 limit=f"{MAX_MESSAGE_CHARS:,}")
    model = ctx.model_for(session)
    messages = persona.build_messages(system_prompt, history, message)
    budget = context_budget(ctx, session, model, max_tokens)

    info = ctx.catalog.get(model)

    def count(msgs: list[dict[str, str]]) -> int:
        return token_count.count_prompt(ctx.catalog, info, msgs).tokens

    kept, dropped = persona.trim_to_fit(messages, count, budget)
    if count(kept) > budget:
        raise ContextTooLong.keyed("chat.message_does_not_fit", "chat.shorten_it", model=model,
                                   budget=budget)
    return kept, say(session.lang, "chat.trimmed", n=dropped) if dropped else ""


class ChatTurn:
    """One message and its answer. Building it checks and trims the prompt (raising a project
    error before anything is shown); `stream()` yields the answer as it grows; afterwards
    `result` (finished) or `cut` (stopped mid-way, `answer` keeps what arrived) tell how it
    ended, and `conversation()` is the history to keep. Other project errors propagate."""

    def __init__(self, ctx: AppContext, session: Session, message: str, history: History,
                 system_prompt: str, *, max_tokens: int, temperature: float | None = None,
                 reasoning_effort: str | None = None) -> None:
        self.ctx, self.session = ctx, session
        self.message, self.history = message, list(history or [])
        self.messages, self.notice = prepare_turn(ctx, session, message, self.history,
                                                  system_prompt, max_tokens)
        self.params = ChatParams(model=ctx.model_for(session), temperature=temperature,
                                 max_tokens=max_tokens, reasoning_effort=reasoning_effort)
        self.answer = ""
        self.result: Result | None = None
        self.cut: StreamCut | None = None

    def stream(self, every: float | None = None) -> Generator[str, None, None]:
        """The answer so far, after each new piece (at most one per `every` seconds if given)."""
        self.ctx.place_start(self.session, self.messages)
        events = self.ctx.client_for(self.session).stream_chat(self.messages, self.params)
        try:
            with contextlib.closing(events):  # leaving early closes the HTTP stream at once
                for event in (events if every is None else paced(events, every)):
                    self.answer = event.text
                    if event.result is None:
                        yield event.text
                    else:
                        self.result = event.result
        except StreamCut as cut:
            self.cut = cut
            self.answer = cut.partial + CUT_MARK if cut.partial else ""

    def shown(self, answer: str | None) -> History:
        """The chat as a front end shows it: earlier messages, this one, and `answer` if any."""
        mine = [*self.history, {"role": "user", "content": self.message}]
        return [*mine, {"role": "assistant", "content": answer}] if answer is not None else mine

    def conversation(self) -> list[dict[str, str]]:
        """What to keep for the next turn: the trimmed conversation (without the system prompt,
        which the persona adds each time) and the answer, so it never outgrows the context.
        A cut that delivered nothing keeps the history as it was."""
        if self.cut is not None and not self.answer:
            return list(self.history)
        turns = [m for m in self.messages if m["role"] != "system"]
        return [*turns, {"role": "assistant", "content": self.answer}]
