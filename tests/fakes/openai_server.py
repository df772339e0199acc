"""A fake OpenAI API on loopback that speaks the real HTTP wire format.

The official `openai` SDK (and so `chatbot/client/`) talks to it unchanged, which lets tests and
bench scripts exercise what only OpenAI does: its error codes, hangs and cut streams, files and the
fine-tuning job state machine. Nothing in the project is mocked; only the network peer is fake.

    with FakeOpenAI() as fake:
        client = openai.OpenAI(base_url=fake.base_url, api_key="sk-test", max_retries=0)
        fake.fail_next(429, "rate_limit_exceeded")
        ...
        assert fake.requests[-1].json["model"] == "gpt-4o-mini"

As a script, for benches: `python -m tests.fakes.openai_server --port 8089 --latency 0.3`.

Answers are deterministic: "echo: <last user message>" (or `fake.reply`), one token per
whitespace-separated word. Prompt tokens are the words of every message's text.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import re
import sys
import threading
import time
import traceback
import uuid
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.fakes import reasoning, structured
from tests.fakes.clock import Gate
from tests.fakes.errors import STATUS_DEFAULT_CODE, ApiError, frozen, known_error, mask_key
from tests.fakes.loopback import LoopbackFake
from tests.fakes.params import EMBEDDING_MODELS, unknown

ORG = "fake-org"
FINGERPRINT = "fp_fake0001"
DEPRECATIONS_URL = "https://platform.openai.com/docs/deprecations"


@dataclass(frozen=True)
class ModelSpec:
    snapshot: str
    context: int
    max_output: int
    chat: bool = True
    fine_tunable: bool = False


def _models() -> dict[str, ModelSpec]:
    """The models OpenAI serves in the course's world (chatbot/data/models.json, as of
    2026-11-23). Aliases resolve to dated snapshots, as OpenAI reports them back in `model`."""
    rows = [
        (("gpt-4o-mini", "gpt-4o-mini-2024-07-18"), 128_000, 16_384, True, True),
        (("gpt-4o", "gpt-4o-2024-08-06"), 128_000, 16_384, True, True),
        (("gpt-4.1", "gpt-4.1-2025-04-14"), 1_047_576, 32_768, True, True),
        (("gpt-4.1-mini", "gpt-4.1-mini-2025-04-14"), 1_047_576, 32_768, True, True),
        (("gpt-5", "gpt-5-2025-08-07"), 400_000, 128_000, True, False),
        (("gpt-5-mini", "gpt-5-mini-2025-08-07"), 400_000, 128_000, True, False),
        (("gpt-5-nano", "gpt-5-nano-2025-08-07"), 400_000, 128_000, True, False),
        *(((name,), 1_050_000, 128_000, True, False)
          for name in ("gpt-5.6-sol", "gpt-5.6-terra", "gpt-5.6-luna", "gpt-6-sol", "gpt-6-luna")),
        (("gpt-3.5-turbo-instruct",), 4_096, 4_096, False, False),
        (("davinci-002",), 16_384, 16_384, False, True),
        (("babbage-002",), 16_384, 16_384, False, True),
    ]
    table = {}
    for names, context, max_output, chat, tunable in rows:
        spec = ModelSpec(names[-1], context, max_output, chat, tunable)
        table.update(dict.fromkeys(names, spec))
    return table


MODELS = _models()
EMBEDDING_DIMENSIONS = 32
RETIRED = frozenset({
    "text-davinci-003", "text-davinci-002", "text-davinci-001", "code-davinci-002",
    "text-curie-001", "text-babbage-001", "text-ada-001", "davinci", "curie", "babbage", "ada",
    "gpt-3.5-turbo", "gpt-3.5-turbo-0125", "gpt-3.5-turbo-1106", "gpt-3.5-turbo-0301",
    "gpt-3.5-turbo-0613", "gpt-3.5-turbo-16k", "gpt-3.5-turbo-16k-0613", "gpt-4", "gpt-4-0613",
    "gpt-4.1-nano", "gpt-4.1-nano-2025-04-14", "gpt-4-0314", "gpt-4-32k", "gpt-4-32k-0314",
    "gpt-4-32k-0613", "gpt-4-vision-preview", "gpt-4-1106-vision-preview", "gpt-4.5-preview",
})


FT_MIN_EXAMPLES = 10
FILE_PURPOSES = ("assistants", "batch", "fine-tune", "vision", "user_data", "evals")




def split_tokens(text: str) -> list[str]:
    """Word pieces that join back to `text` exactly (each keeps its leading whitespace)."""
    return re.findall(r"\s*\S+|\s+$", text)


def count_tokens(text: str) -> int:
    return len(text.split())


def message_text(content: Any) -> str:
    """Chat content is a string or a list of blocks ({"type": "text", "text": ...})."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(b.get("text", "") for b in content if isinstance(b, dict))
    return ""


def token_logprob(token: str, salt: int = 0) -> float:
    """Deterministic, in (-2, 0]."""
    return -((zlib.crc32(f"{salt}:{token}".encode()) % 2000) / 1000.0)


def top_alternatives(token: str, logprob: float, k: int) -> list[tuple[str, float]]:
    """The sampled token first (most likely), then made-up alternatives less likely."""
    alts = [(token, logprob)]
    stem = token.strip() or "_"
    for i in range(1, k):
        alts.append((f"{token[: len(token) - len(token.lstrip())]}{stem}~{i}",
                     logprob - 0.75 * i - 0.01 * (zlib.crc32(stem.encode()) % 10)))
    return alts[:k]


@dataclass
class Record:
    """One request as the fake received it; the key itself is never stored."""

    method: str
    path: str
    query: dict[str, str]
    json: Any
    headers: dict[str, str]
    has_key: bool
    key_last4: str
    form: dict[str, str] = field(default_factory=dict)


@dataclass
class _Script:
    kind: str  # "fail" | "hang" | "cut" | "raw" | "stream_error" | "pause"
    times: int
    path: str | None = None
    status: int = 500
    body: Any = None
    headers: dict[str, str] | None = None
    seconds: float = 0.0
    after_chunks: int = 0
    gate: Gate | None = None

    def matches(self, path: str, streaming: bool) -> bool:
        if self.path is not None and not path.startswith(self.path):
            return False
        return streaming or self.kind not in ("cut", "stream_error", "pause")


@dataclass
class Reply:
    status: int
    body: bytes
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class StreamReply:
    events: Iterator[dict[str, Any]]
    cut_after: int | None = None
    error_after: int | None = None  # send OpenAI's in-stream error event after this many chunks
    pause: tuple[int, Gate] | None = None  # after this many chunks, wait for the gate


@dataclass
class Hang:
    seconds: float


@dataclass
class FileRec:
    id: str
    filename: str
    purpose: str
    content: bytes
    created_at: int
    ready_at: float = 0.0  # on the fake's clock; until then the file is "uploaded", not processed

    def status(self, now: float) -> str:
        return "processed" if now >= self.ready_at else "uploaded"

    def to_json(self, now: float) -> dict[str, Any]:
        return {"id": self.id, "object": "file", "bytes": len(self.content),
                "created_at": self.created_at, "filename": self.filename, "purpose": self.purpose,
                "status": self.status(now), "status_details": None, "expires_at": None}


