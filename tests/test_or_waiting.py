"""The chat's "…" only for an answer slow to start (chat/turn.py `or_waiting`): in order, the
first piece's error raised where it is read, and an answer left early closed."""

from __future__ import annotations

import threading
import time
from collections.abc import Generator

import pytest

from chatbot.chat.turn import or_waiting


def pieces(first_after: float, closed: threading.Event | None = None,
           fail: bool = False) -> Generator[str, None, None]:
    try:
        time.sleep(first_after)
        if fail:
            raise ValueError("the server said no")
        yield from ("Ho", "Hola")
    finally:
        if closed is not None:
            closed.set()


def test_an_answer_that_starts_soon_comes_without_a_wait_marker() -> None:
    assert list(or_waiting(pieces(0.0), 1.0)) == ["Ho", "Hola"]


def test_an_answer_slow_to_start_is_preceded_by_one_wait_marker() -> None:
    assert list(or_waiting(pieces(0.3), 0.05)) == [None, "Ho", "Hola"]


def test_an_error_before_the_first_piece_is_raised_to_the_reader() -> None:
    with pytest.raises(ValueError, match="said no"):
        list(or_waiting(pieces(0.0, fail=True), 1.0))


def test_leaving_while_waiting_closes_the_answer_once_it_comes() -> None:
    closed = threading.Event()
    waiting = or_waiting(pieces(0.3, closed), 0.05)
    assert next(waiting) is None
    waiting.close()  # the student pressed Stop
    assert closed.wait(5)
