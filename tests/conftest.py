"""Shared fixtures: an isolated environment, the embedded model, and the launched app."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from chatbot.client import Backend, LLMClient, SDKPool
from chatbot.context import AppContext
from chatbot.engine.llama_server import EmbeddedServer, ServerConfig
from chatbot.models.catalog import Catalog
from chatbot.money import billing
from chatbot.settings import Settings
from tests.fakes.openai_server import FakeOpenAI

ROOT = Path(__file__).resolve().parent.parent
CACHE_DIR = Path(os.environ.get("CHATBOT_CACHE_DIR", "~/.cache/chatbot-lab")).expanduser()
# Nothing a test does may reach OpenAI: a fake key and a base URL on the discard port.
ISOLATED_ENV = {
    "OPENAI_API_KEY": "sk-test-not-real",
    "OPENAI_BASE_URL": "http://127.0.0.1:9/v1",
}
CLEARED = ("CHATBOT_BACKEND", "CHATBOT_MODEL", "CHATBOT_ENV_FILE", "CHATBOT_PRICES",
           "CHATBOT_BUDGET_USD", "CHATBOT_LOCAL_MODEL", "TELEGRAM_BOT_TOKEN",
           "TELEGRAM_API_BASE_URL", "TELEGRAM_ALLOWED_USERS", "TELEGRAM_PUBLIC", "SPACE_ID",
           "CHATBOT_HOSTED", "CHATBOT_DAILY_BUDGET_USD", "CHATBOT_ALLOWED_BASE_URLS",
           "OPENAI_ORG_ID", "OPENAI_PROJECT_ID", "OPENAI_CUSTOM_HEADERS", "GRADIO_SERVER_NAME",
           "CHATBOT_KNOWLEDGE")

FAKE_KEY = "sk-test-SECRETzq9X"  # what tests send to the fake; must never show up in a message


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the developer's .env or key, or reaches the network by accident; each test
    has its own store, so no spending or conversation leaks from one test into another."""
    for name in CLEARED:
        monkeypatch.delenv(name, raising=False)
    for name, value in ISOLATED_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("CHATBOT_CACHE_DIR", str(CACHE_DIR))
    monkeypatch.setenv("CHATBOT_DB", str(tmp_path / "chatbot.sqlite3"))


@pytest.fixture(scope="session")
def embedded() -> Iterator[EmbeddedServer]:
    """One llama.cpp server for the whole run: on 2 cores, two would only slow each other."""
    server = EmbeddedServer(ServerConfig(model_path=None, cache_dir=CACHE_DIR)).start()
    server.wait_ready(300)
    yield server
    server.stop()


def assert_same_top(mine: Mapping[str, float], theirs: Mapping[str, float], *, head: int,
                    abs_tol: float) -> None:
    """Two top-k lists of the embedded model's next token (probabilities or logprobs) agree.

    llama-server computes a prompt's last token differently when the prefix comes from its cache
    (a batch of one instead of the whole prompt): measured on the embedded model, logprobs move by
    up to 0.07 (with `cache_prompt: false` they repeat exactly), which can swap near-ties at the
    tail. So the first `head` of each list must be in the other, and every token in both must have
    the same value within `abs_tol`."""
    for one, other in ((mine, theirs), (theirs, mine)):
        first = sorted(one, key=lambda t: one[t], reverse=True)[:head]
        assert set(first) <= set(other), (first, list(other))
    shared = sorted(set(mine) & set(theirs))
    assert [mine[t] for t in shared] == pytest.approx([theirs[t] for t in shared], abs=abs_tol)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_http(url: str, timeout: float, proc: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


def launch_app(env: dict[str, str], log: Path, runner: tuple[str, ...] = ()
               ) -> tuple[subprocess.Popen[bytes], str]:
    """`python app.py` as a user runs it, on a free port, with the given environment; `runner`
    goes between python and app.py (a fake at the network's edge, e.g. tests.fakes.dns)."""
    port = free_port()
    full_env = {k: v for k, v in os.environ.items() if k not in ISOLATED_ENV and k not in CLEARED}
    full_env.update({"GRADIO_SERVER_PORT": str(port), "GRADIO_ANALYTICS_ENABLED": "False",
                     "CHATBOT_CACHE_DIR": str(CACHE_DIR), **env})
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, *runner, "app.py"], cwd=ROOT, env=full_env,
                                stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_http(url, 120, proc)
    except Exception:
        proc.kill()
        raise RuntimeError(log.read_text(errors="replace")[-3000:]) from None
    return proc, url


@pytest.fixture(scope="module")
def embedded_ctx() -> Iterator[AppContext]:
    """The app's context on the embedded default, as `python app.py` builds it; its chat and
    embeddings servers start on first use and stop with the module."""
    app = AppContext.create(Settings.from_env({"CHATBOT_CACHE_DIR": str(CACHE_DIR)}))
    yield app
    for server in (app.embedded, app.embedder):
        if server is not None:
            server.stop()


@pytest.fixture(scope="session")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app on the embedded default: no key, no base URL."""
    proc, url = launch_app({}, tmp_path_factory.mktemp("app") / "app.log")
    yield url
    proc.terminate()
    proc.wait(timeout=20)


# -- the OpenAI-protocol fake and a client on it (modules needing other options override these) --


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    """The shipped catalog; modules that pin a date define their own."""
    return Catalog.load()


class FakeFactory:
    """`make_fake(**options)`: a FakeOpenAI with these options (see its docstring), closed with
    the fixture that made it. The one way tests get a fake OpenAI server."""

    def __init__(self) -> None:
        self.made: list[FakeOpenAI] = []

    def __call__(self, **options: Any) -> FakeOpenAI:
        server = FakeOpenAI(**options)
        self.made.append(server)
        return server

    def close(self) -> None:
        for server in self.made:
            server.close()


@pytest.fixture
def make_fake() -> Iterator[FakeFactory]:
    factory = FakeFactory()
    yield factory
    factory.close()


@pytest.fixture(scope="module")
def make_module_fake() -> Iterator[FakeFactory]:
    """The same factory, for fakes that live as long as a module's launched app."""
    factory = FakeFactory()
    yield factory
    factory.close()


def _options(request: pytest.FixtureRequest) -> dict[str, Any]:
    """A module sets `FAKE_OPTIONS = {...}` to give its `fake`/`module_fake` other options."""
    return dict(getattr(request.module, "FAKE_OPTIONS", {}))


@pytest.fixture
def fake(make_fake: FakeFactory, request: pytest.FixtureRequest) -> FakeOpenAI:
    return make_fake(**_options(request))


@pytest.fixture(scope="module")
def module_fake(make_module_fake: FakeFactory, request: pytest.FixtureRequest) -> FakeOpenAI:
    return make_module_fake(**_options(request))


@pytest.fixture
def client(fake: FakeOpenAI, catalog: Catalog) -> LLMClient:
    """Kind "openai" pointed at the fake: the course's real target (fine-tuning included);
    retries never sleep."""
    return LLMClient(Backend("openai", fake.base_url, FAKE_KEY), SDKPool(10, 0), catalog,
                     billing.Ledger(), sleep=lambda _s: None)
