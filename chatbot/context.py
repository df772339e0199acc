"""The process-wide context and the per-user session, shared by the web app, the CLI and the bot.

The context is built once per process and handed to whoever serves users; a Session belongs to one
user (a `gr.State` in the web app, a chat in Telegram), so two students never see each other's
key, model or spending. Nothing here imports Gradio: the bot and the CLI start fast.
"""

from __future__ import annotations

import functools
import math
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chatbot.billing import Ledger, format_usd
from chatbot.capabilities import Capabilities
from chatbot.capability_book import CapabilityBook
from chatbot.catalog import Catalog
from chatbot.client import Backend, LLMClient, SDKPool
from chatbot.errors import ChatbotError, ConfigError
from chatbot.finetune.local.serve import TUNED_SLOTS, TunedServers, is_tuned
from chatbot.local import EMBED_CTX, EMBED_SLOTS, EmbeddedServer, ServerConfig
from chatbot.settings import Settings
from chatbot.spending import Cap, Meter, utc_today
from chatbot.store import Store
from chatbot.urlguard import check_typed_url
from chatbot.warmup import Messages, PrefixWarmer
from chatbot.workdirs import WorkDirs

OPENAI_DEFAULT_MODEL = "gpt-4o-mini"
LOCAL_WAIT_S = 120.0  # how long a request waits for the embedded model to finish loading
# In the system's temp folder, where Gradio takes returned files from, but outside its cache,
# which it serves: visitors get Gradio's copy of their own files, never this folder.
OUTPUTS = Path(tempfile.gettempdir()) / "chatbot-lab-outputs"
# Every word of the status line about the embedded engine, in one table per state, so the page's
# translation (gr.I18n) has one place to take them from.
ENGINE_STATUS = {
    "ready": "🟢 Embebido listo / Embedded ready",
    "starting": "🟡 Cargando el modelo embebido… / Loading the embedded model…",
    "stopped": "⚪ Embebido parado (arranca al primer uso) / Embedded stopped (starts on first use)",
    "failed": "🔴 El modelo embebido falló / Embedded model failed: {error}",
    "warming": "🟠 Preparando la persona en las {slots} plazas, quedan ~{left} s / Warming the "
               "persona into the {slots} slots, ~{left} s left",
    "warm_waits": "🟠 Nueva persona: se prepara cuando el motor quede libre / New persona: it "
                  "is warmed when the engine is idle",
    "load": " · {busy}/{slots} plazas ocupadas / slots busy",
    "queue": " · {waiting} en cola: las nuevas preguntas esperan turno / waiting: new questions "
             "wait their turn",
}


@dataclass
class Session:
    """One browser session's choices. `backend` None means "what the server was configured with"."""

    backend: str | None = None  # "local" | "openai" | "compatible"
    api_key: str | None = field(default=None, repr=False)
    base_url: str | None = None
    model: str | None = None
    ledger: Ledger = field(default_factory=Ledger)
    # The store's name for this user's spending; a Telegram user's is stable across restarts.
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    keep_spending: bool = False  # record every call in the store, cap or not (Telegram)
    jobs: set[str] = field(default_factory=set)  # fine-tuning jobs this session created


