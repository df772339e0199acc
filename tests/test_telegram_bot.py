"""The real bot (python-telegram-bot, long polling) against a fake Telegram Bot API on loopback,
answering from the fake OpenAI server (deterministic "echo: ..." answers and scripted errors)
or from the embedded model."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import os
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from telegram.ext import Application

from chatbot.chat.persona import preset
from chatbot.context import AppContext, Session
from chatbot.conversations import exchange
from chatbot.engine.llama_server import EmbeddedServer
from chatbot.errors import ConfigError
from chatbot.i18n import say
from chatbot.money import billing
from chatbot.settings import Settings
from chatbot.telegram import text as tt
from chatbot.telegram.conversation import ChatState
from chatbot.telegram.handlers import BotConfig, build_application
from tests.conftest import FakeFactory
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.telegram_server import FakeTelegram

MODEL = "gpt-4o-mini"
USER = 42
GROUP = -1001


class RunningBot:
    """The application from `build_application`, polling in its own thread and event loop, as
    `run_polling` runs it from the command line."""

    def __init__(self, ctx: AppContext, config: BotConfig) -> None:
        self.ctx = ctx
        self.app: Application = build_application(ctx, config)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="bot", daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self.app.run_polling(stop_signals=None, close_loop=False)

    def __enter__(self) -> RunningBot:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._loop.call_soon_threadsafe(self.app.stop_running)
        self._thread.join(30)
        self._loop.close()
        if self.ctx.embedder is not None:  # as `python -m chatbot telegram` stops it
            self.ctx.embedder.stop()
        assert not self._thread.is_alive(), "the bot did not stop"

    def state(self, chat_id: int) -> ChatState | None:
        return self.app.chat_data.get(chat_id, {}).get("chat")

    def session(self, user_id: int) -> Session | None:
        return self.app.user_data.get(user_id, {}).get("session")

    def answered(self, chat_id: int, turns: int) -> bool:
        """The bot stores a turn only after its final message went out."""
        state = self.state(chat_id)
        return state is not None and len(state.history) >= 2 * turns


@pytest.fixture
def telegram() -> Iterator[FakeTelegram]:
    with FakeTelegram() as fake:
        yield fake


@pytest.fixture
def openai_fake(make_fake: FakeFactory) -> FakeOpenAI:
    return make_fake()


def make_settings(telegram: FakeTelegram, openai_fake: FakeOpenAI | None = None,
                  **extra: str) -> Settings:
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": telegram.token, "TELEGRAM_API_BASE_URL": telegram.base_url,
           "CHATBOT_MAX_RETRIES": "1", "TELEGRAM_PUBLIC": "1", **extra}
    if openai_fake is not None:
        env |= {"OPENAI_API_KEY": "sk-test-telegram-0000", "OPENAI_BASE_URL": openai_fake.base_url,
                "CHATBOT_MODEL": MODEL}
    return Settings.from_env(env)


def start_bot(settings: Settings, *, embedded: EmbeddedServer | None = None,
              **config: Any) -> RunningBot:
    ctx = AppContext.create(settings)  # builds, but starts nothing
    if embedded is not None:
        ctx = dataclasses.replace(ctx, embedded=embedded)
    return RunningBot(ctx, BotConfig(**{"edit_interval": 0.0, "max_tokens": 64, **config}))


@pytest.fixture
def bot(telegram: FakeTelegram, openai_fake: FakeOpenAI) -> Iterator[RunningBot]:
    with start_bot(make_settings(telegram, openai_fake)) as running:
        yield running


def last_text(telegram: FakeTelegram, chat_id: int) -> str:
    texts = telegram.texts(chat_id)
    return texts[-1] if texts else ""


@pytest.fixture(autouse=True)
def spanish_bot(monkeypatch: pytest.MonkeyPatch) -> None:
    """The bot speaks its locale's language (CHATBOT_LANG, else the system's); these tests read
    its Spanish lines, whatever the machine's locale."""
    monkeypatch.setenv("CHATBOT_LANG", "es")


NOT_TEXT = say("es", "telegram.not_text")
REFUSAL = say("es", "telegram.refusal")


def wait_text(telegram: FakeTelegram, chat_id: int, fragment: str) -> str:
    return telegram.wait_for(lambda: fragment in last_text(telegram, chat_id)
                             and last_text(telegram, chat_id))


def chat_requests(openai_fake: FakeOpenAI) -> list[Any]:
    return openai_fake.requests_to("/v1/chat/completions")


# -- commands ------------------------------------------------------------------------------------


