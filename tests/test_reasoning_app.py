"""The launched app on a server that answers as OpenAI does for reasoning models, with
CHATBOT_MODEL=gpt-5.6-luna: every tab answers, says what it did not apply, shows reasoning tokens,
and no request carries `max_tokens`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from gradio_client import Client
from playwright.sync_api import expect

from tests.browser import browser, shot
from tests.conftest import launch_app
from tests.fakes.openai_server import FakeOpenAI

CHAT = "/v1/chat/completions"


@pytest.fixture(scope="module")
def app(module_fake: FakeOpenAI, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    proc, url = launch_app({"CHATBOT_BACKEND": "openai", "OPENAI_BASE_URL": module_fake.base_url,
                            "OPENAI_API_KEY": "sk-test-reasoning-0000",
                            "CHATBOT_MODEL": "gpt-5.6-luna"},
                           tmp_path_factory.mktemp("reasoning") / "app.log")
    yield url
    proc.terminate()
    proc.wait(timeout=20)


@pytest.fixture
def client(app: str) -> Client:
    return Client(app, verbose=False)


def playground(client: Client, temperature: float, api_name: str = "/playground") -> tuple:
    """The Playground's own defaults (logprobs on, top_logprobs 5), but for temperature."""
    return client.predict("Di hola", "Eres breve.", "chat", "", temperature, 1.0, 1, 128, 0, 0,
                          "", "", True, 5, api_name=api_name)


def test_playground_defaults_answer_with_reasoning_tokens_shown(client, module_fake):
    module_fake.reset()
    _, usage, code, raw = playground(client, 1.0)
    assert raw["choices"][0]["text"] == "echo: Di hola"
    assert raw["usage"]["reasoning_tokens"] == 32
    assert "32 de razonamiento" in usage
    assert "temperature" not in " ".join(raw["not_applied"])  # 1 is the default: nothing lost
    assert "logprobs no aplicado" in usage  # the Playground asks for them by default
    body = module_fake.requests_to(CHAT)[-1].json
    assert body["max_completion_tokens"] == 128 and "max_tokens" not in body
    assert "max_completion_tokens=128" in code and "max_tokens=" not in code
    assert "client.responses.create(" in code and "max_output_tokens=128" in code


def test_playground_temperature_is_named_as_not_applied(client, module_fake):
    module_fake.reset()
    _, usage, _, raw = playground(client, 0.2)
    assert raw["choices"][0]["text"]
    assert ("temperature 0.2 no aplicado: gpt-5.6-luna solo muestrea a 1 salvo con reasoning "
            "effort none") in usage
    assert all("temperature" not in r.json for r in module_fake.requests_to(CHAT))


def test_effort_none_applies_temperature_and_view_code_shows_it(client, module_fake):
    module_fake.reset()
    args = ("Di hola", "Eres breve.", "chat", "", 0.2, 1.0, 1, 64, 0, 0, "", "", False, 0,
            "none")
    _, usage, _, raw = client.predict(*args, api_name="/playground")
    assert raw["not_applied"] == [] and "no aplicado" not in usage
    body = module_fake.requests_to(CHAT)[-1].json
    assert body["temperature"] == 0.2 and body["reasoning_effort"] == "none"
    code = client.predict(*args, api_name="/playground_code")
    assert "reasoning_effort='none'" in code and "reasoning={'effort': 'none'}" in code


def test_capabilities_api_greys_out_what_the_model_refuses(client):
    line, effort, temperature, *_ = client.predict("gpt-5.6-luna", "", api_name=
                                                   "/playground_capabilities")
    assert "modelo de razonamiento" in line
    assert effort["visible"] is True
    assert temperature["interactive"] is False and "salvo con reasoning effort none" in \
        temperature["info"]


def test_chat_answers_with_reasoning_tokens_and_no_max_tokens(client, module_fake):
    module_fake.reset()
    history, box, notice = client.predict("hola que tal", api_name="/chat")
    assert history[-1]["content"][0]["text"] == "echo: hola que tal" and box == ""
    assert "razonamiento" in notice
    assert "temperature 0.7 no aplicado" in notice  # the Chat's default temperature
    bodies = [r.json for r in module_fake.requests_to(CHAT)]
    assert bodies and all("max_tokens" not in b for b in bodies)


