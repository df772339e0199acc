"""The SDK client cache: bounded, closes what it evicts; a visitor's client carries none of the
host's headers; "openai" always means api.openai.com."""

from __future__ import annotations

import pytest

from chatbot.client import Backend, SDKPool
from chatbot.settings import Settings
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
