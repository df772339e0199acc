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

A persona also comes with variants: the same start grounded in one passage of the course pack
(knowledge/pack). A question on a course concept sends its passage after the persona's prompt, so
its prompt leaves the shared prefix there; each variant is prefilled into a slot of its own
(restored from the shared prefix first, so only the passage is computed), and llama-server sends
a request to the idle slot with the longest common prefix. Half the slots keep the plain start for
everything else (a grounded slot also serves it, with ~30 tokens more to compute for each such
student; with a quarter, 16 fresh students at once computed ~200 tokens more). The persona's
start and every variant, those without a slot too, are saved to files, and `place` restores one
into an idle slot before a first question that needs it and finds none (placement.py).

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

from chatbot.engine.llama_server import EngineLoad, variant_file
from chatbot.engine.placement import Placer, get_json
from chatbot.engine.slot_choice import Held, Key, SlotView

SENTINEL = "\u2063QUESTION\u2063"  # a user turn's text, cut off: what precedes it is shared
PREFILL_TOK_S = 100.0  # the 2-core machine's prefill rate, for the status line's estimate
IDLE_POLL_S = 0.5  # a re-warm waits for an idle engine: it must not overwrite busy slots
PLAIN_SHARE = 2  # at least 1 slot in this many keeps the plain start
Messages = Sequence[dict[str, str]]


def _key(messages: Messages) -> Key:
    return tuple(f"{m['role']}\0{m['content']}" for m in messages)


def _shared(a: Sequence[int], b: Sequence[int]) -> int:
    """How many leading tokens two prompts have in common."""
    return next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))


@dataclass(frozen=True)
class Warming:
    """What the status line says while a prefix is being prepared."""

    waiting: bool  # for the engine to be idle (a persona changed mid-class)
    seconds_left: int


