"""The process-wide book: probes a compatible server once, learns refusals, knows the rest."""

from concurrent.futures import ThreadPoolExecutor

import openai

from chatbot.client.capability_book import CapabilityBook, Send
from tests.fakes.openai_server import FakeOpenAI


def sender(sdk: openai.OpenAI) -> Send:
    """An unmetered probe request, as a bare SDK client sends it."""
    return lambda body: sdk.chat.completions.create(**body)


def test_a_compatible_server_is_probed_once_per_model_with_tiny_requests(catalog):
    with FakeOpenAI(compatible=True) as fake:
        sdk = openai.OpenAI(base_url=fake.base_url, api_key="sk-test", max_retries=0)
        book = CapabilityBook(catalog)
        with ThreadPoolExecutor(4) as pool:  # four sessions pick the model at once
            found = list(pool.map(lambda _: book.get("compatible", fake.base_url, "my-llama",
                                                     sender(sdk)), range(4)))
        probes = fake.requests_to("/v1/chat/completions")
        assert len(probes) == 4  # one request per probed parameter, not per session
        assert all(r.json["max_tokens"] == 1 for r in probes)
        caps = found[0]
        assert all(c == caps for c in found)
        assert caps.source == "probe"
        assert caps.takes == {"temperature", "top_p", "penalties", "stop"}  # no n/logprobs/seed
        book.get("compatible", fake.base_url, "other-llama", sender(sdk))
        assert len(fake.requests_to("/v1/chat/completions")) == 8  # a new model is probed anew


def test_a_full_server_keeps_everything_and_known_models_are_not_probed(catalog):
    with FakeOpenAI(strict_models=False) as fake:
        sdk = openai.OpenAI(base_url=fake.base_url, api_key="sk-test", max_retries=0)
        book = CapabilityBook(catalog)
        caps = book.get("compatible", fake.base_url, "my-llama", sender(sdk))
        assert caps.takes == {"temperature", "top_p", "n", "logprobs", "penalties", "seed",
                              "stop"}
        fake.reset()
        assert book.get("compatible", fake.base_url, "gpt-5.6-luna", sender(sdk)).reasoning
        assert book.get("openai", None, "mystery-model", sender(sdk)).source == "guess"
        assert fake.requests == []


def test_an_unreachable_server_is_not_remembered(catalog):
    sdk = openai.OpenAI(base_url="http://127.0.0.1:9/v1", api_key="sk-test", max_retries=0,
                        timeout=2)
    book = CapabilityBook(catalog)
    assert book.get("compatible", "http://127.0.0.1:9/v1", "x", sender(sdk)).source == "guess"


def test_learned_refusals_last_per_backend_and_model(catalog):
    book = CapabilityBook(catalog)
    learned = book.learn("openai", None, "gpt-4o-mini", "temperature")
    assert learned is not None and "temperature" not in learned.takes_at(None)
    assert "temperature" not in book.get("openai", None, "gpt-4o-mini").takes_at(None)
    assert "temperature" in book.get("compatible", "http://x/v1", "gpt-4o-mini").takes_at(None)
    assert book.learn("openai", None, "gpt-4o-mini", "temperature") is None
    assert book.learn("openai", None, "gpt-4o-mini", "messages") is None


def test_the_embedded_backend_takes_everything_whatever_the_name(catalog):
    caps = CapabilityBook(catalog).get("local", "http://127.0.0.1:1/v1", "gpt-5.6-luna")
    assert caps.source == "embedded" and not caps.reasoning