@dataclass
class AppContext:
    settings: Settings
    catalog: Catalog
    pool: SDKPool
    embedded: EmbeddedServer | None
    store: Store
    workdirs: WorkDirs
    # Sentiment calibration priors by (backend, model, prompt) digest: facts about a model,
    # measured once for every session (18 model calls each).
    priors: dict[str, Any] = field(default_factory=dict)
    tuned: TunedServers | None = None  # models trained on this machine, served on demand
    # The embedded model's vectors: a second llama.cpp instance (pooled embeddings need a server
    # of their own), started on first use and stopped with the app like the first.
    embedder: EmbeddedServer | None = None
    # Keeps the class's persona prefilled in every slot of the embedded engine (warmup.py).
    warmer: PrefixWarmer | None = None
    # What each (backend, model) takes: the data, probes of compatible servers, learned refusals.
    capabilities: CapabilityBook = field(init=False)

    def __post_init__(self) -> None:
        self.capabilities = CapabilityBook(self.catalog)

    @classmethod
    def create(cls, settings: Settings, *, embedded: bool = True) -> AppContext:
        """Nothing starts here: the embedded server starts on launch or on first use."""
        server = None
        if embedded:
            server = EmbeddedServer(ServerConfig(
                model_path=settings.local_model_path, cache_dir=settings.cache_dir,
                threads=settings.local_threads, ctx=settings.local_ctx,
                port=settings.local_port, slots=settings.local_slots,
            ))
        pool = SDKPool(settings.timeout, settings.max_retries, capacity=settings.client_cache,
                       host_headers=settings.host_headers)
        tuned, local = None, {}
        if server is not None:
            tuned = TunedServers(settings.cache_dir, lambda m: EmbeddedServer(ServerConfig(
                model_path=m.path, cache_dir=settings.cache_dir, threads=settings.local_threads,
                ctx=settings.local_ctx, slots=TUNED_SLOTS, name=m.name)))
            local = {server.model_name: functools.partial(tuned.tokenizer_root, server)}
        embedder = None if server is None else EmbeddedServer(ServerConfig(
            model_path=settings.local_model_path, cache_dir=settings.cache_dir,
            threads=settings.local_threads, ctx=EMBED_CTX, slots=EMBED_SLOTS, embeddings=True))
        warmer = None
        if server is not None:
            warmer = PrefixWarmer(server.root_url, server.config.slots, server.load,
                                  server.slot_file)
            server.when_ready(warmer.engine_up)
        return cls(settings, Catalog.load(settings.prices, local_models=local), pool, server,
                   Store(settings.database), WorkDirs(OUTPUTS), tuned=tuned, embedder=embedder,
                   warmer=warmer)

    def new_session(self) -> Session:
        return Session(ledger=Ledger(budget_usd=self.settings.budget_usd))

    def backend_kind(self, session: Session) -> str:
        if session.backend:
            return session.backend
        if self.settings.backend == "local":
            return "local"
        return "compatible" if self.settings.openai_base_url else "openai"

    def local_models(self) -> list[str]:
        """What the embedded engine serves: the base model, then the models tuned here."""
        if self.embedded is None:
            return []
        return [self.embedded.model_name, *(self.tuned.names() if self.tuned else [])]

    def _local_server(self, model: str) -> EmbeddedServer:
        if self.embedded is None:
            raise ConfigError("El modelo embebido está desactivado. / The embedded model is off.")
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
            server = self._local_server(model or self.model_for(session))
            url = server.wait_ready(LOCAL_WAIT_S) if wait else server.base_url
            return Backend("local", url, None, self.settings.local_ctx)
        if kind == "compatible":
            if session.base_url:
                # A URL typed by a user gets only that user's key (and none of the host's
                # headers): the host's secrets never travel to a server the host did not choose.
                guarded = check_typed_url(self.settings, session.base_url)
                return Backend("compatible", session.base_url, session.api_key, visitor=True,
                               guarded=guarded)
            if not self.settings.openai_base_url:
                raise ConfigError("Falta la URL base. / The base URL is missing.",
                                  hint="Escríbela en Ajustes. / Type it in Settings.")
            return Backend("compatible", self.settings.openai_base_url,
                           self.settings.openai_api_key)
        key = session.api_key or self.settings.key_for_openai
        if not key:
            raise ConfigError(
                "No hay clave de OpenAI. / No OpenAI key found.",
                hint="Pon OPENAI_API_KEY en .env o pega tu clave en Ajustes; o elige el modelo "
                     "embebido. / Set OPENAI_API_KEY in .env or paste your key in Settings; or "
                     "pick the embedded model.",
            )
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

    def model_concurrency(self) -> tuple[int, str]:
        """How many model calls the app runs at once, and the line they share. On the embedded
        default, its slots: the rest wait in the app's queue, where each student sees their
        place. On a remote default, CHATBOT_REMOTE_CONCURRENCY: waiting on OpenAI or a
        compatible server costs this machine no CPU, so a class is not held to the CPU-sized
        CHATBOT_CONCURRENCY. (Hosted mode's per-visitor rules apply either way.)"""
        if self.embedded is not None and self.settings.backend == "local":
            return self.embedded.config.slots, "engine"
        return self.settings.remote_concurrency, "remote"

    def warm_persona(self, messages: Messages) -> None:
        """The class's next conversations start with `messages` (system prompt, greeting):
        have them prefilled in every slot of the embedded engine, in the background."""
        if self.warmer is not None:
            self.warmer.want(messages)

    def engine_load(self) -> str:
        """The embedded engine's load for the status line: who is answered, who waits."""
        load = self.embedded.load() if self.embedded else None
        if load is None:
            return ""
        text = ENGINE_STATUS["load"].format(busy=load.busy, slots=load.slots)
        if load.waiting or load.busy >= load.slots:
            text += ENGINE_STATUS["queue"].format(waiting=load.waiting)
        return text

    def engine_preparing(self) -> bool:
        """Loading the model or warming its slots: the status line refreshes faster."""
        if self.embedded is None:
            return False
        warming = self.warmer.warming() if self.warmer else None
        return self.embedded.status == "starting" or warming is not None

    def engine_state(self) -> str:
        """The embedded engine's line: loading, warming (and how long it has left), ready."""
        if self.embedded is None:
            return "off"
        state = self.embedded.status
        warming = self.warmer.warming() if self.warmer and state == "ready" else None
        if warming is not None:
            key = "warm_waits" if warming.waiting else "warming"
            return (ENGINE_STATUS[key].format(slots=self.embedded.config.slots,
                                              left=warming.seconds_left) + self.engine_load())
        text = ENGINE_STATUS.get(state, state).format(error=self.embedded.error or "")
        return text + self.engine_load() if state == "ready" else text

    def meter_for(self, session: Session) -> Meter:
        """The caps this session's calls are held against: its own ceiling (which a visitor of
        a hosted app can only lower) and, on the host's credentials, the host's daily cap."""
        caps = []
        budget = self.settings.session_budget(session.ledger.budget_usd)
        if budget is not None or session.keep_spending:
            caps.append(Cap(f"session:{session.id}", math.inf if budget is None else budget,
                            "el límite de esta sesión", "this session's cap"))
        daily = self._daily_cap(session)
        if daily is not None:
            caps.append(daily)
        return Meter(self.store, tuple(caps))

    def _daily_cap(self, session: Session) -> Cap | None:
        if self.settings.daily_budget_usd is None or not self.host_pays(session):
            return None
        return Cap("host", self.settings.daily_budget_usd, "el límite diario del anfitrión, "
                   "para todos", "the host's daily cap, shared by everyone", daily=True)

    def client_for(self, session: Session, model: str | None = None) -> LLMClient:
        return LLMClient(self.backend_for(session, model=model), self.pool, self.catalog,
                         session.ledger,
                         max_retries=self.pool.max_retries, meter=self.meter_for(session),
                         capabilities=self.capabilities)

    def embeddings_client(self, session: Session) -> LLMClient:
        """Where this session's embeddings go: on the embedded backend, the embeddings instance
        (started now if it is not yet); on any other, the session's own backend."""
        if self.backend_kind(session) != "local" or self.embedder is None:
            return self.client_for(session)
        url = self.embedder.wait_ready(LOCAL_WAIT_S)
        return LLMClient(Backend("local", url, None, EMBED_CTX), self.pool, self.catalog,
                         session.ledger, max_retries=self.pool.max_retries,
                         meter=self.meter_for(session), capabilities=self.capabilities)

    def capabilities_for(self, session: Session, model: str | None = None, *,
                         probe: bool = True) -> Capabilities:
        """For the UI, before sending: what the model takes on this session's backend. A model
        the data does not know on a compatible server is probed once (unless `probe` is False);
        never raises, even before a key is set."""
        kind = self.backend_kind(session)
        model = model or self.model_for(session)
        try:
            backend = self.backend_for(session, wait=False, model=model)
        except ChatbotError:
            return self.capabilities.get(kind, None, model)
        sdk = (lambda: self.pool.get(backend)) if probe else None
        return self.capabilities.get(backend.kind, backend.base_url, model, sdk)

    def status_markdown(self, session: Session, *, public: bool = False) -> str:
        """The always-visible line saying which backend and model answer, and what was spent.

        `public` (Telegram, or any page of a hosted app): said to anyone, so the host's own
        base URL is not shown."""
        public = public or self.settings.hosted
        kind = self.backend_kind(session)
        model = self.model_for(session)
        if kind == "local":
            where = self.engine_state()
        elif kind == "openai":
            where = "🔵 OpenAI"
        elif session.base_url or not public:
            url = session.base_url or self.settings.openai_base_url
            where = f"🟣 Servidor compatible / Compatible server: `{url}`"
        else:  # the host's own server: its address is not for the public
            where = "🟣 Servidor compatible / Compatible server"
        retired = self.catalog.retired_message(model) if kind == "openai" else None
        warn = f"\n\n⚠️ {retired}" if retired else ""
        hosted = "🌐 **Modo alojado / Hosted mode** · " if self.settings.hosted else ""
        return (f"{hosted}**Backend:** {where} · **Modelo / Model:** `{model}` · "
                f"{session.ledger.summary()}{self._spending_note(session)}{warn}")

    def _spending_note(self, session: Session) -> str:
        """What outlives this page: the user's recorded total, the host's day so far."""
        notes = []
        if session.keep_spending:
            total = self.store.spent(f"session:{session.id}")
            notes.append(f"Total guardado / recorded total: {format_usd(total)}")
        daily = self._daily_cap(session)
        if daily is not None:
            today = self.store.spent(daily.key(utc_today()))
            notes.append(f"Hoy, en la cuenta del anfitrión / Today, on the host's account: "
                         f"{format_usd(today)} de / of {format_usd(daily.limit_usd)}")
        return "".join(f" · {note}" for note in notes)
