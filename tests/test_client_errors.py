"""chatbot/client.py against the fake OpenAI server: every failure OpenAI can hand back becomes the
right project error, with a bilingual message a person can act on, retried only where a retry can
help, and never showing the key.

Attempts are counted from what the fake received; the client's `sleep` hook records the waits it
chose so backoff and retry-after are checked without any test sleeping or timing anything.
"""

from __future__ import annotations

import socket

import pytest

from chatbot.client import Backend, ChatParams, LLMClient, SDKPool
from chatbot.errors import (
    AuthError,
    BackendTimeout,
    BackendUnreachable,
    ChatbotError,
    ContextTooLong,
    InvalidInput,
    ModelNotFound,
    QuotaExceeded,
    RateLimited,
    ServerError,
    StreamCut,
)
from chatbot.models.catalog import Catalog
from chatbot.money import billing
from chatbot.settings import Settings
from tests.conftest import FAKE_KEY
from tests.fakes.openai_server import FakeOpenAI

KEY = FAKE_KEY
SECRET = "SECRET"  # the part of KEY that OpenAI's own masking hides; it must never show
CHAT = "/v1/chat/completions"
HELLO = [{"role": "user", "content": "hola qué tal estás hoy"}]
MODEL = "gpt-4o-mini"


@pytest.fixture
def waits() -> list[float]:
    return []


def make_client(fake_or_url: FakeOpenAI | str, catalog: Catalog, waits: list[float], *,
                kind: str = "compatible", timeout: float = 10.0, max_retries: int = 2,
                ) -> LLMClient:
    url = fake_or_url if isinstance(fake_or_url, str) else fake_or_url.base_url
    return LLMClient(Backend(kind, url, KEY), SDKPool(timeout, max_retries), catalog,
                     billing.Ledger(), max_retries=max_retries, sleep=waits.append)


@pytest.fixture
def client(fake: FakeOpenAI, catalog: Catalog, waits: list[float]) -> LLMClient:
    return make_client(fake, catalog, waits)


def attempts(fake: FakeOpenAI) -> int:
    """Requests that reached the fake; the SDK's own retry counter must stay at 0 on each."""
    records = fake.requests_to(CHAT)
    assert {r.headers.get("x-stainless-retry-count") for r in records} <= {"0"}
    return len(records)


def assert_actionable(err: ChatbotError) -> None:
    """Said in each language on its own, with a way out, and no trace of the key."""
    text = f"{err} {err.title!s} {err!r}"
    es, en = err.said("es"), err.said("en")
    assert es != en and " / " not in es + en, (es, en)
    assert err.hint and err.keys and err.keys[1], err.hint
    assert KEY not in text and SECRET not in text
    assert "Traceback" not in text


def chat(client: LLMClient, **params: object) -> object:
    return client.chat(HELLO, ChatParams(model=str(params.pop("model", MODEL)), **params))


def stream(client: LLMClient, model: str = MODEL) -> list:
    return list(client.stream_chat(HELLO, ChatParams(model=model)))


# -- errors that a retry cannot mend: one attempt, a specific class ----------------------------
def test_bad_key(client: LLMClient, fake: FakeOpenAI) -> None:
    fake.fail_next(401, "invalid_api_key")
    with pytest.raises(AuthError) as info:
        chat(client)
    assert_actionable(info.value)
    assert "OPENAI_API_KEY" in str(info.value)
    assert attempts(fake) == 1


def test_wrong_key_on_a_server_that_checks_it(fake: FakeOpenAI, catalog: Catalog,
                                              waits: list[float]) -> None:
    fake.api_key = "sk-the-right-one-0001"
    with pytest.raises(AuthError) as info:
        chat(make_client(fake, catalog, waits))
    assert_actionable(info.value)
    assert fake.requests[-1].key_last4 == KEY[-4:]  # the key was sent, only as a header


def test_unknown_model_is_named(client: LLMClient, fake: FakeOpenAI) -> None:
    with pytest.raises(ModelNotFound) as info:
        chat(client, model="gpt-9")
    assert "gpt-9" in info.value.message
    assert_actionable(info.value)
    assert attempts(fake) == 1


