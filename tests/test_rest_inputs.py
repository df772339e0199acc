"""Every endpoint of the launched app, called over REST with malformed values a hostile visitor
would send (wrong types, wrong roles, huge and empty values, from tests/data/fuzz/rest.jsonl):
each either works or answers with a message that says what is wrong. Gradio's fallback
(`{"error": null}`, "has not enabled verbose error reporting") fails the test, with the endpoint,
the parameter and the value in its name."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError

from tests.conftest import launch_app
from tests.fakes.openai_server import FakeOpenAI

CORPUS = Path(__file__).parent / "data" / "fuzz" / "rest.jsonl"
GENERIC = "verbose error reporting"
PER_PARAMETER = 2  # corpus values tried on each parameter (chosen with a fixed seed)
# Endpoints that start work nobody should start from a fuzz run (a training run on this machine).
SKIPPED = {"/ft_local_train"}


def corpus() -> list[tuple[str, Any]]:
    cases = []
    for line in CORPUS.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        value = item.get("value")
        if "repeat" in item:
            piece, times = item["repeat"]
            value = piece * times
        cases.append((item["name"], value))
    return cases


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, FakeOpenAI]]:
    base = tmp_path_factory.mktemp("rest")
    with FakeOpenAI(strict_models=False) as fake:
        proc, url = launch_app({"CHATBOT_HOSTED": "1", "OPENAI_API_KEY": "sk-host-secret-0001",
                                "OPENAI_BASE_URL": fake.base_url, "CHATBOT_MODEL": "gpt-4o-mini",
                                "CHATBOT_DAILY_BUDGET_USD": "1", "CHATBOT_MAX_RETRIES": "0",
                                "CHATBOT_DB": str(base / "lab.sqlite3"),
                                "GRADIO_TEMP_DIR": str(base / "gradio")}, base / "app.log")
        try:
            yield url, fake
        finally:
            proc.terminate()
            proc.wait(timeout=30)


def is_file(param: dict[str, Any]) -> bool:
    return "filepath" in json.dumps(param.get("python_type", {}))


def defaults(params: list[dict[str, Any]]) -> list[Any]:
    """A value of the right shape for each parameter: its default, else its example (no file:
    gradio_client's example is a URL the server would try to fetch)."""
    return [None if is_file(p) else p["parameter_default"] if p.get("parameter_has_default")
            else p.get("example_input") for p in params]


def message_of(client: Client, args: list[Any], api: str) -> str | None:
    """None when the call worked (or is still working on a huge value after the client's
    timeout: slow, not silent); else the message the app sent back."""
    try:
        client.predict(*args, api_name=api)
    except AppError as exc:
        return str(exc)
    except httpx.TimeoutException:
        return None
    return None


def test_every_endpoint_answers_malformed_input_with_a_message(
        app: tuple[str, FakeOpenAI]) -> None:
    url, _ = app
    client = Client(url, verbose=False)
    endpoints = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    assert len(endpoints) > 30
    rng = random.Random(20261207)
    cases = corpus()
    generic: list[str] = []
    for api, info in sorted(endpoints.items()):
        if api in SKIPPED:
            continue
        params = info["parameters"]
        caller = Client(url, verbose=False)  # one session per endpoint: a Client is slow to make
        for i, param in enumerate(params):
            if is_file(param):
                continue  # files are gradio_client's to upload; test_hostile_files has them
            for name, value in rng.sample(cases, PER_PARAMETER):
                args = defaults(params)
                args[i] = value
                said = message_of(caller, args, api)
                if said is not None and (GENERIC in said or not said.strip()):
                    generic.append(f"{api} {param['parameter_name']}={name}")
    assert generic == []


@pytest.mark.parametrize(("api", "args", "expected"), [
    # A REST caller has no page language: the course's Spanish.
    ("/chat", ["hola", "la historia como texto", "Bot", "", 0.7, 64, "none"], "forma que espera"),
    ("/chat", ["hola", [{"role": "tool", "content": "x"}], "Bot", "", 0.7, 64, "none"],
     "forma que espera"),
    ("/lab_compare", ["hola", {"headers": ["a"], "data": [[{"x": 1}], "fila"]}],
     "forma que espera"),
    ("/lab_reshape", [[{"token": 3}], 1, 0, 1], "Candidato 1 no válido"),
    ("/lab_vote", ["hola", "no es una lista", "A"], "no son los de «Comparar»"),
    ("/settings", ["compatible", "", "", "", "mucho"], "debe ser un número"),
])
def test_the_audits_malformed_inputs_get_a_specific_message(
        app: tuple[str, FakeOpenAI], api: str, args: list[Any], expected: str) -> None:
    said = message_of(Client(app[0], verbose=False), args, api)
    assert said is not None and GENERIC not in said and expected in said, said