@dataclass
class Job:
    """A fine-tuning job; `advance` moves it along the real state machine as time passes."""

    id: str
    model: str
    training_file: str
    validation_file: str | None
    suffix: str | None
    seed: int
    hyperparameters: dict[str, Any]
    created_at: int
    started: float
    problem: str | None
    n_examples: int
    tokens: int
    metadata: dict[str, str] | None
    clock: Callable[[], float]
    status: str = "validating_files"
    error: dict[str, Any] | None = None
    fine_tuned_model: str | None = None
    finished_at: int | None = None
    trained_tokens: int | None = None
    result_files: list[str] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    checkpoints: list[dict[str, Any]] = field(default_factory=list)
    ticks_done: int = 0

    @property
    def epochs(self) -> int:
        wanted = self.hyperparameters.get("n_epochs", "auto")
        if wanted != "auto":
            return int(wanted)
        n = max(self.n_examples, 1)  # OpenAI's default: 3, scaled to land in 100..25,000 examples
        if n * 3 < 100:
            return min(25, 100 // n)  # the cookbook rounds down
        if n * 3 > 25_000:
            return max(1, 25_000 // n)
        return 3

    @property
    def batch_size(self) -> int:
        wanted = self.hyperparameters.get("batch_size", "auto")
        return int(wanted) if wanted != "auto" else max(1, min(256, self.n_examples // 50 or 1))

    @property
    def total_steps(self) -> int:
        return self.epochs * math.ceil(max(self.n_examples, 1) / self.batch_size)

    @property
    def metric_ticks(self) -> int:
        """How many ticks `running` lasts, each reporting one metrics event."""
        return min(5, self.total_steps)

    def to_json(self) -> dict[str, Any]:
        hyper = dict(self.hyperparameters)
        if self.ticks_done > 0 and self.problem is None:  # resolved once the file is validated
            lr = hyper["learning_rate_multiplier"]
            hyper = {"n_epochs": self.epochs, "batch_size": self.batch_size,
                     "learning_rate_multiplier": 1.8 if lr == "auto" else lr}
        return {
            "id": self.id, "object": "fine_tuning.job", "model": self.model,
            "created_at": self.created_at, "finished_at": self.finished_at,
            "fine_tuned_model": self.fine_tuned_model, "organization_id": "org-fake",
            "result_files": self.result_files, "status": self.status,
            "validation_file": self.validation_file, "training_file": self.training_file,
            "hyperparameters": hyper, "trained_tokens": self.trained_tokens,
            "error": self.error, "user_provided_suffix": self.suffix, "seed": self.seed,
            "estimated_finish": None, "integrations": [], "metadata": self.metadata,
            "method": {"type": "supervised", "supervised": {"hyperparameters": hyper}},
        }

    def event(self, message: str, *, level: str = "info", data: dict[str, Any] | None = None,
              type_: str = "message") -> None:
        self.events.append({"id": f"ftevent-{uuid.uuid4().hex[:24]}",
                            "object": "fine_tuning.job.event", "created_at": int(self.clock()),
                            "level": level, "message": message, "data": data or {},
                            "type": type_})

    def metrics(self, step: int) -> dict[str, float]:
        frac = step / max(self.total_steps, 1)
        wobble = (zlib.crc32(f"{self.seed}:{step}".encode()) % 100) / 1000
        loss = round(2.4 * math.exp(-3.0 * frac) + 0.15 + wobble, 4)
        accuracy = round(min(0.99, max(0.0, 1.0 - loss / 2.8)), 4)
        return {"step": step, "train_loss": loss, "train_mean_token_accuracy": accuracy}

    def advance(self, now: float, step_seconds: float, on_success: Callable[[Job], None]) -> None:
        """Replay every tick due since the job started; terminal states never move again."""
        due = int((now - self.started) / step_seconds) if step_seconds > 0 else 10**6
        while self.ticks_done < due and self.status in ("validating_files", "queued", "running"):
            self.ticks_done += 1
            self._tick(self.ticks_done, on_success)

    def _tick(self, tick: int, on_success: Callable[[Job], None]) -> None:
        if tick == 1:
            if self.problem:
                self.status = "failed"
                self.finished_at = int(self.clock())
                self.error = {"code": "invalid_training_file", "param": "training_file",
                              "message": "The job failed due to an invalid training file. "
                                         + self.problem}
                self.event(self.error["message"], level="error")
                return
            self.status = "queued"
            self.event("Files validated, moving job to queued state")
        elif tick == 2:
            self.status = "running"
            self.event("Fine-tuning job started")
        elif tick <= 2 + self.metric_ticks:
            step = round((tick - 2) * self.total_steps / self.metric_ticks)
            data = {**self.metrics(step), "total_steps": self.total_steps}
            self.event(f"Step {step}/{self.total_steps}: training loss={data['train_loss']:.4f}",
                       data=data, type_="metrics")
        else:
            on_success(self)

    def succeed(self, result_file: str) -> None:
        self.fine_tuned_model = f"ft:{self.model}:{ORG}:{self.suffix or ''}:{self.id[-8:]}"
        steps_per_epoch = self.total_steps // self.epochs
        for epoch in range(max(1, self.epochs - 2), self.epochs + 1):
            step = epoch * steps_per_epoch
            name = f"{self.fine_tuned_model}:ckpt-step-{step}"
            self.checkpoints.append({
                "id": f"ftckpt-{uuid.uuid4().hex[:24]}", "object": "fine_tuning.job.checkpoint",
                "created_at": int(self.clock()), "fine_tuned_model_checkpoint": name,
                "fine_tuning_job_id": self.id, "step_number": step, "metrics": self.metrics(step)})
            self.event(f"Checkpoint created at step {step}")
        self.status = "succeeded"
        self.finished_at = int(self.clock())
        self.trained_tokens = self.tokens * self.epochs
        self.result_files = [result_file]
        self.event(f"New fine-tuned model created: {self.fine_tuned_model}")
        self.event("The job has successfully completed")


def check_training_file(content: bytes, chat: bool) -> tuple[str | None, int, int]:
    """OpenAI's file validation, roughly: -> (problem or None, examples, tokens)."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return "Invalid file format. The file is not UTF-8 encoded text.", 0, 0
    examples = tokens = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            return f"Invalid file format. Line {number} is not valid JSON.", examples, tokens
        if not isinstance(row, dict):
            return f"Invalid file format. Line {number} is not a JSON object.", examples, tokens
        if chat:
            messages = row.get("messages")
            if not isinstance(messages, list) or not messages:
                return (f"Invalid file format. Example {number} is missing key \"messages\".",
                        examples, tokens)
            for index, message in enumerate(messages, start=1):
                role = message.get("role") if isinstance(message, dict) else None
                if role not in ("system", "user", "assistant", "tool"):
                    return (f"Invalid file format. Example {number}, message {index}: "
                            f"unrecognized role {role!r}.", examples, tokens)
                tokens += count_tokens(message_text(message.get("content")))
            if not any(m.get("role") == "assistant" for m in messages):
                return (f"Invalid file format. Example {number} has no assistant message.",
                        examples, tokens)
        else:
            if not isinstance(row.get("prompt"), str) or not isinstance(row.get("completion"), str):
                return (f"Invalid file format. Example {number} must have \"prompt\" and "
                        "\"completion\" keys.", examples, tokens)
            tokens += count_tokens(row["prompt"]) + count_tokens(row["completion"])
        examples += 1
    if examples < FT_MIN_EXAMPLES:
        return (f"Training file has {examples} example(s), but must have at least "
                f"{FT_MIN_EXAMPLES} examples.", examples, tokens)
    return None, examples, tokens


def _page(items: list[dict[str, Any]], query: dict[str, str], default_limit: int) -> dict[str, Any]:
    """OpenAI's cursor pagination: `after` is the id of the last item already seen."""
    after = query.get("after")
    if after:
        ids = [item["id"] for item in items]
        items = items[ids.index(after) + 1:] if after in ids else []
    try:
        limit = max(1, min(10_000, int(query.get("limit", default_limit))))
    except ValueError:
        raise ApiError(400, "Invalid 'limit': expected an integer.", param="limit",
                       code="invalid_value") from None
    return {"object": "list", "data": items[:limit], "has_more": len(items) > limit,
            "first_id": items[0]["id"] if items else None,
            "last_id": items[:limit][-1]["id"] if items else None}


def _check_range(body: dict[str, Any], name: str, low: float, high: float,
                 kind: str = "decimal") -> None:
    value = body.get(name)
    if value is None:
        return
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise ApiError(400, f"Invalid type for '{name}': expected a {kind}.", param=name,
                       code="invalid_type")
    if value < low:
        raise ApiError(400, f"Invalid '{name}': {kind} below minimum value. Expected a value >= "
                       f"{low:g}, but got {value} instead.", param=name,
                       code=f"{kind}_below_min_value")
    if value > high:
        raise ApiError(400, f"Invalid '{name}': {kind} above maximum value. Expected a value <= "
                       f"{high:g}, but got {value} instead.", param=name,
                       code=f"{kind}_above_max_value")


def poll_statuses(fetch: Callable[[], Any], until: tuple[str, ...]) -> tuple[Any, list[str]]:
    """Poll a job as a UI would; returns it and the distinct statuses seen, in order."""
    seen: list[str] = []
    deadline = time.monotonic() + 30  # a guard against a stuck job, not a speed check
    while time.monotonic() < deadline:
        job = fetch()
        if not seen or seen[-1] != job.status:
            seen.append(job.status)
        if job.status in until:
            return job, seen
        time.sleep(0.01)
    raise AssertionError(f"job stuck in {seen}")


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Reply:
    return Reply(status, json.dumps(data).encode(), headers=headers or {})


class FakeOpenAI(LoopbackFake):
    """A fake OpenAI server in a background thread, serving at `base_url` until `close()`.

    Mutable knobs (thread-safe to change between requests): `latency` (seconds before answering;
    when streaming, before the first chunk), `n_cap` (answer at most that many choices, like
    llama.cpp ignoring `n`), `reply` (a fixed answer, or a function of the request body),
    `strict_models` (unknown models get 404), `api_key` (when set, any other key gets 401),
    `ft_step_seconds` (how long each fine-tuning state lasts). Reasoning models (gpt-5.x, gpt-6,
    o-series) answer as OpenAI does (tests/fakes/reasoning.py). `compatible=True` plays an
    OpenAI-compatible server instead: any model name, `n` and `logprobs` silently ignored, `seed`
    refused with a 400, no reasoning rules. Both answer a `json_schema` `response_format` with
    JSON that fits it (tests/fakes/structured.py), as OpenAI and llama.cpp do. `peak_in_flight`
    counts the most requests it was answering at once, so a test can tell concurrent callers from
    serialised ones without timing anything.

    Strict as OpenAI (unless `compatible`): a body parameter the endpoint does not take is a 400
    (tests/fakes/params.py), /embeddings takes only OpenAI's embedding models (a chat model gets
    OpenAI's 403), every answer, embeddings included, is added to `billed`, and `streamed` keeps
    the text each stream actually sent. Every error body and header is a frozen copy of OpenAI's
    (tests/fakes/openai_errors.json), never the app's own table. `clock` (a
    tests.fakes.clock.ManualClock) moves fine-tuning jobs and files only when the test says;
    `file_ready_seconds` keeps an upload "uploaded" (not yet processed) that long; `hold(n)`
    and `pause_stream_next` are gates in place of latencies.
    """

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, latency: float = 0.0,
                 n_cap: int | None = None, api_key: str | None = None,
                 strict_models: bool = True, ft_step_seconds: float = 0.05,
                 reply: str | Callable[[dict[str, Any]], str] | None = None,
                 compatible: bool = False, clock: Callable[[], float] = time.time,
                 file_ready_seconds: float = 0.0) -> None:
        self.latency = latency
        self.clock = clock  # fine-tuning jobs and files move on it (tests.fakes.clock.ManualClock)
        self.file_ready_seconds = file_ready_seconds  # how long an upload stays "uploaded"
        self.gate: Gate | None = None
        self.compatible = compatible
        self.n_cap = 1 if compatible else n_cap
        self.api_key = api_key
        self.strict_models = strict_models and not compatible
        self.ft_step_seconds = ft_step_seconds
        self.reply = reply
        self._lock = threading.RLock()
        self._closing = threading.Event()
        self._records: list[Record] = []
        self.billed: list[tuple[str, int, int]] = []  # (model, prompt, completion) per answer
        self.streamed: list[str] = []  # the text each stream actually sent, cut or not
        self._scripts: list[_Script] = []
        self._files: dict[str, FileRec] = {}
        self._jobs: dict[str, Job] = {}
        self._tuned: dict[str, ModelSpec] = {}
        self._prefixes: dict[int, int] = {}
        self._ids = itertools.count(1)
        self._in_flight = 0
        self.peak_in_flight = 0
        self.connections = 0  # TCP connections accepted: a client that reuses them opens few
        server = _Server((host, port), _Handler)
        server.fake = self
        self._serve(server, "fake-openai")

    # -- lifecycle ---------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def close(self) -> None:
        self._closing.set()
        super().close()

    # -- scripting ---------------------------------------------------------------------------
    def fail_next(self, status: int, body_or_error_code: str | dict[str, Any] | None = None,
                  headers: dict[str, str] | None = None, times: int = 1,
                  path: str | None = None) -> None:
        """Answer the next `times` requests (under `path`, if given) with an OpenAI error.

        A known code ("invalid_api_key", "model_not_found", "context_length_exceeded",
        "rate_limit_exceeded", "insufficient_quota", "server_error", "engine_overloaded") gets
        OpenAI's body and headers (429 rate limits carry `retry-after: 1`; `headers` override).
        A dict is sent as the JSON body as is.
        """
        self._add(_Script("fail", times, path, status=status, body=body_or_error_code,
                          headers=headers))

    def raw_next(self, body: bytes, content_type: str = "application/json", status: int = 200,
                 times: int = 1, path: str | None = None) -> None:
        """Answer the next requests with exactly these bytes: what a broken "compatible" server
        (a proxy's HTML page, a JSON of another shape) sends back."""
        self._add(_Script("raw", times, path, status=status, body=(body, content_type)))

    def hang_next(self, seconds: float, times: int = 1, path: str | None = None) -> None:
        """Read the next request, then say nothing for `seconds` and drop the connection."""
        self._add(_Script("hang", times, path, seconds=seconds))

    def cut_stream_next(self, after_chunks: int, times: int = 1, path: str | None = None) -> None:
        """Send the first `after_chunks` SSE events of the next stream, then drop the connection
        without the closing chunk or `[DONE]`. Non-streaming requests pass untouched."""
        self._add(_Script("cut", times, path, after_chunks=after_chunks))

    def error_in_stream_next(self, after_chunks: int, times: int = 1,
                             path: str | None = None) -> None:
        """Send the first `after_chunks` SSE events of the next stream, then OpenAI's in-stream
        error event (a `data:` line carrying `error`) and end the stream without `[DONE]`."""
        self._add(_Script("stream_error", times, path, after_chunks=after_chunks))

    def pause_stream_next(self, after_chunks: int) -> Gate:
        """Send the first `after_chunks` SSE events of the next stream, then wait until the test
        calls `gate.open()` (a reader that went away meanwhile finds the rest unsent)."""
        gate = Gate(10**9)
        self._add(_Script("pause", 1, None, after_chunks=after_chunks, gate=gate))
        return gate

    def hold(self, until: int, guard: float = 60.0) -> Gate:
        """Hold every answer until `until` requests are waiting together, or the test calls
        `gate.open()`; the gate then stays open."""
        self.gate = Gate(until, guard)
        return self.gate

    def reset(self) -> None:
        """Forget requests and pending scripts (files and jobs stay)."""
        with self._lock:
            self._records.clear()
            self._scripts.clear()
            self.peak_in_flight = self._in_flight

    def _add(self, script: _Script) -> None:
        with self._lock:
            self._scripts.append(script)

    def _take_script(self, path: str, streaming: bool) -> _Script | None:
        with self._lock:
            for script in self._scripts:
                if script.matches(path, streaming):
                    script.times -= 1
                    if script.times <= 0:
                        self._scripts.remove(script)
                    return script
        return None

    # -- recording ---------------------------------------------------------------------------
    @property
    def requests(self) -> list[Record]:
        with self._lock:
            return list(self._records)

    def _enter(self) -> None:
        with self._lock:
            self._in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self._in_flight)

    def _leave(self) -> None:
        with self._lock:
            self._in_flight -= 1

    def requests_to(self, path: str, method: str | None = None) -> list[Record]:
        return [r for r in self.requests
                if r.path == path and (method is None or r.method == method)]

    # -- dispatch ----------------------------------------------------------------------------
    def _dispatch(self, method: str, target: str, headers: dict[str, str],
                  raw: bytes) -> Reply | StreamReply | Hang:
        split = urlsplit(target)
        path = split.path.rstrip("/")
        query = {k: v[-1] for k, v in parse_qs(split.query).items()}
        auth = headers.get("authorization", "")
        key = auth[7:].strip() if auth.lower().startswith("bearer ") else ""
        body: Any = None
        form: dict[str, str] = {}
        files: dict[str, tuple[str, bytes]] = {}
        ctype = headers.get("content-type", "")
        if raw and ctype.startswith("multipart/form-data"):
            form, files = _parse_multipart(ctype, raw)
        elif raw:
            try:
                body = json.loads(raw)
            except ValueError:
                body = None
        shown = {k: ("REDACTED" if k in ("authorization", "api-key") else v)
                 for k, v in headers.items()}
        with self._lock:
            self._records.append(Record(method, path, query, body, shown, bool(key),
                                        key[-4:] if len(key) >= 8 else "", form))
        streaming = isinstance(body, dict) and body.get("stream") is True
        script = self._take_script(path, streaming)
        context = {"model": body.get("model", "") if isinstance(body, dict) else "",
                   "masked_key": mask_key(key)}
        if script is not None and script.kind == "hang":
            return Hang(script.seconds)
        if script is not None and script.kind == "raw":
            return Reply(script.status, *script.body)
        try:
            if script is not None and script.kind == "fail":
                raise self._scripted_error(script, context)
            self._check_key(key, context)
            self._check_params(path, body, context)
            result = self._route(method, path, query, body, form, files)
        except ApiError as err:
            result = _json(err.body, err.status, err.headers)
        if not isinstance(result, StreamReply):
            self._wait(self.latency)  # a stream waits after its headers, before the first chunk
        elif script is not None and script.kind == "cut":
            result.cut_after = script.after_chunks
        elif script is not None and script.kind == "stream_error":
            result.error_after = script.after_chunks
        elif script is not None and script.kind == "pause" and script.gate is not None:
            result.pause = (script.after_chunks, script.gate)
        return result

    def _wait(self, seconds: float) -> None:
        if seconds > 0:
            self._closing.wait(seconds)

    def _scripted_error(self, script: _Script, context: dict[str, Any]) -> ApiError:
        body = script.body
        if isinstance(body, dict):
            err = ApiError(script.status, "")
            err.body = body
        else:
            code = body or STATUS_DEFAULT_CODE.get(script.status, "server_error")
            err = known_error(code, context, script.status)
        err.headers.update(script.headers or {})
        return err

    def _check_key(self, key: str, context: dict[str, Any]) -> None:
        if self.api_key is None:
            return
        if not key:
            raise known_error("missing_api_key", context)
        if key != self.api_key:
            raise known_error("invalid_api_key", context)

    def _check_params(self, path: str, body: Any, context: dict[str, Any]) -> None:
        """OpenAI refuses parameters an endpoint does not take; a compatible server ignores them."""
        endpoint = {"/v1/chat/completions": "chat", "/v1/completions": "completions",
                    "/v1/embeddings": "embeddings", "/v1/fine_tuning/jobs": "fine_tuning"}.get(path)
        extra = [] if self.compatible or endpoint is None else unknown(endpoint, body)
        if extra:
            err = known_error("unrecognized_argument", {**context, "name": ", ".join(extra)})
            if len(extra) > 1:
                message = err.body["error"]["message"]
                err.body["error"]["message"] = message.replace("argument supplied",
                                                               "arguments supplied")
            raise err

    def _route(self, method: str, path: str, query: dict[str, str], body: Any,
               form: dict[str, str], files: dict[str, tuple[str, bytes]]) -> Reply | StreamReply:
        parts = path.strip("/").split("/")
        if parts[:1] != ["v1"]:
            raise ApiError(404, f"Invalid URL ({method} {path})")
        parts = parts[1:]
        needs_json = parts in (["chat", "completions"], ["completions"], ["fine_tuning", "jobs"],
                               ["responses"])
        if method == "POST" and needs_json and not isinstance(body, dict):
            raise ApiError(400, "We could not parse the JSON body of your request. (HINT: This "
                           "likely means you aren't using your HTTP library correctly.)")
        with self._lock:
            self._advance_jobs()
            route = (method, *parts)
            match route:
                case ("GET", "models"):
                    return _json({"object": "list", "data": self._model_list()})
                case ("GET", "models", *name):
                    return _json(self._model_object("/".join(name)))
                case ("POST", "chat", "completions"):
                    return self._chat(body)
                case ("POST", "completions"):
                    return self._completions(body)
                case ("POST", "embeddings"):
                    return _json(self._embeddings(body))
                case ("POST", "responses"):
                    return _json(self._responses(body))
                case ("POST", "files"):
                    return _json(self._upload(form, files))
                case ("GET", "files"):
                    return _json(self._list_files(query))
                case ("GET", "files", file_id):
                    return _json(self._file(file_id).to_json(self.clock()))
                case ("DELETE", "files", file_id):
                    self._file(file_id)
                    del self._files[file_id]
                    return _json({"id": file_id, "object": "file", "deleted": True})
                case ("GET", "files", file_id, "content"):
                    return Reply(200, self._file(file_id).content, "application/octet-stream")
                case ("POST", "fine_tuning", "jobs"):
                    return _json(self._create_job(body).to_json())
                case ("GET", "fine_tuning", "jobs"):
                    jobs = sorted(self._jobs.values(), key=lambda j: (j.started, j.id),
                                  reverse=True)
                    return _json(_page([j.to_json() for j in jobs], query, 20))
                case ("GET", "fine_tuning", "jobs", job_id):
                    return _json(self._job(job_id).to_json())
                case ("POST", "fine_tuning", "jobs", job_id, "cancel"):
                    return _json(self._cancel(job_id).to_json())
                case ("GET", "fine_tuning", "jobs", job_id, "events"):
                    return _json(_page(self._job(job_id).events[::-1], query, 20))
                case ("GET", "fine_tuning", "jobs", job_id, "checkpoints"):
                    return _json(_page(self._job(job_id).checkpoints[::-1], query, 10))
        raise ApiError(404, f"Invalid URL ({method} {path})")

    # -- models ------------------------------------------------------------------------------
    def _model_list(self) -> list[dict[str, Any]]:
        names = [*MODELS, *self._tuned]
        return [self._model_object(name) for name in names]

    def _model_object(self, name: str) -> dict[str, Any]:
        if name not in MODELS and name not in self._tuned:
            raise known_error("model_not_found", {"model": name})
        owner = ORG if name.startswith("ft:") else "system"
        return {"id": name, "object": "model", "created": 1_700_000_000, "owned_by": owner}

    def _spec(self, model: Any, *, chat: bool) -> ModelSpec:
        if not isinstance(model, str) or not model:
            raise ApiError(400, "you must provide a model parameter")
        if model in RETIRED:
            raise ApiError(404, f"The model `{model}` has been deprecated, learn more here: "
                           f"{DEPRECATIONS_URL}", code="model_not_found")
        spec = MODELS.get(model) or self._tuned.get(model)
        if spec is None:
            if self.strict_models:
                raise known_error("model_not_found", {"model": model})
            return ModelSpec(model, 1_000_000, 1_000_000, chat=chat)
        if self.strict_models and spec.chat != chat:
            if chat:
                raise ApiError(404, "This is not a chat model and thus not supported in the "
                               "v1/chat/completions endpoint. Did you mean to use v1/completions?",
                               param="model")
            raise ApiError(404, "This is a chat model and not supported in the v1/completions "
                           "endpoint. Did you mean to use v1/chat/completions?", param="model")
        return spec

    # -- completions -------------------------------------------------------------------------
    def _answer(self, body: dict[str, Any], prompt: str) -> str:
        reply = self.reply
        if callable(reply):
            return reply(body)
        if isinstance(reply, str):
            return reply
        return f"echo: {prompt}"

    def _sampling(self, body: dict[str, Any], spec: ModelSpec, prompt_tokens: int,
                  ) -> tuple[int, int | None, list[str]]:
        """Shared checks of n, temperature, stop, max_tokens -> (n, max_tokens, stops)."""
        _check_range(body, "n", 1, 128, "integer")
        _check_range(body, "temperature", 0, 2)
        _check_range(body, "top_p", 0, 1)
        _check_range(body, "presence_penalty", -2, 2)
        _check_range(body, "frequency_penalty", -2, 2)
        stop = body.get("stop")
        stops = [stop] if isinstance(stop, str) else list(stop or [])
        if len(stops) > 4:
            raise ApiError(400, "Invalid 'stop': array too long. Expected an array with maximum "
                           f"length 4, but got an array with length {len(stops)} instead.",
                           param="stop", code="array_above_max_length")
        if body.get("stream_options") is not None and not body.get("stream"):
            raise ApiError(400, "The 'stream_options' parameter is only allowed when 'stream' is "
                           "enabled.", param="stream_options", code="invalid_value")
        max_tokens = body.get("max_completion_tokens", body.get("max_tokens"))
        name = "max_completion_tokens" if "max_completion_tokens" in body else "max_tokens"
        _check_range(body, name, 1, 10**9, "integer")
        if max_tokens is not None and max_tokens > spec.max_output:
            raise ApiError(400, f"max_tokens is too large: {max_tokens}. This model supports at "
                           f"most {spec.max_output} completion tokens, whereas you provided "
                           f"{max_tokens}.", param=name, code="invalid_value")
        if prompt_tokens + (max_tokens or 0) > spec.context:
            raise known_error("context_length_exceeded", {
                "context": spec.context, "tokens": prompt_tokens + (max_tokens or 0)})
        n = body.get("n") or 1
        if self.n_cap is not None:
            n = min(n, self.n_cap)
        return n, max_tokens, stops

    def _chat(self, body: dict[str, Any]) -> Reply | StreamReply:
        messages = body.get("messages")
        if messages is None:
            raise ApiError(400, "Missing required parameter: 'messages'.", param="messages",
                           code="missing_required_parameter")
        if not isinstance(messages, list) or not messages:
            raise ApiError(400, "Invalid 'messages': empty array. Expected an array with minimum "
                           "length 1, but got an empty array instead.", param="messages",
                           code="empty_array")
        spec = self._spec(body.get("model"), chat=True)
        texts = [message_text(m.get("content")) if isinstance(m, dict) else "" for m in messages]
        prompt_tokens = sum(count_tokens(t) for t in texts)
        if body.get("top_logprobs") is not None and not body.get("logprobs"):
            raise ApiError(400, "Invalid value for 'top_logprobs': 'logprobs' must be set to true "
                           "when 'top_logprobs' is used.", param="top_logprobs",
                           code="invalid_value")
        _check_range(body, "top_logprobs", 0, 20, "integer")
        effort = self._reasoning_rules(body)
        schema = structured.schema_of(body)
        n, max_tokens, stops = self._sampling(body, spec, prompt_tokens)
        used, room = reasoning.spend(effort, max_tokens)
        last_user = next((t for m, t in zip(reversed(messages), reversed(texts), strict=True)
                          if isinstance(m, dict) and m.get("role") == "user"), texts[-1])
        plain = self._answer(body, last_user)
        text, finish = _truncate(plain if schema is None else structured.answer(schema, plain),
                                 room, stops)
        cached = self._cached_tokens(texts)
        top = (body.get("top_logprobs") or 0) if body.get("logprobs") else None
        if self.compatible:
            top = None
        return self._respond(body, spec, "chat", [(text, finish)] * n, prompt_tokens, cached, top,
                             used)

    def _reasoning_rules(self, body: dict[str, Any]) -> str | None:
        """OpenAI's refusals for reasoning models; a compatible server refuses `seed` instead."""
        if self.compatible:
            if body.get("seed") is not None:
                raise ApiError(400, "Unsupported parameter: 'seed' is not supported by this "
                               "server.", param="seed", code="unsupported_parameter")
            return None
        try:
            return reasoning.check(body, str(body.get("model", "")))
        except reasoning.Refused as refused:
            raise ApiError(400, refused.message, param=refused.param,
                           code=refused.code) from None

    def _embeddings(self, body: dict[str, Any]) -> dict[str, Any]:
        """Each word hashed into one of 32 dimensions: texts sharing words point the same way.

        OpenAI embeds only with its embedding models: a chat model gets a 403, an unknown name a
        404. Billed like any call (input tokens only)."""
        model = body.get("model")
        if not isinstance(model, str) or not model:
            raise ApiError(400, "you must provide a model parameter")
        if self.strict_models and model not in EMBEDDING_MODELS:
            if model in MODELS or model in self._tuned or model in RETIRED:
                raise known_error("embeddings_not_allowed", {"model": model})
            raise known_error("model_not_found", {"model": model})
        texts = body.get("input")
        texts = [texts] if isinstance(texts, str) else texts
        if not isinstance(texts, list) or not texts or not all(isinstance(t, str) for t in texts):
            raise ApiError(400, "'input' must be a string or a list of strings", param="input")
        data = []
        for i, text in enumerate(texts):
            vector = [0.0] * EMBEDDING_DIMENSIONS
            for word in re.findall(r"\w+", text.lower()):
                vector[sum(word.encode()) % EMBEDDING_DIMENSIONS] += 1.0
            data.append({"object": "embedding", "index": i, "embedding": vector})
        tokens = sum(len(re.findall(r"\w+", t)) for t in texts)
        with self._lock:
            self.billed.append((model, tokens, 0))
        return {"object": "list", "data": data, "model": model,
                "usage": {"prompt_tokens": tokens, "total_tokens": tokens}}

    def _completions(self, body: dict[str, Any]) -> Reply | StreamReply:
        spec = self._spec(body.get("model"), chat=False)
        prompt = body.get("prompt")
        prompts = [prompt] if isinstance(prompt, str) else prompt
        if not isinstance(prompts, list) or not all(isinstance(p, str) for p in prompts):
            raise ApiError(400, "Invalid 'prompt': expected a string or an array of strings.",
                           param="prompt", code="invalid_type")
        _check_range(body, "logprobs", 0, 5, "integer")
        prompt_tokens = sum(count_tokens(p) for p in prompts)
        n, max_tokens, stops = self._sampling(body, spec, prompt_tokens)
        outputs = []
        for p in prompts:
            outputs += [_truncate(self._answer(body, p), 16 if max_tokens is None else max_tokens,
                                  stops)] * n
        return self._respond(body, spec, "text", outputs, prompt_tokens, 0, body.get("logprobs"))

    def _responses(self, body: dict[str, Any]) -> dict[str, Any]:
        """The Responses API, enough for "view code": one answer, no `n`, reasoning as `usage`."""
        for name in ("n", "stop", "seed", "max_tokens", "frequency_penalty", "presence_penalty"):
            if name in body:
                raise ApiError(400, f"Unknown parameter: '{name}'.", param=name,
                               code="unknown_parameter")
        spec = self._spec(body.get("model"), chat=True)
        given = body.get("input")
        turns = [{"role": "user", "content": given}] if isinstance(given, str) else given or []
        texts = [message_text(m.get("content")) for m in turns if isinstance(m, dict)]
        effort = (body.get("reasoning") or {}).get("effort")
        used, room = reasoning.spend(effort or ("medium" if reasoning.family(spec.snapshot)
                                                else None), body.get("max_output_tokens"))
        text, _ = _truncate(self._answer(body, texts[-1] if texts else ""), room, [])
        prompt = sum(count_tokens(x) for x in [body.get("instructions") or "", *texts])
        out = len(split_tokens(text)) + used
        return {"id": f"resp_{uuid.uuid4().hex[:24]}", "object": "response",
                "created_at": int(self.clock()), "model": spec.snapshot, "status": "completed",
                "output": [{"type": "message", "id": f"msg_{uuid.uuid4().hex[:24]}",
                            "status": "completed", "role": "assistant",
                            "content": [{"type": "output_text", "text": text,
                                         "annotations": []}]}],
                "usage": {"input_tokens": prompt, "output_tokens": out,
                          "total_tokens": prompt + out,
                          "input_tokens_details": {"cached_tokens": 0},
                          "output_tokens_details": {"reasoning_tokens": used}}}

    def _cached_tokens(self, texts: list[str]) -> int:
        """OpenAI caches prompt prefixes of 1,024+ tokens in 128-token steps."""
        cached = 0
        total = 0
        for i, text in enumerate(texts):
            total += count_tokens(text)
            key = hash(tuple(texts[: i + 1]))
            if i < len(texts) - 1 and key in self._prefixes:
                cached = total
            self._prefixes[key] = total
        return cached // 128 * 128 if cached >= 1024 else 0

    def _respond(self, body: dict[str, Any], spec: ModelSpec, kind: str,
                 outputs: list[tuple[str, str]], prompt_tokens: int, cached: int,
                 top: int | None, reasoning_tokens: int = 0) -> Reply | StreamReply:
        ident = (f"chatcmpl-{uuid.uuid4().hex[:24]}" if kind == "chat"
                 else f"cmpl-{uuid.uuid4().hex[:24]}")
        created = int(self.clock())
        reasoning_tokens *= len(outputs)  # each choice thinks on its own
        completion_tokens = sum(len(split_tokens(text)) for text, _ in outputs) + reasoning_tokens
        usage = {
            "prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
            "prompt_tokens_details": {"cached_tokens": cached, "audio_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": reasoning_tokens, "audio_tokens": 0,
                                          "accepted_prediction_tokens": 0,
                                          "rejected_prediction_tokens": 0},
        }
        with self._lock:  # what OpenAI would bill: tests add it up to check caps
            self.billed.append((spec.snapshot, prompt_tokens, completion_tokens))
        head = {"id": ident, "created": created, "model": spec.snapshot,
                "system_fingerprint": FINGERPRINT}
        if kind == "chat":
            head["service_tier"] = "default"
        if body.get("stream"):
            include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
            events = _stream_events(kind, head, outputs, top, usage if include_usage else None)
            return StreamReply(events)
        choices = []
        for index, (text, finish) in enumerate(outputs):
            tokens = split_tokens(text)
            if kind == "chat":
                choices.append({
                    "index": index, "finish_reason": finish,
                    "message": {"role": "assistant", "content": text, "refusal": None,
                                "annotations": []},
                    "logprobs": None if top is None else {
                        "content": [_chat_logprob(t, top) for t in tokens], "refusal": None}})
            else:
                choices.append({"index": index, "text": text, "finish_reason": finish,
                                "logprobs": None if top is None else _legacy_logprobs(tokens, top)})
        obj = "chat.completion" if kind == "chat" else "text_completion"
        return _json({**head, "object": obj, "choices": choices, "usage": usage})

    # -- files -------------------------------------------------------------------------------
    def _new_id(self, prefix: str) -> str:
        return f"{prefix}-{next(self._ids):04d}{uuid.uuid4().hex[:20]}"

    def _upload(self, form: dict[str, str], files: dict[str, tuple[str, bytes]]) -> dict[str, Any]:
        purpose = form.get("purpose")
        if "file" not in files:
            raise ApiError(400, "Missing required parameter: 'file'.", param="file",
                           code="missing_required_parameter")
        if purpose not in FILE_PURPOSES:
            raise ApiError(400, f"'{purpose}' is not one of {list(FILE_PURPOSES)} - 'purpose'",
                           param="purpose", code="invalid_value")
        filename, content = files["file"]
        rec = self._store_file(filename, purpose, content)
        rec.ready_at = rec.created_at + self.file_ready_seconds
        return rec.to_json(self.clock())

    def _store_file(self, filename: str, purpose: str, content: bytes) -> FileRec:
        rec = FileRec(self._new_id("file"), filename, purpose, content, int(self.clock()),
                      self.clock())
        self._files[rec.id] = rec
        return rec

    def _file(self, file_id: str) -> FileRec:
        if file_id not in self._files:
            raise ApiError(404, f"No such File object: {file_id}", param="id")
        return self._files[file_id]

    def _list_files(self, query: dict[str, str]) -> dict[str, Any]:
        rows = [f for f in self._files.values()
                if query.get("purpose") in (None, f.purpose)]
        if query.get("order", "desc") == "desc":
            rows.reverse()
        return _page([f.to_json(self.clock()) for f in rows], query, 10_000)

    # -- fine-tuning -------------------------------------------------------------------------
    def _create_job(self, body: dict[str, Any]) -> Job:
        model = body.get("model")
        spec = (MODELS.get(model) or self._tuned.get(model)) if isinstance(model, str) else None
        if spec is None or not spec.fine_tunable:
            raise ApiError(400, f"Model {model} is not available for fine-tuning or does not "
                           "exist.", param="model", code="model_not_available")
        training = self._files.get(body.get("training_file") or "")
        if training is None:
            raise ApiError(400, f"invalid training_file: {body.get('training_file')}",
                           param="training_file")
        for name, pending in (("training_file", training),
                              ("validation_file", self._files.get(body.get("validation_file") or ""))):
            if pending is not None and pending.status(self.clock()) != "processed":
                raise known_error("file_not_ready", {"file_id": pending.id, "param": name})
        if training.purpose != "fine-tune":
            raise ApiError(400, f"File {training.id} has purpose '{training.purpose}'; fine-tuning "
                           "needs files uploaded with purpose 'fine-tune'.",
                           param="training_file", code="invalid_file_purpose")
        validation = body.get("validation_file")
        if validation is not None and validation not in self._files:
            raise ApiError(400, f"invalid validation_file: {validation}", param="validation_file")
        suffix = body.get("suffix")
        if suffix is not None and (not isinstance(suffix, str) or len(suffix) > 64):
            raise ApiError(400, "Invalid 'suffix': string too long. Expected a string with maximum "
                           "length 64.", param="suffix", code="string_above_max_length")
        hyper = {"n_epochs": "auto", "batch_size": "auto", "learning_rate_multiplier": "auto"}
        method = body.get("method") or {}
        hyper.update(body.get("hyperparameters") or {})
        hyper.update(((method.get("supervised") or {}).get("hyperparameters")) or {})
        for name, low, high in (("n_epochs", 1, 50), ("batch_size", 1, 256),
                                ("learning_rate_multiplier", 0.0001, 10)):
            if hyper[name] != "auto":
                _check_range(hyper, name, low, high,
                             "decimal" if name == "learning_rate_multiplier" else "integer")
        problem, examples, tokens = check_training_file(training.content, spec.chat)
        if problem is None and validation is not None:
            problem = check_training_file(self._files[validation].content, spec.chat)[0]
            problem = problem and problem.replace("Training file", "Validation file")
        job_id = self._new_id("ftjob")
        seed = body.get("seed")
        job = Job(id=job_id, model=spec.snapshot, training_file=training.id,
                  validation_file=validation, suffix=suffix,
                  seed=seed if isinstance(seed, int) else zlib.crc32(job_id.encode()) % 2**31,
                  hyperparameters=hyper, created_at=int(self.clock()), started=self.clock(),
                  problem=problem, n_examples=examples, tokens=tokens,
                  metadata=body.get("metadata"), clock=self.clock)
        job.event(f"Created fine-tuning job: {job_id}")
        job.event(f"Validating training file: {training.id}"
                  + (f" and validation file: {validation}" if validation else ""))
        self._jobs[job_id] = job
        return job

    def _job(self, job_id: str) -> Job:
        if job_id not in self._jobs:
            raise ApiError(404, f"No such fine-tuning job: {job_id}", param="fine_tuning_job_id")
        return self._jobs[job_id]

    def _cancel(self, job_id: str) -> Job:
        job = self._job(job_id)
        if job.status not in ("validating_files", "queued", "running"):
            raise ApiError(400, f"Job {job_id} has already {job.status}; it cannot be cancelled.",
                           param="fine_tuning_job_id")
        job.status = "cancelled"
        job.finished_at = int(self.clock())
        job.event("Fine-tuning job cancelled")
        return job

    def _advance_jobs(self) -> None:
        now = self.clock()
        for job in self._jobs.values():
            job.advance(now, self.ft_step_seconds, self._finish_job)

    def _finish_job(self, job: Job) -> None:
        rows = ["step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy"]
        for step in range(1, job.total_steps + 1):
            m = job.metrics(step)
            rows.append(f"{step},{m['train_loss']},{m['train_mean_token_accuracy']},,")
        result = self._store_file("step_metrics.csv", "fine-tune-results",
                                  ("\n".join(rows) + "\n").encode())
        job.succeed(result.id)
        base = MODELS.get(job.model) or self._tuned[job.model]
        names = [c["fine_tuned_model_checkpoint"] for c in job.checkpoints]
        for name in [str(job.fine_tuned_model), *names]:
            self._tuned[name] = ModelSpec(name, base.context, base.max_output, base.chat, True)


def _truncate(text: str, max_tokens: int | None, stops: list[str]) -> tuple[str, str]:
    """Cut at the first stop sequence (not included), then at max_tokens -> (text, finish)."""
    cuts = [text.find(s) for s in stops if s and s in text]
    if cuts:
        text = text[: min(cuts)]
    tokens = split_tokens(text)
    if max_tokens is not None and len(tokens) > max_tokens:
        return "".join(tokens[:max_tokens]), "length"
    return text, "stop"


def _chat_logprob(token: str, top: int) -> dict[str, Any]:
    logprob = token_logprob(token)
    return {"token": token, "logprob": logprob, "bytes": list(token.encode()),
            "top_logprobs": [{"token": t, "logprob": lp, "bytes": list(t.encode())}
                             for t, lp in top_alternatives(token, logprob, top)]}


def _legacy_logprobs(tokens: list[str], top: int) -> dict[str, Any]:
    offsets = list(itertools.accumulate((len(t) for t in tokens[:-1]), initial=0))
    logprobs = [token_logprob(t) for t in tokens]
    return {"tokens": tokens, "token_logprobs": logprobs, "text_offset": offsets,
            "top_logprobs": [dict(top_alternatives(t, lp, top)) if top else {}
                             for t, lp in zip(tokens, logprobs, strict=True)]}


def _stream_events(kind: str, head: dict[str, Any], outputs: list[tuple[str, str]],
                   top: int | None, usage: dict[str, Any] | None) -> Iterator[dict[str, Any]]:
    """OpenAI's chunk sequence: a role chunk, one chunk per token (choices interleaved), a
    finish chunk per choice, then a usage-only chunk when `include_usage` was asked."""
    obj = "chat.completion.chunk" if kind == "chat" else "text_completion"
    extra = {"usage": None} if usage is not None else {}

    def chunk(choice: dict[str, Any]) -> dict[str, Any]:
        return {**head, "object": obj, "choices": [choice], **extra}

    token_lists = [split_tokens(text) for text, _ in outputs]
    if kind == "chat":
        for index in range(len(outputs)):
            yield chunk({"index": index, "delta": {"role": "assistant", "content": "",
                                                   "refusal": None},
                         "logprobs": None, "finish_reason": None})
    offsets = [0] * len(outputs)
    for position in range(max((len(t) for t in token_lists), default=0)):
        for index, tokens in enumerate(token_lists):
            if position >= len(tokens):
                continue
            token = tokens[position]
            if kind == "chat":
                logprobs = None if top is None else {"content": [_chat_logprob(token, top)],
                                                     "refusal": None}
                yield chunk({"index": index, "delta": {"content": token}, "logprobs": logprobs,
                             "finish_reason": None})
            else:
                logprobs = None if top is None else _legacy_logprobs([token], top)
                if logprobs is not None:
                    logprobs["text_offset"] = [offsets[index]]
                offsets[index] += len(token)
                yield chunk({"index": index, "text": token, "logprobs": logprobs,
                             "finish_reason": None})
    for index, (_, finish) in enumerate(outputs):
        if kind == "chat":
            yield chunk({"index": index, "delta": {}, "logprobs": None, "finish_reason": finish})
        else:
            yield chunk({"index": index, "text": "", "logprobs": None, "finish_reason": finish})
    if usage is not None:
        yield {**head, "object": obj, "choices": [], "usage": usage}


def _parse_multipart(ctype: str, raw: bytes) -> tuple[dict[str, str], dict[str, tuple[str, bytes]]]:
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + ctype.encode("latin-1") + b"\r\n\r\n" + raw)
    form: dict[str, str] = {}
    files: dict[str, tuple[str, bytes]] = {}
    if not message.is_multipart():
        return form, files
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True) or b""
        filename = part.get_filename()
        if filename is not None:
            files[str(name)] = (filename, payload)
        else:
            form[str(name)] = payload.decode("utf-8", "replace")
    return form, files


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 256
    allow_reuse_address = True
    fake: FakeOpenAI

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client dropping an idle keep-alive socket is normal, not worth a traceback."""
        if not isinstance(sys.exc_info()[1], ConnectionResetError | BrokenPipeError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # TCP_NODELAY, as real servers set it: otherwise a stream's last bytes (the chunked body's
    # end, written after [DONE]) wait for the client's delayed ACK, ~40 ms on a kept connection.
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, *args: Any) -> None:
        """Quiet: tests read `fake.requests` instead."""

    def setup(self) -> None:
        super().setup()
        with self.server.fake._lock:
            self.server.fake.connections += 1

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def _read_body(self) -> bytes:
        if self.headers.get("transfer-encoding", "").lower() == "chunked":
            parts = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("content-length") or 0))

    def _serve(self) -> None:
        fake = self.server.fake
        fake._enter()
        try:
            raw = self._read_body()
            gate = fake.gate
            if gate is not None:
                gate.pass_through()
            headers = {k.lower(): v for k, v in self.headers.items()}
            outcome = fake._dispatch(self.command, self.path, headers, raw)
            if isinstance(outcome, Hang):
                fake._wait(outcome.seconds)
                self.close_connection = True
            elif isinstance(outcome, StreamReply):
                self._stream(outcome, fake)
            else:
                self._send(outcome)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception as exc:  # a bug in the fake: show it, and answer like a 500
            traceback.print_exc()
            self.close_connection = True
            self._send(_json({"error": {"message": f"fake server bug: {exc!r}",
                                        "type": "server_error", "param": None, "code": None}},
                             500))
        finally:
            fake._leave()

    def _send(self, reply: Reply) -> None:
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        self.send_header("x-request-id", f"req_{uuid.uuid4().hex}")
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(reply.body)

    def _stream(self, reply: StreamReply, fake: FakeOpenAI) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("x-request-id", f"req_{uuid.uuid4().hex}")
        self.end_headers()
        fake._wait(fake.latency)
        with fake._lock:
            fake.streamed.append("")
            mine = len(fake.streamed) - 1
        for sent, event in enumerate(reply.events):
            if reply.pause is not None and sent == reply.pause[0]:
                reply.pause[1].pass_through()
            if reply.error_after is not None and sent >= reply.error_after:
                error = frozen("stream_server_error")["body"]
                self._chunk(f"data: {json.dumps(error)}\n\n".encode())
                self.wfile.write(b"0\r\n\r\n")
                self.close_connection = True
                return
            if reply.cut_after is not None and sent >= reply.cut_after:
                self.close_connection = True
                return
            self._chunk(f"data: {json.dumps(event)}\n\n".encode())
            with fake._lock:
                fake.streamed[mine] += "".join(
                    c.get("text") or (c.get("delta") or {}).get("content") or ""
                    for c in event.get("choices", []))
        if reply.cut_after is not None:
            self.close_connection = True
            return
        self._chunk(b"data: [DONE]\n\n")
        self.wfile.write(b"0\r\n\r\n")

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Fake OpenAI API server for benches.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8089)
    parser.add_argument("--latency", type=float, default=0.0,
                        help="seconds before each answer (before the first chunk when streaming)")
    parser.add_argument("--n-cap", type=int, default=None,
                        help="answer at most this many choices (llama.cpp ignores n: use 1)")
    parser.add_argument("--api-key", default=None, help="accept only this key")
    parser.add_argument("--any-model", action="store_true",
                        help="accept any model name, as an OpenAI-compatible server does")
    parser.add_argument("--compatible", action="store_true",
                        help="play an OpenAI-compatible server: any model, n and logprobs "
                             "ignored, seed refused")
    parser.add_argument("--ft-step-seconds", type=float, default=2.0,
                        help="how long each fine-tuning job state lasts")
    args = parser.parse_args(argv)
    fake = FakeOpenAI(host=args.host, port=args.port, latency=args.latency, n_cap=args.n_cap,
                      api_key=args.api_key, strict_models=not args.any_model,
                      ft_step_seconds=args.ft_step_seconds, compatible=args.compatible)
    print(f"Fake OpenAI serving at http://{args.host}:{fake.port}/v1 (Ctrl-C to stop)", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        fake.close()


if __name__ == "__main__":
    main()
