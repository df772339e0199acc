"""The composition root: what the process builds once (settings, catalog, SDK pool, engines,
store, capability book) and hands to whoever serves users.

Per-session decisions live in `session.SessionPolicy`; the context keeps the names features call
(`ctx.client_for(session)`, `ctx.model_for(session)`…) as one-line hand-offs to it, so a feature
needs one object and never builds a client itself.
"""

from __future__ import annotations

import functools
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chatbot.client import Backend, CapabilityBook, LLMClient, SDKPool
from chatbot.context import status
from chatbot.context.session import Session, SessionPolicy
from chatbot.engine.finding import EngineLocator
from chatbot.engine.llama_server import EMBED_CTX, EMBED_SLOTS, EmbeddedServer, ServerConfig
from chatbot.engine.tuned import TUNED_SLOTS, TunedServers
from chatbot.engine.warmup import Messages, PrefixWarmer
from chatbot.models.capabilities import Capabilities
from chatbot.models.catalog import Catalog
from chatbot.money.billing import Ledger
from chatbot.policy.fairshare import FairShare
from chatbot.policy.lru import ByteLRU
from chatbot.policy.workdirs import WorkDirs
from chatbot.settings import BackendKind, Settings
from chatbot.store import Store

# In the system's temp folder, where Gradio takes returned files from, but outside its cache,
# which it serves: visitors get Gradio's copy of their own files, never this folder.
OUTPUTS = Path(tempfile.gettempdir()) / "chatbot-lab-outputs"
PRIORS_BYTES = 8 * 1024 * 1024  # sentiment calibrations kept for every session


@dataclass
class AppContext:
    settings: Settings
    catalog: Catalog
    pool: SDKPool
    embedded: EmbeddedServer | None
    store: Store
    workdirs: WorkDirs
    # Sentiment calibration priors by (backend, model, prompt) digest: facts about a model,
    # measured once for every session (18 model calls each); a few KB each, bounded by bytes.
    # Pools, their vectors and fitted classifiers are not here: they belong to the session.
    priors: ByteLRU[str, Any] = field(default_factory=lambda: ByteLRU(PRIORS_BYTES))
    tuned: TunedServers | None = None  # models trained on this machine, served on demand
    # The embedded model's vectors: a second llama.cpp instance (pooled embeddings need a server
    # of their own), started on first use and stopped with the app like the first.
    embedder: EmbeddedServer | None = None
    # Keeps the class's persona prefilled in every slot of the embedded engine (engine/warmup.py).
    warmer: PrefixWarmer | None = None
    # What each (backend, model) takes: the data, probes of compatible servers, learned refusals.
    capabilities: CapabilityBook = field(init=False)
    # Each session's running jobs, so one visitor cannot hold every worker (policy/fairshare).
    fair: FairShare = field(default_factory=FairShare)
    # The per-session rules, over the parts above.
    policy: SessionPolicy = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.capabilities = CapabilityBook(self.catalog)
        self.policy = SessionPolicy(self.settings, self.catalog, self.pool, self.store,
                                    self.capabilities, self.embedded, self.tuned, self.embedder)

    @classmethod
    def create(cls, settings: Settings, *, embedded: bool = True) -> AppContext:
        """Nothing starts here: the embedded server starts on launch or on first use."""
        server = None
        # One for every llama-server this app starts, so the engine is found (or built) once.
        engine = EngineLocator(settings.cache_dir, settings.llama_server,
                               build=settings.engine_build)
        if embedded:
            server = EmbeddedServer(ServerConfig(
                model_path=settings.local_model_path, cache_dir=settings.cache_dir,
                threads=settings.local_threads, ctx=settings.local_ctx,
                port=settings.local_port, slots=settings.local_slots,
            ), engine)
        pool = SDKPool(settings.timeout, settings.max_retries, capacity=settings.client_cache,
                       host_headers=settings.host_headers)
        tuned, local = None, {}
        if server is not None:
            tuned = TunedServers(settings.cache_dir, lambda m: EmbeddedServer(ServerConfig(
                model_path=m.path, cache_dir=settings.cache_dir, threads=settings.local_threads,
                ctx=settings.local_ctx, slots=TUNED_SLOTS, name=m.name), engine))
            local = {server.model_name: functools.partial(tuned.tokenizer_root, server)}
        embedder = None if server is None else EmbeddedServer(ServerConfig(
            model_path=settings.local_model_path, cache_dir=settings.cache_dir,
            threads=settings.local_threads, ctx=EMBED_CTX, slots=EMBED_SLOTS, embeddings=True),
            engine)
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

    def local_models(self) -> list[str]:
        """What the embedded engine serves: the base model, then the models tuned here."""
        if self.embedded is None:
            return []
        return [self.embedded.model_name, *(self.tuned.names() if self.tuned else [])]

    def model_concurrency(self) -> tuple[int, str]:
        """How many model calls the app runs at once, and the line they share. On the embedded
        default, its slots: the rest wait in the app's queue, where each student sees their
        place. On a remote default, CHATBOT_REMOTE_CONCURRENCY: waiting on OpenAI or a
        compatible server costs this machine no CPU, so a class is not held to the CPU-sized
        CHATBOT_CONCURRENCY. (Hosted mode's per-visitor rules apply either way.)"""
        if self.embedded is not None and self.settings.backend == "local":
            return self.embedded.config.slots, "engine"
        return self.settings.remote_concurrency, "remote"

    def warm_persona(self, opening: Messages, variants: Sequence[Messages] = ()) -> None:
        """The class's next conversations start with `opening` (system prompt, greeting): have
        it prefilled in every slot of the embedded engine, in the background, and `variants`
        (the same start grounded in a passage) each in a slot of its own."""
        if self.warmer is not None:
            self.warmer.want(opening, variants)

    def place_start(self, session: Session, messages: Messages) -> None:
        """A first turn on the embedded engine whose start (persona and greeting, with a
        course-pack passage or not) was warmed: have an idle slot hold it before the request
        leaves, so a second student asking about the same concept at once, or a concept
        without a slot of its own, computes only the question (engine/placement.py). Waits for
        no answer from the engine; never raises."""
        if (self.warmer is not None and self.embedded is not None and len(messages) > 1
                and self.backend_kind(session) == "local"
                and self.model_for(session) == self.embedded.model_name):
            self.warmer.place(messages[:-1])

    def engine_preparing(self) -> bool:
        """Loading the model or warming its slots: the status line refreshes faster."""
        if self.embedded is None:
            return False
        warming = self.warmer.warming() if self.warmer else None
        return self.embedded.status == "starting" or warming is not None

    # Hand-offs to the session policy and the status line: the names features call.

    def backend_kind(self, session: Session) -> BackendKind:
        return self.policy.backend_kind(session)

    def backend_for(self, session: Session, *, wait: bool = True,
                    model: str | None = None) -> Backend:
        return self.policy.backend_for(session, wait=wait, model=model)

    def model_for(self, session: Session) -> str:
        return self.policy.model_for(session)

    def host_pays(self, session: Session) -> bool:
        return self.policy.host_pays(session)

    def client_for(self, session: Session, model: str | None = None) -> LLMClient:
        return self.policy.client_for(session, model)

    def embeddings_client(self, session: Session) -> LLMClient:
        return self.policy.embeddings_client(session)

    def capabilities_for(self, session: Session, model: str | None = None, *,
                         probe: bool = True) -> Capabilities:
        return self.policy.capabilities_for(session, model, probe=probe)

    def status_markdown(self, session: Session, *, public: bool = False) -> str:
        return status.status_markdown(self.policy, session, public=public, warmer=self.warmer)
