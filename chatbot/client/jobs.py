"""Files and fine-tuning jobs: upload, create, list, follow, cancel."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openai.types import FilePurpose

from chatbot.client.request import Requests
from chatbot.client.results import FileInfo, JobEvent, JobInfo, read_job, read_job_event
from chatbot.client.transport import Transport
from chatbot.i18n import Msg


@dataclass
class JobCalls:
    """Files and fine-tuning jobs on OpenAI."""

    transport: Transport
    requests: Requests

    def upload_file(self, path: Path, purpose: FilePurpose = "fine-tune") -> FileInfo:
        def send() -> Any:
            with path.open("rb") as fh:
                return self.transport.sdk.files.create(file=(path.name, fh), purpose=purpose)

        f, _ = self.transport.call("", send)
        return FileInfo(f.id, f.filename, f.bytes, getattr(f, "status", None))

    def create_job(self, training_file: str, model: str, *, validation_file: str | None = None,
                   suffix: str | None = None, seed: int | None = None,
                   n_epochs: int | None = None, batch_size: int | None = None,
                   learning_rate_multiplier: float | None = None) -> JobInfo:
        self.requests.check_model(model)
        hyper = {k: v for k, v in (("n_epochs", n_epochs), ("batch_size", batch_size),
                                   ("learning_rate_multiplier", learning_rate_multiplier))
                 if v is not None}
        kwargs: dict[str, Any] = {"training_file": training_file, "model": model}
        if validation_file:
            kwargs["validation_file"] = validation_file
        if suffix:
            kwargs["suffix"] = suffix
        if seed is not None:
            kwargs["seed"] = seed
        if hyper:
            kwargs["method"] = {"type": "supervised",
                                "supervised": {"hyperparameters": hyper}}
        job, _ = self.transport.call(model, lambda: self.transport.sdk.fine_tuning.jobs.create(**kwargs))
        return read_job(job)

    def list_jobs(self, limit: int = 20) -> list[JobInfo]:
        page, _ = self.transport.call("", lambda: self.transport.sdk.fine_tuning.jobs.list(limit=limit))
        return [read_job(j) for j in page.data]

    def get_job(self, job_id: str) -> JobInfo:
        job, _ = self.transport.call("", lambda: self.transport.sdk.fine_tuning.jobs.retrieve(job_id),
                            Msg("client.the_job", id=job_id))
        return read_job(job)

    def cancel_job(self, job_id: str) -> JobInfo:
        job, _ = self.transport.call("", lambda: self.transport.sdk.fine_tuning.jobs.cancel(job_id),
                            Msg("client.the_job", id=job_id))
        return read_job(job)

    def job_events(self, job_id: str, limit: int = 100) -> list[JobEvent]:
        page, _ = self.transport.call("", lambda: self.transport.sdk.fine_tuning.jobs.list_events(
            job_id, limit=limit), Msg("client.the_job", id=job_id))
        events = [read_job_event(e) for e in page.data]
        return events[::-1]  # the API lists newest first; seconds alone can't order them
