"""The client sends each model only what it takes, against a fake that refuses as OpenAI does."""

from __future__ import annotations

import pytest

from chatbot.client import Backend, ChatParams, LLMClient, SDKPool
from chatbot.client.capability_book import CapabilityBook
from chatbot.errors import InvalidInput
from chatbot.models.catalog import Catalog
from chatbot.money import billing
from tests.fakes.openai_server import FakeOpenAI

CHAT = "/v1/chat/completions"
HELLO = [{"role": "system", "content": "Eres breve."},
         {"role": "user", "content": "hola qué tal estás hoy"}]
LUNA = "gpt-5.6-luna"


def client_for(fake: FakeOpenAI, catalog: Catalog, book: CapabilityBook | None = None,
               ledger: billing.Ledger | None = None) -> LLMClient:
    return LLMClient(Backend("openai", fake.base_url, "sk-test-1234"), SDKPool(10, 0), catalog,
                     ledger, max_retries=0, capabilities=book)


def sent(fake: FakeOpenAI) -> list[dict]:
    return [r.json for r in fake.requests_to(CHAT)]


def test_playground_settings_on_a_reasoning_model_answer_with_notes(fake, catalog):
    ledger = billing.Ledger()
    params = ChatParams(LUNA, temperature=0.2, top_p=1, n=2, max_tokens=128,
                        frequency_penalty=0, presence_penalty=0, logprobs=True, top_logprobs=5)
    result = client_for(fake, catalog, ledger=ledger).chat(HELLO, params)
    assert [c.text for c in result.choices] == ["echo: hola qué tal estás hoy"] * 2
    body = sent(fake)[0]
    assert len(sent(fake)) == 1  # known from the data: nothing was refused, nothing retried
    assert body["max_completion_tokens"] == 128
    assert not {"max_tokens", "temperature", "top_p", "logprobs", "top_logprobs",
                "frequency_penalty", "presence_penalty"} & set(body)
    notes = " ".join(n.said("en") for n in result.notes)
    assert "temperature 0.2 not applied: gpt-5.6-luna samples only at 1 unless reasoning " \
           "effort is none" in notes
    assert "logprobs not applied" in notes
    # reasoning tokens: read from completion_tokens_details, inside completion_tokens, billed
    assert result.usage.reasoning_tokens == 64  # 32 per choice at the default effort
    assert result.usage.completion_tokens == 64 + 2 * 6
    assert result.cost_usd == pytest.approx(billing.cost(
        catalog, LUNA, result.usage.prompt_tokens, result.usage.completion_tokens))
    assert ledger.completion_tokens == result.usage.completion_tokens


def test_effort_none_sends_temperature_and_gets_logprobs_back(fake, catalog):
    params = ChatParams(LUNA, temperature=0.2, max_tokens=50, logprobs=True, top_logprobs=2,
                        reasoning_effort="none")
    result = client_for(fake, catalog).chat(HELLO, params)
    body = sent(fake)[0]
    assert body["reasoning_effort"] == "none" and body["temperature"] == 0.2
    assert result.choices[0].logprobs and result.notes == ()
    assert result.usage.reasoning_tokens == 0


def test_streamed_chat_on_a_reasoning_model(fake, catalog):
    params = ChatParams(LUNA, temperature=0.7, max_tokens=64)
    events = list(client_for(fake, catalog).stream_chat(HELLO, params))
    result = events[-1].result
    assert result is not None and result.text == "echo: hola qué tal estás hoy"
    assert "max_tokens" not in sent(fake)[0] and sent(fake)[0]["max_completion_tokens"] == 64
    assert result.usage.reasoning_tokens == 32
    assert any("temperature 0.7" in n.said("en") for n in result.notes)


def test_reasoning_that_eats_the_whole_budget_is_explained(fake, catalog):
    params = ChatParams(LUNA, max_tokens=10, reasoning_effort="high")
    result = client_for(fake, catalog).chat(HELLO, params)
    assert result.text == "" and result.choices[0].finish_reason == "length"
    assert any("spent all 10 tokens reasoning" in n.said("en") for n in result.notes)


def refusal(param: str, code: str = "unsupported_value") -> dict:
    return {"error": {"message": f"Unsupported value: '{param}' does not support this.",
                      "type": "invalid_request_error", "param": param, "code": code}}


def test_a_refusal_the_data_did_not_know_is_retried_once_and_remembered(fake, catalog):
    book = CapabilityBook(catalog)
    fake.fail_next(400, refusal("temperature"))
    params = ChatParams("gpt-4o-mini", temperature=0.3, max_tokens=20)
    result = client_for(fake, catalog, book).chat(HELLO, params)
    first, second = sent(fake)
    assert first["temperature"] == 0.3 and "temperature" not in second
    assert result.text and any("refused temperature" in n.said("en") for n in result.notes)
    assert any("temperature 0.3 not applied" in n.said("en") for n in result.notes)
    fake.reset()  # a later session with the same book does not ask again
    client_for(fake, catalog, book).chat(HELLO, params)
    assert len(sent(fake)) == 1 and "temperature" not in sent(fake)[0]
    fake.reset()  # another client without the book knows nothing of it
    client_for(fake, catalog).chat(HELLO, params)
    assert sent(fake)[0]["temperature"] == 0.3


def test_max_tokens_refused_becomes_max_completion_tokens(fake, catalog):
    fake.fail_next(400, refusal("max_tokens", "unsupported_parameter"))
    result = client_for(fake, catalog).chat(HELLO, ChatParams("gpt-4o-mini", max_tokens=20))
    assert [("max_tokens" in b, b.get("max_completion_tokens")) for b in sent(fake)] == [
        (True, None), (False, 20)]
    assert result.text


def test_a_refusal_naming_nothing_we_can_leave_out_is_an_error_at_once(fake, catalog):
    fake.fail_next(400, refusal("messages"))
    with pytest.raises(InvalidInput, match="messages"):
        client_for(fake, catalog).chat(HELLO, ChatParams("gpt-4o-mini", max_tokens=5))
    assert len(sent(fake)) == 1


def test_a_compatible_server_without_n_and_seed_still_gives_n_answers():
    catalog = Catalog.load()
    with FakeOpenAI(compatible=True) as server:
        client = LLMClient(Backend("compatible", server.base_url, None), SDKPool(10, 0), catalog,
                           max_retries=0)
        result = client.chat(HELLO, ChatParams("my-llama", n=3, seed=5, max_tokens=20))
        assert len(result.choices) == 3
        bodies = [r.json for r in server.requests_to(CHAT)]
        assert bodies[0]["seed"] == 5 and all("seed" not in b for b in bodies[1:])
        assert any("refused seed" in n.said("en") for n in result.notes)
