"""Telegram's flood control: on a 429 wait the `retry_after` it names, then send again."""

from __future__ import annotations

import asyncio
import datetime as dtm
import logging
import time
import warnings
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter
from telegram.warnings import PTBDeprecationWarning

from chatbot.i18n import cli_lang, say

log = logging.getLogger(__name__)


def retry_seconds(exc: RetryAfter) -> float:
    """`retry_after` is an int or a timedelta depending on PTB_TIMEDELTA; seconds either way."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


class RetryAfterLimiter(BaseRateLimiter[int]):
    """Every call the bot makes (getUpdates has PTB's own loop) honours a 429's `retry_after`.

    The limit is per bot, so while one call waits every other call waits too; a wait longer than
    `max_wait`, or more than `max_retries` 429s in a row, gives up and raises.
    """

    def __init__(self, *, max_retries: int = 3, max_wait: float = 60.0) -> None:
        self.max_retries = max_retries
        self.max_wait = max_wait
        self._resume_at = 0.0

    async def initialize(self) -> None:
        self._resume_at = 0.0

    async def shutdown(self) -> None:
        pass

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        retries = self.max_retries if rate_limit_args is None else rate_limit_args
        attempt = 0
        while True:
            delay = self._resume_at - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                wait = retry_seconds(exc)
                attempt += 1
                if attempt > retries or wait > self.max_wait:
                    raise
                log.warning(say(cli_lang(), "telegram.log_retry_after", endpoint=endpoint,
                                seconds=wait))
                self._resume_at = max(self._resume_at, time.monotonic() + wait)
