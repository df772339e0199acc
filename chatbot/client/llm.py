"""`LLMClient`: every kind of call, gathered on one object per user and backend.

Composed, not inherited: `transport` sends and retries, `metering` estimates, holds and bills,
`requests` shapes what the model takes; the call groups (`chats`, `streams`, `embeddings`, `jobs`)
use those three. A reader follows an attribute, never a method resolution order.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator
from pathlib import Path
from typing import Any

import openai
from openai.types import FilePurpose

from chatbot.client.capability_book import CapabilityBook
from chatbot.client.chat import ChatCalls
from chatbot.client.embeddings import EmbedCalls, Embeddings
from chatbot.client.jobs import JobCalls
from chatbot.client.metering import Metering
from chatbot.client.params import ChatParams
from chatbot.client.request import Requests
from chatbot.client.results import (
    FileInfo,
    JobEvent,
    JobInfo,
    Result,
    StreamEvent,
    read_usage,
)
from chatbot.client.sdk import Backend, SDKPool
from chatbot.client.stream import StreamCalls
from chatbot.client.transport import Transport
from chatbot.models.capabilities import Capabilities
from chatbot.models.catalog import Catalog
from chatbot.money.billing import Ledger
from chatbot.money.spending import Meter


class LLMClient:
    """One user's view of one backend: builds the SDK call, bills it, translates its errors."""

    def __init__(self, backend: Backend, pool: SDKPool, catalog: Catalog,
                 ledger: Ledger | None = None, *, max_retries: int = 2,
                 meter: Meter | None = None,
                 sleep: Callable[[float], None] = time.sleep,
                 capabilities: CapabilityBook | None = None) -> None:
        """`capabilities`: the process's book (AppContext owns it); a private one otherwise."""
        self.backend = backend
        self.pool = pool
        self.catalog = catalog
        self.capabilities = capabilities if capabilities is not None else CapabilityBook(catalog)
        self.transport = Transport(backend, pool, catalog, max_retries=max_retries, sleep=sleep)
        self.metering = Metering(backend, catalog, ledger, meter)
        self.requests = Requests(backend, catalog, self.capabilities)
        self.chats = ChatCalls(self.transport, self.metering, self.requests)
        self.streams = StreamCalls(self.transport, self.metering, self.requests)
        self.embeddings = EmbedCalls(self.transport, self.metering, self.requests)
        self.jobs = JobCalls(self.transport, self.requests)

    @property
    def ledger(self) -> Ledger | None:
        return self.metering.ledger

    @property
    def meter(self) -> Meter | None:
        return self.metering.meter

    @property
    def sdk(self) -> openai.OpenAI:
        return self.transport.sdk

    def capabilities_for(self, model: str) -> Capabilities:
        return self.requests.capabilities_for(model)

    def check_model(self, model: str) -> None:
        self.requests.check_model(model)

    def chat(self, messages: list[dict[str, Any]], params: ChatParams) -> Result:
        return self.chats.chat(messages, params)

    def complete(self, prompt: str, params: ChatParams) -> Result:
        return self.chats.complete(prompt, params)

    def list_models(self) -> list[str]:
        return self.chats.list_models()

    def stream_chat(self, messages: list[dict[str, Any]], params: ChatParams
                    ) -> Generator[StreamEvent, None, None]:
        return self.streams.stream_chat(messages, params)

    def embed(self, texts: list[str], model: str) -> Embeddings:
        return self.embeddings.embed(texts, model)

    def send_probe(self, body: dict[str, Any]) -> Any:
        """One capability probe (a one-token chat request), metered like every other request;
        the SDK's own errors pass through, so the probe can tell "not taken" from "unreachable"."""
        model = str(body["model"])
        est = self.metering.estimate(body["messages"], ChatParams(
            model=model, max_tokens=1, n=int(body.get("n", 1))))
        with self.metering.metered(est) as hold:
            reply = self.transport.sdk.chat.completions.create(**body)
            self.metering.bill(model, self.transport.read(lambda: read_usage(reply.usage)), hold)
        return reply

    def upload_file(self, path: Path, purpose: FilePurpose = "fine-tune") -> FileInfo:
        return self.jobs.upload_file(path, purpose)

    def create_job(self, training_file: str, model: str, *, validation_file: str | None = None,
                   suffix: str | None = None, seed: int | None = None,
                   n_epochs: int | None = None, batch_size: int | None = None,
                   learning_rate_multiplier: float | None = None) -> JobInfo:
        return self.jobs.create_job(
            training_file, model, validation_file=validation_file, suffix=suffix, seed=seed,
            n_epochs=n_epochs, batch_size=batch_size,
            learning_rate_multiplier=learning_rate_multiplier)

    def list_jobs(self, limit: int = 20) -> list[JobInfo]:
        return self.jobs.list_jobs(limit)

    def get_job(self, job_id: str) -> JobInfo:
        return self.jobs.get_job(job_id)

    def cancel_job(self, job_id: str) -> JobInfo:
        return self.jobs.cancel_job(job_id)

    def job_events(self, job_id: str, limit: int = 100) -> list[JobEvent]:
        return self.jobs.job_events(job_id, limit)
