"""A whole class on the embedded model: 1, 8 and 16 students chatting at once THROUGH THE APP
(Gradio's REST API, one session each), on the embedded engine and, where llama-cpp-python's
server is installed, on the old engine (with and without `interrupt_requests`) behind the same
app as an OpenAI-compatible server. Rounds interleave engines and class sizes, so drift in this
VM's speed hits them alike. Prints every answer's completeness, aggregate tokens per second and
first-token p50/p95.

    python bench/bench_app.py class [--rounds 3] [--new-only]
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from chatbot.engine.embedded_model import LOCAL_MODEL_NAME
from chatbot.engine.llama_server import assemble_model
from tests.conftest import free_port, wait_http

CLASS_SIZES = (1, 8, 16)
MAX_TOKENS = 64  # the chat tab's answers here; a class asks short questions
QUESTIONS = ["¿Qué es un chatbot?", "Dame una idea de proyecto con la API de OpenAI.",
             "¿Qué hace la temperatura?", "Explica qué es un token.",
             "¿Para qué sirve el prompt de sistema?", "Escribe un saludo para un bot de cocina.",
             "¿Qué es el fine-tuning?", "¿Cómo cuento los tokens de un texto?"]
_USAGE = re.compile(r"(\d+) → (\d+) tokens")


@dataclass(frozen=True)
class Answer:
    first_s: float | None  # seconds to the first answer text
    complete: bool  # the app reported usage, no cut, no error
    tokens: int  # completion tokens the engine reported


async def chat_once(http: httpx.AsyncClient, url: str, session: str, question: str) -> Answer:
    """One student's turn through the chat API, read to the end of its SSE stream."""
    start = time.perf_counter()
    resp = await http.post(f"{url}gradio_api/call/chat", json={
        "data": [question, [], "Edu", "Eres Edu, un profesor breve.", 0.7, MAX_TOKENS, ""],
        "session_hash": session})
    event_id = resp.json()["event_id"]
    event, first, last = "", None, None
    async with http.stream("GET", f"{url}gradio_api/call/chat/{event_id}") as stream:
        async for line in stream.aiter_lines():
            if line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:") and event in ("generating", "complete"):
                last = json.loads(line[5:])
                if first is None and _answer_text(last):
                    first = time.perf_counter() - start
            elif line.startswith("data:") and event == "error":
                return Answer(first, False, 0)
    notice = last[2] if last else ""
    usage = _USAGE.search(notice or "")
    complete = bool(usage) and "⚠️" not in notice and bool(_answer_text(last))
    return Answer(first, complete, int(usage.group(2)) if usage else 0)


def _answer_text(data: list | None) -> str:
    history = data[0] if data else []
    if len(history) < 2 or history[-1]["role"] != "assistant":
        return ""
    content = history[-1]["content"]
    text = content[0].get("text", "") if isinstance(content, list) and content else content
    return "" if text in ("", "…") else str(text)


@dataclass
class Tally:
    answers: list[Answer]
    rates: list[float]  # aggregate completion tokens per second of each round

    def line(self) -> str:
        firsts = [a.first_s for a in self.answers if a.first_s is not None]
        done = sum(a.complete for a in self.answers)
        p50 = statistics.median(firsts) if firsts else float("nan")
        p95 = sorted(firsts)[min(len(firsts) - 1, round(0.95 * (len(firsts) - 1)))] \
            if firsts else float("nan")
        marks = "".join("✓" if a.complete else "✗" for a in self.answers)
        return (f"complete {done}/{len(self.answers)} · {statistics.median(self.rates):5.1f} "
                f"tok/s · first token p50 {p50:5.2f} s, p95 {p95:5.2f} s · {marks}")


