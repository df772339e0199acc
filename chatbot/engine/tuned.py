"""The embedded engine for tuned models: a llama.cpp server per `ft:local:…` model, started
the first time someone asks that model something.

One tuned model is served at a time beside the base model (each server holds its weights and
cache, about a gigabyte; it gets TUNED_SLOTS slots, not the base model's many): asking another
one stops the previous one. Process-wide, owned by the app context like the base model's server.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from chatbot.engine import tuned_store
from chatbot.engine.llama_server import EmbeddedServer
from chatbot.errors import ModelNotFound

# Slots of a tuned model's server: it is tried by a few at a time, and a second server with the
# base model's 16 × context would hold memory the class needs.
TUNED_SLOTS = 2


def is_tuned(model: str | None) -> bool:
    return bool(model) and str(model).startswith(tuned_store.MODEL_PREFIX)


class TunedServers:
    def __init__(self, cache_dir: Path, make: Callable[[tuned_store.LocalModel], EmbeddedServer]
                 ) -> None:
        self.cache_dir = cache_dir
        self._make = make
        self._current: EmbeddedServer | None = None
        self._lock = threading.Lock()

    def names(self) -> list[str]:
        return [m.name for m in tuned_store.list_models(self.cache_dir)]

    def server_for(self, name: str) -> EmbeddedServer:
        """The running (or starting) server for `name`; starts it, stopping any other."""
        with self._lock:
            current = self._current
            if current is not None and current.model_name == name and current.status != "failed":
                return current
            model = tuned_store.find_model(self.cache_dir, name)
            if model is None:
                raise ModelNotFound.keyed("engine.no_tuned_model", name=name)
            if self._current is not None:
                self._current.stop()
            self._current = self._make(model).start()
            return self._current

    def tokenizer_root(self, base: EmbeddedServer) -> str:
        """Where to tokenize for the embedded models: a tuned model keeps its base's vocabulary
        and chat template, so a running tuned server counts for both and the base model is not
        started just to count."""
        current = self._current
        if base.status not in ("ready", "starting") and current is not None \
                and current.status in ("ready", "starting"):
            return current.root()
        return base.root()

    def stop(self) -> None:
        with self._lock:
            if self._current is not None:
                self._current.stop()
                self._current = None
