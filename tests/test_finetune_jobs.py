"""Jobs through the client against the fake OpenAI server's real state machine."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest

from chatbot.client import Backend, JobEvent, LLMClient, SDKPool
from chatbot.errors import ChatbotError, InvalidInput
from chatbot.finetune import jobs
from chatbot.finetune.validate import validate_file
from chatbot.models.catalog import Catalog
from chatbot.money.billing import Ledger
from tests.conftest import FAKE_KEY, FakeFactory
from tests.fakes.clock import ManualClock
from tests.fakes.openai_server import FakeOpenAI

DATA = Path(__file__).parent / "data" / "finetune"


FAKE_OPTIONS = {"ft_step_seconds": 0.02}  # for conftest's `fake`


@pytest.fixture
def train(tmp_path: Path) -> Path:
    return Path(shutil.copy(DATA / "chat_valid.jsonl", tmp_path / "train.jsonl"))


def follow_fast(client: LLMClient, job_id: str):
    """Follow until the end; the short sleep only lets the fake's clock move."""
    deadline = time.monotonic() + 30  # guards a stuck job; not a speed check
    for job, events in jobs.follow(client, job_id, interval=0.01):
        assert time.monotonic() < deadline, job
        last = job, events
    return last


def test_job_to_success_gives_a_usable_model(client: LLMClient, fake: FakeOpenAI,
                                             train: Path, tmp_path: Path) -> None:
    valid = Path(shutil.copy(DATA / "chat_bom_crlf.jsonl", tmp_path / "valid.jsonl"))
    messages: list[str] = []
    job = jobs.launch(client, jobs.JobRequest(train, "gpt-4o-mini", validation_file=valid,
                                              suffix="campus", seed=7, n_epochs=2,
                                              batch_size=1, learning_rate_multiplier=0.5),
                      progress=messages.append)
    assert job.status == "validating_files" and messages
    sent = fake.requests_to("/v1/fine_tuning/jobs", "POST")[-1].json
    assert sent["suffix"] == "campus" and sent["seed"] == 7
    assert sent["method"]["supervised"]["hyperparameters"] == {
        "n_epochs": 2, "batch_size": 1, "learning_rate_multiplier": 0.5}
    assert len(fake.requests_to("/v1/files", "POST")) == 2
    statuses = []
    for seen, _ in jobs.follow(client, job.id, interval=0.01):
        if not statuses or statuses[-1] != seen.status:
            statuses.append(seen.status)
    final, events = follow_fast(client, job.id)
    # A busy machine may poll past `running`; the job's own events keep every state it went through.
    assert statuses[-1] == "succeeded"
    assert any(e.message == "Fine-tuning job started" for e in events)
    assert final.fine_tuned_model and "campus" in final.fine_tuned_model
    rows = jobs.metric_rows(events, "en")
    assert {r["metric"] for r in rows} == {"train loss", "train accuracy"}
    assert {r["metric"] for r in jobs.metric_rows(events, "es")} == {
        "pérdida de entrenamiento", "exactitud de entrenamiento"}
    assert [r["step"] for r in rows] == sorted(r["step"] for r in rows)
    assert f"**Modelo:** `{final.fine_tuned_model}`: úsalo en Chat" in jobs.job_markdown(final, "es")
    assert "✅ Succeeded" in jobs.job_markdown(final, "en")
    assert train.read_bytes() == (DATA / "chat_valid.jsonl").read_bytes()


def test_server_side_file_failure_is_reported(client: LLMClient, tmp_path: Path) -> None:
    few = tmp_path / "few.jsonl"
    few.write_text("".join(json.dumps({"messages": [
        {"role": "user", "content": f"q{i}"}, {"role": "assistant", "content": f"a{i}"}]}) + "\n"
        for i in range(3)), encoding="utf-8")
    job = jobs.launch(client, jobs.JobRequest(few, "gpt-4o-mini"), check=False)
    final, events = follow_fast(client, job.id)
    assert final.status == "failed" and final.fine_tuned_model is None
    assert final.error and "10" in final.error
    assert "❌ Falló" in jobs.job_markdown(final, "es") and "Error" in jobs.job_markdown(final, "es")
    assert any(e.level == "error" for e in events)


