"""One user's choices, and the policy that routes them: which backend and model answer a session,
which caps its calls are held against, and the client that does both.

A Session belongs to one user (a `gr.State` in the web app, a chat in Telegram), so two students
never see each other's key, model or spending.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass, field

from chatbot.client import Backend, CapabilityBook, LLMClient, SDKPool
from chatbot.engine.llama_server import EMBED_CTX, EmbeddedServer
from chatbot.engine.tuned import TunedServers, is_tuned
from chatbot.errors import ChatbotError, ConfigError
from chatbot.i18n import Msg
from chatbot.models.capabilities import Capabilities
from chatbot.models.catalog import Catalog
from chatbot.money.billing import Ledger
from chatbot.money.spending import Cap, Meter
from chatbot.policy.urlguard import check_typed_url
from chatbot.settings import BackendKind, Settings
from chatbot.store import Store

OPENAI_DEFAULT_MODEL = "gpt-4o-mini"
LOCAL_WAIT_S = 120.0  # how long a request waits for the embedded model to finish loading


@dataclass
class Session:
    """One browser session's choices. `backend` None means "what the server was configured with"."""

    backend: BackendKind | None = None
    api_key: str | None = field(default=None, repr=False)
    base_url: str | None = None
    model: str | None = None
    ledger: Ledger = field(default_factory=Ledger)
    # The store's name for this user's spending; a Telegram user's is stable across restarts.
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    keep_spending: bool = False  # record every call in the store, cap or not (Telegram)
    jobs: set[str] = field(default_factory=set)  # fine-tuning jobs this session created
    lang: str = "es"  # what this reader reads: "es" | "en" (chatbot/i18n/)


