"""The client's file and fine-tuning calls against the fake OpenAI server's real state machine
(validating_files -> queued -> running -> succeeded / failed / cancelled)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chatbot.client import ChatParams, JobInfo, LLMClient
from chatbot.errors import ChatbotError, InvalidInput, ModelNotFound
from tests.conftest import FAKE_KEY
from tests.fakes.openai_server import FakeOpenAI, poll_statuses

KEY = FAKE_KEY
TERMINAL = ("succeeded", "failed", "cancelled")


FAKE_OPTIONS = {"ft_step_seconds": 0.03}  # for conftest's `fake`


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n",
                    encoding="utf-8")
    return path


def examples(count: int) -> list[dict]:
    return [{"messages": [{"role": "system", "content": "Eres el asistente del campus."},
                          {"role": "user", "content": f"¿Cómo entrego la tarea {i}?"},
                          {"role": "assistant", "content": f"Súbela en la sección {i}."}]}
            for i in range(count)]


@pytest.fixture
def train_file(tmp_path: Path) -> Path:
    return write_jsonl(tmp_path / "entreno.jsonl", examples(12))


def wait_job(client: LLMClient, job_id: str, until: tuple[str, ...] = TERMINAL,
             ) -> tuple[JobInfo, list[str]]:
    """Poll as the tab does; returns the job and the distinct statuses seen, in order."""
    return poll_statuses(lambda: client.get_job(job_id), until)


def test_upload_sends_the_file_untouched(client: LLMClient, fake: FakeOpenAI,
                                         train_file: Path) -> None:
    before = train_file.read_bytes()
    info = client.upload_file(train_file)
    assert (info.filename, info.bytes) == ("entreno.jsonl", len(before))
    assert info.id.startswith("file-")
    record = fake.requests_to("/v1/files", "POST")[-1]
    assert record.form == {"purpose": "fine-tune"}
    assert train_file.read_bytes() == before
    assert fake._files[info.id].content == before  # what arrived is byte-identical


def test_upload_is_retried_after_a_rate_limit(client: LLMClient, fake: FakeOpenAI,
                                              train_file: Path) -> None:
    fake.fail_next(429, "rate_limit_exceeded", headers={"retry-after": "0"}, path="/v1/files")
    info = client.upload_file(train_file)
    assert len(fake.requests_to("/v1/files", "POST")) == 2
    assert fake._files[info.id].content == train_file.read_bytes()  # the retry re-sent it all


def test_job_to_success_with_events_and_a_usable_model(client: LLMClient, fake: FakeOpenAI,
                                                       train_file: Path) -> None:
    file_id = client.upload_file(train_file).id
    created = client.create_job(file_id, "gpt-4o-mini", suffix="campus", seed=3, n_epochs=2,
                                batch_size=1, learning_rate_multiplier=0.5)
    assert created.status == "validating_files" and created.fine_tuned_model is None
    sent = fake.requests_to("/v1/fine_tuning/jobs", "POST")[-1].json
    assert sent["model"] == "gpt-4o-mini" and sent["training_file"] == file_id
    assert (sent["suffix"], sent["seed"]) == ("campus", 3)
    assert sent["method"] == {"type": "supervised", "supervised": {"hyperparameters": {
        "n_epochs": 2, "batch_size": 1, "learning_rate_multiplier": 0.5}}}

    job, seen = wait_job(client, created.id)
    order = ["validating_files", "queued", "running", "succeeded"]
    # a poller may miss a short state on a busy machine, but never sees one out of order
    assert [order.index(state) for state in seen] == sorted(order.index(state) for state in seen)
    assert seen[-1] == "succeeded"
    assert job.fine_tuned_model == f"ft:gpt-4o-mini-2024-07-18:fake-org:campus:{job.id[-8:]}"
    assert job.hyperparameters == {"n_epochs": 2, "batch_size": 1, "learning_rate_multiplier": 0.5}
    assert job.trained_tokens and job.finished_at and job.error is None
    assert job.id in [j.id for j in client.list_jobs()]

    answer = client.chat([{"role": "user", "content": "hola"}],
                         ChatParams(model=job.fine_tuned_model))
    assert answer.text == "echo: hola"


def test_job_events_come_oldest_first_with_metrics(client: LLMClient, train_file: Path) -> None:
    """The tab plots loss from these: they must be in the order they happened, also when OpenAI
    stamps several in the same second (its timestamps are whole seconds)."""
    job = client.create_job(client.upload_file(train_file).id, "gpt-4o-mini")
    wait_job(client, job.id)
    events = client.job_events(job.id)
    messages = [e.message for e in events]
    assert messages[0] == f"Created fine-tuning job: {job.id}"
    assert messages[-1] == "The job has successfully completed"
    steps = [e.data["step"] for e in events if e.data and "train_loss" in e.data]
    assert steps and steps == sorted(steps)
    assert all(0 < e.data["train_mean_token_accuracy"] < 1 for e in events
               if e.data and "train_loss" in e.data)


def test_bad_file_fails_at_validation_with_the_reason(client: LLMClient, tmp_path: Path) -> None:
    few = write_jsonl(tmp_path / "pocos.jsonl", examples(4))
    job = client.create_job(client.upload_file(few).id, "gpt-4o-mini")
    job, seen = wait_job(client, job.id)
    assert job.status == "failed" and "running" not in seen
    assert job.error.startswith("invalid_training_file")
    assert "at least 10 examples" in job.error
    assert job.fine_tuned_model is None
    assert any(e.level == "error" for e in client.job_events(job.id))


def test_broken_json_line_fails_the_job(client: LLMClient, tmp_path: Path) -> None:
    path = tmp_path / "roto.jsonl"
    path.write_text(write_jsonl(tmp_path / "ok.jsonl", examples(11)).read_text(encoding="utf-8")
                    + '{"messages": [\n', encoding="utf-8")
    job, _ = wait_job(client, client.create_job(client.upload_file(path).id, "gpt-4o-mini").id)
    assert job.status == "failed" and "Line 12" in job.error


def test_legacy_prompt_completion_job(client: LLMClient, tmp_path: Path) -> None:
    rows = [{"prompt": f"Tweet: bueno {i}\nSentiment:", "completion": " positive"}
            for i in range(10)]
    path = write_jsonl(tmp_path / "legacy.jsonl", rows)
    job, _ = wait_job(client, client.create_job(client.upload_file(path).id, "babbage-002").id)
    assert job.status == "succeeded"
    assert job.fine_tuned_model.startswith("ft:babbage-002:fake-org::")


def test_cancel_a_job(client: LLMClient, fake: FakeOpenAI, train_file: Path) -> None:
    fake.ft_step_seconds = 3600  # the job stays validating until cancelled
    job = client.create_job(client.upload_file(train_file).id, "gpt-4o-mini")
    cancelled = client.cancel_job(job.id)
    assert cancelled.status == "cancelled" and cancelled.fine_tuned_model is None
    fake.ft_step_seconds = 0.001
    assert client.get_job(job.id).status == "cancelled"  # terminal: it never moves again
    with pytest.raises(InvalidInput) as info:
        client.cancel_job(job.id)
    assert "cancel" in str(info.value) and " / " in str(info.value)
    assert "Fine-tuning job cancelled" in [e.message for e in client.job_events(job.id)]


def test_list_jobs_newest_first_and_limited(client: LLMClient, fake: FakeOpenAI,
                                            train_file: Path) -> None:
    fake.ft_step_seconds = 3600
    file_id = client.upload_file(train_file).id
    ids = [client.create_job(file_id, "gpt-4o-mini").id for _ in range(4)]
    assert [j.id for j in client.list_jobs(limit=3)] == ids[::-1][:3]
    assert fake.requests_to("/v1/fine_tuning/jobs", "GET")[-1].query == {"limit": "3"}


def test_create_job_rejections_are_explained(client: LLMClient, fake: FakeOpenAI,
                                             train_file: Path) -> None:
    file_id = client.upload_file(train_file).id
    with pytest.raises(InvalidInput) as info:
        client.create_job(file_id, "gpt-6-luna")  # served, but takes no fine-tuning jobs
    assert "gpt-6-luna" in str(info.value)
    with pytest.raises(InvalidInput) as info:
        client.create_job("file-missing", "gpt-4o-mini")
    assert "file-missing" in str(info.value)
    posts = len(fake.requests_to("/v1/fine_tuning/jobs", "POST"))
    with pytest.raises(ModelNotFound) as info:
        client.create_job(file_id, "gpt-3.5-turbo")  # retired: refused before sending
    assert "gpt-4o-mini" in str(info.value)
    assert len(fake.requests_to("/v1/fine_tuning/jobs", "POST")) == posts


def test_unknown_job_id_is_named_in_the_error(client: LLMClient) -> None:
    """A mistyped job id must say which job was not found, not talk about a model."""
    with pytest.raises(ChatbotError) as info:
        client.get_job("ftjob-doesnotexist")
    assert "ftjob-doesnotexist" in str(info.value)
    assert not isinstance(info.value, ModelNotFound)
