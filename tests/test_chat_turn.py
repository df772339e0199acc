"""Building a chat turn (validation, trimming to the context window) and pacing its stream."""

import pytest

from chatbot.billing import Ledger
from chatbot.catalog import Catalog
from chatbot.chat.turn import paced, prepare_turn
from chatbot.client import Backend, ChatParams, Choice, LLMClient, Result, SDKPool, StreamEvent, Usage
from chatbot.context import AppContext
from chatbot.errors import ContextTooLong, InvalidInput
from chatbot.settings import Settings
from tests.fakes.openai_server import FakeOpenAI


@pytest.fixture
def ctx() -> AppContext:
    return AppContext.create(Settings.from_env({"CHATBOT_LOCAL_CTX": "512"}))


def history(turns: int) -> list[dict[str, str]]:
    out = []
    for i in range(turns):
        out += [{"role": "user", "content": f"Pregunta número {i}: ¿qué es un token?"},
                {"role": "assistant", "content": f"Respuesta {i}: un trozo de texto. " * 3}]
    return out


def test_a_short_chat_is_sent_whole(ctx: AppContext) -> None:
    messages, notice = prepare_turn(ctx, ctx.new_session(), "Hola", history(2), "Eres Edu.", 128)
    assert len(messages) == 1 + 4 + 1
    assert notice == ""


def test_a_long_chat_is_trimmed_with_a_notice(ctx: AppContext) -> None:
    messages, notice = prepare_turn(ctx, ctx.new_session(), "Hola", history(40), "Eres Edu.", 128)
    assert messages[0] == {"role": "system", "content": "Eres Edu."}
    assert messages[-1] == {"role": "user", "content": "Hola"}
    assert messages[1]["role"] == "user"
    assert "Omití" in notice and "Left out" in notice
    dropped = int(notice.split("Omití ")[1].split()[0])
    assert dropped == 1 + 80 + 1 - len(messages)


def test_a_message_that_cannot_fit_alone_says_so(ctx: AppContext) -> None:
    with pytest.raises(ContextTooLong, match="alone"):
        prepare_turn(ctx, ctx.new_session(), "palabra " * 2000, [], "", 128)


@pytest.mark.parametrize("message", ["", "   \n\t"])
def test_an_empty_message_is_refused(ctx: AppContext, message: str) -> None:
    with pytest.raises(InvalidInput, match="Escribe un mensaje"):
        prepare_turn(ctx, ctx.new_session(), message, [], "", 128)


def test_paced_shows_the_first_partial_then_one_per_interval_and_always_the_last() -> None:
    ticks = iter([0.00, 0.01, 0.02, 0.06, 0.07])
    final = Result("m", (Choice(0, "abcdef", "stop"),), Usage(1, 6), 0.1)
    events = [StreamEvent(c, "abcde"[: i + 1]) for i, c in enumerate("abcde")]
    events.append(StreamEvent("", "abcdef", None, final))
    shown = list(paced(events, every=0.05, clock=lambda: next(ticks)))
    assert [e.text for e in shown] == ["a", "abcd", "abcdef"]
    assert shown[-1].result is final


def test_paced_real_stream_keeps_the_whole_answer() -> None:
    """Through the real SDK: a burst of chunks becomes the first token and the finished answer."""
    with FakeOpenAI() as fake:
        client = LLMClient(Backend("compatible", fake.base_url, "sk-test"), SDKPool(10, 0),
                           Catalog.load(), Ledger())
        params = ChatParams(model="gpt-4o-mini", max_tokens=64)
        messages = [{"role": "user", "content": "Hola, ¿qué tal?"}]
        every_chunk = list(client.stream_chat(messages, params))
        shown = list(paced(client.stream_chat(messages, params), every=60.0))
    assert len(every_chunk) > 3
    assert [e.text for e in shown] == [every_chunk[0].text, every_chunk[-1].text]
    assert shown[-1].result is not None