@dataclass
class SessionPolicy:
    """The process's rules applied to one session: routing, caps and clients. Holds no user data."""

    settings: Settings
    catalog: Catalog
    pool: SDKPool
    store: Store
    capabilities: CapabilityBook
    embedded: EmbeddedServer | None = None
    tuned: TunedServers | None = None
    embedder: EmbeddedServer | None = None

    def backend_kind(self, session: Session) -> BackendKind:
        if session.backend:
            return session.backend
        if self.settings.backend == "local":
            return "local"
        return "compatible" if self.settings.openai_base_url else "openai"

    def local_server(self, model: str) -> EmbeddedServer:
        if self.embedded is None:
            raise ConfigError.keyed("session.embedded_off")
        if self.tuned is not None and is_tuned(model):
            return self.tuned.server_for(model)
        return self.embedded

    def backend_for(self, session: Session, *, wait: bool = True,
                    model: str | None = None) -> Backend:
        """The backend this session talks to (for `model`, default the session's);
        `wait=False` describes it without waiting for the embedded model to load ("view
        code")."""
        kind = self.backend_kind(session)
        if kind == "local":
            server = self.local_server(model or self.model_for(session))
            url = server.wait_ready(LOCAL_WAIT_S) if wait else server.base_url
            if server.external is not None:  # Ollama / LM Studio: what any such server gets
                return Backend("compatible", url, None)
            return Backend("local", url, None, self.settings.local_ctx)
        if kind == "compatible":
            if session.base_url:
                # A URL typed by a user gets only that user's key (and none of the host's
                # headers): the host's secrets never travel to a server the host did not choose.
                guarded = check_typed_url(self.settings, session.base_url)
                return Backend("compatible", session.base_url, session.api_key, visitor=True,
                               guarded=guarded)
            if not self.settings.openai_base_url:
                raise ConfigError.keyed("session.no_base_url", "session.type_it_in_settings")
            return Backend("compatible", self.settings.openai_base_url,
                           self.settings.openai_api_key, hidden=self.settings.hosted)
        key = session.api_key or self.settings.key_for_openai
        if not key:
            raise ConfigError.keyed("session.no_key", "session.no_key_hint")
        return Backend("openai", None, key, visitor=bool(session.api_key))

    def model_for(self, session: Session) -> str:
        if session.model:
            return session.model
        kind = self.backend_kind(session)
        if kind == "local":
            return self.embedded.model_name if self.embedded else ""
        return self.settings.model or OPENAI_DEFAULT_MODEL

    def host_pays(self, session: Session) -> bool:
        """The call goes out on the host's credentials (its key, or its base URL)."""
        kind = self.backend_kind(session)
        if kind == "local":
            return False
        return not (session.api_key if kind == "openai" else session.base_url)

    def meter_for(self, session: Session) -> Meter:
        """The caps this session's calls are held against: its own ceiling (which a visitor of
        a hosted app can only lower) and, on the host's credentials, the host's daily cap."""
        caps = []
        budget = self.settings.session_budget(session.ledger.budget_usd)
        if budget is not None or session.keep_spending:
            caps.append(Cap(f"session:{session.id}", math.inf if budget is None else budget,
                            Msg("session.session_cap")))
        daily = self.daily_cap(session)
        if daily is not None:
            caps.append(daily)
        return Meter(self.store, tuple(caps), strict=self.settings.hosted)

    def daily_cap(self, session: Session) -> Cap | None:
        if self.settings.daily_budget_usd is None or not self.host_pays(session):
            return None
        return Cap("host", self.settings.daily_budget_usd, Msg("session.host_cap"), daily=True)

    def host_models(self) -> list[str]:
        """What a visitor of a hosted app may ask for on the host's credentials: the host's
        configured model and every model it can price (the catalog and CHATBOT_PRICES)."""
        priced = [n for n in self.catalog.names() if self._priced(n)]
        return [self.settings.model, *priced] if self.settings.model else priced

    def _priced(self, model: str) -> bool:
        info = self.catalog.get(model)
        return (info.provider != "local" and info.input_per_1m is not None
                and info.output_per_1m is not None)

    def check_host_model(self, session: Session, model: str | None = None) -> None:
        """In hosted mode, on the host's credentials, a model the host cannot price is refused
        before any request (a made-up name would otherwise be probed on the host's server)."""
        model = model or self.model_for(session)
        if (not self.settings.hosted or not self.host_pays(session)
                or model == self.settings.model or self._priced(model)):
            return
        raise ConfigError.keyed("session.host_models_only", "session.host_models_hint",
                                model=model)

    def _client(self, session: Session, backend: Backend) -> LLMClient:
        return LLMClient(backend, self.pool, self.catalog, session.ledger,
                         max_retries=self.pool.max_retries, meter=self.meter_for(session),
                         capabilities=self.capabilities)

    def client_for(self, session: Session, model: str | None = None) -> LLMClient:
        self.check_host_model(session, model)
        return self._client(session, self.backend_for(session, model=model))

    def embeddings_client(self, session: Session) -> LLMClient:
        """Where this session's embeddings go: on the embedded backend, the embeddings instance
        (started now if it is not yet); on any other, the session's own backend."""
        if self.backend_kind(session) != "local" or self.embedder is None:
            return self.client_for(session)
        url = self.embedder.wait_ready(LOCAL_WAIT_S)
        return self._client(session, Backend("local", url, None, EMBED_CTX))

    def capabilities_for(self, session: Session, model: str | None = None, *,
                         probe: bool = True) -> Capabilities:
        """For the UI, before sending: what the model takes on this session's backend. A model
        the data does not know on a compatible server is probed once (unless `probe` is False),
        through the session's metered client; in hosted mode only on a server the visitor
        brought, never on the host's. Never raises, even before a key is set."""
        kind = self.backend_kind(session)
        model = model or self.model_for(session)
        try:
            backend = self.backend_for(session, wait=False, model=model)
        except ChatbotError:
            return self.capabilities.get(kind, None, model)
        if self.settings.hosted and not backend.visitor:
            probe = False
        send = self._client(session, backend).send_probe if probe else None
        return self.capabilities.get(backend.kind, backend.base_url, model, send)
