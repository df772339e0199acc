"""Where requests go (`Backend`) and the one place that builds `openai.OpenAI` (`SDKPool`)."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field

import openai

NO_KEY = "sk-no-key-required"  # placeholder for servers that need none; not a secret


@dataclass(frozen=True)
class Backend:
    """Where requests go. `kind` is "local" (embedded), "openai" or "compatible" (any base URL)."""

    kind: str
    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)
    context_window: int | None = None  # the embedded server's n_ctx, when known

    @property
    def label(self) -> str:
        if self.kind == "local":
            return "Embebido (llama.cpp, sin clave) / Embedded (llama.cpp, no key)"
        if self.kind == "openai":
            return "OpenAI"
        return f"Servidor compatible / Compatible server: {self.base_url}"


class SDKPool:
    """Process-wide cache of SDK clients, so connections are reused across requests.

    Owned by the app context (not a module global); keyed by a digest of the key so the key itself
    is never a dictionary key that could be printed.
    """

    def __init__(self, timeout: float, max_retries: int) -> None:
        self.timeout = timeout
        self.max_retries = max_retries
        self._clients: dict[tuple[str, str], openai.OpenAI] = {}
        self._lock = threading.Lock()

    def get(self, backend: Backend) -> openai.OpenAI:
        key = backend.api_key or NO_KEY
        ident = (backend.base_url or "", hashlib.sha256(key.encode()).hexdigest())
        with self._lock:
            client = self._clients.get(ident)
            if client is None:
                # max_retries=0: the SDK would also retry insufficient_quota; our loop knows better.
                client = openai.OpenAI(
                    api_key=key, base_url=backend.base_url, timeout=self.timeout, max_retries=0
                )
                self._clients[ident] = client
            return client
