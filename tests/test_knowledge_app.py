"""Knowledge and tools in the launched app, through gradio_client for every api_name. The answers
come from the fake OpenAI server (set per session through /settings), so what the model was
sent can be read back."""

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from gradio_client import Client, handle_file

from tests.fakes.openai_server import FakeOpenAI
from tests.test_tools import tool_call_reply

pytestmark = pytest.mark.model
FAQ = Path(__file__).resolve().parent.parent / "bench" / "knowledge"


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(strict_models=False) as server:
        yield server


def on_fake(app_url: str, fake: FakeOpenAI) -> Client:
    client = Client(app_url, verbose=False)
    client.predict("compatible", "sk-test", fake.base_url, "gpt-4o-mini", None,
                   api_name="/settings")
    return client


def text(message: dict) -> str:
    """Gradio 6 sends content back as a list of text blocks."""
    content = message["content"]
    return content if isinstance(content, str) else "".join(p.get("text", "") for p in content)


def system_sent(fake: FakeOpenAI) -> str:
    return fake.requests_to("/v1/chat/completions")[-1].json["messages"][0]["content"]


def test_loaded_documents_ground_the_answer_and_show_their_source(app_url: str,
                                                                  fake: FakeOpenAI) -> None:
    client = on_fake(app_url, fake)
    status = client.predict([handle_file(str(FAQ / "cowork_faq.md")),
                             handle_file(str(FAQ / "museo_faq.csv"))], api_name="/knowledge_load")
    assert "cowork_faq.md" in status and "museo_faq.csv" in status
    history, _, notice = client.predict("¿Cuál es la contraseña del wifi?", api_name="/chat")
    assert "Panal-2291" in system_sent(fake)  # the passage was in the prompt
    sources = history[-1]
    assert sources["metadata"]["title"].startswith("📚 Fuentes: cowork_faq.md")
    assert "Panal-2291" in text(sources)
    assert history[-2]["role"] == "assistant" and text(history[-2])  # the answer itself
    assert "Contexto añadido: " in notice and "tokens" in notice
    # The sources are for the student: the next turn does not send them back to the model.
    client.predict("gracias", history, api_name="/chat")
    sent = fake.requests_to("/v1/chat/completions")[-1].json["messages"]
    assert not any("Fuentes: " in str(m["content"]) for m in sent)


def test_a_question_asked_while_the_documents_are_embedded_is_answered_from_them(
        app_url: str, fake: FakeOpenAI) -> None:
    """Loading answers in two steps: the passages are searchable by words at once, and by
    meaning once embedded, so a student who asks before that is not answered without them."""
    client = on_fake(app_url, fake)
    fake.hang_next(8, path="/v1/embeddings")  # the passages' embedding takes 8 s (then a retry)
    load = client.submit([handle_file(str(FAQ / "cowork_faq.md"))], api_name="/knowledge_load")
    deadline = time.monotonic() + 30
    while not load.outputs() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert load.outputs(), "the load said nothing before its passages were embedded"
    first = load.outputs()[0]
    assert "cowork_faq.md" in first and "⏳" in first
    history, _, _ = client.predict("¿Cuál es la contraseña del wifi?", api_name="/chat")
    assert not load.done(), "the question was answered only after the embedding"
    assert "Panal-2291" in system_sent(fake)
    assert history[-1]["metadata"]["title"].startswith("📚 Fuentes: cowork_faq.md")
    final = load.result(timeout=60)
    assert "cowork_faq.md" in final and "⏳" not in final
    assert len(fake.requests_to("/v1/embeddings")) >= 2  # the hung one, and the retry


def test_a_session_without_documents_is_not_grounded_and_sessions_do_not_share(
        app_url: str, fake: FakeOpenAI) -> None:
    loaded = on_fake(app_url, fake)
    loaded.predict([handle_file(str(FAQ / "cowork_faq.md"))], api_name="/knowledge_load")
    other = on_fake(app_url, fake)
    history, _, _ = other.predict("¿Cuál es la contraseña del wifi?", api_name="/chat")
    assert "Panal-2291" not in system_sent(fake)
    assert all(not (m.get("metadata") or {}).get("title") for m in history)


def test_the_course_pack_answers_what_a_token_is_and_can_be_switched_off(
        app_url: str, fake: FakeOpenAI) -> None:
    client = on_fake(app_url, fake)
    client.predict("¿Qué es un token?", api_name="/chat")
    assert "Un token es un trozo de texto" in system_sent(fake)
    client.predict(False, api_name="/knowledge_pack")
    client.predict("¿Qué es un token?", api_name="/chat")
    assert "Un token es un trozo de texto" not in system_sent(fake)


def test_the_retrieval_view_shows_scores_and_what_went_in(app_url: str) -> None:
    client = Client(app_url, verbose=False)
    client.predict([handle_file(str(FAQ / "museo_faq.csv"))], api_name="/knowledge_load")
    view = client.predict("¿Cómo se llama la audioguía?", api_name="/knowledge_search")
    first = next(line for line in view.splitlines() if line.startswith("| 1 |"))
    assert "museo_faq.csv" in first and "¿Hay audioguía?" in first and "✅" in first


