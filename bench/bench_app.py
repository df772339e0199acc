"""Issues 2 and 10's performance claims, measured in one run and printed as ratios.

    python bench/bench_app.py            # all four
    python bench/bench_app.py stream     # app client vs llama-cpp-python in-process
    python bench/bench_app.py users      # 16 users at once vs one, fake server at 300 ms
    python bench/bench_app.py coldstart  # `python app.py` to HTTP 200
    python bench/bench_app.py class      # 1, 8, 16 students on the embedded model (bench_class)

Run it on a quiet machine: anything else using the two cores skews the model numbers.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gradio_client import Client  # noqa: E402

from chatbot.client import Backend, ChatParams, LLMClient, SDKPool  # noqa: E402
from chatbot.engine.llama_server import EmbeddedServer, ServerConfig, assemble_model  # noqa: E402
from chatbot.models.catalog import Catalog  # noqa: E402
from chatbot.money.billing import Ledger  # noqa: E402
from tests.conftest import free_port, wait_http  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
from bench_class import bench_class  # noqa: E402

CACHE = Path(os.environ.get("CHATBOT_CACHE_DIR", "~/.cache/chatbot-lab")).expanduser()
MESSAGES = [
    {"role": "system", "content": "Eres un profesor paciente."},
    {"role": "user", "content": "Explica en un párrafo qué es un chatbot y para qué sirve."},
]
MAX_TOKENS = 128
THREADS = os.cpu_count() or 1


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


# -- 1. streaming throughput --------------------------------------------------------------------

def rate_and_first_token(tokens: Iterator[object]) -> tuple[float, float]:
    """Tokens/s after the first token, and seconds to it, for a lazy iterator of tokens."""
    start = time.perf_counter()
    first = None
    count = 0
    for _ in tokens:
        count += 1
        if first is None:
            first = time.perf_counter()
    if first is None or count < 2:
        raise RuntimeError("the model streamed fewer than two tokens")
    return (count - 1) / (time.perf_counter() - first), first - start

def bench_stream(rounds: int = 5) -> None:
    """Rounds alternate between the three ways, so drift in this VM's speed hits them alike."""
    from llama_cpp import Llama

    server = EmbeddedServer(ServerConfig(None, CACHE, threads=THREADS)).start()
    server.wait_ready(300)
    client = LLMClient(Backend("local", server.base_url), SDKPool(120, 0),
                       Catalog.load(), Ledger())
    params = ChatParams(model=server.model_name, max_tokens=MAX_TOKENS, temperature=0, seed=1)
    path = str(assemble_model(CACHE))
    llms = {flag: Llama(model_path=path, n_ctx=4096, n_threads=THREADS, n_threads_batch=THREADS,
                        logits_all=flag, verbose=False) for flag in (True, False)}

    def raw(llm: Llama) -> tuple[float, float]:
        # llama-cpp-python in this process: no HTTP, no SDK, no app
        return rate_and_first_token(
            c for c in llm.create_chat_completion(MESSAGES, max_tokens=MAX_TOKENS,
                                                  temperature=0, seed=1, stream=True)
            if c["choices"] and c["choices"][0]["delta"].get("content"))

    ways = {
        "app client → llama-server": lambda: rate_and_first_token(  # a token per chunk
            e for e in client.stream_chat(MESSAGES, params) if e.delta),
        "in-process, same config": lambda: raw(llms[True]),
        "in-process, logits_all off": lambda: raw(llms[False]),
    }
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in ways}
    try:
        for _ in range(rounds):
            for name, way in ways.items():
                runs[name].append(way())
    finally:
        server.stop()
    rate = {name: statistics.median(r for r, _ in got) for name, got in runs.items()}
    print(f"[stream] {THREADS} threads, max_tokens={MAX_TOKENS}, median of {rounds} "
          f"interleaved rounds")
    for name, got in runs.items():
        print(f"  {name:31s}: {rate[name]:6.1f} tok/s, first token "
              f"{statistics.median(t for _, t in got):.2f} s")
    ours = rate["app client → llama-server"]
    print(f"  ratio ours / in-process (same config): {ours / rate['in-process, same config']:.2f}"
          f"  (target ≥ 0.90)")
    print(f"  ratio ours / in-process (logits_all off): "
          f"{ours / rate['in-process, logits_all off']:.2f}")


