"""20 Telegram chats writing at once: are all answered, and what does the bot itself cost?

The bot runs as users run it (`python -m chatbot telegram`, a subprocess) against the fake Bot
API and the fake OpenAI server (with a fixed model latency), both in this process. Measured:

- end-to-end time per update: the user's message queued → the final answer on "screen";
- the model's own time for the same requests at the same concurrency, called directly through
  `chatbot/client.py` (no bot), so overhead per update = end-to-end − model time;
- the bot process's CPU per update (it runs no model, so all of it is the bot's own work);
- Telegram API calls per update (typing, send, edits).

    python bench/bench_telegram.py [--chats 20] [--rounds 3] [--model-latency 0.5]
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from chatbot.chat.persona import PRESETS  # noqa: E402
from chatbot.client import Backend, ChatParams, LLMClient, SDKPool  # noqa: E402
from chatbot.models.catalog import Catalog  # noqa: E402
from chatbot.money.billing import Ledger  # noqa: E402
from tests.fakes.openai_server import FakeOpenAI  # noqa: E402
from tests.fakes.telegram_server import FakeTelegram  # noqa: E402

MODEL = "gpt-4o-mini"
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process, from /proc (fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def question(chat: int, turn: int, words: int) -> str:
    filler = " ".join(f"palabra{i}" for i in range(words))
    return f"Chat {chat}, turno {turn}: {filler}"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def start_bot(telegram: FakeTelegram, openai_fake: FakeOpenAI, workdir: Path
              ) -> subprocess.Popen[bytes]:
    (workdir / "empty.env").write_text("")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "OPENAI_"))}
    env |= {"PYTHONPATH": str(ROOT), "CHATBOT_ENV_FILE": str(workdir / "empty.env"),
            "TELEGRAM_BOT_TOKEN": telegram.token, "TELEGRAM_API_BASE_URL": telegram.base_url,
            "OPENAI_API_KEY": "sk-bench-not-a-key-0000", "OPENAI_BASE_URL": openai_fake.base_url,
            "CHATBOT_MODEL": MODEL}
    log = (workdir / "bot.log").open("wb")
    return subprocess.Popen([sys.executable, "-m", "chatbot", "telegram", "--max-tokens", "400"],
                            cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT)


def run_round(telegram: FakeTelegram, chats: list[int], turn: int, words: int
              ) -> list[float]:
    """Every chat sends one message at once; returns each one's end-to-end seconds."""
    sent: dict[int, tuple[float, str]] = {}
    for chat in chats:
        text = question(chat, turn, words)
        sent[chat] = (time.monotonic(), f"echo: {text}")
        telegram.user_says(chat, text)

    def done() -> bool:
        return all(telegram.texts(c)[-1:] == [sent[c][1]] for c in chats)

    telegram.wait_for(done, timeout=300)
    return [telegram.messages(c)[-1].last_change - sent[c][0] for c in chats]


def model_only(openai_fake: FakeOpenAI, pool: SDKPool, catalog: Catalog, chats: list[int],
               turn: int, words: int) -> list[float]:
    """The same requests, at the same concurrency, straight through the client: model time."""
    backend = Backend("compatible", openai_fake.base_url, "sk-bench-not-a-key-0000")

    def one(chat: int) -> float:
        client = LLMClient(backend, pool, catalog, Ledger(), max_retries=0)
        messages = [{"role": "system", "content": PRESETS[0].system_prompt},
                    {"role": "user", "content": question(chat, turn, words)}]
        start = time.monotonic()
        for _ in client.stream_chat(messages, ChatParams(MODEL, max_tokens=400)):
            pass
        return time.monotonic() - start

    with ThreadPoolExecutor(len(chats)) as pool_threads:
        return list(pool_threads.map(one, chats))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--chats", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--model-latency", type=float, default=0.5,
                        help="seconds the fake model waits before its first token")
    parser.add_argument("--telegram-latency", type=float, default=0.0,
                        help="seconds the fake Bot API waits before each answer")
    parser.add_argument("--words", type=int, default=60, help="words per message (and answer)")
    args = parser.parse_args()

    chats = list(range(1, args.chats + 1))
    with tempfile.TemporaryDirectory() as tmp, \
            FakeTelegram(latency=args.telegram_latency) as telegram, \
            FakeOpenAI(latency=args.model_latency) as openai_fake:
        bot = start_bot(telegram, openai_fake, Path(tmp))
        try:
            run_round(telegram, [10_000], 0, args.words)  # warm-up: imports, connections
            calls_before = len(telegram.calls)
            cpu_before = cpu_seconds(bot.pid)
            e2e: list[float] = []
            for turn in range(1, args.rounds + 1):
                e2e += run_round(telegram, chats, turn, args.words)
            cpu = cpu_seconds(bot.pid) - cpu_before
            calls = len(telegram.calls) - calls_before
        finally:
            bot.send_signal(signal.SIGINT)
            bot.wait(timeout=60)
        pool, catalog = SDKPool(60, 0), Catalog.load()
        model_only(openai_fake, pool, catalog, chats, 0, args.words)  # warm-up, as for the bot
        model: list[float] = []
        for turn in range(1, args.rounds + 1):
            model += model_only(openai_fake, pool, catalog, chats, turn, args.words)

    updates = len(e2e)
    overhead = [t - statistics.median(model) for t in e2e]
    print(f"chats at once: {args.chats} · rounds: {args.rounds} · updates answered: "
          f"{updates}/{args.chats * args.rounds}")
    print(f"model latency (fake): {args.model_latency:.2f} s · Telegram latency (fake): "
          f"{args.telegram_latency:.3f} s · answer: ~{args.words + 6} words")
    print(f"end-to-end per update: median {statistics.median(e2e):.3f} s · "
          f"p95 {pct(e2e, 0.95):.3f} s · max {max(e2e):.3f} s")
    print(f"model alone (same requests, same concurrency): median "
          f"{statistics.median(model):.3f} s · p95 {pct(model, 0.95):.3f} s")
    print(f"bot overhead per update (end-to-end − model): median "
          f"{statistics.median(overhead) * 1000:.0f} ms · p95 {pct(overhead, 0.95) * 1000:.0f} ms"
          f" · {statistics.median(overhead) / statistics.median(e2e):.0%} of end-to-end")
    print(f"bot CPU per update: {cpu / updates * 1000:.1f} ms · Telegram calls per update: "
          f"{calls / updates:.1f}")


if __name__ == "__main__":
    main()