def test_start_greets_with_the_persona_and_lists_the_commands(
        bot: RunningBot, telegram: FakeTelegram, openai_fake: FakeOpenAI) -> None:
    telegram.user_says(USER, "/start")
    reply = wait_text(telegram, USER, "/usage")
    assert reply.startswith(preset("course").greeting)
    assert all(f"/{name}" in reply for name in tt.COMMANDS)
    telegram.user_says(USER, "/help")
    telegram.wait_for(lambda: len(telegram.texts(USER)) == 2)
    assert not chat_requests(openai_fake)  # commands cost nothing
    assert [c.params["commands"] for c in telegram.calls_to("setMyCommands")]


def test_persona_lists_switches_and_is_used_as_system_prompt(
        bot: RunningBot, telegram: FakeTelegram, openai_fake: FakeOpenAI) -> None:
    telegram.user_says(USER, "/persona")
    listing = wait_text(telegram, USER, "pirate")
    assert "👉 course" in listing
    telegram.user_says(USER, "/persona nadie")
    wait_text(telegram, USER, "No existe la persona")
    telegram.user_says(USER, "/persona pirate")
    wait_text(telegram, USER, preset("pirate").greeting)
    telegram.user_says(USER, "¿Qué es una lista?")
    telegram.wait_for(lambda: bot.answered(USER, 1))
    sent = chat_requests(openai_fake)[-1].json
    assert sent["messages"][0] == {"role": "system", "content": preset("pirate").system_prompt}
    assert sent["messages"][-1] == {"role": "user", "content": "¿Qué es una lista?"}
    assert sent["model"] == MODEL and sent["max_tokens"] == 64 and sent["stream"] is True


def test_a_conversation_keeps_history_until_reset_and_usage_reports_it(
        bot: RunningBot, telegram: FakeTelegram, openai_fake: FakeOpenAI) -> None:
    telegram.user_says(USER, "Hola, soy Ana")
    telegram.wait_for(lambda: bot.answered(USER, 1))
    assert last_text(telegram, USER) == "echo: Hola, soy Ana"
    assert telegram.calls_to("sendChatAction")[0].params["action"] == "typing"
    telegram.user_says(USER, "¿Cómo me llamo?")
    telegram.wait_for(lambda: bot.answered(USER, 2))
    roles = [(m["role"], m["content"]) for m in chat_requests(openai_fake)[-1].json["messages"]]
    assert roles[1:] == [("user", "Hola, soy Ana"), ("assistant", "echo: Hola, soy Ana"),
                         ("user", "¿Cómo me llamo?")]

    telegram.user_says(USER, "/usage")
    usage = wait_text(telegram, USER, "llamadas")
    assert "2 llamadas" in usage and MODEL in usage
    session = bot.session(USER)
    assert session is not None and session.ledger.calls == 2 and session.ledger.spent_usd > 0

    telegram.user_says(USER, "/reset")
    wait_text(telegram, USER, say("es", "telegram.reset_done"))
    telegram.user_says(USER, "Otra vez")
    telegram.wait_for(lambda: len(chat_requests(openai_fake)) == 3)
    assert len(chat_requests(openai_fake)[-1].json["messages"]) == 2  # system + the new message


def test_the_answer_is_streamed_by_editing_one_message(
        telegram: FakeTelegram, openai_fake: FakeOpenAI) -> None:
    words = " ".join(f"palabra{i}" for i in range(30))
    openai_fake.reply = words
    with start_bot(make_settings(telegram, openai_fake)) as running:
        telegram.user_says(USER, "cuenta")
        telegram.wait_for(lambda: running.answered(USER, 1))
    [message] = telegram.messages(USER)
    assert message.text == words
    assert len(message.versions) > 2  # sent early, then edited as words arrived
    assert all(b.startswith(a) for a, b in zip(message.versions, message.versions[1:],
                                                 strict=False))


def test_edits_are_throttled_and_only_sent_when_the_text_changed(
        telegram: FakeTelegram, openai_fake: FakeOpenAI) -> None:
    words = " ".join(f"palabra{i}" for i in range(30))
    openai_fake.reply = words
    with start_bot(make_settings(telegram, openai_fake), edit_interval=3600) as running:
        telegram.user_says(USER, "cuenta")
        telegram.wait_for(lambda: running.answered(USER, 1))
    [message] = telegram.messages(USER)
    # the first words, then nothing until the end: the final text
    assert len(message.versions) == 2 and message.versions[-1] == words
    assert not [c for c in telegram.calls if c.status != 200]  # never an unchanged edit