# -- 2. many users at once ----------------------------------------------------------------------

def launch_app(env: dict[str, str], script: str = "app.py"
               ) -> tuple[subprocess.Popen[bytes], str, float]:
    port = free_port()
    full = {**os.environ, "GRADIO_SERVER_PORT": str(port), "GRADIO_ANALYTICS_ENABLED": "False",
            **env}
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, script], cwd=ROOT, env=full,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    wait_http(url, 300, proc)  # a loaded shared machine takes minutes to import the app
    return proc, url, time.perf_counter() - start


# What each user types; every other input is the page's default, read from the app's API info,
# so the bench keeps working when an event gains an input.
CHAT_ARGS = {"message": "Hola, ¿qué tal?", "history": [], "system_prompt": "Eres Edu.",
             "max_tokens": 64}
PLAYGROUND_ARGS = {"user": "Hola", "system": "", "max_tokens": 16, "logprobs": False,
                   "top_logprobs": 0}


def api_data(url: str, api: str, typed: dict[str, object]) -> list[object]:
    """The inputs of `api` as the page sends them: its defaults, with `typed` in their place."""
    info = httpx.get(f"{url}gradio_api/info", timeout=30).json()
    params = info["named_endpoints"][f"/{api}"]["parameters"]
    return [typed.get(p["parameter_name"], p.get("parameter_default")) for p in params]


async def timed_call(http: httpx.AsyncClient, url: str, api: str, data: list,
                     first_text: bool, session: str) -> float:
    """Gradio's REST API (POST, then read the SSE stream), as light as a client can be: the
    load generator must not be what saturates the two cores. `session` is the user: like a
    browser tab or a gradio_client.Client, each user keeps one Gradio session across its calls
    (without it Gradio builds a new session state for every request). Returns the seconds to the
    first streamed answer text (`first_text`) or to the complete answer."""
    start = time.perf_counter()
    resp = await http.post(f"{url}gradio_api/call/{api}",
                           json={"data": data, "session_hash": session})
    event_id = resp.json()["event_id"]
    event = ""
    elapsed = None
    async with http.stream("GET", f"{url}gradio_api/call/{api}/{event_id}") as stream:
        async for line in stream.aiter_lines():  # read to the end: the event finishes cleanly
            if line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:") and event == "error":
                raise RuntimeError(line)
            elif line.startswith("data:") and elapsed is None and (
                    event == "complete" or (event == "generating" and first_text
                                            and _has_answer(line[5:]))):
                elapsed = time.perf_counter() - start
    if elapsed is not None:
        return elapsed
    raise RuntimeError(f"{api}: no answer")


def _has_answer(data: str) -> bool:
    """A streamed chat update whose last message is the assistant's text (not "…")."""
    history = json.loads(data)[0]
    if len(history) < 2 or history[-1]["role"] != "assistant":
        return False
    content = history[-1]["content"]
    text = content[0].get("text", "") if isinstance(content, list) and content else content
    return text not in ("", "…")


async def measure(url: str, api: str, data: list, first_text: bool, users: int,
                  rounds: int) -> tuple[list[float], list[float], list[float]]:
    limits = httpx.Limits(max_connections=4 * users)
    sessions = [f"bench-{api}-{i}" for i in range(users)]
    async with httpx.AsyncClient(timeout=60, limits=limits) as http:
        for session in sessions:  # each user has opened the page and used the tab once
            await timed_call(http, url, api, data, first_text, session)
        single = [await timed_call(http, url, api, data, first_text, sessions[0])
                  for _ in range(users)]
        crowd: list[float] = []
        for _ in range(rounds):
            crowd += await asyncio.gather(*(timed_call(http, url, api, data, first_text, s)
                                            for s in sessions))
        # For the record, not the target: 16 first visits at once, each building its session.
        first_visits = await asyncio.gather(*(
            timed_call(http, url, api, data, first_text, f"{s}-new") for s in sessions))
    return single, crowd, first_visits