def test_retired_model_names_its_replacement(client: LLMClient, fake: FakeOpenAI) -> None:
    """An OpenAI-compatible server answers 404; the catalog turns it into what to use instead."""
    with pytest.raises(ModelNotFound) as info:
        chat(client, model="gpt-3.5-turbo")
    assert "gpt-4o-mini" in str(info.value)  # the catalog's replacement
    assert info.value.said("en").startswith("gpt-3.5-turbo was retired")
    assert " / " not in info.value.said("es") and SECRET not in str(info.value)
    assert attempts(fake) == 1


def test_retired_model_is_refused_before_sending_to_openai(
        fake: FakeOpenAI, catalog: Catalog, waits: list[float]) -> None:
    openai_client = make_client(fake, catalog, waits, kind="openai")
    with pytest.raises(ModelNotFound) as info:
        chat(openai_client, model="gpt-3.5-turbo")
    assert "gpt-4o-mini" in str(info.value)
    with pytest.raises(ModelNotFound) as info:
        openai_client.complete("Di hola", ChatParams(model="text-davinci-003"))
    assert "gpt-3.5-turbo-instruct" in str(info.value)
    assert fake.requests == []


def test_scripted_model_not_found(client: LLMClient, fake: FakeOpenAI) -> None:
    fake.fail_next(404, "model_not_found")
    with pytest.raises(ModelNotFound):
        chat(client)
    assert attempts(fake) == 1


def test_context_too_long_scripted_and_real(client: LLMClient, fake: FakeOpenAI) -> None:
    fake.fail_next(400, "context_length_exceeded")
    with pytest.raises(ContextTooLong) as info:
        chat(client)
    assert_actionable(info.value)
    huge = [{"role": "user", "content": "palabra " * 130_000}]  # over gpt-4o-mini's 128k
    with pytest.raises(ContextTooLong):
        client.chat(huge, ChatParams(model=MODEL, max_tokens=10))
    assert attempts(fake) == 2


def test_insufficient_quota_is_not_retried(client: LLMClient, fake: FakeOpenAI,
                                           waits: list[float]) -> None:
    fake.fail_next(429, "insufficient_quota", times=5)
    with pytest.raises(QuotaExceeded) as info:
        chat(client)
    assert_actionable(info.value)
    assert attempts(fake) == 1
    assert waits == []


def test_other_rejections_keep_the_server_detail_without_the_key(
        client: LLMClient, fake: FakeOpenAI) -> None:
    """A server that echoes the key back in full must not get it onto the screen."""
    fake.fail_next(400, {"error": {"message": f"Bad header value {KEY} for tool_choice",
                                   "type": "invalid_request_error", "param": "tool_choice",
                                   "code": "invalid_value"}})
    with pytest.raises(InvalidInput) as info:
        chat(client)
    assert "tool_choice" in str(info.value)
    assert SECRET not in str(info.value) and KEY not in str(info.value)
    assert attempts(fake) == 1


# -- errors a retry can mend: bounded, backed off, honouring retry-after -------------------------
def test_rate_limit_waits_retry_after_then_succeeds(client: LLMClient, fake: FakeOpenAI,
                                                    waits: list[float]) -> None:
    fake.fail_next(429, "rate_limit_exceeded", headers={"retry-after": "3"})
    result = chat(client)
    assert result.text == "echo: hola qué tal estás hoy"
    assert waits == [3.0]
    assert attempts(fake) == 2
    assert result.requests == 2


def test_rate_limit_honours_retry_after_ms(client: LLMClient, fake: FakeOpenAI,
                                           waits: list[float]) -> None:
    fake.fail_next(429, "rate_limit_exceeded", headers={"retry-after-ms": "250"})
    assert chat(client).text
    assert waits == [0.25]


def test_rate_limit_gives_up_after_bounded_retries(client: LLMClient, fake: FakeOpenAI,
                                                   waits: list[float]) -> None:
    fake.fail_next(429, "rate_limit_exceeded", times=10)
    with pytest.raises(RateLimited) as info:
        chat(client)
    assert_actionable(info.value)
    assert attempts(fake) == 3  # 1 + max_retries, with no SDK retries underneath
    assert waits == [1.0, 1.0]  # the fake's retry-after: 1