def test_a_long_answer_is_split_into_several_messages(
        telegram: FakeTelegram, openai_fake: FakeOpenAI) -> None:
    paragraphs = [f"Párrafo {i}: " + "texto " * 120 for i in range(20)]
    openai_fake.reply = "\n\n".join(paragraphs)
    with start_bot(make_settings(telegram, openai_fake, CHATBOT_TIMEOUT="120"),
                   max_tokens=5000, edit_interval=0.2) as running:
        telegram.user_says(USER, "escribe mucho")
        telegram.wait_for(lambda: running.answered(USER, 1))
    texts = telegram.texts(USER)
    assert len(texts) >= 4
    assert all(tt.utf16_len(t) <= tt.TELEGRAM_LIMIT for t in texts)
    assert [p.strip() for p in "\n\n".join(texts).split("\n\n")] == [p.strip()
                                                                      for p in paragraphs]


def test_markdown_is_rendered_and_falls_back_to_plain_text_when_rejected(
        telegram: FakeTelegram, openai_fake: FakeOpenAI) -> None:
    answers = iter(["**Hola** con `código`", "2 * 3 = 6 y a_b"])
    openai_fake.reply = lambda body: next(answers)
    with start_bot(make_settings(telegram, openai_fake)) as running:
        telegram.user_says(USER, "uno")
        telegram.wait_for(lambda: running.answered(USER, 1))
        telegram.user_says(USER, "dos")
        telegram.wait_for(lambda: running.answered(USER, 2))
    first, second = telegram.messages(USER)
    assert first.text == "Hola con código" and first.parse_mode == "Markdown"
    assert [e["type"] for e in first.entities] == ["bold", "code"]
    assert second.text == "2 * 3 = 6 y a_b" and second.parse_mode is None
    assert [c.params.get("parse_mode") for c in telegram.calls if c.status == 400] == [
        "Markdown"]  # rejected once; the plain text already on screen is not sent again


# -- what the bot does not answer ----------------------------------------------------------------


def test_stickers_photos_and_edits_cost_nothing_and_the_bot_goes_on(
        bot: RunningBot, telegram: FakeTelegram, openai_fake: FakeOpenAI) -> None:
    telegram.user_sends_sticker(USER)
    wait_text(telegram, USER, NOT_TEXT)
    telegram.user_sends_photo(USER, caption="¿Qué ves?")
    telegram.wait_for(lambda: telegram.texts(USER).count(NOT_TEXT) == 2)
    original = telegram.user_says(USER, "/nada")
    wait_text(telegram, USER, "No conozco esa orden")
    telegram.user_edits(original, "texto editado")
    telegram.push_update("callback_query", {"id": "1", "from": original["from"],
                                            "chat_instance": "1", "data": "x"})
    telegram.user_says(USER, "sigues ahí?")
    telegram.wait_for(lambda: bot.answered(USER, 1))
    assert [r.json["messages"][-1]["content"] for r in chat_requests(openai_fake)] == [
        "sigues ahí?"]
    assert "texto editado" not in " ".join(telegram.texts(USER))


def test_only_allowed_users_are_answered(telegram: FakeTelegram,
                                         openai_fake: FakeOpenAI) -> None:
    settings = make_settings(telegram, openai_fake, TELEGRAM_ALLOWED_USERS="7, 8")
    with start_bot(settings) as running:
        telegram.user_says(99, "hola")
        wait_text(telegram, 99, REFUSAL)
        telegram.user_says(99, "/usage")
        telegram.wait_for(lambda: telegram.texts(99) == [REFUSAL, REFUSAL])
        telegram.user_says(GROUP, "charla sin mención", user_id=99, chat_type="supergroup")
        telegram.user_says(7, "hola")
        telegram.wait_for(lambda: running.answered(7, 1))
    assert len(chat_requests(openai_fake)) == 1
    assert telegram.texts(GROUP) == []
    assert running.session(99) is None  # not even a session was opened for them


