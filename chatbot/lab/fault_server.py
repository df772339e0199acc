"""A simulated OpenAI endpoint on loopback that fails on purpose, for the lab's error simulator.

The path names the failure and the run: POST /<run>/<failure>/v1/chat/completions. It answers
with OpenAI's own error bodies and headers (chatbot/lab/openai_errors.py), hangs, or cuts a stream
mid-way, and logs when each attempt arrived so the lab can draw a timeline. It never sees a real
key (the lab sends a made-up one) and needs no network: it listens on 127.0.0.1 only.
"""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from chatbot.i18n import Msg
from chatbot.lab.openai_errors import ApiError, known_error, mask_key

FAILURES = ("bad_key", "rate_limit", "quota", "server_error", "timeout", "cut", "context")
_CODES = {"bad_key": "invalid_api_key", "rate_limit": "rate_limit_exceeded",
          "quota": "insufficient_quota", "server_error": "server_error",
          "context": "context_length_exceeded"}
CUT_WORDS = ("Los", " tokens", " llegan", " uno", " a")  # what arrives before the cut
MAX_RUNS = 64  # arrival logs kept, oldest dropped first


@dataclass(frozen=True)
class Arrival:
    at: float  # time.monotonic() when the request arrived
    answer: str | Msg  # what the endpoint did with it, in words


class FaultServer:
    """Started on first use, stopped with the process (a daemon thread); one per app."""

    def __init__(self, hang_s: float) -> None:
        self.hang_s = hang_s
        self._lock = threading.Lock()
        self._runs: OrderedDict[str, list[Arrival]] = OrderedDict()
        self._server: ThreadingHTTPServer | None = None
        self._closing = threading.Event()

    def base_url(self, run: str, failure: str) -> str:
        if failure not in FAILURES:
            raise ValueError(failure)
        with self._lock:
            if self._server is None:
                server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
                server.daemon_threads = True
                server.faults = self  # type: ignore[attr-defined]
                threading.Thread(target=server.serve_forever, name="lab-faults",
                                 daemon=True).start()
                self._server = server
            port = self._server.server_address[1]
        return f"http://127.0.0.1:{port}/{run}/{failure}/v1"

    def arrivals(self, run: str) -> list[Arrival]:
        with self._lock:
            return list(self._runs.get(run, ()))

    def log(self, run: str, answer: str | Msg) -> None:
        with self._lock:
            self._runs.setdefault(run, []).append(Arrival(time.monotonic(), answer))
            self._runs.move_to_end(run)
            while len(self._runs) > MAX_RUNS:
                self._runs.popitem(last=False)

    def wait(self, seconds: float) -> None:
        self._closing.wait(seconds)

    def close(self) -> None:
        self._closing.set()
        with self._lock:
            server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()


def error_for(failure: str, body: dict[str, Any], key: str) -> ApiError:
    """OpenAI's reply for this failure, filled from the request as OpenAI fills it."""
    model = str(body.get("model") or "")
    return known_error(_CODES[failure], {"model": model, "masked_key": mask_key(key),
                                         "context": 16_385, "tokens": 20_000})


def _chunk(model: str, delta: dict[str, Any], finish: str | None = None) -> bytes:
    event = {"id": "chatcmpl-lab", "object": "chat.completion.chunk", "created": int(time.time()),
             "model": model, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
    data = f"data: {json.dumps(event)}\n\n".encode()
    return b"%x\r\n%s\r\n" % (len(data), data)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:
        """Quiet: the lab reads its own arrival log."""

    def do_POST(self) -> None:
        faults: FaultServer = self.server.faults  # type: ignore[attr-defined]
        parts = self.path.strip("/").split("/")
        raw = self.rfile.read(int(self.headers.get("content-length") or 0))
        if len(parts) < 3 or parts[1] not in FAILURES:
            self._send(404, {"error": {"message": f"Invalid URL (POST {self.path})"}}, {})
            return
        run, failure = parts[0], parts[1]
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = {}
        auth = self.headers.get("authorization", "")
        key = auth[7:] if auth.lower().startswith("bearer ") else ""
        if failure == "timeout":
            faults.log(run, Msg("lab.fault_hang", seconds=f"{faults.hang_s:g}"))
            faults.wait(faults.hang_s)
            self.close_connection = True
        elif failure == "cut":
            faults.log(run, Msg("lab.fault_cut", n=len(CUT_WORDS)))
            self._cut(str(body.get("model") or ""))
        else:
            err = error_for(failure, body, key)
            retry = err.headers.get("retry-after")
            faults.log(run, f"HTTP {err.status} {err.body['error']['code'] or ''}".strip()
                       + (f" · retry-after: {retry}" if retry else ""))
            self._send(err.status, err.body, err.headers)

    def _send(self, status: int, body: dict[str, Any], headers: dict[str, str]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _cut(self, model: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.wfile.write(_chunk(model, {"role": "assistant", "content": ""}))
        for word in CUT_WORDS:
            self.wfile.write(_chunk(model, {"content": word}))
            self.wfile.flush()
            time.sleep(0.15)  # slow enough to watch the words arrive
        self.close_connection = True  # no finish chunk, no [DONE], no closing 0-chunk
