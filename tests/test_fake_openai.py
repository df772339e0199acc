"""The fake OpenAI server, driven through the real `openai` SDK.

Every response is also validated strictly against the SDK's pydantic types (the SDK itself builds
them without validation), so a wire-format slip in the fake fails here and not in someone's test.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import openai
import pytest
from openai.types import Completion, FileObject, Model
from openai.types.chat import ChatCompletion, ChatCompletionChunk
from openai.types.fine_tuning import FineTuningJob, FineTuningJobEvent
from openai.types.fine_tuning.jobs import FineTuningJobCheckpoint

from tests.conftest import FAKE_KEY
from tests.fakes.clock import ManualClock
from tests.fakes.openai_server import FakeOpenAI, poll_statuses, split_tokens

KEY = FAKE_KEY
USER = [{"role": "user", "content": "hola qué tal estás hoy"}]
TERMINAL = ("succeeded", "failed", "cancelled")


@pytest.fixture
def client(fake: FakeOpenAI) -> openai.OpenAI:
    return openai.OpenAI(base_url=fake.base_url, api_key=KEY, max_retries=0, timeout=10)


def strict(obj: openai.BaseModel) -> openai.BaseModel:
    """Re-validate an SDK object: construct() accepts anything, model_validate() does not."""
    return type(obj).model_validate(obj.model_dump(mode="json", warnings=False))


def chat(client: openai.OpenAI, **kwargs: object) -> ChatCompletion:
    kwargs.setdefault("model", "gpt-4o-mini")
    kwargs.setdefault("messages", USER)
    return strict(client.chat.completions.create(**kwargs))


def jsonl(rows: list[dict]) -> bytes:
    return "\n".join(json.dumps(row, ensure_ascii=False) for row in rows).encode()


def chat_examples(count: int) -> list[dict]:
    return [{"messages": [{"role": "system", "content": "Eres un tutor."},
                          {"role": "user", "content": f"pregunta {i}"},
                          {"role": "assistant", "content": f"respuesta número {i}"}]}
            for i in range(count)]


def wait_job(client: openai.OpenAI, job_id: str, until: tuple[str, ...] = TERMINAL,
             ) -> tuple[FineTuningJob, list[str]]:
    """Poll like a UI would; returns the job and the distinct statuses seen, in order."""
    return poll_statuses(lambda: strict(client.fine_tuning.jobs.retrieve(job_id)), until)


# -- models and chat ---------------------------------------------------------------------------
def test_models_list_and_retrieve(client: openai.OpenAI) -> None:
    ids = [strict(m).id for m in client.models.list()]
    assert {"gpt-4o-mini", "gpt-6-luna", "davinci-002"} <= set(ids)
    assert "gpt-3.5-turbo" not in ids  # retired in the course's world (chatbot/data/models.json)
    assert strict(client.models.retrieve("gpt-4o-mini")).owned_by == "system"
    with pytest.raises(openai.NotFoundError):
        client.models.retrieve("gpt-nope")


def test_chat_answer_usage_and_what_was_sent(client: openai.OpenAI, fake: FakeOpenAI) -> None:
    result = chat(client, temperature=0.2, seed=7, top_p=0.9, presence_penalty=0.5)
    choice = result.choices[0]
    assert choice.message.content == "echo: hola qué tal estás hoy"
    assert choice.finish_reason == "stop"
    assert result.usage.prompt_tokens == 5
    assert result.usage.completion_tokens == 6
    assert result.usage.total_tokens == 11
    assert result.usage.prompt_tokens_details.cached_tokens == 0
    assert result.model == "gpt-4o-mini-2024-07-18"  # aliases come back as snapshots
    sent = fake.requests_to("/v1/chat/completions")[-1].json
    assert sent["model"] == "gpt-4o-mini"
    assert sent["messages"] == USER
    assert (sent["temperature"], sent["seed"], sent["top_p"]) == (0.2, 7, 0.9)


def test_chat_content_blocks_are_read(client: openai.OpenAI) -> None:
    blocks = [{"role": "user", "content": [{"type": "text", "text": "bloques de texto"}]}]
    assert chat(client, messages=blocks).choices[0].message.content == "echo: bloques de texto"


def test_chat_n_max_tokens_stop_and_logprobs(client: openai.OpenAI) -> None:
    result = chat(client, n=3, max_tokens=3, logprobs=True, top_logprobs=4)
    assert [c.index for c in result.choices] == [0, 1, 2]
    for choice in result.choices:
        assert choice.message.content == "echo: hola qué"
        assert choice.finish_reason == "length"
        tokens = choice.logprobs.content
        assert "".join(t.token for t in tokens) == choice.message.content
        for token in tokens:
            assert len(token.top_logprobs) == 4
            assert token.top_logprobs[0].token == token.token
            assert token.logprob <= 0
            assert [a.logprob for a in token.top_logprobs] == sorted(
                (a.logprob for a in token.top_logprobs), reverse=True)
    assert result.usage.completion_tokens == 9  # summed over the n choices

    stopped = chat(client, stop=[" tal", "xyz"])
    assert stopped.choices[0].message.content == "echo: hola qué"
    assert stopped.choices[0].finish_reason == "stop"
    assert stopped.choices[0].logprobs is None


def test_n_cap_behaves_like_llama_cpp(client: openai.OpenAI, fake: FakeOpenAI) -> None:
    fake.n_cap = 1
    assert len(chat(client, n=4).choices) == 1
    assert fake.requests[-1].json["n"] == 4


def test_reply_can_be_scripted(client: openai.OpenAI, fake: FakeOpenAI) -> None:
    fake.reply = "positive"
    assert chat(client).choices[0].message.content == "positive"
    fake.reply = lambda body: body["messages"][0]["content"].upper()
    assert chat(client).choices[0].message.content == "HOLA QUÉ TAL ESTÁS HOY"


def test_long_repeated_prefix_is_reported_as_cached(client: openai.OpenAI) -> None:
    system = {"role": "system", "content": "palabra " * 1500}
    first = chat(client, messages=[system, *USER])
    again = chat(client, messages=[system, {"role": "user", "content": "otra pregunta"}])
    assert first.usage.prompt_tokens_details.cached_tokens == 0
    assert again.usage.prompt_tokens_details.cached_tokens == 1408  # 1500 rounded down to 128s


def test_stream_with_usage_and_logprobs(client: openai.OpenAI, fake: FakeOpenAI) -> None:
    stream = client.chat.completions.create(
        model="gpt-4o-mini", messages=USER, stream=True, n=2, logprobs=True, top_logprobs=2,
        stream_options={"include_usage": True})
    chunks = [strict(chunk) for chunk in stream]
    assert all(isinstance(c, ChatCompletionChunk) for c in chunks)
    texts = {0: "", 1: ""}
    finish = {}
    for chunk in chunks[:-1]:
        assert chunk.usage is None
        (choice,) = chunk.choices
        texts[choice.index] += choice.delta.content or ""
        if choice.finish_reason:
            finish[choice.index] = choice.finish_reason
        if choice.delta.content:
            assert choice.logprobs.content[0].token == choice.delta.content
    assert texts == {0: "echo: hola qué tal estás hoy", 1: "echo: hola qué tal estás hoy"}
    assert finish == {0: "stop", 1: "stop"}
    assert chunks[-1].choices == []
    assert chunks[-1].usage.completion_tokens == 12
    assert fake.requests[-1].json["stream_options"] == {"include_usage": True}


def test_stream_without_usage_and_with_max_tokens(client: openai.OpenAI) -> None:
    chunks = list(client.chat.completions.create(
        model="gpt-4o-mini", messages=USER, stream=True, max_tokens=2))
    assert all(c.usage is None and c.choices for c in chunks)
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == "echo: hola"
    assert chunks[-1].choices[0].finish_reason == "length"


def test_legacy_completions_with_logprobs(client: openai.OpenAI) -> None:
    result = strict(client.completions.create(
        model="gpt-3.5-turbo-instruct", prompt="Di hola", logprobs=3, max_tokens=5))
    assert isinstance(result, Completion)
    (choice,) = result.choices
    assert choice.text == "echo: Di hola"
    logprobs = choice.logprobs
    assert "".join(logprobs.tokens) == choice.text
    assert logprobs.text_offset == [0, 5, 8]
    assert all(len(top) == 3 for top in logprobs.top_logprobs)
    # Not strict(): OpenAI sends finish_reason null mid-stream, which the SDK's type does not allow.
    streamed = client.completions.create(model="davinci-002", prompt="uno dos", stream=True)
    assert "".join(c.choices[0].text for c in streamed) == "echo: uno dos"
    with pytest.raises(openai.NotFoundError, match="chat model"):
        client.completions.create(model="gpt-4o-mini", prompt="x")
    with pytest.raises(openai.NotFoundError, match="not a chat model"):
        chat(client, model="gpt-3.5-turbo-instruct")


@pytest.mark.parametrize(("kwargs", "code", "param"), [
    ({"n": 0}, "integer_below_min_value", "n"),
    ({"temperature": 5}, "decimal_above_max_value", "temperature"),
    ({"stop": ["a", "b", "c", "d", "e"]}, "array_above_max_length", "stop"),
    ({"max_tokens": 100_000}, "invalid_value", "max_tokens"),
    ({"messages": []}, "empty_array", "messages"),
    ({"stream_options": {"include_usage": True}}, "invalid_value", "stream_options"),
    ({"top_logprobs": 3}, "invalid_value", "top_logprobs"),
    ({"messages": [{"role": "user", "content": "w " * 128_001}]},
     "context_length_exceeded", "messages"),
])
def test_impossible_parameters_are_rejected_like_openai(
        client: openai.OpenAI, kwargs: dict, code: str, param: str) -> None:
    with pytest.raises(openai.BadRequestError) as info:
        chat(client, **kwargs)
    assert (info.value.code, info.value.param) == (code, param)


def test_unknown_and_retired_models(client: openai.OpenAI, fake: FakeOpenAI) -> None:
    with pytest.raises(openai.NotFoundError) as info:
        chat(client, model="gpt-9")
    assert info.value.code == "model_not_found"
    assert "gpt-9" in info.value.message
    for retired in ("text-davinci-003", "gpt-3.5-turbo"):
        with pytest.raises(openai.NotFoundError, match="deprecated") as info:
            chat(client, model=retired)
        assert info.value.code == "model_not_found"
    fake.strict_models = False
    assert chat(client, model="qwen-local").model == "qwen-local"


# -- scripted failures -------------------------------------------------------------------------
@pytest.mark.parametrize(("status", "code", "exc", "sdk_code"), [
    (401, "invalid_api_key", openai.AuthenticationError, "invalid_api_key"),
    (404, "model_not_found", openai.NotFoundError, "model_not_found"),
    (400, "context_length_exceeded", openai.BadRequestError, "context_length_exceeded"),
    (429, "rate_limit_exceeded", openai.RateLimitError, "rate_limit_exceeded"),
    (429, "insufficient_quota", openai.RateLimitError, "insufficient_quota"),
    (500, None, openai.InternalServerError, None),
    (503, None, openai.InternalServerError, None),
])
def test_scripted_errors_raise_the_sdk_class(client: openai.OpenAI, fake: FakeOpenAI, status: int,
                                             code: str | None, exc: type, sdk_code: str | None,
                                             ) -> None:
    fake.fail_next(status, code)
    with pytest.raises(exc) as info:
        chat(client)
    assert info.value.status_code == status
    assert info.value.code == sdk_code
    assert KEY not in str(info.value)
    assert chat(client).choices[0].message.content  # only the next request failed


def test_rate_limit_carries_retry_after_and_quota_does_not(client: openai.OpenAI,
                                                           fake: FakeOpenAI) -> None:
    fake.fail_next(429, "rate_limit_exceeded", headers={"retry-after": "7"})
    with pytest.raises(openai.RateLimitError) as info:
        chat(client)
    assert info.value.response.headers["retry-after"] == "7"
    assert info.value.type == "requests"
    fake.fail_next(429, "insufficient_quota")
    with pytest.raises(openai.RateLimitError) as info:
        chat(client)
    assert "retry-after" not in info.value.response.headers
    assert info.value.type == "insufficient_quota"


def test_invalid_key_message_masks_the_key_like_openai(client: openai.OpenAI,
                                                       fake: FakeOpenAI) -> None:
    fake.fail_next(401, "invalid_api_key")
    with pytest.raises(openai.AuthenticationError) as info:
        chat(client)
    assert "sk-test-" in info.value.message and "zq9X" in info.value.message
    assert "SECRET" not in info.value.message


def test_fake_can_demand_a_real_key(fake: FakeOpenAI) -> None:
    fake.api_key = "sk-right-key-0001"
    wrong = openai.OpenAI(base_url=fake.base_url, api_key=KEY, max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        chat(wrong)
    right = openai.OpenAI(base_url=fake.base_url, api_key="sk-right-key-0001", max_retries=0)
    assert chat(right).choices[0].message.content


def test_failures_repeat_times_and_filter_by_path(client: openai.OpenAI, fake: FakeOpenAI) -> None:
    fake.fail_next(500, times=2, path="/v1/chat/completions")
    assert strict(client.models.retrieve("gpt-4o-mini")).id == "gpt-4o-mini"  # not matched
    for _ in range(2):
        with pytest.raises(openai.InternalServerError):
            chat(client)
    assert chat(client).choices
    fake.fail_next(418, {"error": {"message": "custom", "type": "x", "code": "teapot"}})
    with pytest.raises(openai.APIStatusError) as info:
        chat(client)
    assert (info.value.status_code, info.value.code) == (418, "teapot")


def test_sdk_retries_are_visible_in_the_records(fake: FakeOpenAI) -> None:
    retrying = openai.OpenAI(base_url=fake.base_url, api_key=KEY, max_retries=2)
    fake.fail_next(429, "rate_limit_exceeded", headers={"retry-after": "0"}, times=2)
    assert chat(retrying).choices
    attempts = fake.requests_to("/v1/chat/completions")
    assert [r.headers["x-stainless-retry-count"] for r in attempts] == ["0", "1", "2"]


def test_hang_times_out(client: openai.OpenAI, fake: FakeOpenAI) -> None:
    fake.hang_next(30)
    with pytest.raises(openai.APITimeoutError):
        chat(client.with_options(timeout=0.3))
    deadline = time.monotonic() + 10  # a busy machine may time out before the fake reads it
    while not fake.requests_to("/v1/chat/completions") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(fake.requests_to("/v1/chat/completions")) == 1  # it was received, never answered
    assert chat(client).choices


def test_hang_then_drop_is_a_connection_error(client: openai.OpenAI, fake: FakeOpenAI) -> None:
    fake.hang_next(0.1)
    with pytest.raises(openai.APIConnectionError) as info:
        chat(client)
    assert not isinstance(info.value, openai.APITimeoutError)


def test_stream_cut_midway(client: openai.OpenAI, fake: FakeOpenAI) -> None:
    fake.cut_stream_next(3)
    chat(client)  # a non-streaming request does not consume the cut
    received = []
    with pytest.raises(openai.APIConnectionError):
        for chunk in client.chat.completions.create(model="gpt-4o-mini", messages=USER,
                                                    stream=True):
            received.append(chunk.choices[0].delta.content)
    assert received == ["", "echo:", " hola"]  # role chunk + two tokens, then nothing
    full = client.chat.completions.create(model="gpt-4o-mini", messages=USER, stream=True)
    assert "".join(c.choices[0].delta.content or "" for c in full) == "echo: hola qué tal estás hoy"


def test_sixteen_concurrent_clients_overlap(fake: FakeOpenAI) -> None:
    gate = fake.hold(16)  # no answer before all sixteen are in: a gate, not a latency to race
    client = openai.OpenAI(base_url=fake.base_url, api_key=KEY, max_retries=0)

    def one(i: int) -> str:
        stream = client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": f"usuario {i}"}],
            stream=i % 2 == 0)
        if i % 2:
            return stream.choices[0].message.content
        return "".join(c.choices[0].delta.content or "" for c in stream)

    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(one, range(16)))
    assert answers == [f"echo: usuario {i}" for i in range(16)]
    assert fake.peak_in_flight == 16 and gate.opened


def test_records_never_hold_the_key(client: openai.OpenAI, fake: FakeOpenAI) -> None:
    chat(client)
    record = fake.requests[-1]
    assert (record.method, record.path) == ("POST", "/v1/chat/completions")
    assert record.headers["authorization"] == "REDACTED"
    assert (record.has_key, record.key_last4) == (True, "zq9X")
    assert KEY not in repr(fake.requests)
    fake.reset()
    assert fake.requests == []


def test_split_tokens_round_trips() -> None:
    for text in ("", "a", "  dos  espacios ", "línea\nnueva\n"):
        assert "".join(split_tokens(text)) == text


# -- files -------------------------------------------------------------------------------------
def test_files_upload_list_retrieve_content_delete(client: openai.OpenAI, fake: FakeOpenAI,
                                                   tmp_path: Path) -> None:
    path = tmp_path / "entreno.jsonl"
    path.write_bytes(jsonl(chat_examples(10)))
    with path.open("rb") as handle:
        uploaded = strict(client.files.create(file=handle, purpose="fine-tune"))
    assert isinstance(uploaded, FileObject)
    assert (uploaded.filename, uploaded.purpose, uploaded.bytes) == (
        "entreno.jsonl", "fine-tune", path.stat().st_size)
    assert fake.requests[-1].form == {"purpose": "fine-tune"}
    other = strict(client.files.create(file=("b.jsonl", b"{}"), purpose="batch"))

    assert [f.id for f in client.files.list()] == [other.id, uploaded.id]  # newest first
    assert [f.id for f in client.files.list(purpose="fine-tune")] == [uploaded.id]
    page = client.files.list(limit=1, order="asc")
    assert [f.id for f in page.data] == [uploaded.id] and page.has_more
    assert [f.id for f in client.files.list(limit=1, order="asc").iter_pages()
            .__next__().get_next_page().data] == [other.id]
    assert strict(client.files.retrieve(uploaded.id)).id == uploaded.id
    assert client.files.content(uploaded.id).content == path.read_bytes()
    assert client.files.delete(uploaded.id).deleted is True
    with pytest.raises(openai.NotFoundError):
        client.files.retrieve(uploaded.id)
    with pytest.raises(openai.BadRequestError):
        client.files.create(file=("x.jsonl", b"{}"), purpose="nonsense")


# -- fine-tuning -------------------------------------------------------------------------------
def upload(client: openai.OpenAI, content: bytes, purpose: str = "fine-tune") -> str:
    return client.files.create(file=("train.jsonl", content), purpose=purpose).id


def test_job_runs_to_success(client: openai.OpenAI, fake: FakeOpenAI) -> None:
    fake.ft_step_seconds = 0.03
    file_id = upload(client, jsonl(chat_examples(12)))
    created = strict(client.fine_tuning.jobs.create(
        model="gpt-4o-mini", training_file=file_id, suffix="tutor", seed=42,
        hyperparameters={"n_epochs": 2}))
    assert created.status == "validating_files"
    assert created.fine_tuned_model is None and created.trained_tokens is None
    job, seen = wait_job(client, created.id)
    assert seen[0] in ("validating_files", "queued", "running")
    order = ["validating_files", "queued", "running", "succeeded"]
    # a poller may miss a short state on a busy machine, but never sees one out of order
    assert [order.index(state) for state in seen] == sorted(order.index(state) for state in seen)
    assert job.status == "succeeded"
    assert job.model == "gpt-4o-mini-2024-07-18" and job.seed == 42
    assert job.fine_tuned_model == f"ft:gpt-4o-mini-2024-07-18:fake-org:tutor:{job.id[-8:]}"
    assert job.hyperparameters.n_epochs == 2
    assert job.trained_tokens == 2 * 12 * (3 + 2 + 3)  # epochs x words per example
    assert job.finished_at is not None and job.error is None
    csv = client.files.content(job.result_files[0]).text
    assert csv.startswith("step,train_loss")

    events = [strict(e) for e in client.fine_tuning.jobs.list_events(job.id, limit=100)]
    assert all(isinstance(e, FineTuningJobEvent) for e in events)
    messages = [e.message for e in reversed(events)]  # the API lists newest first
    assert messages[0] == f"Created fine-tuning job: {job.id}"
    assert messages[-1] == "The job has successfully completed"
    metrics = [e for e in events if e.type == "metrics"]
    assert metrics and all(e.message.startswith("Step ") for e in metrics)
    assert {"step", "train_loss", "train_mean_token_accuracy"} <= set(metrics[0].data)
    losses = [e.data["train_loss"] for e in reversed(metrics)]
    assert losses[0] > losses[-1]

    checkpoints = [strict(c) for c in client.fine_tuning.jobs.checkpoints.list(job.id)]
    assert all(isinstance(c, FineTuningJobCheckpoint) for c in checkpoints)
    assert [c.step_number for c in checkpoints] == [24, 12]
    # The tuned model answers at once, as on OpenAI.
    assert chat(client, model=job.fine_tuned_model).choices[0].message.content
    assert job.fine_tuned_model in [m.id for m in client.models.list()]


def test_events_paginate_with_after(client: openai.OpenAI, fake: FakeOpenAI) -> None:
    fake.ft_step_seconds = 0.01
    job, _ = wait_job(client, client.fine_tuning.jobs.create(
        model="gpt-4o-mini", training_file=upload(client, jsonl(chat_examples(10)))).id)
    everything = [e.id for e in client.fine_tuning.jobs.list_events(job.id, limit=100)]
    first = client.fine_tuning.jobs.list_events(job.id, limit=3)
    assert [e.id for e in first.data] == everything[:3] and first.has_more
    assert [e.id for e in client.fine_tuning.jobs.list_events(job.id, limit=3)] == everything


@pytest.mark.parametrize(("content", "needle"), [
    (jsonl(chat_examples(10)) + b"\n{not json", "Line 11 is not valid JSON"),
    (jsonl(chat_examples(4)), "at least 10 examples"),
    (jsonl([{"prompt": "a", "completion": "b"}] * 12), "missing key \"messages\""),
    (jsonl([{"messages": [{"role": "user", "content": "solo"}]}] * 12), "no assistant message"),
    (b"\x00\xff\xfe binary", "not UTF-8"),
])
def test_bad_training_file_fails_at_validation(client: openai.OpenAI, content: bytes,
                                               needle: str) -> None:
    created = client.fine_tuning.jobs.create(model="gpt-4o-mini",
                                             training_file=upload(client, content))
    job, seen = wait_job(client, created.id)
    assert seen[-1] == "failed" and "running" not in seen
    assert job.error.code == "invalid_training_file"
    assert job.error.param == "training_file"
    assert needle in job.error.message
    assert job.fine_tuned_model is None
    events = list(client.fine_tuning.jobs.list_events(job.id))
    assert events[0].level == "error"


def test_legacy_models_take_prompt_completion_files(client: openai.OpenAI) -> None:
    rows = [{"prompt": f"p{i} ->", "completion": f" c{i}\n"} for i in range(10)]
    created = client.fine_tuning.jobs.create(model="babbage-002",
                                             training_file=upload(client, jsonl(rows)))
    job, _ = wait_job(client, created.id)
    assert job.status == "succeeded"
    assert job.fine_tuned_model.startswith("ft:babbage-002:fake-org::")


def test_cancel_a_running_job(client: openai.OpenAI, fake: FakeOpenAI) -> None:
    clock = ManualClock()
    fake.clock, fake.ft_step_seconds = clock, 10  # the job moves only when the test says
    created = client.fine_tuning.jobs.create(model="gpt-4o-mini",
                                             training_file=upload(client, jsonl(chat_examples(10))))
    clock.advance(20)
    assert client.fine_tuning.jobs.retrieve(created.id).status == "running"
    cancelled = strict(client.fine_tuning.jobs.cancel(created.id))
    assert cancelled.status == "cancelled" and cancelled.fine_tuned_model is None
    clock.advance(3600)
    assert client.fine_tuning.jobs.retrieve(created.id).status == "cancelled"
    with pytest.raises(openai.BadRequestError):
        client.fine_tuning.jobs.cancel(created.id)
    assert client.fine_tuning.jobs.list_events(created.id).data[0].message.endswith("cancelled")


def test_job_list_paginates_newest_first(client: openai.OpenAI, fake: FakeOpenAI) -> None:
    fake.ft_step_seconds = 3600
    file_id = upload(client, jsonl(chat_examples(10)))
    ids = [client.fine_tuning.jobs.create(model="gpt-4o-mini", training_file=file_id).id
           for _ in range(5)]
    page = client.fine_tuning.jobs.list(limit=2)
    assert [j.id for j in page.data] == ids[::-1][:2] and page.has_more
    after = client.fine_tuning.jobs.list(limit=2, after=ids[3])
    assert [j.id for j in after.data] == [ids[2], ids[1]]
    assert [j.id for j in client.fine_tuning.jobs.list(limit=2)] == ids[::-1]  # auto-paging


def test_job_create_rejects_bad_requests(client: openai.OpenAI) -> None:
    file_id = upload(client, jsonl(chat_examples(10)))
    with pytest.raises(openai.BadRequestError) as info:
        client.fine_tuning.jobs.create(model="gpt-9", training_file=file_id)
    assert info.value.param == "model"
    with pytest.raises(openai.BadRequestError) as info:
        client.fine_tuning.jobs.create(model="gpt-4o-mini", training_file="file-missing")
    assert info.value.param == "training_file"
    batch_file = upload(client, b"{}", purpose="batch")
    with pytest.raises(openai.BadRequestError):
        client.fine_tuning.jobs.create(model="gpt-4o-mini", training_file=batch_file)
    with pytest.raises(openai.NotFoundError):
        client.fine_tuning.jobs.retrieve("ftjob-missing")


# -- script mode -------------------------------------------------------------------------------
def test_runs_as_a_script_for_benches() -> None:
    root = Path(__file__).resolve().parents[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.openai_server", "--port", "0", "--latency", "0.01",
         "--any-model"], cwd=root, stdout=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()
        base_url = line.split(" at ", 1)[1].split()[0]
        client = openai.OpenAI(base_url=base_url, api_key=KEY, max_retries=0, timeout=10)
        assert chat(client, model="whatever-local").choices[0].message.content
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_models_are_strictly_valid(client: openai.OpenAI) -> None:
    for model in client.models.list():
        assert isinstance(strict(model), Model)