def bench_users(users: int = 16, rounds: int = 5, baseline: bool = False) -> None:
    """The app, then (`baseline`) the raw library's floor on the same fake server: the smallest
    Gradio streaming chat (bench/bare_chat_app.py), so the chat ratio can be read against what
    Gradio's own event path costs on this machine."""
    # The fake runs in its own process: sharing this one's GIL would slow the load generator.
    port = free_port()
    fake = subprocess.Popen([sys.executable, "-m", "tests.fakes.openai_server", "--port",
                             str(port), "--latency", "0.3", "--any-model"], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base_url = f"http://127.0.0.1:{port}/v1"
    wait_http(f"{base_url}/models", 30, fake)
    env = {"OPENAI_BASE_URL": base_url, "OPENAI_API_KEY": "sk-bench",
           "CHATBOT_MODEL": "gpt-4o-mini"}
    print(f"[users] fake OpenAI-compatible server answering after 300 ms; {users} users "
          f"× {rounds} rounds")
    ratios: dict[str, float] = {}
    runs = [("chat, first token", "app.py", "chat", CHAT_ARGS, True),
            ("playground, answer", "app.py", "playground", PLAYGROUND_ARGS, False)]
    if baseline:
        runs.append(("raw Gradio chat", "bench/bare_chat_app.py", "chat", CHAT_ARGS, True))
    try:
        for name, script, api, data, first_text in runs:
            proc, url, _ = launch_app(env, script)
            try:
                single, crowd, first = asyncio.run(measure(url, api, api_data(url, api, data),
                                                           first_text, users, rounds))
            finally:
                proc.terminate()
                proc.wait(20)
            ratios[name] = p95(crowd) / p95(single)
            print(f"  {name:20s}: p95 1 user {p95(single):.3f} s · p95 {users} users "
                  f"{p95(crowd):.3f} s · ratio {ratios[name]:.2f} (target ≤ 1.5) · "
                  f"{users} first visits at once: p95 {p95(first):.3f} s "
                  f"({p95(first) / p95(single):.2f}×)")
        if baseline:
            print(f"  the app's chat ratio / raw Gradio's: "
                  f"{ratios['chat, first token'] / ratios['raw Gradio chat']:.2f}")
    finally:
        fake.terminate()
        fake.wait(20)


# -- 3. cold start ------------------------------------------------------------------------------

def bench_coldstart() -> None:
    proc, url, page = launch_app({"OPENAI_API_KEY": "", "OPENAI_BASE_URL": ""})
    try:
        start = time.perf_counter() - page
        client = Client(url, verbose=False)
        client.predict("Hola", api_name="/chat")
        answered = time.perf_counter() - start
        print(f"[coldstart] `python app.py` → HTTP 200: {page:.1f} s (target ≤ 15 s); first chat "
              f"answer from the embedded model: {answered:.1f} s")
    finally:
        proc.terminate()
        proc.wait(20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("which", nargs="?",
                        choices=["stream", "users", "coldstart", "class", "all"], default="all")
    parser.add_argument("--rounds", type=int, default=3, help="class: interleaved rounds")
    parser.add_argument("--new-only", action="store_true",
                        help="class: skip the old engine (llama_cpp.server)")
    args = parser.parse_args()
    if args.which in ("class", "all"):
        bench_class(CACHE, args.rounds, args.new_only)
    if args.which in ("coldstart", "all"):
        bench_coldstart()
    if args.which in ("users", "all"):
        bench_users()
    if args.which in ("stream", "all"):
        bench_stream()


if __name__ == "__main__":
    main()