async def one_round(url: str, size: int, tag: str) -> tuple[list[Answer], float]:
    async with httpx.AsyncClient(timeout=600, limits=httpx.Limits(max_connections=64)) as http:
        start = time.perf_counter()
        answers = await asyncio.gather(*(
            chat_once(http, url, f"{tag}-{size}-{i}", QUESTIONS[i % len(QUESTIONS)])
            for i in range(size)))
        wall = time.perf_counter() - start
    return list(answers), sum(a.tokens for a in answers) / wall


def _launch(env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    root = Path(__file__).resolve().parent.parent
    full = {**os.environ, "GRADIO_SERVER_PORT": str(port), "GRADIO_ANALYTICS_ENABLED": "False",
            "OPENAI_API_KEY": "", "OPENAI_BASE_URL": "", **env}
    proc = subprocess.Popen([sys.executable, "app.py"], cwd=root, env=full,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    wait_http(url, 120, proc)
    return proc, url


def _old_engine_installed() -> bool:
    """llama_cpp.server and the web stack its `[server]` extra brings (not in requirements)."""
    return all(importlib.util.find_spec(m) is not None for m in (
        "llama_cpp.server", "fastapi", "uvicorn", "sse_starlette", "starlette_context",
        "pydantic_settings"))


def _old_engine(cache: Path, interrupt: bool) -> tuple[subprocess.Popen[bytes], str]:
    """llama-cpp-python's server exactly as the app started it before (logits for logprobs)."""
    port = free_port()
    threads = str(os.cpu_count() or 1)
    proc = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(assemble_model(cache)),
         "--model_alias", LOCAL_MODEL_NAME, "--host", "127.0.0.1", "--port", str(port),
         "--n_ctx", "4096", "--n_threads", threads, "--n_threads_batch", threads,
         "--logits_all", "True", "--interrupt_requests", str(interrupt), "--verbose", "False"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/v1"
    wait_http(f"{base}/models", 300, proc)
    return proc, base


def bench_class(cache: Path, rounds: int = 3, new_only: bool = False) -> None:
    procs: list[subprocess.Popen[bytes]] = []
    apps: dict[str, str] = {}
    try:
        proc, apps["llama-server (embedded)"] = _launch({})
        procs.append(proc)
        if not new_only and _old_engine_installed():
            for interrupt in (False, True):
                engine, base = _old_engine(cache, interrupt)
                proc, url = _launch({"OPENAI_BASE_URL": base, "OPENAI_API_KEY": "sk-none",
                                     "CHATBOT_MODEL": LOCAL_MODEL_NAME})
                procs += [engine, proc]
                apps[f"llama_cpp.server, interrupt {interrupt}"] = url
        for url in apps.values():  # the model loaded and every prompt path warm
            asyncio.run(one_round(url, 1, "warm"))
        _run_rounds(apps, rounds, os.getloadavg)
    finally:
        for proc in reversed(procs):
            proc.terminate()
            proc.wait(30)


def _run_rounds(apps: dict[str, str], rounds: int,
                loadavg: Callable[[], tuple[float, float, float]]) -> None:
    tallies = {(name, size): Tally([], []) for name in apps for size in CLASS_SIZES}
    print(f"[class] chats through the app, max_tokens={MAX_TOKENS}, {rounds} interleaved rounds;"
          f" load before: {loadavg()[0]:.2f}")
    for r in range(rounds):
        for size in CLASS_SIZES:
            for name, url in apps.items():
                answers, rate = asyncio.run(one_round(url, size, f"r{r}"))
                tallies[name, size].answers.extend(answers)
                tallies[name, size].rates.append(rate)
    for size in CLASS_SIZES:
        for name in apps:
            print(f"  {size:2d} students · {name:34s}: {tallies[name, size].line()}")
    new = "llama-server (embedded)"
    solo = statistics.median(tallies[new, 1].rates)
    for size in CLASS_SIZES[1:]:
        print(f"  {size} students vs 1 on the embedded engine: "
              f"{statistics.median(tallies[new, size].rates) / solo:.2f}× the tokens per second")
    print(f"  load after (1-min average): {loadavg()[0]:.2f}")
