"""A class on the embedded model: students beyond the engine's slots see their place in line, and
the status line shows the engine's load."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import openai
import pytest
from gradio_client import Client
from gradio_client.utils import Status

from chatbot.client import SDKPool
from chatbot.context import AppContext, Session
from chatbot.engine.llama_server import EmbeddedServer
from chatbot.models.catalog import Catalog
from chatbot.money.billing import Ledger
from chatbot.policy.workdirs import WorkDirs
from chatbot.settings import Settings
from chatbot.store import Store

from .conftest import launch_app

pytestmark = pytest.mark.model

LONG = ["Escribe una lista de veinte frutas, una por línea.", [], "Edu", "Eres Edu.", 0.7, 160]


@pytest.fixture(scope="module")
def one_slot_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app as a host with a tiny machine would run it: one student answered at a time."""
    proc, url = launch_app({"CHATBOT_LOCAL_SLOTS": "1"},
                           tmp_path_factory.mktemp("class") / "app.log")
    yield url
    proc.terminate()
    proc.wait(timeout=20)


def test_a_student_beyond_the_slots_sees_their_place_in_line(one_slot_app: str) -> None:
    first = Client(one_slot_app, verbose=False)
    second = Client(one_slot_app, verbose=False)
    first.predict("Hola", [], "Edu", "Eres Edu.", 0.7, 16, api_name="/chat")  # model loaded
    running = first.submit(*LONG, api_name="/chat")
    deadline = time.monotonic() + 60
    answering = (Status.PROCESSING, Status.ITERATING)  # a streamed answer iterates
    while running.status().code not in answering and time.monotonic() < deadline:
        time.sleep(0.05)
    waiting = second.submit(*LONG, api_name="/chat")
    seen = []
    while not waiting.done() and time.monotonic() < deadline + 120:
        status = waiting.status()
        seen.append((status.code, status.rank))
        if status.code in answering:
            break
        time.sleep(0.05)
    assert (Status.IN_QUEUE, 0) in seen, seen  # Gradio shows rank 0 as "1st in line"
    assert running.result() and waiting.result()


def test_the_status_line_shows_the_engine_load(embedded: EmbeddedServer, tmp_path: Path) -> None:
    ctx = AppContext(Settings(cache_dir=tmp_path), Catalog.load(), SDKPool(60, 0), embedded,
                     Store(tmp_path / "s.db"), WorkDirs(tmp_path / "out"))
    idle = ctx.status_markdown(Session(ledger=Ledger()))
    assert f"0/{embedded.config.slots} plazas ocupadas" in idle
    sdk = openai.OpenAI(base_url=embedded.base_url, api_key="sk-no-key-required")
    stream = sdk.chat.completions.create(
        model=embedded.model_name, stream=True, max_tokens=2000, temperature=0,
        messages=[{"role": "user", "content": "Cuenta del 1 al 1000, separados por comas."}])
    wanted = f"1/{embedded.config.slots} plazas ocupadas"
    busy = idle
    try:
        next(iter(stream))  # a slot is taken until the stream closes
        deadline = time.monotonic() + 30  # a guard, not a speed check
        while wanted not in busy and time.monotonic() < deadline:  # the load is cached for 1 s
            time.sleep(0.05)
            busy = ctx.status_markdown(Session(ledger=Ledger()))
    finally:
        stream.close()
    assert wanted in busy
