"""Warm starts put back into idle slots, just before the first questions that need them.

Why: the warm-up prefills each course-pack passage into one slot (warmup.py), so when two
students asked about tokens at once, the second prefilled the Token passage again (~180 tokens,
most of the 8-student round's wait in docs/engine.md), a concept without a slot of its own was
prefilled by everyone who asked, and a plain question finding no plain slot left computed the
greeting again in a grounded one (~30 tokens more each, ~120 in a 16-student round). Every warm
start is also saved to a file: restoring one into an idle slot takes milliseconds, and
llama-server then sends the question there by itself (to the idle slot with the longest common
prefix).

How, without making anyone wait: a thread keeps the slots in view (`GET /slots` is answered
between two of the engine's steps, so the view is as of the last one), and the restore is sent
just ahead of the question, not waited for: the engine takes its tasks in order, so the restore
lands first. Asking for the view, or waiting for the restore, before each question held a
16-student round's grounded questions back by a whole prefill batch (4 s) in the class bench.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from chatbot.engine.slot_choice import Held, Key, SlotView, choose

POLL_BUSY_S, POLL_IDLE_S = 0.1, 0.5  # how often the slots are looked at
VIEW_MAX_AGE_S = 15.0  # an older view (the engine not answering) places nothing
CLAIM_S = 5.0  # a slot chosen for a question is not offered to another one for this long
SENT_WAIT_S = 0.5  # at most this long for the restore to be sent before the question
RESTORE_WAIT_S = 60.0  # a restore still waiting then (its slot was taken) is given up


@dataclass(frozen=True)
class Claim:
    """A slot chosen for a question: the start it holds for it, and the slot's last task then
    (when another runs there, it is most likely that question)."""

    until: float
    key: Key
    task: int | None


def get_json(root_url: str, path: str, timeout: float) -> Any:
    with urllib.request.urlopen(f"{root_url}{path}", timeout=timeout) as resp:
        return json.loads(resp.read())


class Placer:
    """The embedded engine's slots in view, the warm starts' files, and what was put where."""

    def __init__(self, root_url: str) -> None:
        self.root_url = root_url
        self._lock = threading.Lock()
        self._files: dict[Key, str] = {}  # each warm start's saved state, in --slot-save-path
        self._held: dict[int, Held] = {}  # the start put into each slot, while it is there
        self._began: dict[int, Held] = {}  # the start of the question placed in each slot
        self._claims: dict[int, Claim] = {}  # slots chosen for a question
        self._view: tuple[float, list[SlotView]] | None = None
        self._polling = False
        self._stopped = False

    def forget(self) -> None:
        """A new start is being warmed: nothing is placed until it is known."""
        with self._lock:
            self._files, self._held, self._began, self._claims = {}, {}, {}, {}

    def know(self, files: Mapping[Key, str], held: Mapping[int, Held]) -> None:
        """The warm-up's result: each variant's file, each slot's start."""
        with self._lock:
            self._files, self._held = dict(files), dict(held)
            if self._polling or self._stopped:
                return
            self._polling = True
        threading.Thread(target=self._poll, name="slot-view", daemon=True).start()

    def stop(self) -> None:
        with self._lock:
            self._stopped = True

    def place(self, key: Key) -> None:
        """Before a first question starting with the warm start `key` (the persona's, or one
        of its variants): an idle slot holding it is left for it, or it is restored into an
        idle warm slot. Returns once the restore is on its way (at most SENT_WAIT_S). Does
        nothing for another start, without a recent view, or when every other idle slot holds
        a student's conversation: then the question is prefilled, as it would be without
        this."""
        with self._lock:
            filename, view = self._files.get(key), self._view
            if filename is None or view is None or time.monotonic() - view[0] > VIEW_MAX_AGE_S:
                return
            now = time.monotonic()
            claimed = {s for s, claim in self._claims.items() if claim.until > now}
            choice = choose(view[1], self._held, self._began, claimed, key)
            if choice is None:
                return
            slot, restore = choice
            task = next(v.task for v in view[1] if v.id == slot)
            self._claims[slot] = Claim(now + CLAIM_S, key, task)
            if not restore:
                return
            del self._held[slot]  # unknown until the restore is done
        sent = threading.Event()
        threading.Thread(target=self._restore, args=(slot, filename, key, task, sent),
                         name="slot-restore", daemon=True).start()
        sent.wait(SENT_WAIT_S)

    def _restore(self, slot: int, filename: str, key: Key, task: int | None,
                 sent: threading.Event) -> None:
        url = urlsplit(self.root_url)
        conn = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port,
                                          timeout=RESTORE_WAIT_S)
        try:
            conn.request("POST", f"/slots/{slot}?action=restore",
                         json.dumps({"filename": filename}),
                         {"Content-Type": "application/json"})
            sent.set()
            ok = conn.getresponse().status == 200
        except (OSError, http.client.HTTPException):
            ok = False
        finally:
            sent.set()
            conn.close()  # a restore still waiting is cancelled by the engine
        with self._lock:
            if ok and self._files.get(key) == filename:  # a restore runs no task
                self._held[slot] = Held(key, task)

    def _poll(self) -> None:
        while True:
            with self._lock:
                if self._stopped:
                    return
            try:
                view = [SlotView.parse(s) for s in get_json(self.root_url, "/slots", 60)]
            except (urllib.error.URLError, OSError, ValueError, KeyError, TypeError):
                time.sleep(1)
                continue
            with self._lock:
                self._view = time.monotonic(), view
                self._follow(view)
            time.sleep(POLL_BUSY_S if any(v.busy for v in view) else POLL_IDLE_S)

    def _follow(self, view: list[SlotView]) -> None:
        """What ran since the last look: a claimed slot's new task is its question (which began
        with the claimed start); any other new task leaves its slot unknown."""
        now = time.monotonic()
        for v in view:
            claim = self._claims.get(v.id)
            if claim is not None and v.task != claim.task:
                self._began[v.id] = Held(claim.key, v.task)
                del self._claims[v.id]
            elif claim is not None and claim.until <= now:
                del self._claims[v.id]
            for known in (self._held, self._began):
                if v.id in known and known[v.id].task != v.task:
                    del known[v.id]
