"""The client against caps and broken servers: what a call costs is settled in the store (a cut
or abandoned stream for what arrived), and a 200 that is not an OpenAI answer gets a message."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from chatbot.client import Backend, ChatParams, LLMClient, SDKPool
from chatbot.errors import ChatbotError, ServerError, StreamCut
from chatbot.i18n import Msg
from chatbot.models.catalog import Catalog
from chatbot.money import billing
from chatbot.money.spending import Cap, Meter
from chatbot.store import Store
from tests.fakes.openai_server import FakeOpenAI

ROOT = Path(__file__).resolve().parent.parent
MODEL = "gpt-4o"
ASK = [{"role": "user", "content": " ".join(["uno dos tres cuatro"] * 10)}]


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "lab.sqlite3")


def client(fake: FakeOpenAI, store: Store) -> LLMClient:
    meter = Meter(store, (Cap("s", 1.0, Msg.written("sesión", "session")),))
    return LLMClient(Backend("compatible", fake.base_url, "sk-test-meter"), SDKPool(10, 0),
                     Catalog.load(), billing.Ledger(), max_retries=0, meter=meter)


def billed_at(fake: FakeOpenAI) -> float:
    catalog = Catalog.load()
    return sum(billing.cost(catalog, m, p, c) or 0.0 for m, p, c in fake.billed)


def test_a_call_settles_at_what_it_cost_not_its_worst_case(fake: FakeOpenAI, store: Store) -> None:
    result = client(fake, store).chat(ASK, ChatParams(MODEL, max_tokens=500))
    assert store.spent("s") == pytest.approx(result.cost_usd)
    assert store.spent("s") == pytest.approx(billed_at(fake))
    assert result.estimate and result.estimate.high_usd > 2 * store.spent("s")


def billed_for(llm: LLMClient, text: str) -> float:
    """What a stream that delivered `text` costs: the prompt as the estimate counted it, and
    exactly the tokens of `text`, to the token."""
    prompt = billing.estimate(llm.catalog, MODEL, ASK, 200).input_tokens
    cost = billing.cost(llm.catalog, MODEL, prompt, billing.count_completion(llm.catalog, MODEL,
                                                                             text))
    assert cost is not None
    return cost


def test_a_cut_stream_is_billed_to_the_token_for_what_the_server_sent(
        fake: FakeOpenAI, store: Store) -> None:
    fake.cut_stream_next(after_chunks=5)  # role chunk + four words
    llm = client(fake, store)
    with pytest.raises(StreamCut) as cut:
        list(llm.stream_chat(ASK, ChatParams(MODEL, max_tokens=200)))
    assert cut.value.partial == fake.streamed[-1] == "echo: uno dos tres"
    assert store.spent("s") == pytest.approx(billed_for(llm, fake.streamed[-1]), rel=1e-12)
    assert store.spent("s") > billed_for(llm, "")  # the answer's tokens are in it
    assert llm.ledger is not None and llm.ledger.calls == 1
    assert llm.ledger.spent_usd == pytest.approx(store.spent("s"), rel=1e-12)


def test_an_abandoned_stream_is_billed_to_the_token_for_what_was_read(
        fake: FakeOpenAI, store: Store) -> None:
    gate = fake.pause_stream_next(after_chunks=4)  # role chunk + three words, then it waits
    llm = client(fake, store)
    events = llm.stream_chat(ASK, ChatParams(MODEL, max_tokens=200))
    read = [next(events) for _ in range(3)]
    assert gate.wait_waiting(1)
    assert read[-1].text == fake.streamed[-1] == "echo: uno dos"
    assert store.spent("s") == 0  # still held, not yet spent
    events.close()  # the reader went away (a closed tab, a cancelled event)
    gate.open()
    assert store.spent("s") == pytest.approx(billed_for(llm, "echo: uno dos"), rel=1e-12)


@pytest.mark.parametrize("body, ctype", [
    (b"<html><body>Proxy login</body></html>", "text/html"),
    (b'{"object": "something else"}', "application/json"),
    (b'{"choices": "nope"}', "application/json"),
    (b"not json at all", "application/json"),
])
def test_a_200_that_is_not_an_openai_answer_is_named(fake: FakeOpenAI, store: Store,
                                                     body: bytes, ctype: str) -> None:
    fake.raw_next(body, ctype)
    with pytest.raises(ServerError, match="not an OpenAI API response") as err:
        client(fake, store).chat(ASK, ChatParams(MODEL, max_tokens=20))
    assert "Proxy login" not in str(err.value)
    assert store.spent("s") == 0  # the hold is released


def test_a_stream_of_the_wrong_shape_is_named(fake: FakeOpenAI, store: Store) -> None:
    fake.raw_next(b'data: {"choices": 3}\n\ndata: [DONE]\n\n', "text/event-stream")
    with pytest.raises(ServerError, match="not an OpenAI API response"):
        list(client(fake, store).stream_chat(ASK, ChatParams(MODEL, max_tokens=20)))


def test_the_cli_says_it_too_without_a_traceback(fake: FakeOpenAI, tmp_path: Path) -> None:
    fake.raw_next(b"<html>oops</html>", "text/html")
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "OPENAI_API_KEY": "sk-test-cli",
           "OPENAI_BASE_URL": fake.base_url, "CHATBOT_ENV_FILE": str(tmp_path / "none.env"),
           "CHATBOT_DB": str(tmp_path / "db.sqlite3"), "HOME": str(tmp_path)}
    (tmp_path / "none.env").write_text("")
    done = subprocess.run([sys.executable, "-m", "chatbot", "finetune", "status"], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    assert "not an OpenAI API response" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def test_an_error_page_is_not_echoed_back(fake: FakeOpenAI, store: Store) -> None:
    fake.raw_next(b"<html>internal admin panel: password=hunter2</html>", "text/html", 400)
    with pytest.raises(ChatbotError) as err:
        client(fake, store).chat(ASK, ChatParams(MODEL, max_tokens=20))
    assert "hunter2" not in str(err.value) and "HTTP 400" in str(err.value)
    fake.raw_next(b'{"error": {"message": "Invalid value for temperature."}}', status=400)
    with pytest.raises(ChatbotError, match="Invalid value for temperature"):
        client(fake, store).chat(ASK, ChatParams(MODEL, max_tokens=20))