def test_in_groups_it_answers_only_when_mentioned_replied_to_or_commanded(
        bot: RunningBot, telegram: FakeTelegram, openai_fake: FakeOpenAI) -> None:
    group = {"chat_type": "supergroup", "user_id": 5}
    telegram.user_says(GROUP, "hola a todos", **group)
    telegram.user_says(GROUP, "/help@otro_bot", **group)
    telegram.user_sends_sticker(GROUP, user_id=5, chat_type="supergroup")
    asked = telegram.user_says(GROUP, "@lab_test_bot ¿qué es Python?", **group)
    telegram.wait_for(lambda: bot.answered(GROUP, 1))
    [answer] = telegram.messages(GROUP)
    assert answer.text == "echo: ¿qué es Python?" and answer.reply_to == asked["message_id"]
    telegram.user_says(GROUP, "¿y Java?", reply_to=answer.message_id, **group)
    telegram.wait_for(lambda: bot.answered(GROUP, 2))
    telegram.user_says(GROUP, "/help@lab_test_bot", **group)
    wait_text(telegram, GROUP, "/persona")
    assert [r.json["messages"][-1]["content"] for r in chat_requests(openai_fake)] == [
        "¿qué es Python?", "¿y Java?"]
    assert len(telegram.texts(GROUP)) == 3


# -- errors --------------------------------------------------------------------------------------


def test_telegram_429_retry_after_is_honoured(bot: RunningBot, telegram: FakeTelegram) -> None:
    telegram.fail_next("sendMessage", 429, retry_after=2)
    telegram.fail_next("getUpdates", 429, retry_after=1)
    telegram.user_says(USER, "/help")
    wait_text(telegram, USER, "/usage")
    refused, sent = telegram.calls_to("sendMessage")
    assert refused.status == 429 and sent.status == 200
    assert sent.at - refused.at >= 2.0


def test_model_api_errors_become_a_short_message_and_the_bot_keeps_serving(
        bot: RunningBot, telegram: FakeTelegram, openai_fake: FakeOpenAI) -> None:
    cases = [
        (lambda: openai_fake.fail_next(401, "invalid_api_key"), "Clave no válida"),
        (lambda: openai_fake.fail_next(429, "insufficient_quota"), "Sin saldo"),
        (lambda: openai_fake.fail_next(500, "server_error", times=2),
         "Error del servidor"),
        (lambda: openai_fake.fail_next(404, "model_not_found"), "Modelo no disponible"),
    ]
    for i, (script, title) in enumerate(cases):
        script()
        telegram.user_says(USER, f"pregunta {i}")
        reply = wait_text(telegram, USER, title)
        assert reply.startswith("⚠️") and "Traceback" not in reply
        assert "sk-test-telegram-0000" not in reply
    telegram.user_says(USER, "¿ya funciona?")
    telegram.wait_for(lambda: bot.answered(USER, 1))
    assert last_text(telegram, USER) == "echo: ¿ya funciona?"


def test_an_answer_cut_mid_stream_keeps_what_arrived(
        bot: RunningBot, telegram: FakeTelegram, openai_fake: FakeOpenAI) -> None:
    openai_fake.reply = "uno dos tres cuatro cinco seis siete ocho"
    openai_fake.cut_stream_next(after_chunks=4)
    telegram.user_says(USER, "cuenta")
    wait_text(telegram, USER, "Respuesta cortada")
    partial = telegram.texts(USER)[0]
    assert partial.endswith("[…]") and partial.startswith("uno")
    assert bot.state(USER).history[-1]["content"] == partial


def test_budget_refuses_before_calling_the_model(telegram: FakeTelegram,
                                                 openai_fake: FakeOpenAI) -> None:
    settings = make_settings(telegram, openai_fake, CHATBOT_BUDGET_USD="0.000001")
    with start_bot(settings):
        telegram.user_says(USER, "hola")
        wait_text(telegram, USER, "Presupuesto")
    assert not chat_requests(openai_fake)


def test_a_telegram_error_while_handling_is_reported_and_the_bot_goes_on(
        bot: RunningBot, telegram: FakeTelegram) -> None:
    telegram.fail_next("sendMessage", 400, "Bad Request: chat not found")
    telegram.user_says(USER, "/help")
    wait_text(telegram, USER, "Algo ha fallado")
    telegram.user_says(USER, "/help")
    wait_text(telegram, USER, "/usage")


def test_model_calls_for_different_chats_run_at_once(
        telegram: FakeTelegram, openai_fake: FakeOpenAI) -> None:
    gate = openai_fake.hold(3)  # answers wait until all three chats are at the model together
    with start_bot(make_settings(telegram, openai_fake)) as running:
        for chat in (1, 2, 3):
            telegram.user_says(chat, f"hola {chat}")
        telegram.wait_for(lambda: all(running.answered(c, 1) for c in (1, 2, 3)))
    assert gate.opened and openai_fake.peak_in_flight == 3
    assert [telegram.texts(c) for c in (1, 2, 3)] == [[f"echo: hola {c}"] for c in (1, 2, 3)]