def test_local_check_refuses_before_uploading(client: LLMClient, fake: FakeOpenAI) -> None:
    with pytest.raises(InvalidInput) as err:
        jobs.launch(client, jobs.JobRequest(DATA / "chat_broken.jsonl", "gpt-4o-mini"))
    said = err.value.said("en")
    assert said.startswith("The training file has 14 errors; not uploading it. Line 2: Invalid JSON")
    assert said.endswith("(Validate the file to see them all.)") and "Línea" not in said
    assert err.value.said("es").startswith("El fichero de entrenamiento tiene 14 errores")
    assert fake.requests_to("/v1/files") == []


def test_too_few_examples_are_valid_but_refused_by_an_openai_launch_before_uploading(
        client: LLMClient, fake: FakeOpenAI, tmp_path: Path) -> None:
    """Three examples are a valid file (a local run takes it; the validator only warns), but
    OpenAI wants ten: the launch says so before anything is uploaded or held."""
    few = tmp_path / "few.jsonl"
    few.write_text("".join(json.dumps({"messages": [
        {"role": "user", "content": f"q{i}"}, {"role": "assistant", "content": f"a{i}"}]}) + "\n"
        for i in range(3)), encoding="utf-8")
    report = validate_file(few, client.catalog, "gpt-4o-mini")
    assert report.ok and set(report.counts) == {"too_few"}
    with pytest.raises(InvalidInput) as err:
        jobs.launch(client, jobs.JobRequest(few, "gpt-4o-mini"))
    assert err.value.said("es") == ("Solo 3 ejemplos válidos; OpenAI exige al menos 10. Añade "
                                    "ejemplos (se notan mejoras a partir de 50–100).")
    assert fake.requests_to("/v1/files") == []


def test_cancel_a_running_job(make_fake: FakeFactory, catalog: Catalog, train: Path) -> None:
    clock = ManualClock()
    fake = make_fake(clock=clock, ft_step_seconds=10)
    client = LLMClient(Backend("openai", fake.base_url, FAKE_KEY), SDKPool(10, 0), catalog,
                       Ledger(), sleep=lambda _s: None)
    job = jobs.launch(client, jobs.JobRequest(train, "gpt-4o-mini"))
    clock.advance(20)  # files validated, then out of the queue
    assert client.get_job(job.id).status == "running"
    cancelled = client.cancel_job(job.id)
    assert cancelled.status == "cancelled" and cancelled.fine_tuned_model is None
    clock.advance(3600)  # long past when it would have finished: a cancelled job stays so
    final, _ = follow_fast(client, job.id)
    assert final.status == "cancelled"
    with pytest.raises(ChatbotError):  # a finished job cannot be cancelled again
        client.cancel_job(job.id)
    assert [row[1] for row in jobs.jobs_table(client.list_jobs(), "en")
            if row[0] == job.id] == ["⏹️ Cancelled"]


def test_impossible_parameters_are_named_before_any_request(client: LLMClient,
                                                            fake: FakeOpenAI,
                                                            train: Path) -> None:
    with pytest.raises(InvalidInput) as err:
        jobs.launch(client, jobs.JobRequest(train, "gpt-5", suffix="x" * 65, n_epochs=0,
                                            batch_size=999, learning_rate_multiplier=0))
    text = err.value.said("en")
    for name in ("gpt-5", "suffix", "n_epochs", "batch_size", "learning_rate_multiplier"):
        assert name in text
    assert text.startswith("Impossible parameters: gpt-5 does not accept fine-tuning; use:")
    assert "n_epochs=0: between 1 and 50; batch_size=999: between 1 and 256" in text
    assert "n_epochs=0: entre 1 y 50" in err.value.said("es") and " / " not in text
    assert fake.requests == []


def test_embedded_backend_cannot_train(catalog: Catalog, train: Path) -> None:
    local = LLMClient(Backend("local", "http://127.0.0.1:9/v1"), SDKPool(1, 0), catalog)
    with pytest.raises(InvalidInput) as err:
        jobs.launch(local, jobs.JobRequest(train, "gpt-4o-mini"))
    assert "--backend local" in str(err.value)


def test_events_merge_across_polls() -> None:
    a, b, c = (JobEvent(f"e{i}", i, "info", f"m{i}", {"step": i, "train_loss": 1 / i})
               for i in (1, 2, 3))
    merged = jobs.merge_events([a, b], [b, c])
    assert [e.id for e in merged] == ["e1", "e2", "e3"]
    assert [r["value"] for r in jobs.metric_rows(merged, "en")] == [1.0, 0.5, pytest.approx(1 / 3)]
    assert [row[2] for row in jobs.events_table(merged)] == ["m3", "m2", "m1"]