@pytest.mark.parametrize(("files", "fragment"), [
    ([], "al menos un archivo"),
    (["x.docx"], "Invalid file type"),  # Gradio's own check, before the app's
])
def test_bad_uploads_get_a_clear_message(app_url: str, tmp_path: Path, files: list[str],
                                         fragment: str) -> None:
    paths = []
    for name in files:
        (tmp_path / name).write_bytes(b"PK\x03\x04")
        paths.append(handle_file(str(tmp_path / name)))
    with pytest.raises(Exception, match=fragment):
        Client(app_url, verbose=False).predict(paths, api_name="/knowledge_load")


def test_a_tool_call_shows_before_the_answer(app_url: str, fake: FakeOpenAI) -> None:
    client = on_fake(app_url, fake)
    fake.raw_next(tool_call_reply("calculator", '{"expression": "37*48"}'))
    api = client.view_api(print_info=False, return_format="dict")["named_endpoints"]["/chat"]
    names = [p["parameter_name"] for p in api["parameters"]]
    builtins = names[7]  # after message, history, name, system, temperature, max_tokens, effort
    native = {builtins: ["calculator"], names[-1]: False}  # the JSON-forced mode off
    history, _, notice = client.predict("¿Cuánto es 37 por 48?", **native, api_name="/chat")
    call, answer = history[-2], history[-1]
    assert call["metadata"]["title"] == "🛠️ calculator" and "1776" in text(call)
    assert text(answer) and not (answer.get("metadata") or {}).get("title")
    assert "1 llamada(s), " in notice
    sent = fake.requests_to("/v1/chat/completions")
    assert [t["function"]["name"] for t in sent[0].json["tools"]] == ["calculator"]
    assert sent[1].json["messages"][-1]["content"] == "1776"
    bad = json.dumps({"name": "calculator"})
    with pytest.raises(Exception, match="incluida"):
        client.predict("hola", **{names[8]: bad}, api_name="/chat")


def test_an_edited_question_is_answered_with_the_documents_and_the_tools(
        app_url: str, fake: FakeOpenAI) -> None:
    """Editing an earlier question re-asks through the chat's own turn, not a bare one."""
    client = on_fake(app_url, fake)
    client.predict([handle_file(str(FAQ / "cowork_faq.md"))], api_name="/knowledge_load")
    history, _, _ = client.predict("¿Cuál es la contraseña del wifi?", api_name="/chat")
    asked = next(i for i, m in enumerate(history) if m["role"] == "user")
    edited, notice = client.predict(history, asked, "¿Dónde está la zona de silencio?",
                                    api_name="/chat_edit")
    assert "tercera planta" in system_sent(fake)  # the edited question's passage was sent
    assert text(edited[asked]) == "¿Dónde está la zona de silencio?"
    sources = edited[-1]
    assert sources["metadata"]["title"].startswith("📚 Fuentes: cowork_faq.md")
    assert "tercera planta" in text(sources) and "Contexto añadido: " in notice

    # the chat's reply, not the question's embedding (the documents are searched by meaning too)
    fake.raw_next(tool_call_reply("calculator", '{"expression": "37*48"}'),
                  path="/v1/chat/completions")
    api = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    names = [p["parameter_name"] for p in api["/chat_edit"]["parameters"]]
    builtins = names[8]  # after history, index, text, name, system, temperature, tokens, effort
    edited, notice = client.predict(edited, asked, "¿Cuánto es 37 por 48?",
                                    **{builtins: ["calculator"], names[-1]: False},
                                    api_name="/chat_edit")
    calls = [m for m in edited if (m.get("metadata") or {}).get("title") == "🛠️ calculator"]
    assert calls and "1776" in text(calls[0]) and "1 llamada(s), " in notice


def test_on_the_embedded_model_the_calculator_is_called_and_its_result_answers(
        app_url: str) -> None:
    """The embedded default as a student tries it: the built-in tools ticked, every other input
    the page's default (the JSON-forced call is on for this backend), greedy sampling so the
    run is repeatable. Without the forced call the model guessed ("aproximadamente
    9.87"); with the result sent back as its own turn, it answered with another JSON call."""
    client = Client(app_url, verbose=False)
    api = client.view_api(print_info=False, return_format="dict")["named_endpoints"]["/chat"]
    params = {p["parameter_name"]: p for p in api["parameters"]}
    assert params["constrained"]["parameter_default"] is True
    history, _, notice = client.predict("¿Cuánto es 37 por 48?",
                                        tool_names=["calculator", "today", "search_knowledge"],
                                        temperature=0, api_name="/chat")
    call, answer = history[-2], history[-1]
    assert call["metadata"]["title"] == "🛠️ calculator" and "1776" in text(call)
    assert "1776" in text(answer).replace(".", "") and '"arguments"' not in text(answer)
    assert "1 llamada(s), 2 peticiones" in notice
