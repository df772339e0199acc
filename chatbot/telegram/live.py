"""What the user sees while an answer is written: a typing indicator, then one message edited in
place as the text grows (throttled), spilling into more messages past Telegram's limit, rendered
as Markdown once finished, or as plain text when Telegram rejects the Markdown."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from telegram import Bot, Message, ReplyParameters
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest, TelegramError

from chatbot.i18n import cli_lang, say
from chatbot.telegram.text import (
    has_markup,
    is_not_modified,
    split_message,
    to_markdown,
)

log = logging.getLogger(__name__)

TYPING_EVERY_S = 4.0  # Telegram shows "typing…" for 5 s per call


@contextlib.asynccontextmanager
async def typing_indicator(bot: Bot, chat_id: int, every: float = TYPING_EVERY_S
                           ) -> AsyncIterator[None]:
    """Keep "typing…" on screen until the block ends; a failed chat action is not worth an error."""

    async def keep_typing() -> None:
        while True:
            try:
                await bot.send_chat_action(chat_id, ChatAction.TYPING)
            except TelegramError as exc:
                log.debug(say(cli_lang(), "telegram.log_typing_failed", error=exc))
            await asyncio.sleep(every)

    task = asyncio.create_task(keep_typing())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


MIN_EDIT_GAP_S = 1.0


class LiveReply:
    """One answer on screen. `show` during the stream (plain text, at most once per `interval`,
    only when the text changed), `finish` at the end (every part, Markdown where it helps)."""

    def __init__(self, bot: Bot, chat_id: int, *, reply_to: int | None = None,
                 interval: float = 1.0) -> None:
        self.bot = bot
        self.chat_id = chat_id
        self.reply_to = reply_to
        self.interval = interval
        self.shown: list[tuple[int, str]] = []  # (message_id, text) of each part on screen
        self._last = -math.inf

    async def show(self, text: str) -> None:
        if not text.strip() or time.monotonic() - self._last < self.interval:
            return
        await self._sync(split_message(text), markdown=False)
        self._last = time.monotonic()

    async def finish(self, text: str) -> None:
        # the last edit keeps Telegram's pace (about one a second), or it answers 429
        wait = min(self.interval, MIN_EDIT_GAP_S) - (time.monotonic() - self._last)
        if wait > 0 and self.shown:
            await asyncio.sleep(wait)
        await self._sync(split_message(text), markdown=True)

    async def _sync(self, parts: list[str], *, markdown: bool) -> None:
        for i, part in enumerate(parts):
            if i >= len(self.shown):
                message = await _formatted(self._send, part, markdown)
                self.shown.append((message.message_id, part))
                continue
            message_id, on_screen = self.shown[i]
            if part == on_screen and not (markdown and has_markup(part)):
                continue

            def edit(text: str, _id: int = message_id, **kwargs: Any) -> Awaitable[Any]:
                return self.bot.edit_message_text(text, chat_id=self.chat_id, message_id=_id,
                                                  **kwargs)

            try:
                await _formatted(edit, part, markdown, plain=part != on_screen)
            except BadRequest as exc:
                if not is_not_modified(exc.message):
                    raise
            self.shown[i] = (message_id, part)

    def _send(self, text: str, **kwargs: Any) -> Awaitable[Message]:
        if self.reply_to is not None and not self.shown:
            kwargs["reply_parameters"] = ReplyParameters(self.reply_to,
                                                         allow_sending_without_reply=True)
        return self.bot.send_message(self.chat_id, text, **kwargs)


async def _formatted(call: Callable[..., Awaitable[Any]], text: str, markdown: bool, *,
                     plain: bool = True) -> Any:
    """Telegram's Markdown when asked and useful. Any 400 to it ("can't parse entities", or a
    server without Markdown) means plain text instead, unless `plain` is False: that text is
    already on screen."""
    if markdown and has_markup(text):
        try:
            return await call(to_markdown(text), parse_mode=ParseMode.MARKDOWN)
        except BadRequest as exc:
            if is_not_modified(exc.message):
                raise
            log.info(say(cli_lang(), "telegram.log_plain_text", error=exc.message))
            if not plain:
                return None
    return await call(text)


async def send_text(bot: Bot, chat_id: int, text: str, *, reply_to: int | None = None) -> None:
    """A one-off reply (commands, errors) with the same splitting and Markdown fallback."""
    await LiveReply(bot, chat_id, reply_to=reply_to).finish(text)
