"""The bot speaks one language, its own (CHATBOT_LANG, else the system locale): every reply it
writes, commands, refusals and errors included, in Spanish or in English, never both."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from chatbot.i18n import TABLES, say
from chatbot.telegram import text as tt
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.telegram_server import FakeTelegram
from tests.test_telegram_bot import USER, make_settings, openai_fake, start_bot, telegram

__all__ = ["openai_fake", "telegram"]  # fixtures this module uses
STRANGER = 99


def bilingual(text: str) -> bool:
    """The legacy "español / English" shape (commands like /persona have no space before)."""
    return " / " in text


def fixed_texts(lang: str) -> set[str]:
    """Every one of the bot's own lines in `lang`, without fields, to spot the other language."""
    return {v for k, v in TABLES[lang].items() if k.startswith("telegram.") and "{" not in v}


def every_kind_of_reply(telegram: FakeTelegram, openai_fake: FakeOpenAI) -> list[str]:
    """Commands, a bad argument, a refusal, a sticker, an API error, an answer cut short; one
    at a time, each waited for, so the replies come in order."""
    settings = make_settings(telegram, openai_fake, TELEGRAM_ALLOWED_USERS=str(USER))

    def step(send: Callable[[], object], replies: int = 1) -> None:
        before = len(telegram.texts(USER))
        send()
        telegram.wait_for(lambda: len(telegram.texts(USER)) >= before + replies)

    with start_bot(settings):
        for command in ("/start", "/help", "/persona", "/persona nadie", "/export", "/nada",
                        "/persona pirate", "/reset", "/usage"):
            step(lambda command=command: telegram.user_says(USER, command))
        step(lambda: telegram.user_sends_sticker(USER))
        openai_fake.fail_next(401, "invalid_api_key")
        step(lambda: telegram.user_says(USER, "hola"))
        openai_fake.reply = "uno dos tres cuatro cinco seis siete ocho"
        openai_fake.cut_stream_next(after_chunks=4)
        step(lambda: telegram.user_says(USER, "cuenta"), replies=2)  # the part, then the cut
        telegram.user_says(STRANGER, "hola")
        telegram.wait_for(lambda: telegram.texts(STRANGER))
    commands = telegram.calls_to("setMyCommands")[0].params["commands"]
    return [*telegram.texts(USER), *telegram.texts(STRANGER), str(commands)]


@pytest.mark.parametrize(("lang", "other"), [("es", "en"), ("en", "es")])
def test_every_reply_is_in_the_bots_one_language(
        lang: str, other: str, telegram: FakeTelegram, openai_fake: FakeOpenAI,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHATBOT_LANG", lang)
    replies = every_kind_of_reply(telegram, openai_fake)
    assert [r for r in replies if bilingual(r)] == []
    foreign = fixed_texts(other) - fixed_texts(lang)
    assert [(r, f) for r in replies for f in foreign if f in r] == []
    joined = "\n".join(replies)
    for key in ("telegram.refusal", "telegram.not_text", "telegram.reset_done",
                "telegram.unknown_command", "telegram.export_empty", "telegram.groups"):
        assert say(lang, key) in joined, key
    assert all(what in joined for _, what in tt.commands(lang))
    assert say(lang, "chat.no_persona", name="nadie", names="course, tutor, support, pirate") \
        in joined
    assert say(lang, "telegram.unexpected") not in replies  # every reply above is a known one
