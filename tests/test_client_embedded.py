"""The client through the real `openai` SDK against the embedded llama.cpp model."""


import pytest

from chatbot.client import Backend, ChatParams, LLMClient, SDKPool
from chatbot.engine.llama_server import EmbeddedServer
from chatbot.errors import ContextTooLong, InvalidInput
from chatbot.models.catalog import Catalog
from chatbot.money.billing import Ledger

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def catalog(embedded: EmbeddedServer) -> Catalog:
    return Catalog.load(local_models={embedded.model_name: embedded.root})


@pytest.fixture
def client(embedded: EmbeddedServer, catalog: Catalog) -> LLMClient:
    return LLMClient(Backend("local", embedded.base_url), SDKPool(60, 1), catalog, Ledger())


def ask(text: str) -> list[dict[str, str]]:
    return [{"role": "system", "content": "Answer in one short sentence."},
            {"role": "user", "content": text}]


def test_chat_returns_text_usage_latency_and_free_cost(client: LLMClient,
                                                       embedded: EmbeddedServer) -> None:
    result = client.chat(ask("What is the capital of France?"),
                         ChatParams(model=embedded.model_name, max_tokens=16, temperature=0))
    assert "Paris" in result.text
    assert result.choices[0].finish_reason in ("stop", "length")
    assert result.usage.prompt_tokens > 0 < result.usage.completion_tokens
    assert result.latency_s > 0
    assert result.cost_usd == 0.0
    assert client.ledger is not None and client.ledger.calls == 1


def test_n_is_answered_natively_by_the_embedded_engine(client: LLMClient,
                                                       embedded: EmbeddedServer) -> None:
    """llama-server gives every choice in one request (the fan-out for servers that do not is
    tested against the fake, tests/test_client_errors.py)."""
    result = client.chat(ask("Name a colour."),
                         ChatParams(model=embedded.model_name, n=2, max_tokens=6, seed=1,
                                    temperature=1.0))
    assert len(result.choices) == 2
    assert [c.index for c in result.choices] == [0, 1]
    assert result.requests == 1


def test_logprobs_come_back_per_token_with_alternatives(client: LLMClient,
                                                        embedded: EmbeddedServer) -> None:
    result = client.chat(ask("Say yes."), ChatParams(model=embedded.model_name, max_tokens=3,
                                                     temperature=0, logprobs=True,
                                                     top_logprobs=3))
    lps = result.choices[0].logprobs
    assert lps and all(tok.logprob <= 0 for tok in lps)
    assert 1 <= len(lps[0].top) <= 3


def test_stream_yields_growing_text_and_a_final_result(client: LLMClient,
                                                       embedded: EmbeddedServer) -> None:
    events = list(client.stream_chat(ask("Count: one, two, three."),
                                     ChatParams(model=embedded.model_name, max_tokens=12,
                                                temperature=0)))
    final = events[-1].result
    assert final is not None
    assert len(events) > 2
    assert final.text == events[-2].text and final.text
    # llama.cpp sends no usage when streaming: counted with the model's own tokenizer
    assert final.usage.prompt_tokens > 0 and final.usage.completion_tokens > 0
    assert events[0].first_token_s is not None


def test_prompt_estimate_equals_what_llama_cpp_bills(client: LLMClient,
                                                     embedded: EmbeddedServer) -> None:
    result = client.chat(ask("Hola, ¿qué tal? 😀"),
                         ChatParams(model=embedded.model_name, max_tokens=2))
    assert result.estimate is not None
    assert result.estimate.input_tokens == result.usage.prompt_tokens


def test_legacy_completion_endpoint(client: LLMClient, embedded: EmbeddedServer) -> None:
    result = client.complete("The capital of Spain is",
                             ChatParams(model=embedded.model_name, max_tokens=4, temperature=0,
                                        logprobs=True, top_logprobs=2))
    assert "Madrid" in result.text
    assert result.choices[0].logprobs


def test_a_prompt_over_the_context_window_is_a_clear_error(client: LLMClient,
                                                           embedded: EmbeddedServer) -> None:
    with pytest.raises(ContextTooLong, match="context"):
        client.chat(ask("hola " * 6000), ChatParams(model=embedded.model_name, max_tokens=8))


@pytest.mark.parametrize("params, fragment", [
    (dict(n=0), "n=0"),
    (dict(temperature=5), "temperature=5"),
    (dict(stop=("a", "b", "c", "d", "e")), "5 stop"),
    (dict(max_tokens=0), "max_tokens=0"),
])
def test_impossible_parameters_are_refused_before_sending(client: LLMClient,
                                                          embedded: EmbeddedServer,
                                                          params: dict, fragment: str) -> None:
    with pytest.raises(InvalidInput, match=fragment):
        client.chat(ask("hi"), ChatParams(model=embedded.model_name, **params))
    assert client.ledger is not None and client.ledger.calls == 0