class PrefixWarmer:
    """Keeps the latest requested prefix in every slot of one engine, and its variants in slots
    of their own.

    `want(opening, variants)` records the conversation start (system prompt, greeting) the next
    students will send; the thread warms it once the engine is up and no request is being
    answered (on start: at once). Requests coalesce: only the newest prefix is warmed."""

    def __init__(self, root_url: str, slots: int, load: Callable[[], EngineLoad | None],
                 filename: str, *, timeout: float = 300.0) -> None:
        self.root_url = root_url
        self.slots = slots
        self.filename = filename  # the saved prefix, in the server's --slot-save-path
        self._load = load
        self._timeout = timeout
        self._cond = threading.Condition()
        self._wanted: tuple[str, ...] | None = None
        self._wanted_messages: tuple[Messages, Sequence[Messages]] = ((), ())
        self._done: tuple[str, ...] | None = None  # the prefix in every slot now
        self._variants: frozenset[Key] = frozenset()  # each in a slot or saved to a file
        self.placer = Placer(root_url)
        self._started: float | None = None  # when the current warm began (None: not warming)
        self._estimate_s = 0.0
        self._waiting = False
        self._engine_up = False
        self._stopped = False
        self.last_error: str | None = None
        self.warm_seconds: float | None = None  # how long the last warm took

    def want(self, opening: Messages, variants: Sequence[Messages] = ()) -> None:
        """Warm this conversation start next, and as many `variants` as slots allow, in their
        order (no-op if the start is the one already warm or coming: a student reading the other
        language does not re-warm the class's persona for passages in theirs)."""
        key = _key(opening)
        with self._cond:
            if key in (self._wanted, self._done):
                return
            self._wanted, self._wanted_messages = key, (list(opening), list(variants))
            self._cond.notify_all()

    def engine_up(self) -> None:
        """The engine answers: the first warm runs now, before the class asks."""
        with self._cond:
            if not self._engine_up:
                threading.Thread(target=self._run, name="prefix-warmer", daemon=True).start()
            self._engine_up = True
            self._cond.notify_all()

    def stop(self) -> None:
        self.placer.stop()
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
        """Whether this start is in the slots now, or a restore away: the persona's own, or one
        of its variants."""
        key = _key(messages)
        with self._cond:
            return key == self._done or key in self._variants

    def place(self, opening: Messages) -> None:
        """Before a first question starting with `opening`: see placement.py."""
        self.placer.place(_key(opening))

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._stopped and (self._wanted is None or not self._engine_up):
                    self._cond.wait()
                if self._stopped:
                    return
                key, (opening, variants) = self._wanted, self._wanted_messages
            if not self._wait_for_idle(key):
                continue  # a newer prefix came meanwhile, or the warmer stopped
            self.placer.forget()
            try:
                warmed = self._warm(opening, variants)
            except (urllib.error.URLError, OSError, ValueError, KeyError, TypeError) as exc:
                self.last_error = str(exc)  # students are still answered, only slower
                warm, warmed = None, frozenset()
            else:
                self.last_error, warm = None, key
            with self._cond:
                self._started, self._waiting = None, False
                self._done, self._variants = warm, warmed
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

    def _warm(self, opening: Messages, variants: Sequence[Messages]) -> frozenset[Key]:
        """Returns the variants warmed; tells the placer where each start is."""
        plain = max(1, math.ceil(self.slots / PLAIN_SHARE))
        prefixes = [self._prefix(m) for m in (opening, *variants)]
        tokens = [self._post("/tokenize", {"content": p})["tokens"] for p in prefixes]
        work = len(tokens[0]) + sum(len(t) - _shared(t, tokens[0]) for t in tokens[1:])
        with self._cond:
            self._estimate_s = work / PREFILL_TOK_S + 0.5
            self._started, self._waiting = time.monotonic(), False
        began = time.monotonic()
        # One prefill, in slot 0 (nothing generated), then its state copied into the others.
        self._prefill(0, prefixes[0])
        self._post("/slots/0?action=save", {"filename": self.filename})
        for slot in range(1, self.slots):
            self._post(f"/slots/{slot}?action=restore", {"filename": self.filename})
        starts = {slot: _key(opening) for slot in range(self.slots)}
        # Each variant from the top slot down (only what follows the shared part is computed),
        # saved; those beyond the slots set aside for them pass through the top plain slot.
        files: dict[Key, str] = {_key(opening): self.filename}
        spare = plain - 1
        for i, (messages, prefix) in enumerate(zip(variants, prefixes[1:], strict=True)):
            slot = self.slots - 1 - i if i < self.slots - plain else spare
            self._prefill(slot, prefix)
            files[_key(messages)] = variant_file(self.filename, i)
            self._post(f"/slots/{slot}?action=save", {"filename": files[_key(messages)]})
            starts[slot] = _key(messages)
        if len(variants) > self.slots - plain:
            self._post(f"/slots/{spare}?action=restore", {"filename": self.filename})
            starts[spare] = _key(opening)
        views = [SlotView.parse(s) for s in get_json(self.root_url, "/slots", self._timeout)]
        self.warm_seconds = time.monotonic() - began
        self.placer.know(files, {v.id: Held(starts[v.id], v.task) for v in views
                                 if v.id in starts})
        return frozenset(files)

    def _prefix(self, messages: Messages) -> str:
        """The prompt text before a student's first words, templated as the engine will."""
        prompt = self._post("/apply-template", {
            "messages": [*messages, {"role": "user", "content": SENTINEL}]})["prompt"]
        return str(prompt[:prompt.index(SENTINEL)])

    def _prefill(self, slot: int, prefix: str) -> None:
        self._post("/completion", {"prompt": prefix, "n_predict": 0, "id_slot": slot,
                                   "cache_prompt": True})

    def _post(self, path: str, body: dict[str, object]) -> Any:
        request = urllib.request.Request(
            f"{self.root_url}{path}", data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=self._timeout) as resp:
            return json.loads(resp.read())
