"""The SDK client cache: bounded, closes what it evicts; a visitor's client carries none of the
host's headers; "openai" always means api.openai.com; streamed answers reuse their connection."""

from __future__ import annotations

import threading

import pytest

from chatbot.client import Backend, ChatParams, LLMClient, SDKPool
from chatbot.models.catalog import Catalog
from chatbot.money import billing
from chatbot.settings import Settings
from tests.conftest import FAKE_KEY
from tests.fakes.openai_server import FakeOpenAI

DEAD = "http://127.0.0.1:9/v1"  # nothing is sent: the clients are only built


def test_least_recently_used_client_is_closed_when_the_cache_is_full() -> None:
    pool = SDKPool(5, 0, capacity=2)
    first = pool.get(Backend("compatible", DEAD, "sk-one-00001"))
    second = pool.get(Backend("compatible", DEAD, "sk-two-00002"))
    assert pool.get(Backend("compatible", DEAD, "sk-one-00001")) is first  # used again
    pool.get(Backend("compatible", DEAD, "sk-three-003"))
    assert len(pool) == 2
    assert second.is_closed() and not first.is_closed()


def test_visitor_clients_omit_the_hosts_headers(monkeypatch: pytest.MonkeyPatch) -> None:
    env = {"OPENAI_ORG_ID": "org-host", "OPENAI_PROJECT_ID": "proj-host",
           "OPENAI_CUSTOM_HEADERS": "X-Host-Token: t0ken"}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = Settings.from_env()
    pool = SDKPool(5, 0, host_headers=settings.host_headers)
    with FakeOpenAI() as fake:
        pool.get(Backend("compatible", fake.base_url, "sk-host-0001")).models.list()
        host = fake.requests[-1].headers
        pool.get(Backend("compatible", fake.base_url, "sk-vis-00002", visitor=True)).models.list()
        visitor = fake.requests[-1].headers
    assert host["openai-organization"] == "org-host" and host["x-host-token"] == "t0ken"
    assert not {"openai-organization", "openai-project", "x-host-token"} & set(visitor)


def test_openai_means_openai_whatever_the_environment_says(monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    client = SDKPool(5, 0).get(Backend("openai", None, "sk-visitor-01", visitor=True))
    assert str(client.base_url).rstrip("/") == "https://api.openai.com/v1"


def _llm(fake: FakeOpenAI, catalog: Catalog) -> LLMClient:
    return LLMClient(Backend("openai", fake.base_url, FAKE_KEY), SDKPool(10, 0), catalog,
                     billing.Ledger())


def test_streamed_answers_reuse_one_connection(fake: FakeOpenAI, catalog: Catalog) -> None:
    llm = _llm(fake, catalog)
    for _ in range(5):
        events = list(llm.stream_chat([{"role": "user", "content": "hola"}],
                                      ChatParams("gpt-4o-mini")))
        assert events[-1].result is not None and events[-1].text == "echo: hola"
    assert fake.connections == 1


def test_a_stopped_stream_is_not_read_to_its_end(fake: FakeOpenAI, catalog: Catalog) -> None:
    llm = _llm(fake, catalog)
    gate = fake.pause_stream_next(after_chunks=3)  # role chunk, "echo:", " hola", then it waits
    events = llm.stream_chat([{"role": "user", "content": "hola"}], ChatParams("gpt-4o-mini"))
    assert next(events).text == "echo:"
    assert gate.wait_waiting(1)
    opener = threading.Timer(1.0, gate.open)  # the rest comes later: a close that read on
    opener.start()  # would get it, and keep the connection
    events.close()  # the Stop button
    opener.join()
    list(llm.stream_chat([{"role": "user", "content": "hola"}], ChatParams("gpt-4o-mini")))
    assert fake.connections == 2  # the stopped stream's connection was dropped, as it may be
