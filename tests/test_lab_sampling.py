"""The lab's model calls through the project client: the embedded model through the real SDK,
and the fake for a server that gives no logprobs."""

import math
from collections.abc import Iterator

import openai
import pytest

from chatbot.client import Backend, LLMClient, SDKPool
from chatbot.engine.llama_server import EmbeddedServer
from chatbot.errors import InvalidInput
from chatbot.lab import sampling
from chatbot.lab.distribution import OTHER, Candidate, rest_mass
from chatbot.models.catalog import Catalog
from chatbot.money.billing import Ledger
from chatbot.sentiment.labels import label_of
from chatbot.sentiment.prompt import DEFAULT_PROMPT, build_messages, parse_prompt
from tests.conftest import assert_same_top
from tests.fakes.openai_server import FakeOpenAI

PROMPT = "Responde con una sola palabra: ¿de qué color es el cielo?"
TEXT = "Érase una vez un robot que"


@pytest.fixture
def fake_compatible() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(compatible=True) as server:  # ignores logprobs, as many servers do
        yield server


def test_a_server_without_logprobs_gets_a_clear_message(fake_compatible: FakeOpenAI) -> None:
    client = LLMClient(Backend("compatible", fake_compatible.base_url, "sk-x"), SDKPool(10, 0),
                       Catalog.load())
    with pytest.raises(sampling.NoLogprobs) as err:
        sampling.next_token(client, "some-model", PROMPT)
    assert "logprobs" in err.value.said("en") and "probabilidades" in err.value.said("es")
    assert " / " not in err.value.said("es")


@pytest.mark.parametrize("prompt, mode", [("  ", "chat"), ("hola", "poem")])
def test_bad_prompt_or_mode_is_refused_before_any_call(prompt: str, mode: str) -> None:
    client = LLMClient(Backend("compatible", "http://127.0.0.1:9/v1", "sk-x"), SDKPool(1, 0),
                       Catalog.load())
    with pytest.raises(InvalidInput):
        sampling.next_token(client, "m", prompt, mode)


# -- the embedded model ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def client(embedded: EmbeddedServer) -> LLMClient:
    catalog = Catalog.load(local_models={embedded.model_name: embedded.root})
    return LLMClient(Backend("local", embedded.base_url), SDKPool(120, 1), catalog, Ledger())


@pytest.mark.model
@pytest.mark.parametrize("mode", ["chat", "completion"])
def test_candidates_are_the_backends_own_top_logprobs(client: LLMClient, embedded: EmbeddedServer,
                                                      mode: str) -> None:
    # llama-server computes a prompt's last token differently when the rest comes from its cache,
    # so the app's request is asked twice: its second answer and the raw one below both reuse the
    # same cached prompt, and must then agree to rounding.
    sampling.next_token(client, embedded.model_name, PROMPT, mode)
    dist = sampling.next_token(client, embedded.model_name, PROMPT, mode)
    raw = openai.OpenAI(base_url=embedded.base_url, api_key="sk-no-key-required")
    if mode == "chat":
        resp = raw.chat.completions.create(**dist.request)
        own = {t.token: t.logprob for t in resp.choices[0].logprobs.content[0].top_logprobs}
    else:
        resp = raw.completions.create(**dist.request)
        lp = resp.choices[0].logprobs
        own = ({t["token"]: t["logprob"] for t in lp.content[0]["top_logprobs"]}
               if getattr(lp, "content", None) else dict(lp.top_logprobs[0]))
    assert len(dist.candidates) == len(own) == 20
    assert_same_top({c.token: c.logprob for c in dist.candidates}, own, head=20, abs_tol=0.02)
    probs = [c.prob for c in dist.candidates]
    assert probs == sorted(probs, reverse=True) and sum(probs) <= 1 + 1e-6


@pytest.mark.model
def test_a_step_replays_with_the_same_seed(client: LLMClient, embedded: EmbeddedServer) -> None:
    one = sampling.step(client, embedded.model_name, TEXT, 1.5, 0, 1.0, seed=3)
    again = sampling.step(client, embedded.model_name, TEXT, 1.5, 0, 1.0, seed=3)
    assert one.text == again.text == TEXT + one.shape.tokens[one.index]
    greedy = sampling.step(client, embedded.model_name, TEXT, 0.0, 0, 1.0, seed=3)
    assert greedy.index == 0


@pytest.mark.model
def test_samples_at_temperature_zero_agree_and_a_seed_repeats(client: LLMClient,
                                                              embedded: EmbeddedServer) -> None:
    cold = sampling.samples(client, embedded.model_name, PROMPT, "chat", 5, 0.0, 1.0, None, 3)
    assert len(cold.answers) == 5 and len(set(cold.answers)) == 1
    assert len(set(cold.first_tokens)) == 1
    hot = [sampling.samples(client, embedded.model_name, PROMPT, "chat", 6, 1.5, 1.0, 11, 3)
           for _ in range(2)]
    assert hot[0].answers == hot[1].answers
    assert hot[0].requests >= 1


@pytest.mark.model
def test_greedy_samples_count_for_the_favourite_candidate_not_its_first_letter(
        client: LLMClient, embedded: EmbeddedServer) -> None:
    dist = sampling.next_token(client, embedded.model_name, PROMPT)
    tokens = tuple(c.token for c in dist.candidates)
    run = sampling.samples(client, embedded.model_name, PROMPT, "chat", 3, 0.0, 1.0, None, 3)
    assert run.firsts_among(tokens) == (tokens[0],) * 3
    assert all(a.startswith(tokens[0]) for a in run.answers)


@pytest.mark.model
def test_samples_reach_the_tail_the_probabilities_give_it(client: LLMClient,
                                                          embedded: EmbeddedServer) -> None:
    """llama.cpp's default min_p never draws a token outside the top 20; the lab turns it off."""
    dist = sampling.next_token(client, embedded.model_name, PROMPT)
    assert rest_mass(dist.candidates) > 0.05  # so 40 draws land there with odds of 99 %+
    run = sampling.samples(client, embedded.model_name, PROMPT, "chat", 40, 1.0, 1.0, 3, 1)
    assert OTHER in run.firsts_among(tuple(c.token for c in dist.candidates))


@pytest.mark.model
def test_the_sentiment_form_asks_with_the_sentiment_tabs_prompt(client: LLMClient,
                                                                embedded: EmbeddedServer) -> None:
    dist = sampling.next_token(client, embedded.model_name, "Odio los lunes 😠", "sentiment")
    sent = dist.request["messages"]
    assert sent == build_messages(parse_prompt(DEFAULT_PROMPT), "Odio los lunes 😠")
    assert label_of(dist.candidates[0].token) == "negative"


def test_samples_refuse_too_many() -> None:
    client = LLMClient(Backend("compatible", "http://127.0.0.1:9/v1", "sk-x"), SDKPool(1, 0),
                       Catalog.load())
    with pytest.raises(InvalidInput, match="40"):
        sampling.samples(client, "m", PROMPT, "chat", 41, 1.0, 1.0, None, 3)


def test_probabilities_are_exp_of_logprobs() -> None:
    assert Candidate("a", math.log(0.25)).prob == pytest.approx(0.25)
