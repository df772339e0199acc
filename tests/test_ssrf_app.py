"""The connection-time SSRF guard, through the launched app as a visitor meets it.

The app listens beyond loopback (GRADIO_SERVER_NAME=0.0.0.0), so a base URL a visitor types must
not reach what only the server can reach. The typed name is an attacker's rebinding name: it
resolves to a public address when the app checks the URL and to 127.0.0.1 when the SDK connects
(tests/fakes/dns.py). The "victim" is a fake OpenAI server on the host's loopback: it must see
nothing, and the visitor gets a message instead of the victim's answer."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from gradio_client import Client

from tests.conftest import ROOT, FakeFactory, launch_app
from tests.fakes.openai_server import FakeOpenAI

REBIND = "rebind.example"
PUBLIC = "8.8.8.8"


@pytest.fixture(scope="module")
def victim(make_module_fake: FakeFactory) -> FakeOpenAI:
    return make_module_fake(strict_models=False)


@pytest.fixture(scope="module")
def listening_beyond_loopback(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    runner = ("-m", "tests.fakes.dns", REBIND, PUBLIC, "127.0.0.1", "--")
    env = {"GRADIO_SERVER_NAME": "0.0.0.0", "CHATBOT_MAX_RETRIES": "0",
           # the host's own backend is OpenAI on the discard port: no embedded model to load
           "CHATBOT_BACKEND": "openai", "OPENAI_API_KEY": "sk-test-host-0000",
           "OPENAI_BASE_URL": "http://127.0.0.1:9/v1"}
    proc, url = launch_app(env, tmp_path_factory.mktemp("ssrf") / "app.log", runner)
    yield url
    proc.terminate()
    proc.wait(timeout=30)


def test_a_name_that_rebinds_to_loopback_at_connect_time_reaches_nothing(
        listening_beyond_loopback: str, victim: FakeOpenAI) -> None:
    visitor = Client(listening_beyond_loopback, verbose=False)
    typed = f"http://{REBIND}:{victim.port}/v1"
    visitor.predict("compatible", "sk-visitor-rebind", typed, "gpt-4o-mini", None,
                    api_name="/settings")  # the check saw a public address: accepted
    with pytest.raises(Exception) as err:
        visitor.predict("hola", "", "chat", "", 1, 1, 1, 16, 0, 0, "", "", False, 0,
                        api_name="/playground")
    assert victim.requests == []  # no request reached the host's loopback
    assert "echo:" not in str(err.value) and "Traceback" not in str(err.value)


def test_the_same_server_typed_by_its_public_name_is_refused_up_front(
        listening_beyond_loopback: str, victim: FakeOpenAI) -> None:
    visitor = Client(listening_beyond_loopback, verbose=False)
    with pytest.raises(Exception, match="dirección local, privada o de metadatos"):
        visitor.predict("compatible", "sk-visitor-local", victim.base_url, "", None,
                        api_name="/settings")
    assert victim.requests == []


def test_the_dns_fake_really_rebinds(tmp_path: Path, make_fake: FakeFactory) -> None:
    """Without the guard the name would reach the victim: the fake DNS is not why nothing came."""
    victim = make_fake(strict_models=False)
    script = tmp_path / "plain.py"
    script.write_text(
        "import sys, openai\n"
        f"sdk = openai.OpenAI(base_url='http://{REBIND}:{victim.port}/v1', api_key='sk-x',"
        " max_retries=0)\n"
        "print(sdk.models.list().data[0].id)\n")
    done = subprocess.run([sys.executable, "-m", "tests.fakes.dns", REBIND, PUBLIC, "127.0.0.1",
                           "--", str(script)], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert [r.path for r in victim.requests] == ["/v1/models"]