def test_rate_limit_with_a_long_retry_after_gives_up_at_once(
        client: LLMClient, fake: FakeOpenAI, waits: list[float]) -> None:
    fake.fail_next(429, "rate_limit_exceeded", headers={"retry-after": "600"})
    with pytest.raises(RateLimited):
        chat(client)
    assert attempts(fake) == 1 and waits == []


def test_server_error_retried_then_succeeds(client: LLMClient, fake: FakeOpenAI,
                                            waits: list[float]) -> None:
    fake.fail_next(500)
    assert chat(client).text
    assert attempts(fake) == 2 and len(waits) == 1


@pytest.mark.parametrize("status", [500, 503])
def test_server_error_bounded_with_exponential_backoff(client: LLMClient, fake: FakeOpenAI,
                                                       waits: list[float], status: int) -> None:
    fake.fail_next(status, times=10)
    with pytest.raises(ServerError) as info:
        chat(client)
    assert_actionable(info.value)
    assert str(status) in str(info.value)
    assert attempts(fake) == 3
    assert len(waits) == 2
    assert 0.5 <= waits[0] <= 0.625 and 1.0 <= waits[1] <= 1.25


def test_no_retries_when_configured_off(fake: FakeOpenAI, catalog: Catalog,
                                        waits: list[float]) -> None:
    fake.fail_next(503, times=5)
    with pytest.raises(ServerError):
        chat(make_client(fake, catalog, waits, max_retries=0))
    assert attempts(fake) == 1 and waits == []


def test_dropped_connection_is_retried(client: LLMClient, fake: FakeOpenAI,
                                       waits: list[float]) -> None:
    fake.hang_next(0.05)  # read the request, then close without answering
    assert chat(client).text
    assert attempts(fake) == 2 and len(waits) == 1


# -- hangs, dead servers and cut streams -----------------------------------------------------------
def test_a_hanging_backend_is_given_up_within_the_configured_timeout(
        fake: FakeOpenAI, catalog: Catalog, waits: list[float]) -> None:
    """The fake stays silent for 60 s; only the client's 0.5 s timeout can make this a timeout
    (past 60 s it would be a dropped connection instead)."""
    fake.hang_next(60)
    with pytest.raises(BackendTimeout) as info:
        chat(make_client(fake, catalog, waits, timeout=0.5))
    assert_actionable(info.value)
    assert "0.5" in info.value.message
    assert attempts(fake) == 1 and waits == []  # a timeout is not retried: the bound holds


def test_a_stream_that_stalls_is_given_up_within_the_timeout(
        fake: FakeOpenAI, catalog: Catalog, waits: list[float]) -> None:
    fake.latency = 60  # headers at once, then no chunk for a minute
    with pytest.raises((StreamCut, BackendTimeout)) as info:
        stream(make_client(fake, catalog, waits, timeout=0.5))
    assert "timed out" in str(info.value) or isinstance(info.value, BackendTimeout)
    assert "CHATBOT_TIMEOUT" in info.value.hint
    assert SECRET not in str(info.value)
    assert attempts(fake) == 1


def test_default_timeout_is_a_minute_not_the_sdks_ten(catalog: Catalog) -> None:
    settings = Settings.from_env({})
    pool = SDKPool(settings.timeout, settings.max_retries)
    sdk = pool.get(Backend("compatible", "http://127.0.0.1:9/v1", KEY))
    assert settings.timeout == 60.0
    assert sdk.timeout == 60.0 and sdk.max_retries == 0


def test_connection_refused(catalog: Catalog, waits: list[float]) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/v1"
    with pytest.raises(BackendUnreachable) as info:
        chat(make_client(url, catalog, waits))
    assert_actionable(info.value)
    assert url in info.value.message
    assert len(waits) == 2  # retried, boundedly


def test_stream_cut_keeps_the_partial_text(client: LLMClient, fake: FakeOpenAI) -> None:
    fake.cut_stream_next(4)  # role chunk + "echo:", " hola", " qué"
    events = []
    with pytest.raises(StreamCut) as info:
        for event in client.stream_chat(HELLO, ChatParams(model=MODEL)):
            events.append(event)
    assert info.value.partial == "echo: hola qué"
    assert events[-1].text == "echo: hola qué"
    assert_actionable(info.value)
    assert attempts(fake) == 1


