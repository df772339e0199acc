"""What each (backend, model) takes, for the life of the process: data, probes and refusals.

One book per process, owned by the app context (not a module global), so a refusal learned in one
student's session spares every other session the same failed request, and a compatible server is
probed once per base URL and model however many students pick it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

import openai

from chatbot.errors import ChatbotError
from chatbot.models.capabilities import FEATURES, FIELDS, TOKEN_FIELDS, Capabilities
from chatbot.models.catalog import Catalog
from chatbot.settings import BackendKind

Key = tuple[str, str, str]  # (backend kind, base URL, model)
Send = Callable[[dict[str, Any]], Any]  # one chat request's body -> the SDK's reply
MAX_ENTRIES = 1024  # (backend, model) pairs remembered; made-up names cannot grow it further
PROBE_MESSAGES = [{"role": "user", "content": "Di hola."}]  # to the model, not to a reader
PROBES: dict[str, dict[str, object]] = {
    "n": {"n": 2},
    "logprobs": {"logprobs": True, "top_logprobs": 2},
    "seed": {"seed": 1},
    "stop": {"stop": ["\n\n"]},
}


def probe(send: Send, model: str) -> frozenset[str] | None:
    """Which of n, logprobs, seed and stop a server really does: four one-token requests, each
    sent by `send` (the client's, which meters it like any other request).

    A 400 means "not taken"; fewer choices than asked or no logprobs in the answer mean "ignored".
    None when the server could not be asked at all, or a cap refused (nothing is then remembered).
    """
    works = set()
    for feature, extra in PROBES.items():
        try:
            reply = send({"model": model, "messages": PROBE_MESSAGES, "max_tokens": 1, **extra})
        except openai.BadRequestError:
            continue
        except (openai.OpenAIError, ChatbotError):
            return None
        if feature == "n" and len(reply.choices) < 2:
            continue
        if feature == "logprobs" and not (reply.choices and reply.choices[0].logprobs
                                          and reply.choices[0].logprobs.content):
            continue
        works.add(feature)
    return frozenset(works)


def learn(caps: Capabilities, param: str | None) -> Capabilities | None:
    """What a 400 `unsupported_parameter`/`unsupported_value` naming `param` teaches, or None
    when it names nothing we could leave out (then retrying would fail the same way)."""
    name = (param or "").split(".")[0]
    if name in TOKEN_FIELDS:
        other = TOKEN_FIELDS[1 - TOKEN_FIELDS.index(name)]
        return replace(caps, token_limit=other) if caps.token_limit == name else None
    if name == "reasoning_effort":
        return replace(caps, reasoning=False, efforts=()) if caps.reasoning else None
    feature = FIELDS.get(name)
    if feature is None or feature in caps.learned:
        return None
    return caps.refuse(feature)


def merge_probe(caps: Capabilities, works: Iterable[str]) -> Capabilities:
    """A probed server's answers replace the guess for the features the probe tried."""
    works = frozenset(works)
    tried = frozenset(PROBES)
    return replace(caps, takes=(caps.takes - tried) | (works & tried), source="probe")


class CapabilityBook:
    """Thread-safe; a per-key lock makes concurrent first requests share one probe. At most
    MAX_ENTRIES pairs are kept, the least recently used forgotten first."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._known: OrderedDict[Key, Capabilities] = OrderedDict()
        self._lock = threading.Lock()
        self._probing: dict[Key, threading.Lock] = {}

    def __len__(self) -> int:
        return len(self._known)

    def _remember(self, key: Key, caps: Capabilities) -> Capabilities:
        """Under `_lock`."""
        self._known[key] = caps
        self._known.move_to_end(key)
        while len(self._known) > MAX_ENTRIES:
            self._known.popitem(last=False)
        return caps

    def get(self, kind: BackendKind, base_url: str | None, model: str,
            send: Send | None = None) -> Capabilities:
        """`send` lets a model the data does not know, on a compatible server, be probed."""
        key = (kind, base_url or "", model)
        with self._lock:
            if key in self._known:
                self._known.move_to_end(key)
                return self._known[key]
        caps = self._from_data(kind, model)
        if caps.source != "guess" or kind != "compatible" or send is None:
            return caps
        with self._lock:
            probing = self._probing.setdefault(key, threading.Lock())
        try:
            with probing:
                with self._lock:
                    if key in self._known:
                        return self._known[key]
                works = probe(send, model)
                if works is None:
                    return caps
                with self._lock:
                    return self._remember(key, merge_probe(caps, works))
        finally:
            with self._lock:
                self._probing.pop(key, None)

    def _from_data(self, kind: BackendKind, model: str) -> Capabilities:
        if kind == "local":  # the embedded llama.cpp server takes every parameter, whatever name
            return Capabilities(model, frozenset(FEATURES), source="embedded")
        return self.catalog.capabilities(model)

    def learn(self, kind: BackendKind, base_url: str | None, model: str, param: str | None
              ) -> Capabilities | None:
        """Remember a 400 naming `param`; None when it teaches nothing new (do not retry)."""
        key = (kind, base_url or "", model)
        with self._lock:
            current = self._known.get(key) or self._from_data(kind, model)
            learned = learn(current, param)
            if learned is not None:
                self._remember(key, learned)
            return learned
