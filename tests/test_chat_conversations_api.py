"""The conversation endpoints of the launched app on the embedded default, through gradio_client:
chat_export, chat_import, chat_edit, chat_branch, chat_feedback, chat_to_dataset."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from gradio_client import Client, handle_file

from chatbot.chat import persona
from chatbot.finetune.validate import validate_file
from chatbot.models.catalog import Catalog
from tests.test_app_api import texts

pytestmark = pytest.mark.model

EDU = persona.PRESETS[0]
SYSTEM = persona.identity_prompt(EDU.name, EDU.system_prompt)


def plain(history: list[dict]) -> list[dict[str, str]]:
    return [{"role": m["role"], "content": t} for m, t in zip(history, texts(history),
                                                              strict=True)]


def exported(client: Client, history: list[dict]) -> tuple[dict, str]:
    paths = client.predict(history, api_name="/chat_export")
    by_suffix = {Path(p).suffix: Path(p) for p in paths}
    return (json.loads(by_suffix[".json"].read_text(encoding="utf-8")),
            by_suffix[".md"].read_text(encoding="utf-8"))


def test_two_turns_export_import_edit_like_and_become_training_data(app_url: str,
                                                                     tmp_path: Path) -> None:
    """The issue's check, step by step, as a program would drive it."""
    first = Client(app_url, verbose=False)
    history, _, _ = first.predict("Di solo la palabra: manzana", api_name="/chat")
    history, _, _ = first.predict("Di solo la palabra: pera", history, api_name="/chat")
    said = texts(history)
    assert len(said) == 5 and said[4].strip()

    document, markdown = exported(first, history)
    assert document["messages"] == [{"role": "system", "content": SYSTEM}, *plain(history)]
    assert "Di solo la palabra: pera" in markdown and EDU.name in markdown

    saved = tmp_path / "chat.json"
    saved.write_text(json.dumps(document), encoding="utf-8")
    second = Client(app_url, verbose=False)  # a new session: nothing of the first one
    imported, name, system, greeting, status = second.predict(handle_file(str(saved)),
                                                              api_name="/chat_import")
    assert plain(imported) == plain(history)
    assert (name, system, greeting) == (EDU.name, SYSTEM, EDU.greeting) and "5" in status

    job = second.submit(imported, 3, "Di solo la palabra: limón", api_name="/chat_edit")
    edited, notice = job.result()
    assert len(job.outputs()) > 2  # streamed
    assert texts(edited)[:3] == said[:3] and texts(edited)[3] == "Di solo la palabra: limón"
    assert texts(edited)[4].strip() and "tokens" in notice
    document, _ = exported(second, edited)
    assert document["messages"][1:] == plain(edited)
    kept = [n["content"] for n in document["branches"]["nodes"]]
    assert said[3] in kept and said[4] in kept  # the earlier question and answer are branches

    status = second.predict(edited, 4, "up", "la quería así", api_name="/chat_feedback")
    assert "👍" in status
    document, _ = exported(second, edited)
    liked = [n for n in document["branches"]["nodes"] if n.get("feedback") == "up"]
    assert [(n["content"], n["note"]) for n in liked] == [(texts(edited)[4], "la quería así")]

    path, summary = second.predict(edited, EDU.name, EDU.system_prompt, None,
                                   api_name="/chat_to_dataset")
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["messages"][-1]["content"] for line in lines] == [texts(edited)[4]]
    report = validate_file(path, Catalog.load(), "gpt-4o-mini")
    assert report.format == "chat" and report.examples == 1
    assert report.ok and set(report.counts) == {"too_few"}  # only the warning of OpenAI's 10-example minimum
    assert "Tokens" in summary and "$" in summary


def test_going_back_to_an_earlier_version_and_collecting_two_conversations(
        app_url: str) -> None:
    client = Client(app_url, verbose=False)
    history, _, _ = client.predict("Di solo: uno", api_name="/chat")
    retried, _, _ = client.predict(history, api_name="/chat_retry")
    edited = client.predict(retried, 2, "Mi respuesta: uno", api_name="/chat_edit")[0]
    assert texts(edited)[2] == "Mi respuesta: uno"  # the bot's answer, written by hand
    back = client.predict(edited, 2, -1, api_name="/chat_branch")
    assert texts(back)[2] != "Mi respuesta: uno"
    again = client.predict(back, 2, 1, api_name="/chat_branch")
    assert texts(again)[2] == "Mi respuesta: uno"

    client.predict(again, 2, "up", "", api_name="/chat_feedback")
    path, _ = client.predict(again, EDU.name, EDU.system_prompt, None,
                             api_name="/chat_to_dataset")
    other = Client(app_url, verbose=False)
    history, _, _ = other.predict("Di solo: dos", api_name="/chat")
    other.predict(history, 2, "up", "", api_name="/chat_feedback")
    both, summary = other.predict(history, EDU.name, EDU.system_prompt, handle_file(path),
                                  api_name="/chat_to_dataset")
    answers = [json.loads(line)["messages"][-1]["content"]
               for line in Path(both).read_text(encoding="utf-8").splitlines()]
    assert answers == ["Mi respuesta: uno", texts(history)[2]]
    assert "**2** en el fichero" in summary


@pytest.mark.parametrize("content, fragment", [
    (b"not json at all", "No es JSON válido"),
    (b'{"hello": "world"}', "no tiene 'messages'"),
    (b'{"messages": [{"role": "robot", "content": "x"}]}', "rol 'robot' no admitido"),
])
def test_a_bad_file_to_import_gets_a_specific_message(app_url: str, tmp_path: Path,
                                                     content: bytes, fragment: str) -> None:
    bad = tmp_path / "bad.json"
    bad.write_bytes(content)
    with pytest.raises(Exception, match=fragment):
        Client(app_url, verbose=False).predict(handle_file(str(bad)), api_name="/chat_import")


def test_feedback_and_dataset_refuse_what_cannot_be_done(app_url: str) -> None:
    client = Client(app_url, verbose=False)
    greeting, _ = client.predict(EDU.greeting, api_name="/chat_clear")  # Gradio's own shape
    with pytest.raises(Exception, match="Aún no hay respuestas con 👍"):
        client.predict(greeting, EDU.name, EDU.system_prompt, None, api_name="/chat_to_dataset")
    with pytest.raises(Exception, match="No hay mensaje 7"):
        client.predict(greeting, 7, "up", "", api_name="/chat_feedback")
