"""The fake OpenAI server is as strict as OpenAI, and the app meets what only OpenAI does.

What OpenAI refuses, the fake refuses with OpenAI's own body (tests/fakes/openai_errors.json):
a parameter an endpoint does not take, a chat model on /embeddings. And the awkward answers a
user meets on the real API: a 429 with no `retry-after`, a file still being processed, an error
event in the middle of a stream. Gates and a test clock replace sleeps."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import openai
import pytest

from chatbot.client import Backend, ChatParams, LLMClient, SDKPool
from chatbot.errors import ChatbotError, StreamCut
from chatbot.lab import sampling
from chatbot.lab.openai_errors import known_error as lab_error
from chatbot.models.catalog import Catalog
from chatbot.money import billing
from chatbot.money.spending import Meter
from chatbot.sentiment.prompt import DEFAULT_PROMPT
from chatbot.sentiment.service import build_plan
from chatbot.sentiment.views import load_pool
from chatbot.store import Store
from tests.conftest import FAKE_KEY, FakeFactory
from tests.fakes.clock import ManualClock
from tests.fakes.errors import frozen, known_error
from tests.fakes.openai_server import FakeOpenAI

HI = [{"role": "user", "content": "hola que tal estás hoy"}]
MODEL = "gpt-4o-mini"


def sdk(fake: FakeOpenAI, retries: int = 0) -> openai.OpenAI:
    return openai.OpenAI(base_url=fake.base_url, api_key="sk-test", max_retries=retries)


def on_openai(fake: FakeOpenAI, sleeps: list[float] | None = None) -> LLMClient:
    """The app's client as it talks to OpenAI (kind "openai"), pointed at the fake, metered as
    the app meters every session (a store, here with no cap)."""
    record = sleeps.append if sleeps is not None else (lambda _s: None)
    meter = Meter(Store(Path(os.environ["CHATBOT_DB"])), ())  # the test's own store (conftest)
    return LLMClient(Backend("openai", fake.base_url, FAKE_KEY), SDKPool(10, 0), Catalog.load(),
                     billing.Ledger(), sleep=record, meter=meter)


# -- parameters OpenAI does not take ------------------------------------------------------------
@pytest.mark.parametrize(("path", "call"), [
    ("/v1/chat/completions", lambda c, extra: c.chat.completions.create(
        model="gpt-4o-mini", messages=HI, extra_body=extra)),
    ("/v1/completions", lambda c, extra: c.completions.create(
        model="gpt-3.5-turbo-instruct", prompt="hola", extra_body=extra)),
    ("/v1/embeddings", lambda c, extra: c.embeddings.create(
        model="text-embedding-3-small", input="hola", extra_body=extra)),
])
def test_a_parameter_the_endpoint_does_not_take_gets_openais_400(fake: FakeOpenAI, path: str,
                                                                 call: object) -> None:
    with pytest.raises(openai.BadRequestError) as err:
        call(sdk(fake), {"top_k": 0})  # type: ignore[operator]
    assert err.value.body == {"message": "Unrecognized request argument supplied: top_k",
                              "type": "invalid_request_error", "param": None, "code": None}
    with pytest.raises(openai.BadRequestError, match="arguments supplied: top_k, min_p"):
        call(sdk(fake), {"top_k": 0, "min_p": 0.0})  # type: ignore[operator]
    assert fake.billed == []  # refused, so nothing to pay
    assert [r.path for r in fake.requests] == [path, path]


def test_a_compatible_server_takes_llama_cpp_knobs(make_fake: FakeFactory) -> None:
    fake = make_fake(compatible=True)
    answer = sdk(fake).chat.completions.create(model="whatever", messages=HI,
                                               extra_body={"top_k": 0, "min_p": 0.0})
    assert answer.choices[0].message.content == "echo: hola que tal estás hoy"


@pytest.mark.parametrize("mode", sampling.MODES)
def test_the_lab_on_openai_sends_only_what_openai_takes(fake: FakeOpenAI, mode: str) -> None:
    """The Lab turns llama.cpp's top_k/min_p off on the embedded model only: sent to OpenAI they
    would be a 400 for every next-token distribution and every sample, in each of its forms."""
    client = on_openai(fake)
    model = "gpt-3.5-turbo-instruct" if mode == "completion" else MODEL
    dist = sampling.next_token(client, model, "hola", mode)
    run = sampling.samples(client, model, "hola", mode, 3, 1.0, 1.0, 7, 3)
    assert dist.candidates and len(run.answers) == 3
    bodies = [r.json for r in fake.requests if r.path.endswith("completions")]
    assert len(bodies) >= 2 and all("top_k" not in b and "min_p" not in b for b in bodies)


# -- embeddings -----------------------------------------------------------------------------------
def test_a_chat_model_on_embeddings_is_refused_as_openai_does(fake: FakeOpenAI) -> None:
    with pytest.raises(openai.PermissionDeniedError) as err:
        sdk(fake).embeddings.create(model="gpt-4o-mini", input=["hola"])
    assert err.value.status_code == 403
    assert err.value.body == frozen("embeddings_not_allowed")["body"]["error"]
    with pytest.raises(openai.NotFoundError, match="text-embedding-9"):
        sdk(fake).embeddings.create(model="text-embedding-9", input=["hola"])
    assert fake.billed == []


@pytest.mark.parametrize("model", ["text-embedding-3-small", "text-embedding-3-large",
                                   "text-embedding-ada-002"])
def test_embedding_models_answer_and_are_billed(fake: FakeOpenAI, model: str) -> None:
    out = sdk(fake).embeddings.create(model=model, input=["hola mundo", "adiós"])
    assert out.model == model and len(out.data) == 2
    assert out.usage.prompt_tokens == 3
    assert fake.billed == [(model, 3, 0)]


def test_the_apps_embeddings_call_is_what_the_fake_bills(fake: FakeOpenAI) -> None:
    out = on_openai(fake).embed(["odio los lunes", "me encantan los viernes"],
                                "text-embedding-3-small")
    assert fake.billed == [("text-embedding-3-small", out.usage.prompt_tokens, 0)]


# -- a 429 with no retry-after ----------------------------------------------------------------
def test_a_429_without_retry_after_is_retried_with_the_clients_own_backoff(
        fake: FakeOpenAI) -> None:
    fake.fail_next(429, "rate_limit_no_retry_after")
    sleeps: list[float] = []
    result = on_openai(fake, sleeps).chat(HI, ChatParams("gpt-4o-mini", max_tokens=20))
    assert result.choices[0].text == "echo: hola que tal estás hoy"
    assert len(fake.requests_to("/v1/chat/completions")) == 2
    assert len(sleeps) == 1 and 0.5 <= sleeps[0] <= 0.625  # backoff(1): 0.5 s plus jitter
    raw = openai.OpenAI(base_url=fake.base_url, api_key="sk-test", max_retries=0)
    fake.fail_next(429, "rate_limit_no_retry_after")
    with pytest.raises(openai.RateLimitError) as err:
        raw.chat.completions.create(model="gpt-4o-mini", messages=HI)
    assert "retry-after" not in err.value.response.headers
    assert err.value.response.headers["x-ratelimit-reset-tokens"] == "1.024s"


# -- a file still being processed -----------------------------------------------------------------
def training_file(path: Path) -> Path:
    rows = [{"messages": [{"role": "user", "content": f"hola {i}"},
                          {"role": "assistant", "content": f"adiós {i}"}]} for i in range(12)]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return path


def test_a_job_on_a_file_still_processing_is_refused_until_it_is_processed(
        make_fake: FakeFactory, tmp_path: Path) -> None:
    clock = ManualClock()
    fake = make_fake(clock=clock, file_ready_seconds=30)
    client = on_openai(fake)
    uploaded = client.upload_file(training_file(tmp_path / "train.jsonl"))
    assert sdk(fake).files.retrieve(uploaded.id).status == "uploaded"
    with pytest.raises(ChatbotError, match=f"File {uploaded.id} is not ready") as err:
        client.create_job(uploaded.id, "gpt-4o-mini")
    assert "Traceback" not in str(err.value)
    clock.advance(30)
    assert sdk(fake).files.retrieve(uploaded.id).status == "processed"
    assert client.create_job(uploaded.id, "gpt-4o-mini").status == "validating_files"


def test_jobs_move_only_when_the_test_clock_does(make_fake: FakeFactory, tmp_path: Path) -> None:
    clock = ManualClock()
    fake = make_fake(clock=clock, ft_step_seconds=10)
    client = on_openai(fake)
    uploaded = client.upload_file(training_file(tmp_path / "train.jsonl"))
    job = client.create_job(uploaded.id, "gpt-4o-mini")
    assert client.get_job(job.id).status == "validating_files"
    clock.advance(10)
    assert client.get_job(job.id).status == "queued"
    clock.advance(10)
    assert client.get_job(job.id).status == "running"
    later = client.create_job(uploaded.id, "gpt-4o-mini")  # one clock second after: no tie
    clock.advance(1)
    newest = client.create_job(uploaded.id, "gpt-4o-mini")
    assert [j.id for j in client.list_jobs()] == [newest.id, later.id, job.id]


# -- an error event mid-stream ------------------------------------------------------------------
def test_an_error_event_mid_stream_keeps_what_arrived_and_bills_it(fake: FakeOpenAI) -> None:
    fake.error_in_stream_next(after_chunks=3)  # role chunk, "echo:", " hola"
    client = on_openai(fake)
    with pytest.raises(StreamCut) as cut:
        list(client.stream_chat(HI, ChatParams("gpt-4o-mini", max_tokens=50)))
    assert cut.value.partial == fake.streamed[-1] == "echo: hola"
    est = billing.estimate(client.catalog, "gpt-4o-mini", HI, 50)
    arrived = billing.count_completion(client.catalog, "gpt-4o-mini", "echo: hola")
    assert client.ledger is not None
    assert client.ledger.spent_usd == pytest.approx(
        billing.cost(client.catalog, "gpt-4o-mini", est.input_tokens, arrived))


# -- a gate instead of a latency ----------------------------------------------------------------
def test_a_gate_holds_answers_until_enough_requests_are_in_flight(fake: FakeOpenAI) -> None:
    gate = fake.hold(3)
    answers: list[str] = []

    def ask() -> None:
        reply = sdk(fake).chat.completions.create(model="gpt-4o-mini", messages=HI)
        answers.append(str(reply.choices[0].message.content))

    threads = [threading.Thread(target=ask) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    assert gate.opened and fake.peak_in_flight == 3
    assert answers == ["echo: hola que tal estás hoy"] * 3


def test_a_gate_the_test_opens(fake: FakeOpenAI) -> None:
    gate = fake.hold(99)
    done = threading.Event()
    thread = threading.Thread(target=lambda: (sdk(fake).models.list(), done.set()))
    thread.start()
    assert gate.wait_waiting(1)
    assert not done.is_set()  # held
    gate.open()
    thread.join(timeout=30)
    assert done.is_set()


# -- the Lab's simulated errors are OpenAI's, checked against the frozen copies -----------------
@pytest.mark.parametrize("code", ["invalid_api_key", "model_not_found", "context_length_exceeded",
                                  "rate_limit_exceeded", "insufficient_quota", "server_error",
                                  "engine_overloaded"])
def test_the_labs_simulated_errors_are_openais_documented_ones(code: str) -> None:
    """The Lab's error simulator keeps its own table (chatbot/lab/openai_errors.py); the fake no
    longer borrows it, so here it is held to OpenAI's documented bodies and headers."""
    context = {"model": "gpt-4o-mini", "masked_key": "sk-test-****zq9X", "context": 128000,
               "tokens": 130000}
    simulated = lab_error(code, context)
    documented = known_error(code, context)
    assert (simulated.status, simulated.body) == (documented.status, documented.body)
    assert simulated.headers == documented.headers


def test_sentiment_embeddings_on_openai_ask_openais_embedding_model(
        fake: FakeOpenAI, tmp_path: Path) -> None:
    """On OpenAI the embeddings way embeds with text-embedding-3-small: a chat model would be
    OpenAI's 403 for every tweet. (The app's "OpenAI" always means api.openai.com, so the
    client is built here as the app builds it, on the fake's URL.)"""
    pool_file = tmp_path / "pool.csv"
    pool_file.write_text("text,label,lang\nI love this phone,positive,en\n"
                         "Odio la lluvia,negative,es\nThe train leaves at nine,neutral,en\n")
    pool, _ = load_pool(str(pool_file))
    setup, _ = build_plan(on_openai(fake), MODEL, {}, DEFAULT_PROMPT, True, "embeddings", pool)
    verdict = setup.run("I love my new phone")
    assert verdict.label in ("positive", "neutral", "negative")
    models = {r.json["model"] for r in fake.requests_to("/v1/embeddings")}
    assert models == {"text-embedding-3-small"}
    assert [m for m, _, _ in fake.billed] == ["text-embedding-3-small"] * 2  # pool, then tweet
