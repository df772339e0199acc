"""A class's shared prefix computed once: the persona's system prompt and greeting, templated as
the engine will see them, are prefilled in one slot and copied into every other one.

Why: when a class sends its first messages at once, every fresh slot would process the same
~150-token prefix again, at ~160 tokens/s for the whole 2-core machine (8 students: 8 s to the
first token). So the prefix is computed in slot 0 and its KV state is saved to a file and restored
into the other slots (llama-server's `/slots` save and restore, `--slot-save-path`): one prefill
and a copy of ~2 MB per slot. (Asking for `n` > 1 completions shares a prefill among slots too,
but llama-server clears those slots when the request ends.) The server runs with
`--no-cache-idle-slots` (see `llama_server.py`): otherwise starting any task moves idle slots'
prompts into the RAM cache and clears them, and a cached prompt comes back into one slot only.

One warmer per engine; it runs in a thread of its own so the page answers at once.
"""

from __future__ import annotations

import json
import math
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from chatbot.engine.llama_server import EngineLoad

SENTINEL = "\u2063QUESTION\u2063"  # a user turn's text, cut off: what precedes it is shared
PREFILL_TOK_S = 100.0  # the 2-core machine's prefill rate, for the status line's estimate
IDLE_POLL_S = 0.5  # a re-warm waits for an idle engine: it must not overwrite busy slots
Messages = Sequence[dict[str, str]]


@dataclass(frozen=True)
class Warming:
    """What the status line says while a prefix is being prepared."""

    waiting: bool  # for the engine to be idle (a persona changed mid-class)
    seconds_left: int


class PrefixWarmer:
    """Keeps the latest requested prefix in every slot of one engine.

    `want(messages)` records the conversation start (system prompt, greeting) the next students
    will send; the thread warms it once the engine is up and no request is being answered (on
    start: at once). Requests coalesce: only the newest prefix is warmed."""

    def __init__(self, root_url: str, slots: int, load: Callable[[], EngineLoad | None],
                 filename: str, *, timeout: float = 300.0) -> None:
        self.root_url = root_url
        self.slots = slots
        self.filename = filename  # the saved prefix, in the server's --slot-save-path
        self._load = load
        self._timeout = timeout
        self._cond = threading.Condition()
        self._wanted: tuple[str, ...] | None = None
        self._wanted_messages: Messages = ()
        self._done: tuple[str, ...] | None = None  # the prefix in every slot now
        self._started: float | None = None  # when the current warm began (None: not warming)
        self._estimate_s = 0.0
        self._waiting = False
        self._engine_up = False
        self._stopped = False
        self.last_error: str | None = None
        self.warm_seconds: float | None = None  # how long the last warm took

    def want(self, messages: Messages) -> None:
        """Warm this conversation start next (no-op if it is the one already warm or coming)."""
        key = tuple(f"{m['role']}\0{m['content']}" for m in messages)
        with self._cond:
            if key in (self._wanted, self._done):
                return
            self._wanted, self._wanted_messages = key, list(messages)
            self._cond.notify_all()

    def engine_up(self) -> None:
        """The engine answers: the first warm runs now, before the class asks."""
        with self._cond:
            if not self._engine_up:
                threading.Thread(target=self._run, name="prefix-warmer", daemon=True).start()
            self._engine_up = True
            self._cond.notify_all()

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify_all()

    def warming(self) -> Warming | None:
        """None when nothing is pending; else whether it waits for quiet and the seconds left."""
        with self._cond:
            if self._wanted is None or not self._engine_up:
                return None
            if self._started is None:
                return Warming(self._waiting, math.ceil(self._estimate_s) or 1)
            left = self._estimate_s - (time.monotonic() - self._started)
            return Warming(self._waiting, max(1, math.ceil(left)))

    def is_warm(self, messages: Messages) -> bool:
        key = tuple(f"{m['role']}\0{m['content']}" for m in messages)
        with self._cond:
            return key == self._done

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._stopped and (self._wanted is None or not self._engine_up):
                    self._cond.wait()
                if self._stopped:
                    return
                key, messages = self._wanted, self._wanted_messages
            if not self._wait_for_idle(key):
                continue  # a newer prefix came meanwhile, or the warmer stopped
            try:
                self._warm(messages)
            except (urllib.error.URLError, OSError, ValueError, KeyError) as exc:
                self.last_error = str(exc)  # students are still answered, only slower
                warm = None
            else:
                self.last_error, warm = None, key
            with self._cond:
                self._started, self._waiting = None, False
                self._done = warm
                if self._wanted == key:  # not retried on failure: it would fail the same way
                    self._wanted = None

    def _wait_for_idle(self, key: tuple[str, ...] | None) -> bool:
        """Warm only when no student is being answered: the shared prompt needs every slot, and
        a slot in use would hold the warm (and a student queued behind it) back."""
        while True:
            load = self._load()
            if load is not None and load.busy == 0 and load.waiting == 0:
                return True
            with self._cond:
                self._waiting = True
                self._cond.wait(IDLE_POLL_S)
                if self._stopped or self._wanted != key:
                    self._waiting = False
                    return False

    def _warm(self, messages: Messages) -> None:
        prompt = self._post("/apply-template", {
            "messages": [*messages, {"role": "user", "content": SENTINEL}]})["prompt"]
        prefix = prompt[:prompt.index(SENTINEL)]
        tokens = len(self._post("/tokenize", {"content": prefix})["tokens"])
        with self._cond:
            self._estimate_s = tokens / PREFILL_TOK_S + 0.5
            self._started, self._waiting = time.monotonic(), False
        began = time.monotonic()
        # One prefill, in slot 0 (nothing generated), then its state copied into the others.
        self._post("/completion", {"prompt": prefix, "n_predict": 0, "id_slot": 0,
                                   "cache_prompt": True})
        self._post("/slots/0?action=save", {"filename": self.filename})
        for slot in range(1, self.slots):
            self._post(f"/slots/{slot}?action=restore", {"filename": self.filename})
        self.warm_seconds = time.monotonic() - began

    def _post(self, path: str, body: dict[str, object]) -> Any:
        request = urllib.request.Request(
            f"{self.root_url}{path}", data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=self._timeout) as resp:
            return json.loads(resp.read())
