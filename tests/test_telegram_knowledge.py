"""The bot answers from the documents its host configures (CHATBOT_KNOWLEDGE, or --knowledge on
the command line), searched by the Chat tab's knowledge code, and names its sources in the reply.
Against the fake Telegram Bot API, with the fake OpenAI server or the embedded model."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from chatbot.chat.persona import preset
from chatbot.engine.llama_server import EmbeddedServer
from chatbot.knowledge.grounding import instruction
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.telegram_server import FakeTelegram
from tests.test_telegram_bot import (
    USER,
    chat_requests,
    make_settings,
    openai_fake,
    spanish_bot,
    start_bot,
    telegram,
)

__all__ = ["openai_fake", "spanish_bot", "telegram"]  # fixtures this module uses
FAQ = Path(__file__).resolve().parent.parent / "bench" / "knowledge"
WIFI = "¿Cuál es la contraseña del wifi?"


def reads_its_prompt(body: dict[str, Any]) -> str:
    """A model that answers with the sentence of its system prompt that holds a password."""
    system = body["messages"][0]["content"]
    found = re.search(r"[^.\n]*contraseña es [^.\n]*\.", system)
    return found.group().strip() if found else "No lo sé."


def test_the_bot_answers_from_the_hosts_faq_and_names_the_file(
        telegram: FakeTelegram, openai_fake: FakeOpenAI) -> None:
    openai_fake.reply = reads_its_prompt
    settings = make_settings(telegram, openai_fake, CHATBOT_KNOWLEDGE=str(FAQ / "cowork_faq.md"))
    with start_bot(settings) as running:
        telegram.user_says(USER, WIFI)
        telegram.wait_for(lambda: running.answered(USER, 1))
        reply = telegram.texts(USER)[-1]
        telegram.user_says(USER, "Gracias, eso es todo")
        telegram.wait_for(lambda: running.answered(USER, 2))
    assert "Panal-2291" in reply
    assert f"📚 Fuentes: cowork_faq.md › Espacio Colmena: preguntas frecuentes › {WIFI}" in reply
    first, second = (r.json["messages"] for r in chat_requests(openai_fake))
    assert first[0]["content"].startswith(preset("course").system_prompt)
    assert "Panal-2291" in first[0]["content"]
    assert first[0]["content"].endswith(instruction())
    # The next turn: its own search (nothing matches), and the sources line is not sent back.
    assert second[0]["content"] == preset("course").system_prompt
    assert not any("Fuentes" in m["content"] for m in second)
    assert "Fuentes" not in telegram.texts(USER)[-1]


def test_the_command_lines_files_replace_the_setting(
        telegram: FakeTelegram, openai_fake: FakeOpenAI) -> None:
    settings = make_settings(telegram, openai_fake, CHATBOT_KNOWLEDGE=str(FAQ / "cowork_faq.md"))
    with start_bot(settings, knowledge=(FAQ / "museo_faq.csv",)) as running:
        telegram.user_says(USER, "¿Cuánto cuesta la entrada del museo?")
        telegram.wait_for(lambda: running.answered(USER, 1))
    system = chat_requests(openai_fake)[-1].json["messages"][0]["content"]
    assert "7 euros" in system and "Panal" not in system and "Colmena" not in system
    assert "Fuentes: museo_faq.csv › ¿Cuánto cuesta la entrada?" in telegram.texts(USER)[-1]


def test_without_documents_the_bot_is_not_grounded(
        telegram: FakeTelegram, openai_fake: FakeOpenAI) -> None:
    with start_bot(make_settings(telegram, openai_fake)) as running:
        telegram.user_says(USER, WIFI)
        telegram.wait_for(lambda: running.answered(USER, 1))
    assert chat_requests(openai_fake)[-1].json["messages"][0]["content"] == preset(
        "course").system_prompt
    assert telegram.texts(USER) == [f"echo: {WIFI}"]


@pytest.mark.model
def test_the_embedded_model_answers_from_the_faq(telegram: FakeTelegram,
                                                 embedded: EmbeddedServer) -> None:
    telegram.min_edit_interval = 0.5  # flood control on edits; the bot waits 1 s: a 2x margin
    settings = make_settings(telegram, CHATBOT_BACKEND="local", OPENAI_API_KEY="",
                             OPENAI_BASE_URL="", CHATBOT_KNOWLEDGE=str(FAQ / "cowork_faq.md"))
    with start_bot(settings, embedded=embedded, max_tokens=64, edit_interval=1.0) as running:
        telegram.user_says(USER, WIFI)
        telegram.wait_for(lambda: running.answered(USER, 1), timeout=240)
    reply = telegram.texts(USER)[-1]
    assert "Panal-2291" in reply and "Fuentes: cowork_faq.md" in reply