def test_stream_errors_before_the_first_chunk_are_translated(client: LLMClient,
                                                             fake: FakeOpenAI) -> None:
    fake.fail_next(401, "invalid_api_key")
    with pytest.raises(AuthError):
        stream(client)
    fake.fail_next(429, "insufficient_quota")
    with pytest.raises(QuotaExceeded):
        stream(client)


# -- what the client sends -------------------------------------------------------------------------
def test_n_is_fanned_out_when_the_backend_returns_fewer(client: LLMClient,
                                                        fake: FakeOpenAI) -> None:
    fake.n_cap = 1  # like llama.cpp
    result = chat(client, n=3, seed=5, max_tokens=3)
    assert [c.index for c in result.choices] == [0, 1, 2]
    assert all(c.text == "echo: hola qué" and c.finish_reason == "length"
               for c in result.choices)
    sent = [r.json for r in fake.requests_to(CHAT)]
    assert len(sent) == 3 and result.requests == 3
    assert sent[0]["n"] == 3
    assert sorted((s.get("n", 1), s["seed"]) for s in sent[1:]) == [(1, 6), (1, 7)]
    assert result.usage.completion_tokens == 9


def test_the_system_fingerprint_is_carried_when_the_backend_gives_it(client: LLMClient) -> None:
    assert chat(client).system_fingerprint == "fp_fake0001"
    assert client.complete("hola", ChatParams(model="davinci-002")).system_fingerprint == (
        "fp_fake0001")


def test_n_is_asked_once_when_the_backend_honours_it(client: LLMClient,
                                                     fake: FakeOpenAI) -> None:
    result = chat(client, n=3)
    assert len(result.choices) == 3
    assert attempts(fake) == 1


def test_streaming_asks_for_usage_and_bills_from_it(client: LLMClient, fake: FakeOpenAI) -> None:
    events = stream(client)
    result = events[-1].result
    assert result.text == "echo: hola qué tal estás hoy"
    sent = fake.requests_to(CHAT)[-1].json
    assert sent["stream"] is True
    assert sent["stream_options"] == {"include_usage": True}
    assert (result.usage.prompt_tokens, result.usage.completion_tokens) == (5, 6)  # fake's counts
    chat(client)
    assert "stream_options" not in fake.requests_to(CHAT)[-1].json  # OpenAI rejects it unstreamed


def test_parameters_reach_the_server(client: LLMClient, fake: FakeOpenAI) -> None:
    chat(client, temperature=0.3, top_p=0.8, max_tokens=7, seed=11, stop=("\n\n", "FIN"),
         frequency_penalty=0.5, presence_penalty=-0.5, logprobs=True, top_logprobs=3)
    sent = fake.requests_to(CHAT)[-1].json
    assert sent["model"] == MODEL and sent["messages"] == HELLO
    assert {k: sent[k] for k in ("temperature", "top_p", "max_tokens", "seed", "stop",
                                 "frequency_penalty", "presence_penalty", "logprobs",
                                 "top_logprobs")} == {
        "temperature": 0.3, "top_p": 0.8, "max_tokens": 7, "seed": 11, "stop": ["\n\n", "FIN"],
        "frequency_penalty": 0.5, "presence_penalty": -0.5, "logprobs": True, "top_logprobs": 3}


def test_legacy_completion_sends_logprobs_in_its_own_format(client: LLMClient,
                                                            fake: FakeOpenAI) -> None:
    result = client.complete("Di hola", ChatParams(model="gpt-3.5-turbo-instruct", logprobs=True,
                                                   top_logprobs=3, max_tokens=5))
    assert result.text == "echo: Di hola"
    assert fake.requests[-1].json["logprobs"] == 3  # an int on /v1/completions, not a bool
    tokens = result.choices[0].logprobs
    assert "".join(t.token for t in tokens) == result.text
    assert all(len(t.top) == 3 and t.top[0].token == t.token for t in tokens)


def test_legacy_completion_fans_out_n_too(client: LLMClient, fake: FakeOpenAI) -> None:
    """llama.cpp ignores `n` on /v1/completions as well; the Playground's n outputs must not
    shrink to one when the legacy endpoint is used."""
    fake.n_cap = 1
    result = client.complete("Di hola", ChatParams(model="gpt-3.5-turbo-instruct", n=3))
    assert len(result.choices) == 3
    assert len(fake.requests_to("/v1/completions")) == 3
