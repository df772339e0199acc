"""Tuning the embedded engine's numbers on this machine (issue 26; the results are in
docs/engine.md): for each setting, a fresh `llama-server` as the app starts it, its slots warmed
with the default persona (chatbot/engine/warmup.py), then every student's first message at once (8, then
16), straight to the engine: first-token p50/p95, aggregate completion tokens/s, and the warm's
own time. Settings interleave over rounds, so drift in a shared machine's speed hits them alike.

    python bench/bench_engine.py                       # the default sweep
    python bench/bench_engine.py --only ubatch=256     # one setting against the default
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import openai

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_app import p95  # noqa: E402

from chatbot.chat import persona  # noqa: E402
from chatbot.engine.llama_server import EmbeddedServer, ServerConfig  # noqa: E402
from chatbot.engine.warmup import PrefixWarmer  # noqa: E402

CACHE = Path(os.environ.get("CHATBOT_CACHE_DIR", "~/.cache/chatbot-lab")).expanduser()
MAX_TOKENS = 64
QUESTIONS = ["¿Qué es un chatbot?", "Dame una idea de proyecto con la API de OpenAI.",
             "¿Qué hace la temperatura?", "Explica qué es un token.",
             "¿Para qué sirve el prompt de sistema?", "¿Qué curso de Python me recomiendas?",
             "¿Qué es el fine-tuning?", "¿Cómo cuento los tokens de un texto?"]
# name → the fields of ServerConfig it changes (the first is the shipped default)
SWEEP: dict[str, dict[str, int]] = {
    "default": {},
    "no warm-up": {"warm": 0},  # the same engine, slots cold: what the warm-up saves
    "ubatch=256": {"ubatch": 256, "batch": 256},
    "ubatch=128": {"ubatch": 128, "batch": 128},
    "batch=2048": {"batch": 2048},
    "threads=1": {"threads": 1},
    "slots=8": {"slots": 8},
}


def ask(sdk: openai.OpenAI, model: str, opening: list[dict[str, str]], question: str
        ) -> tuple[float, int]:
    start = time.perf_counter()
    first, tokens = None, 0
    stream = sdk.chat.completions.create(
        model=model, stream=True, max_tokens=MAX_TOKENS, temperature=0.7,
        stream_options={"include_usage": True},
        messages=[*opening, {"role": "user", "content": question}])
    for chunk in stream:
        if first is None and chunk.choices and chunk.choices[0].delta.content:
            first = time.perf_counter() - start
        if chunk.usage:
            tokens = chunk.usage.completion_tokens
    return (first if first is not None else float("nan")), tokens


def one_setting(base: ServerConfig, change: dict[str, int], sizes: tuple[int, ...]
                ) -> dict[str, tuple[list[float], float] | float]:
    change = dict(change)
    warm = change.pop("warm", 1)
    config = replace(base, **change)
    server = EmbeddedServer(config).start()
    server.wait_ready(300)
    first = persona.PRESETS[0]
    opening = persona.opening(first.name, first.system_prompt, first.greeting)
    warmer = PrefixWarmer(server.root_url, config.slots, server.load, server.slot_file)
    try:
        if warm:
            warmer.want(opening)
            warmer.engine_up()
            while not warmer.is_warm(opening):
                time.sleep(0.05)
        out: dict[str, tuple[list[float], float] | float] = {"warm": warmer.warm_seconds or 0.0}
        sdk = openai.OpenAI(base_url=server.base_url, api_key="sk-none", max_retries=0)
        for size in sizes:
            start = time.perf_counter()
            with ThreadPoolExecutor(size) as pool:
                got = list(pool.map(lambda q: ask(sdk, server.model_name, opening, q),
                                    [QUESTIONS[i % len(QUESTIONS)] + f" ({i})"
                                     for i in range(size)]))
            wall = time.perf_counter() - start
            out[str(size)] = ([f for f, _ in got], sum(t for _, t in got) / wall)
        return out
    finally:
        warmer.stop()
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--only", action="append", choices=list(SWEEP), default=[],
                        help="compare only these settings with the default (repeatable)")
    args = parser.parse_args()
    names = ["default", *[n for n in args.only if n != "default"]] if args.only else list(SWEEP)
    base = ServerConfig(model_path=None, cache_dir=CACHE)
    sizes = (1, 8, 16)
    firsts: dict[tuple[str, str], list[float]] = {}
    rates: dict[tuple[str, str], list[float]] = {}
    warms: dict[str, list[float]] = {n: [] for n in names}
    print(f"[engine] first messages at once, max_tokens={MAX_TOKENS}, {args.rounds} rounds; "
          f"load {os.getloadavg()[0]:.2f}")
    for _ in range(args.rounds):
        for name in names:
            result = one_setting(base, SWEEP[name], sizes)
            warm = result.pop("warm")
            assert isinstance(warm, float)
            warms[name].append(warm)
            for size, value in result.items():
                assert isinstance(value, tuple)
                firsts.setdefault((name, size), []).extend(value[0])
                rates.setdefault((name, size), []).append(value[1])
    for name in names:
        solo = statistics.median(rates[name, "1"])
        parts = [f"warm {statistics.median(warms[name]):.2f} s"]
        for size in ("1", "8", "16"):
            got = firsts[name, size]
            parts.append(f"{size}: p50 {statistics.median(got):.2f} / p95 {p95(got):.2f} s, "
                         f"{statistics.median(rates[name, size]):.1f} tok/s "
                         f"({statistics.median(rates[name, size]) / solo:.2f}×)")
        print(f"  {name:11s} " + " · ".join(parts))
    print(f"  load after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
