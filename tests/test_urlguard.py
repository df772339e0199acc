"""Typed base URLs: the host's allow-list in hosted mode; no loopback, private, link-local or
metadata address when the app listens beyond loopback, checked again on the connected socket."""

from __future__ import annotations

import socket
from typing import Any

import httpcore2
import httpx2
import pytest

from chatbot.errors import InvalidInput
from chatbot.policy.urlguard import GuardedNetwork, blocked, check_typed_url, guarded_http_client
from chatbot.settings import Settings
from tests.fakes.openai_server import FakeOpenAI


@pytest.mark.parametrize("address", ["127.0.0.1", "10.1.2.3", "192.168.0.7", "172.16.0.1",
                                     "169.254.169.254", "::1", "fe80::1", "fd00:ec2::254",
                                     "::ffff:127.0.0.1", "0.0.0.0", "100.100.100.200", "junk"])
def test_blocked_addresses(address: str) -> None:
    assert blocked(address)


@pytest.mark.parametrize("address", ["8.8.8.8", "104.18.6.192", "2606:4700::6810:7b8"])
def test_public_addresses_pass(address: str) -> None:
    assert not blocked(address)


def test_hosted_mode_allows_only_the_hosts_list() -> None:
    settings = Settings.from_env({"SPACE_ID": "me/lab",
                                  "CHATBOT_ALLOWED_BASE_URLS": "http://10.0.0.5:8000/v1/"})
    assert settings.hosted
    assert check_typed_url(settings, "http://10.0.0.5:8000/v1") is False
    with pytest.raises(InvalidInput, match="CHATBOT_ALLOWED_BASE_URLS"):
        check_typed_url(settings, "https://example.org/v1")


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/v1", "http://localhost/v1",
                                 "http://169.254.169.254/latest", "http://[::1]:80/v1",
                                 "http://10.0.0.1/v1"])
def test_public_listener_refuses_local_targets(url: str) -> None:
    settings = Settings.from_env({"GRADIO_SERVER_NAME": "0.0.0.0"})
    with pytest.raises(InvalidInput, match="loopback, private or metadata"):
        check_typed_url(settings, url)


def test_on_loopback_a_students_own_server_is_fine() -> None:
    assert check_typed_url(Settings.from_env({}), "http://127.0.0.1:11434/v1") is False


def test_bad_scheme_is_refused() -> None:
    with pytest.raises(InvalidInput, match="http"):
        check_typed_url(Settings.from_env({}), "file:///etc/passwd")


def test_the_connected_socket_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    """DNS rebinding: the name resolves to a public address when checked and to loopback when
    connected; the address actually connected is refused."""
    real = socket.getaddrinfo
    answers = iter(["8.8.8.8"])

    def rebinding(host: str, port: int, *args: Any, **kwargs: Any) -> Any:
        if host == "rebind.example":
            host = next(answers, "127.0.0.1")
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    with FakeOpenAI() as fake, pytest.raises(httpcore2.ConnectError, match="connected to"):
        GuardedNetwork().connect_tcp("rebind.example", fake.port, timeout=5)
    assert fake.requests == []


def test_guarded_client_refuses_loopback_urls() -> None:
    with FakeOpenAI() as fake, guarded_http_client(5) as client, pytest.raises(
            httpx2.ConnectError):
        client.get(f"{fake.base_url}/models")
    assert fake.requests == []


def test_the_hosts_key_for_a_base_url_never_goes_to_openai() -> None:
    proxied = Settings.from_env({"OPENAI_API_KEY": "sk-host-proxy", "OPENAI_BASE_URL":
                                 "https://proxy.example.org/v1"})
    assert proxied.key_for_openai is None
    direct = Settings.from_env({"OPENAI_API_KEY": "sk-host-direct"})
    assert direct.key_for_openai == "sk-host-direct"