@pytest.mark.browser
def test_picking_a_reasoning_model_greys_out_temperature(app):
    with browser() as chromium:
        page = chromium.new_page(viewport={"width": 1280, "height": 900}, locale="es-ES")
        page.goto(app)
        page.get_by_role("tab", name="Playground").click()
        slider = page.locator("#pg-temperature input[type=range]")
        expect(slider).to_be_disabled(timeout=30_000)  # the server's model, gpt-5.6-luna

        def pick(model: str) -> None:
            page.locator("#pg-model input").click()
            page.get_by_role("option", name=model, exact=True).click()

        pick("gpt-4o-mini")
        expect(slider).to_be_enabled(timeout=20_000)
        pick("gpt-5.6-luna")
        expect(slider).to_be_disabled(timeout=20_000)
        expect(page.get_by_text("solo muestrea a 1 salvo con reasoning effort none").first
               ).to_be_visible()
        expect(page.get_by_label("reasoning_effort")).to_be_visible()
        shot(page, "playground-reasoning-model")


def test_a_model_on_a_compatible_server_is_probed_once_and_the_controls_follow(client):
    """A server without n, logprobs or seed: the first pick probes it with a few one-token
    requests; the answer greys out logprobs and seed (n stays: the client asks n times)."""
    with FakeOpenAI(compatible=True) as compatible:
        client.predict("compatible", "", compatible.base_url, "my-llama", None,
                       api_name="/settings")
        line, _, temperature, _, n, *_, seed, logprobs, _ = client.predict(
            "", "", api_name="/playground_capabilities")
        probes = len(compatible.requests_to(CHAT))
        assert 1 <= probes <= 4 and all(r.json["max_tokens"] == 1
                                        for r in compatible.requests_to(CHAT))
        assert "comprobado en este servidor" in line
        assert temperature["interactive"] is True and n["interactive"] is True
        assert seed["interactive"] is False and "comprobado en este servidor" in seed["info"]
        assert logprobs["interactive"] is False
        client.predict("my-llama", "", api_name="/playground_capabilities")
        assert len(compatible.requests_to(CHAT)) == probes  # once per process, not per pick


def label_word(body: dict) -> str:
    """A model that reads the tweet: the fake's plain answer (and its structured choice)."""
    return "negative" if "odio" in str(body["messages"][-1]["content"]).lower() else "positive"


def test_sentiment_returns_a_label_with_effort_none_and_no_max_tokens(client, module_fake):
    """gpt-5.6-luna gives logprobs back at effort none: one token, no hidden reasoning."""
    module_fake.reset()
    module_fake.reply = label_word
    try:
        probs, words, usage = client.predict("Odio los lunes 😡", api_name="/classify")
    finally:
        module_fake.reply = None
    assert probs["label"] == "negativo"
    assert "no disponible" not in words and "no está disponible" not in words and "**Uso:**" in usage
    bodies = [r.json for r in module_fake.requests_to(CHAT)]
    assert bodies and all("max_tokens" not in b for b in bodies)
    last = bodies[-1]
    assert last["reasoning_effort"] == "none" and last["max_completion_tokens"] == 1
    assert last["logprobs"] is True and "response_format" not in last


def test_sentiment_without_logprobs_asks_for_json_and_says_confidence_is_not_available(client):
    """A compatible server that ignores logprobs (found by the probe): the label comes from
    structured output, and the confidence is not made up."""
    with FakeOpenAI(compatible=True, reply=label_word) as compatible:
        client.predict("compatible", "", compatible.base_url, "my-llama", None,
                       api_name="/settings")
        probs, words, _ = client.predict("Odio los lunes 😡", api_name="/classify")
        asked = [r.json for r in compatible.requests_to(CHAT) if "response_format" in r.json]
    assert probs == {"label": "negativo", "confidences": None}
    assert "structured output" in words and "no está disponible en este modelo" in words
    assert len(asked) == 1  # no calibration spent on a model without logprobs
    schema = asked[0]["response_format"]["json_schema"]["schema"]
    assert schema["properties"]["label"]["enum"] == ["positive", "neutral", "negative"]
    assert "logprobs" not in asked[0]
