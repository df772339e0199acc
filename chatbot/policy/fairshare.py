"""Fair share of the app's workers: no session runs more than a few jobs of a kind at once.

Gradio's queue serves events in order with a fixed number of workers, so one visitor who fires
72 slow requests would hold every worker and fill the queue for the whole class. Here a session's
job beyond its share is refused at once, with a message, instead of holding a worker: a flood
drains in milliseconds and the others' requests keep being served.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from chatbot.errors import ChatbotError

# Jobs one session may run at once, by kind. "experiments": the Lab's experiments, which fan out to
# many model requests each; "simulations": the Lab's error simulator, whose slowest failure (a
# timeout) waits a few seconds on purpose. Chat and Playground calls are bounded by the caps.
LIMITS: Mapping[str, int] = {"experiments": 2, "simulations": 1}
class Busy(ChatbotError):
    title_key = "fairshare.title"


class FairShare:
    """Counts each session's running jobs by kind; thread-safe, and empty when nothing runs."""

    def __init__(self, limits: Mapping[str, int] = LIMITS) -> None:
        self.limits = dict(limits)
        self._running: dict[tuple[str, str], int] = {}
        self._lock = threading.Lock()

    def running(self, session_id: str, kind: str) -> int:
        with self._lock:
            return self._running.get((session_id, kind), 0)

    @contextmanager
    def admit(self, session_id: str, kind: str) -> Iterator[None]:
        """Run the block as one of the session's jobs of `kind`, or raise Busy at once."""
        key, limit = (session_id, kind), self.limits[kind]
        with self._lock:
            now = self._running.get(key, 0)
            if now >= limit:
                raise Busy.keyed(f"fairshare.busy_{kind}", "fairshare.wait", now=now, limit=limit)
            self._running[key] = now + 1
        try:
            yield
        finally:
            with self._lock:
                left = self._running[key] - 1
                if left:
                    self._running[key] = left
                else:
                    del self._running[key]