# -- the embedded model --------------------------------------------------------------------------


@pytest.mark.model
def test_the_embedded_model_answers_with_no_key(telegram: FakeTelegram,
                                                embedded: EmbeddedServer) -> None:
    telegram.min_edit_interval = 0.5  # flood control on edits; the bot waits 1 s: a 2x margin
    settings = make_settings(telegram, CHATBOT_BACKEND="local", OPENAI_API_KEY="",
                             OPENAI_BASE_URL="")
    with start_bot(settings, embedded=embedded, max_tokens=48, edit_interval=1.0) as running:
        telegram.user_says(USER, "Di hola en una frase corta.")
        telegram.wait_for(lambda: running.answered(USER, 1), timeout=240)
        telegram.user_says(USER, "/usage")
        usage = wait_text(telegram, USER, "llamadas")
    answer = telegram.texts(USER)[0]
    assert answer.strip() and not answer.startswith("⚠️")
    assert embedded.model_name in usage and "1 llamadas" in usage and "$0" in usage
    assert telegram.flood_hits == 0


def test_an_open_bot_is_only_on_purpose_and_said_in_the_log(
        telegram: FakeTelegram, caplog: pytest.LogCaptureFixture) -> None:
    closed = make_settings(telegram, TELEGRAM_PUBLIC="")
    with pytest.raises(ConfigError, match="TELEGRAM_ALLOWED_USERS"):
        build_application(AppContext.create(closed, embedded=False), BotConfig())
    with caplog.at_level(logging.WARNING):
        build_application(AppContext.create(make_settings(telegram), embedded=False), BotConfig())
    assert "TELEGRAM_PUBLIC=1" in caplog.text


def test_conversations_and_spending_outlive_a_restart_and_usage_hides_the_host_url(
        telegram: FakeTelegram, openai_fake: FakeOpenAI) -> None:
    settings = make_settings(telegram, openai_fake)
    with start_bot(settings) as first:
        telegram.user_says(USER, "Hola, soy Ana")
        telegram.wait_for(lambda: first.answered(USER, 1))
    with start_bot(settings) as second:  # a restart: a new process would read the same file
        telegram.user_says(USER, "¿Cómo me llamo?")
        telegram.wait_for(lambda: second.answered(USER, 2))
        telegram.user_says(USER, "/usage")
        usage = wait_text(telegram, USER, "Total guardado")  # the bot speaks Spanish by default
    sent = [(m["role"], m["content"]) for m in chat_requests(openai_fake)[-1].json["messages"]]
    assert ("user", "Hola, soy Ana") in sent and ("assistant", "echo: Hola, soy Ana") in sent
    assert openai_fake.base_url not in usage and "127.0.0.1" not in usage
    recorded = second.ctx.store.spent(f"session:tg:{USER}")
    assert recorded > 0 and billing.format_usd(recorded) in usage


def test_the_daily_cap_applies_to_the_bot(telegram: FakeTelegram,
                                          openai_fake: FakeOpenAI) -> None:
    settings = make_settings(telegram, openai_fake, CHATBOT_DAILY_BUDGET_USD="0.0000001")
    with start_bot(settings):
        telegram.user_says(USER, "hola")
        wait_text(telegram, USER, "límite diario del anfitrión")
    assert not chat_requests(openai_fake)


def test_export_sends_the_chat_as_a_json_file_the_web_chat_imports(
        bot: RunningBot, telegram: FakeTelegram, openai_fake: FakeOpenAI) -> None:
    telegram.user_says(USER, "/export")
    wait_text(telegram, USER, say("es", "telegram.export_empty"))
    assert not telegram.documents.get(USER)

    telegram.user_says(USER, "Hola, soy Ana")
    telegram.wait_for(lambda: bot.answered(USER, 1))
    telegram.user_says(USER, "/export")
    [document] = telegram.wait_for(lambda: telegram.documents.get(USER))
    assert document.filename.endswith(".json") and document.caption == say("es", "telegram.export_caption")

    sent = json.loads(document.data)
    assert sent["messages"] == [
        {"role": "system", "content": preset("course").system_prompt},
        {"role": "user", "content": "Hola, soy Ana"},
        {"role": "assistant", "content": "echo: Hola, soy Ana"},
    ]
    back = exchange.from_json(document.data)  # what the Chat tab's Import does with it
    assert back.persona.name == preset("course").name
    assert back.conversation.history() == sent["messages"][1:]
