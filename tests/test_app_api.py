"""Every api_name of the launched app, driven with gradio_client as a program would."""


import pytest
from gradio_client import Client

from tests.fakes.openai_server import FakeOpenAI

pytestmark = pytest.mark.model

SECRET = "sk-live-secret-9876"


@pytest.fixture
def client(app_url: str) -> Client:
    return Client(app_url, verbose=False)


FAKE_OPTIONS = {"strict_models": False}  # for conftest's `fake`


def texts(history: list[dict]) -> list[str]:
    out = []
    for message in history:
        content = message["content"]
        if isinstance(content, list):
            content = "".join(part.get("text", "") for part in content)
        out.append(content)
    return out


def test_the_api_lists_the_chat_playground_and_settings_events(client: Client) -> None:
    names = set(client.view_api(print_info=False, return_format="dict")["named_endpoints"])
    assert {"/chat", "/chat_retry", "/chat_undo", "/chat_clear", "/playground",
            "/playground_code", "/settings"} <= names


def test_chat_streams_an_answer_from_the_embedded_model(client: Client) -> None:
    job = client.submit("¿Cómo te llamas? Responde en una frase.", api_name="/chat")
    history, box, notice = job.result()
    assert len(job.outputs()) > 2  # streamed: several partial updates before the last
    said = texts(history)
    assert said[0].startswith("¡Hola! Soy Edu")  # the greeting of the course persona
    assert said[1] == "¿Cómo te llamas? Responde en una frase."
    assert len(said) == 3 and said[2].strip()
    assert box == ""
    assert "tokens" in notice and "$0" in notice


def test_undo_gives_the_message_back_and_clear_restores_the_greeting(client: Client) -> None:
    history, _, _ = client.predict("Di solo: vale", api_name="/chat")
    history, box = client.predict(history, "", api_name="/chat_undo")
    assert box == "Di solo: vale"
    assert len(history) == 1
    history, _ = client.predict("¡Hola!", api_name="/chat_clear")
    assert texts(history) == ["¡Hola!"]


def test_retry_answers_the_last_message_again(client: Client) -> None:
    # No concept of the course pack in it ("número" names `n`'s): no sources message is added.
    history, _, _ = client.predict("Di una fruta", api_name="/chat")
    retried, _, _ = client.predict(history, api_name="/chat_retry")
    assert texts(retried)[:2] == texts(history)[:2]
    assert len(retried) == 3


@pytest.mark.parametrize("message, fragment", [
    ("   ", "Escribe un mensaje"),
    ("x" * 200_001, "200,000"),
])
def test_bad_chat_input_gets_a_clear_message(client: Client, message: str, fragment: str) -> None:
    with pytest.raises(Exception, match=fragment):
        client.predict(message, api_name="/chat")


def test_playground_returns_n_outputs_usage_and_code_without_key(client: Client) -> None:
    html, usage, code, raw = client.predict(
        "Di hola", "Eres breve.", "chat", "", 0.8, 1.0, 2, 8, 0, 0, "", "7", True, 3,
        api_name="/playground")
    assert len(raw["choices"]) == 2
    assert html.count('class="pg-card"') == 2
    assert 'class="tok"' in html  # logprobs coloured
    assert "finish_reason" in html
    assert " entrada · " in usage
    assert "client.chat.completions.create(" in code and "n=2" in code and "seed=7" in code
    assert "sk-" not in code.replace("sk-no-key-required", "")


def test_playground_legacy_completions(client: Client) -> None:
    _, _, code, raw = client.predict(
        "The capital of Spain is", "", "completions", "", 0, 1.0, 1, 4, 0, 0, "", "", False, 0,
        api_name="/playground")
    assert raw["choices"][0]["text"]
    assert "client.completions.create(" in code


@pytest.mark.parametrize("n, max_tokens, stop, fragment", [
    (0, 8, "", "n=0"),
    (1, 8, "a\nb\nc\nd\ne", "5 secuencias de parada"),  # a REST caller reads Spanish
    (1, 100_000, "", "max_tokens"),
])
def test_playground_refuses_impossible_parameters(client: Client, n: int, max_tokens: int,
                                                  stop: str, fragment: str) -> None:
    with pytest.raises(Exception, match=fragment):
        client.predict("hola", "", "chat", "", 1, 1, n, max_tokens, 0, 0, stop, "", False, 0,
                       api_name="/playground")


def test_a_dead_base_url_is_reported_and_the_chat_is_kept(client: Client) -> None:
    client.predict("compatible", "", "http://127.0.0.1:9/v1", "some-model", None,
                   api_name="/settings")
    history, box, notice = client.predict("hola, ¿sigues ahí?", api_name="/chat")
    assert box == "hola, ¿sigues ahí?"  # the message is given back, not lost
    assert texts(history) == [texts(history)[0]]  # only the greeting: no half turn left behind
    assert "No puedo conectar" in notice


def test_a_wrong_key_is_reported_without_echoing_it(client: Client, fake: FakeOpenAI) -> None:
    fake.api_key = "sk-the-right-key-0000"
    status = client.predict("compatible", SECRET, fake.base_url, "gpt-4o-mini", None,
                            api_name="/settings")
    assert SECRET not in str(status)
    history, box, notice = client.predict("hola", api_name="/chat")
    assert "clave" in notice.lower() and box == "hola"
    assert SECRET not in str(history) + notice
    code = client.predict("hola", "", "chat", "", 1, 1, 1, 8, 0, 0, "", "", False, 0,
                          api_name="/playground_code")
    assert SECRET not in str(code)


def test_sessions_do_not_share_keys_or_backends(app_url: str, fake: FakeOpenAI) -> None:
    alice, bob = Client(app_url, verbose=False), Client(app_url, verbose=False)
    alice.predict("compatible", SECRET, fake.base_url, "gpt-4o-mini", None, api_name="/settings")
    history, _, _ = alice.predict("hola", api_name="/chat")
    assert texts(history)[-1]  # answered by the fake
    assert fake.requests_to("/v1/chat/completions")
    code = bob.predict("hola", "", "chat", "", 1, 1, 1, 8, 0, 0, "", "", False, 0,
                       api_name="/playground_code")
    assert SECRET not in str(code)
    assert "127.0.0.1" in str(code) and fake.base_url not in str(code)  # bob: still embedded


def test_the_message_shows_with_dots_only_when_the_answer_is_slow_to_start(
        client: Client, fake: FakeOpenAI) -> None:
    """An answer starting within PLACEHOLDER_AFTER_S comes with the message in its first update
    (no early "…" round: a whole Gradio round per student in a class); a slower one shows the
    message with "…" first, so the student sees it was sent."""
    client.predict("compatible", "", fake.base_url, "gpt-4o-mini", None, api_name="/settings")
    for latency, dots in ((0.0, False), (2.0, True)):
        fake.latency = latency
        job = client.submit("hola", api_name="/chat")
        job.result()
        firsts = [texts(out[0])[-1] for out in job.outputs()]
        assert texts(job.outputs()[0][0])[-2] == "hola", firsts
        assert (firsts[0] == "…") is dots, (latency, firsts)
        assert firsts[-1] not in ("", "…"), firsts
