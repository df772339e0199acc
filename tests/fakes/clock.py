"""Time the test controls, for the fake's fine-tuning jobs and files, and a gate for requests.

A fake that moves on the wall clock makes tests sleep and hope; with `ManualClock` a job moves only
when the test says `clock.advance(seconds)`, and `Gate` holds answers until as many requests as
the test expects are in flight (or the test opens it), so "they ran at once" needs no timing.
"""

from __future__ import annotations

import threading
import time


class ManualClock:
    """Seconds since the epoch, standing still until `advance`; call it like `time.time`."""

    def __init__(self, start: float | None = None) -> None:
        self._now = time.time() if start is None else start
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += seconds


class Gate:
    """Held requests wait until `until` of them are waiting together, or the test opens it.

    `guard` only stops a broken test from hanging for ever: if it runs out, the requests go on
    and the test's own assertion (how many were in flight) says what went wrong."""

    def __init__(self, until: int, guard: float = 60.0) -> None:
        self.until = until
        self.guard = guard
        self.waiting = 0
        self.opened = False
        self._cond = threading.Condition()

    def pass_through(self) -> None:
        with self._cond:
            self.waiting += 1
            if self.waiting >= self.until:
                self.opened = True
                self._cond.notify_all()
            self._cond.wait_for(lambda: self.opened, timeout=self.guard)
            self.waiting -= 1

    def open(self) -> None:
        with self._cond:
            self.opened = True
            self._cond.notify_all()

    def wait_waiting(self, count: int, timeout: float = 60.0) -> bool:
        """Block until `count` requests are held here (True), or `timeout` (False)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._cond:
                if self.waiting >= count or self.opened:
                    return self.waiting >= count
            time.sleep(0.01)
        return False
