"""A class's first minute (issue 26): the default persona is prefilled in every slot of the real
llama-server after start, a student's first message reuses it, the status line says while it is
warming, and a class on a remote backend is not held to the CPU-sized limit."""

from __future__ import annotations

import json
import re
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import openai
import pytest
from gradio_client import Client

from chatbot.chat import persona
from chatbot.client import SDKPool
from chatbot.context import AppContext, Session
from chatbot.engine.llama_server import EmbeddedServer
from chatbot.engine.warmup import PrefixWarmer
from chatbot.knowledge import pack
from chatbot.models.catalog import Catalog
from chatbot.money.billing import Ledger
from chatbot.policy.workdirs import WorkDirs
from chatbot.settings import Settings
from chatbot.store import Store
from tests.fakes.openai_server import FakeOpenAI

from .conftest import FAKE_KEY, free_port, launch_app

SLOTS = 4


def engine_json(port: int, path: str, body: dict[str, Any] | None = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=300) as resp:
        return json.loads(resp.read())


def prompt_counters(port: int) -> tuple[float, float]:
    """The engine's totals of prompt tokens processed and found in a slot's cache."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as resp:
        text = resp.read().decode()
    values = dict(re.findall(r"^llamacpp:(prompt_tokens(?:_cached)?_total) ([0-9.e+]+)$", text,
                             re.M))
    return float(values["prompt_tokens_total"]), float(values["prompt_tokens_cached_total"])


def ready_class_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """The app on the embedded default, its engine on a known port (4 slots: a small class),
    once the status line says it is ready (loaded and warm)."""
    port = free_port()
    env = {"OPENAI_API_KEY": "", "OPENAI_BASE_URL": "", "CHATBOT_LOCAL_PORT": str(port),
           "CHATBOT_LOCAL_SLOTS": str(SLOTS)}
    log = tmp_path_factory.mktemp("warm") / "app.log"
    for attempt in range(3):  # Gradio's own 3-s localhost check can time out on a busy machine
        try:
            proc, url = launch_app(env, log)
            break
        except RuntimeError as exc:
            if "localhost is not accessible" not in str(exc) or attempt == 2:
                raise
    try:
        client = Client(url, verbose=False)
        deadline = time.monotonic() + 300
        status = ""
        while "🟢" not in status and time.monotonic() < deadline:
            out = client.predict("local", "", "", "", None, api_name="/settings")
            status = next((str(o) for o in out if "Backend" in str(o)), "")
            time.sleep(0.5)
        assert "🟢 Embebido listo" in status, status
        yield url, port
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@pytest.fixture(scope="module")
def class_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    yield from ready_class_app(tmp_path_factory)


@pytest.fixture(scope="module")
def placing_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """Another one, for the tests that move warm starts between slots (class_app's tests read
    them where the warm-up put them)."""
    yield from ready_class_app(tmp_path_factory)


def default_opening() -> list[dict[str, str]]:
    first = persona.PRESETS[0]
    return persona.opening(first.name, first.system_prompt, first.greeting)


@pytest.mark.model
def test_a_first_question_on_a_course_concept_processes_only_its_own_words(
        class_app: tuple[str, int]) -> None:
    """"¿Qué es un token?" carries the course pack's Token passage after the persona's prompt
    (~150 tokens more than the persona's start): that grounded start was prefilled into a slot
    of its own, so the engine processes just the question. (Runs first: the tests after it
    write into the slots.)"""
    url, port = class_app
    processed, cached = prompt_counters(port)
    history = Client(url, verbose=False).predict("¿Qué es un token?", api_name="/chat")[0]
    now_processed, now_cached = prompt_counters(port)
    assert any("conceptos.md" in str(m) for m in history), history  # it was grounded
    assert now_cached - cached > 250, (now_cached, cached)
    assert now_processed - processed < 40, (now_processed, processed)


@pytest.mark.model
def test_a_first_message_processes_only_its_own_words(class_app: tuple[str, int]) -> None:
    """Through the app as a student sends it (only the message typed): the engine finds the
    persona's prefix in a slot and processes just the question."""
    url, port = class_app
    processed, cached = prompt_counters(port)
    Client(url, verbose=False).predict("¿Qué curso me recomiendas?", api_name="/chat")
    now_processed, now_cached = prompt_counters(port)
    assert now_cached - cached > 100, (now_cached, cached)
    assert now_processed - processed < 40, (now_processed, processed)


@pytest.mark.model
def test_every_slot_holds_the_default_persona_after_start(class_app: tuple[str, int]) -> None:
    """Each slot of the engine holds the persona's prompt: the first half as it is, the others
    grounded in the course pack's first concepts, in order from the top slot down (a question
    pinned to each slot finds its start there)."""
    _, port = class_app
    opening = default_opening()
    grounded = pack.openings(opening, "es")
    for slot in range(SLOTS):
        start = opening if slot < SLOTS // 2 else grounded[SLOTS - 1 - slot]
        answer = engine_json(port, "/v1/chat/completions", {
            "messages": [*start, {"role": "user", "content": f"Hola ({slot})"}],
            "max_tokens": 1, "id_slot": slot})
        assert answer["timings"]["cache_n"] > (100 if slot < SLOTS // 2 else 250), (
            slot, answer["timings"])


def ask_at_once(url: str, questions: list[str]) -> list[Any]:
    """Each question a student's first message, in a session of its own, all sent together."""
    clients = [Client(url, verbose=False) for _ in questions]
    with ThreadPoolExecutor(len(questions)) as pool:
        return list(pool.map(lambda c, q: c.predict(q, api_name="/chat")[0], clients, questions))


@pytest.mark.model
def test_two_students_asking_about_the_same_concept_at_once_both_find_it_warm(
        placing_app: tuple[str, int]) -> None:
    """One slot holds the Token passage's start; the second student's is restored from its
    file into another slot before their question leaves (engine/placement.py), instead of the
    engine prefilling the passage again (~180 tokens)."""
    url, port = placing_app
    processed, cached = prompt_counters(port)
    histories = ask_at_once(url, ["¿Qué es un token?", "Explica qué es un token."])
    now_processed, now_cached = prompt_counters(port)
    assert all(any("conceptos.md" in str(m) for m in h) for h in histories), histories
    assert now_cached - cached > 500, (now_cached, cached)
    assert now_processed - processed < 60, (now_processed, processed)


@pytest.mark.model
def test_a_concept_without_a_slot_of_its_own_is_restored_not_prefilled(
        placing_app: tuple[str, int]) -> None:
    """With 4 slots only the pack's first two concepts keep a slot; top_p (the seventh) was
    saved during the warm-up and is restored when asked."""
    url, port = placing_app
    processed, _ = prompt_counters(port)
    history = Client(url, verbose=False).predict("¿Para qué sirve top_p?", api_name="/chat")[0]
    now_processed, _ = prompt_counters(port)
    assert any("conceptos.md" in str(m) for m in history), history
    assert now_processed - processed < 40, (now_processed, processed)


LONG_PERSONA = [
    {"role": "system", "content": "Eres un tutor. " + " ".join(
        f"Regla {i}: responde con calma y con un ejemplo corto del tema {i}." for i in range(90))},
    {"role": "assistant", "content": "¡Hola! ¿Qué repasamos hoy?"},
]


WAITS = "Nueva persona: se prepara cuando el motor quede libre"


@pytest.mark.model
def test_the_status_line_says_it_is_warming_and_how_long_is_left(
        embedded: EmbeddedServer, tmp_path: Path) -> None:
    """A persona chosen while a student is answered waits for the engine to be idle; then a
    long persona (~1,500 tokens, seconds of prefill on 2 cores) shows the seconds left."""
    warmer = PrefixWarmer(embedded.root_url, embedded.config.slots, embedded.load,
                          embedded.slot_file)
    ctx = AppContext(Settings(cache_dir=tmp_path), Catalog.load(), SDKPool(60, 0), embedded,
                     Store(tmp_path / "s.db"), WorkDirs(tmp_path / "out"), warmer=warmer)
    session = Session(ledger=Ledger())
    sdk = openai.OpenAI(base_url=embedded.base_url, api_key="sk-no-key-required")
    stream = sdk.chat.completions.create(
        model=embedded.model_name, stream=True, max_tokens=300, temperature=0,
        messages=[{"role": "user", "content": "Cuenta del 1 al 200."}])
    seen: list[str] = []
    try:
        next(iter(stream))
        time.sleep(1.1)  # past the one-second cache of the engine's load
        ctx.warm_persona(LONG_PERSONA)
        warmer.engine_up()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not any(WAITS in s for s in seen):
            seen.append(ctx.status_markdown(session))
            time.sleep(0.2)
    finally:
        stream.close()
    assert any(WAITS in s for s in seen), seen
    deadline = time.monotonic() + 240
    while not warmer.is_warm(LONG_PERSONA) and time.monotonic() < deadline:
        seen.append(ctx.status_markdown(session))
        time.sleep(0.2)
    warming = [s for s in seen if "Preparando la persona" in s]
    assert warming, seen
    assert re.search(r"Preparando la persona en las \d+ plazas, quedan ~\d+ s",
                     warming[0])
    assert warmer.last_error is None
    final = ctx.status_markdown(session)
    assert "Embebido listo" in final and "Preparando" not in final


def test_a_class_on_a_remote_server_is_not_held_to_the_cpu_limit(tmp_path: Path) -> None:
    """16 students at once on a compatible server, default settings: all 16 are at the server
    together (CHATBOT_CONCURRENCY, 8, is sized for the embedded engine on 2 cores). The server
    answers no one until all 16 are in, so a line of 8 would leave it at 8: no timing."""
    with FakeOpenAI() as fake:
        proc, url = launch_app({"OPENAI_API_KEY": FAKE_KEY, "OPENAI_BASE_URL": fake.base_url,
                                "CHATBOT_MODEL": "gpt-4o-mini", "CHATBOT_MAX_RETRIES": "0"},
                               tmp_path / "app.log")
        gate = None
        try:
            clients = [Client(url, verbose=False) for _ in range(16)]
            clients[0].predict("Hola", api_name="/chat")  # what the app asks once is asked
            fake.reset()
            gate = fake.hold(16, guard=20)
            with ThreadPoolExecutor(16) as pool:
                answers = list(pool.map(
                    lambda c: c.predict("Hola", [], "Edu", "Eres Edu.", 0.7, 32,
                                        api_name="/chat"), clients))
        finally:
            if gate is not None:
                gate.open()
            proc.terminate()
            proc.wait(timeout=20)
    assert all(a[0][-1]["role"] == "assistant" for a in answers)
    assert fake.peak_in_flight == 16 and Settings().concurrency < 16, fake.peak_in_flight


def test_the_embedded_engine_keeps_its_slot_line_and_a_remote_default_gets_its_own() -> None:
    """On the embedded default, model calls beyond the engine's slots wait in Gradio's queue,
    where each student sees their place; a remote default is not held to the slots nor to the
    CPU-sized CHATBOT_CONCURRENCY."""
    local = AppContext.create(Settings.from_env({"CHATBOT_LOCAL_SLOTS": "6"}))
    assert local.embedded is not None and local.model_concurrency() == (6, "engine")
    remote = AppContext.create(Settings.from_env({"OPENAI_API_KEY": FAKE_KEY}))
    limit, line = remote.model_concurrency()
    assert line == "remote" and limit == Settings().remote_concurrency > Settings().concurrency
