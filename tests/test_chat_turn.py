"""Building a chat turn (validation, trimming to the context window) and pacing its stream."""

import pytest

from chatbot.chat.turn import CUT_MARK, ChatTurn, paced, prepare_turn
from chatbot.client import Backend, ChatParams, Choice, LLMClient, Result, SDKPool, StreamEvent, Usage
from chatbot.context import AppContext
from chatbot.errors import ContextTooLong, InvalidInput
from chatbot.models.catalog import Catalog
from chatbot.money import billing
from chatbot.money.billing import Ledger
from chatbot.settings import Settings
from tests.conftest import FakeFactory
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
    assert "Omití" in notice and "Left out" not in notice  # the reader's language only
    dropped = int(notice.split("Omití ")[1].split()[0])
    assert dropped == 1 + 80 + 1 - len(messages)
    english = ctx.new_session()
    english.lang = "en"
    _, notice = prepare_turn(ctx, english, "Hola", history(40), "Eres Edu.", 128)
    assert notice.startswith(f"ℹ️ Left out {dropped} old messages") and "Omití" not in notice


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


def fake_ctx(fake: FakeOpenAI) -> AppContext:
    return AppContext.create(Settings.from_env({
        "OPENAI_API_KEY": "sk-test-turn-0000", "OPENAI_BASE_URL": fake.base_url,
        "CHATBOT_MODEL": "gpt-4o-mini", "CHATBOT_MAX_RETRIES": "0"}))


def test_a_turn_streams_bills_and_keeps_the_trimmed_conversation() -> None:
    with FakeOpenAI() as fake:
        ctx = fake_ctx(fake)
        session = ctx.new_session()
        earlier = [{"role": "assistant", "content": "¡Hola!"}]
        turn = ChatTurn(ctx, session, "¿Qué es un token?", earlier, "Eres Edu.", max_tokens=64)
        shown = list(turn.stream())
    assert shown and shown[-1] == turn.answer and turn.answer.startswith("echo:")
    assert turn.cut is None and turn.result is not None and turn.result.text == turn.answer
    assert session.ledger.calls == 1
    assert turn.shown(turn.answer)[-2:] == [{"role": "user", "content": "¿Qué es un token?"},
                                           {"role": "assistant", "content": turn.answer}]
    assert turn.conversation() == [*earlier, {"role": "user", "content": "¿Qué es un token?"},
                                   {"role": "assistant", "content": turn.answer}]


def test_a_cut_turn_keeps_what_arrived_marked_and_a_cut_with_nothing_keeps_the_history() -> None:
    with FakeOpenAI() as fake:
        ctx = fake_ctx(fake)
        session = ctx.new_session()
        fake.cut_stream_next(4)  # role chunk + three words
        turn = ChatTurn(ctx, session, "hola qué tal", [], "", max_tokens=64)
        list(turn.stream())
        fake.cut_stream_next(1)  # the role chunk only: no text at all
        empty = ChatTurn(ctx, session, "hola", [{"role": "user", "content": "antes"}], "",
                         max_tokens=64)
        list(empty.stream())
    assert turn.cut is not None and turn.result is None
    assert turn.answer == turn.cut.partial + CUT_MARK and turn.cut.partial.startswith("echo:")
    assert turn.conversation()[-1] == {"role": "assistant", "content": turn.answer}
    assert empty.cut is not None and empty.answer == ""
    assert empty.conversation() == [{"role": "user", "content": "antes"}]
    assert empty.shown(empty.answer or None)[-1] == {"role": "user", "content": "hola"}


def test_a_cancelled_turn_is_billed_to_the_token_for_what_the_server_sent(
        make_fake: FakeFactory) -> None:
    """Gradio closes a cancelled event's generator: the answer stops, and the session pays for
    the prompt and exactly the tokens that had arrived, not nothing and not the whole answer."""
    fake = make_fake()
    ctx = fake_ctx(fake)
    session = ctx.new_session()
    gate = fake.pause_stream_next(after_chunks=3)  # role chunk, "echo:", " hola", then it waits
    turn = ChatTurn(ctx, session, "hola qué tal", [], "", max_tokens=64)
    shown = turn.stream()
    assert [next(shown), next(shown)] == ["echo:", "echo: hola"]
    assert gate.wait_waiting(1) and fake.streamed[-1] == "echo: hola"
    shown.close()  # the Stop button
    gate.open()
    model = turn.params.model
    prompt = billing.estimate(ctx.catalog, model, turn.messages, 64).input_tokens
    answer = billing.count_completion(ctx.catalog, model, "echo: hola")
    assert session.ledger.calls == 1
    assert session.ledger.spent_usd == pytest.approx(
        billing.cost(ctx.catalog, model, prompt, answer), rel=1e-12)
    assert session.ledger.completion_tokens == answer
