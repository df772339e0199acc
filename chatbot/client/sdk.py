"""Where requests go (`Backend`) and the one place that builds `openai.OpenAI` (`SDKPool`)."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx2
import openai

from chatbot.i18n import Msg
from chatbot.policy.redaction import without_userinfo
from chatbot.policy.urlguard import guarded_http_client
from chatbot.settings import BackendKind

NO_KEY = "sk-no-key-required"  # placeholder for servers that need none; not a secret
# "OpenAI" means OpenAI: the SDK would otherwise take the host's OPENAI_BASE_URL from the
# environment, and a visitor's key would travel to the host's server.
OPENAI_URL = "https://api.openai.com/v1"
DRAIN_LIMIT = 4096  # bytes read after `data: [DONE]`: only the body's end is expected there


@dataclass(frozen=True)
class Backend:
    """Where requests go. `kind` is "local" (embedded), "openai" or "compatible" (any base URL).

    `visitor`: the key or URL was typed by a user, so the host's organisation, project and custom
    headers stay home. `guarded`: a typed URL on a public server, so every connection's address
    is checked (no loopback, private or metadata address, redirects included). `hidden`: the
    host's base URL in hosted mode, never in a label, message or code shown to a visitor.
    """

    kind: BackendKind
    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)
    context_window: int | None = None  # the embedded server's n_ctx, when known
    visitor: bool = False
    guarded: bool = False
    hidden: bool = False  # the host's own server on a public app: its address is not shown

    @property
    def shown_url(self) -> str | None:
        """The base URL as a person may see it: none for a hidden one, no password in it."""
        return None if self.hidden or not self.base_url else without_userinfo(self.base_url)

    @property
    def name(self) -> Msg | str:
        """Its name, for a message that says it in the reader's language."""
        if self.kind == "openai":
            return "OpenAI"
        key = {"local": "backend.local"}.get(self.kind) or (
            "backend.host" if self.shown_url is None else "backend.compatible")
        return Msg(key, url=self.shown_url)


class _EndAfterDone(httpx2.SyncByteStream):
    """An event stream that, closed right after `data: [DONE]`, reads the body's last bytes first.

    The sync SDK stops at [DONE] and closes the response before the chunked body's end, so httpx
    would drop the connection and every streamed answer would open a new one (TCP and TLS). Closed
    earlier (Stop pressed, an error) nothing more is read and the connection is dropped as before.
    """

    def __init__(self, inner: httpx2.SyncByteStream) -> None:
        self._inner = inner
        self._chunks = iter(inner)
        self._tail = b""

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._chunks:
            self._tail = (self._tail + chunk)[-32:]
            yield chunk

    def close(self) -> None:
        try:
            if self._tail.rstrip().endswith(b"data: [DONE]"):
                extra = 0
                for chunk in self._chunks:  # a server that says nothing more: the read timeout
                    extra += len(chunk)
                    if extra > DRAIN_LIMIT:
                        break
        except httpx2.HTTPError:
            pass  # the answer is complete; a connection that failed afterwards is just dropped
        finally:
            self._inner.close()


def _reuse_after_done(response: httpx2.Response) -> None:
    """Response hook: event streams end their body before closing, so the connection is kept.

    Not llama.cpp's server: it closes the connection after a stream (whatever its Keep-Alive
    header says), so a kept one could be taken by the next request just before it goes (2 of 30
    immediate follow-ups failed so).
    """
    if (isinstance(response.stream, httpx2.SyncByteStream)
            and response.headers.get("content-type", "").startswith("text/event-stream")
            and response.headers.get("server") != "llama.cpp"):
        response.stream = _EndAfterDone(response.stream)


class SDKPool:
    """Process-wide cache of SDK clients, so connections are reused across requests.

    Owned by the app context (not a module global); keyed by a digest of the key so the key itself
    is never a dictionary key that could be printed. At most `capacity` clients are kept: every
    visitor's key makes one, and each holds a connection pool, so the least recently used is
    closed when a new one would pass the limit (CHATBOT_CLIENT_CACHE).
    """

    def __init__(self, timeout: float, max_retries: int, *, capacity: int = 64,
                 host_headers: tuple[str, ...] = ()) -> None:
        self.timeout = timeout
        self.max_retries = max_retries
        self.capacity = capacity
        self.host_headers = host_headers
        self._clients: OrderedDict[tuple[str, str, bool, bool], openai.OpenAI] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, backend: Backend) -> openai.OpenAI:
        key = backend.api_key or NO_KEY
        ident = (backend.base_url or "", hashlib.sha256(key.encode()).hexdigest(),
                 backend.visitor, backend.guarded)
        with self._lock:
            client = self._clients.get(ident)
            if client is not None:
                self._clients.move_to_end(ident)
                return client
            client = self._build(backend, key)
            self._clients[ident] = client
            while len(self._clients) > self.capacity:
                _, old = self._clients.popitem(last=False)
                old.close()
            return client

    def __len__(self) -> int:
        return len(self._clients)

    def _build(self, backend: Backend, key: str) -> openai.OpenAI:
        # Omit() removes a header the SDK would add from the environment.
        headers: Any = ({name: openai.Omit() for name in self.host_headers} if backend.visitor
                        else None)  # typed Mapping[str, str], but Omit() is the SDK's own way
        http = (guarded_http_client(self.timeout) if backend.guarded
                else openai.DefaultHttpxClient(timeout=self.timeout))
        http.event_hooks = {"response": [_reuse_after_done]}
        # max_retries=0: the SDK would also retry insufficient_quota; our loop knows better.
        return openai.OpenAI(api_key=key, base_url=backend.base_url or OPENAI_URL,
                             timeout=self.timeout, max_retries=0, default_headers=headers,
                             http_client=http)
