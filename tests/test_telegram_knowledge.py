"""The bot answers from the documents its host configures (CHATBOT_KNOWLEDGE, or --knowledge on
the command line), searched by the Chat tab's knowledge code, and names its sources in the reply.
Against the fake Telegram Bot API, with the fake OpenAI server or the embedded model."""

from __future__ import annotations

import logging
import re
import time
from pathlib import Path
from typing import Any

import pytest

from chatbot.chat.persona import preset
from chatbot.engine.llama_server import EmbeddedServer
from chatbot.i18n import say
from chatbot.knowledge import load
from chatbot.knowledge.grounding import instruction
from chatbot.knowledge.meaning import passage_text
from tests.conftest import FakeFactory
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
SATURDAY = "¿A qué hora abrís los sábados?"  # "Los fines de semana, de 10:00 a 20:00": no word shared
BY_MEANING = "se buscan también por sentido"  # in the log once the documents are embedded
WORDS_ONLY = say("es", "telegram.log_knowledge_words")


def settled(caplog: pytest.LogCaptureFixture) -> str:
    """The log line saying how the host's documents are searched, once their embedding ended."""
    return next((r.getMessage() for r in caplog.records
                 if BY_MEANING in r.getMessage() or r.getMessage() == WORDS_ONLY), "")


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


def test_the_hosts_documents_are_embedded_once_at_start_on_the_bots_backend(
        telegram: FakeTelegram, make_fake: FakeFactory, caplog: pytest.LogCaptureFixture) -> None:
    fake = make_fake(compatible=True)  # a server that embeds with the model it serves
    faq = FAQ / "cowork_faq.md"
    with caplog.at_level(logging.INFO), start_bot(make_settings(
            telegram, fake, CHATBOT_KNOWLEDGE=str(faq))) as running:
        assert BY_MEANING in telegram.wait_for(lambda: settled(caplog))
        telegram.user_says(USER, WIFI)
        telegram.wait_for(lambda: running.answered(USER, 1))
    documents, question = (r.json["input"] for r in fake.requests_to("/v1/embeddings"))
    assert documents == [passage_text(p) for p in load([faq], hosted=False)[0].passages]
    assert question == [WIFI]  # each turn embeds only its message
    assert "Fuentes: cowork_faq.md › Espacio Colmena: preguntas frecuentes › " in (
        telegram.texts(USER)[-1])


def test_a_slow_embeddings_server_does_not_hold_up_answers(
        telegram: FakeTelegram, make_fake: FakeFactory, caplog: pytest.LogCaptureFixture) -> None:
    fake = make_fake(compatible=True)
    fake.hang_next(60, path="/v1/embeddings")
    settings = make_settings(telegram, fake, CHATBOT_KNOWLEDGE=str(FAQ / "cowork_faq.md"))
    with caplog.at_level(logging.INFO), start_bot(settings) as running:
        telegram.user_says(USER, WIFI)
        telegram.wait_for(lambda: running.answered(USER, 1))
        assert settled(caplog) == ""  # still embedding: this answer was searched by words
    assert f"📚 Fuentes: cowork_faq.md › Espacio Colmena: preguntas frecuentes › {WIFI}" in (
        telegram.texts(USER)[-1])


def test_an_embedding_that_ends_after_the_bot_stopped_says_nothing(
        telegram: FakeTelegram, make_fake: FakeFactory, caplog: pytest.LogCaptureFixture) -> None:
    """The embedding thread outlives a stopped bot while its server is slow; its late "searched
    by meaning" line once landed in the next bot's log, which then asked before its own ended."""
    fake = make_fake(compatible=True)
    fake.hang_next(3, path="/v1/embeddings")  # dropped after 3 s; the client's retry answers
    settings = make_settings(telegram, fake, CHATBOT_KNOWLEDGE=str(FAQ / "cowork_faq.md"))
    with caplog.at_level(logging.INFO):
        with start_bot(settings) as running:
            telegram.user_says(USER, WIFI)
            telegram.wait_for(lambda: running.answered(USER, 1))
        stopped = len(caplog.records)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and len(fake.requests_to("/v1/embeddings")) < 2:
            time.sleep(0.2)  # the retry that ends the embedding, after the bot stopped
        time.sleep(1)
    assert len(fake.requests_to("/v1/embeddings")) >= 2
    assert settled(caplog) == "" and not [r for r in caplog.records[stopped:]
                                          if "Conocimiento" in r.getMessage()]


@pytest.mark.model
def test_on_the_embedded_model_a_question_sharing_no_word_finds_its_passage(
        telegram: FakeTelegram, embedded: EmbeddedServer, caplog: pytest.LogCaptureFixture
) -> None:
    """The Chat tab's Saturday miss (docs/knowledge.md), through the bot's own embeddings."""
    telegram.min_edit_interval = 0.5  # flood control on edits; the bot waits 1 s: a 2x margin
    settings = make_settings(telegram, CHATBOT_BACKEND="local", OPENAI_API_KEY="",
                             OPENAI_BASE_URL="", CHATBOT_KNOWLEDGE=str(FAQ / "rocodromo_faq.md"))
    with caplog.at_level(logging.INFO), start_bot(
            settings, embedded=embedded, max_tokens=32, edit_interval=1.0) as running:
        assert BY_MEANING in telegram.wait_for(lambda: settled(caplog), timeout=300)
        telegram.user_says(USER, SATURDAY)
        telegram.wait_for(lambda: running.answered(USER, 1), timeout=240)
    sources = telegram.texts(USER)[-1].rsplit("📚 Fuentes: ", 1)[-1]
    assert "rocodromo_faq.md › Rocódromo Vértice › Horario" in sources.split(", ")
