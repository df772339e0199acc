"""Sending: the SDK client for one backend, bounded retries, and errors in a person's words."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

import openai

from chatbot.client import retry
from chatbot.client.errors import UnsupportedParam, refused_param, translate
from chatbot.client.sdk import Backend, SDKPool
from chatbot.errors import ServerError
from chatbot.i18n import Msg
from chatbot.models.catalog import Catalog

T = TypeVar("T")


class Transport:
    """One backend's wire: runs an SDK call with retries and turns its failures into ours."""

    def __init__(self, backend: Backend, pool: SDKPool, catalog: Catalog, *, max_retries: int = 2,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.backend = backend
        self.pool = pool
        self.catalog = catalog
        self.max_retries = max_retries
        self._sleep = sleep

    @property
    def sdk(self) -> openai.OpenAI:
        return self.pool.get(self.backend)

    def call(self, model: str, fn: Callable[[], T], subject: Msg | str = "") -> tuple[T, int]:
        """Run `fn` with bounded, backed-off retries; return its value and the attempts made.

        `subject` names what a non-model call is about ("job ftjob-1"), for a 404's message.
        """
        attempt = 0
        while True:
            attempt += 1
            try:
                return fn(), attempt
            except (ValueError, AttributeError):  # the SDK parsing HTML, or JSON of another shape
                raise self.not_openai() from None
            except openai.OpenAIError as exc:
                wait = retry.retry_after(exc)
                if not retry.retryable(exc) or attempt > self.max_retries or (
                        wait is not None and wait > retry.MAX_RETRY_WAIT):
                    error = translate(exc, self.backend, model, self.catalog,
                                      self.pool.timeout, subject=subject, retry_after=wait)
                    param = refused_param(exc)
                    raise (UnsupportedParam(error, param) if param else error) from None
                self._sleep(retry.backoff(attempt) if wait is None else wait)

    def not_openai(self) -> ServerError:
        """A compatible server that answered 200 with HTML, or with JSON of another shape."""
        return ServerError.keyed("client.not_openai", "client.not_openai_hint",
                                 where=self.backend.name)

    def read(self, read: Callable[[], T]) -> T:
        """Read the SDK's parsed answer; a wrong shape is the server's fault, said so."""
        try:
            return read()
        except (AttributeError, TypeError, KeyError, ValueError):
            raise self.not_openai() from None
