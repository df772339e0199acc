"""Counting a 50 MB chat JSONL: our streamed counter vs raw tiktoken, and its memory.

    python bench/bench_tokens.py [--mb 50] [--model gpt-4o-mini]

"Ours" is `count_dataset`, the pipeline `python -m chatbot tokens FILE.jsonl` and fine-tuning's
validation share (read, parse, count in batches on worker threads).

Prints the throughput ratio (ours / tiktoken's `encode_ordinary_batch` over the same strings,
already in memory) and the peak Python memory of the streamed count for two file sizes: flat
memory means the peak does not grow with the file. Works with the network unreachable.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from chatbot.finetune.counting import count_dataset
from chatbot.models.catalog import Catalog
from chatbot.models.token_count import example_strings, get_encoding

SENTENCES = [
    "¿Cuál es la capital de Francia? La capital de Francia es París.",
    "Escribe una función en Python que invierta una cadena: def invertir(s): return s[::-1]",
    "The quick brown fox jumps over the lazy dog, then writes a limerick about it.",
    "Resume este párrafo en tres frases, con un tono amable y sin tecnicismos.",
    "我们正在学习如何使用 OpenAI 的 API 构建聊天机器人。",
    "Olá! Pode explicar o que é um token? 🤖✨ Obrigado!",
    "SELECT nombre, COUNT(*) FROM alumnos GROUP BY nombre ORDER BY 2 DESC;",
    "Le chatbot répond en français quand on lui parle en français.",
    "Clasifica el sentimiento: «¡Me encantó la película!» → positivo",
    "for i in range(10):\n    print(i ** 2)\n",
]
SYSTEMS = ["Eres un asistente que responde en español.",
           "You are a sarcastic assistant called Marv.",
           "Eres un tutor de programación paciente."]


def example(rng: random.Random) -> dict:
    def text() -> str:
        return " ".join(rng.choice(SENTENCES) for _ in range(rng.randint(1, 8)))

    messages = [{"role": "system", "content": rng.choice(SYSTEMS)}]
    for _ in range(rng.randint(1, 4)):
        messages.append({"role": "user", "content": text()})
        messages.append({"role": "assistant", "content": text()})
    return {"messages": messages}


def write_jsonl(path: Path, megabytes: float, seed: int = 7) -> None:
    rng = random.Random(seed)
    target = int(megabytes * 1024 * 1024)
    written = 0
    with path.open("w", encoding="utf-8") as fh:
        while written < target:
            line = json.dumps(example(rng), ensure_ascii=False) + "\n"
            fh.write(line)
            written += len(line.encode("utf-8"))


def strings_of(path: Path) -> list[str]:
    with path.open("rb") as fh:
        return [s for line in fh if line.strip() for s in example_strings(json.loads(line))[1]]


def ours(path: Path, catalog: Catalog, model: str) -> tuple[float, int]:
    start = time.perf_counter()
    result = count_dataset(path, catalog, model)
    return time.perf_counter() - start, result.text_tokens


def peak_mb(path: Path, catalog: Catalog, model: str) -> float:
    tracemalloc.start()
    count_dataset(path, catalog, model)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 1024 / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=50.0)
    parser.add_argument("--model", default="gpt-4o-mini",
                        help="its encoding is the one counted (gpt-4o-mini: o200k_base)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    catalog = Catalog.load()
    encoding = catalog.get(args.model).encoding
    enc = get_encoding(encoding)
    with tempfile.TemporaryDirectory() as tmp:
        big, small = Path(tmp) / "big.jsonl", Path(tmp) / "small.jsonl"
        write_jsonl(big, args.mb)
        write_jsonl(small, args.mb / 4)
        strings = strings_of(big)
        size_mb = big.stat().st_size / 1024 / 1024
        print(f"{args.model} ({encoding}): {size_mb:.1f} MB, {len(strings):,} strings")

        raw_times, our_times = [], []
        for _ in range(args.runs):  # interleaved so both see the same machine load
            start = time.perf_counter()
            raw_total = sum(len(t) for t in enc.encode_ordinary_batch(strings))
            raw_times.append(time.perf_counter() - start)
            seconds, our_total = ours(big, catalog, args.model)
            our_times.append(seconds)
        assert our_total == raw_total, (our_total, raw_total)
        raw_s, our_s = min(raw_times), min(our_times)
        print(f"tiktoken encode_ordinary_batch (strings in memory): {raw_s:.2f} s "
              f"({size_mb / raw_s:.1f} MB/s)")
        print(f"ours, streamed from disk (read + JSON + count):   {our_s:.2f} s "
              f"({size_mb / our_s:.1f} MB/s)")
        print(f"throughput ratio ours / tiktoken: {raw_s / our_s:.2f}x (target >= 0.8x); "
              f"{our_total:,} tokens, identical")
        del strings
        small_mb = small.stat().st_size / 1024 / 1024
        print(f"peak Python memory (tracemalloc): {peak_mb(small, catalog, args.model):.1f} MB for a "
              f"{small_mb:.1f} MB file, {peak_mb(big, catalog, args.model):.1f} MB for a "
              f"{size_mb:.1f} MB file")


if __name__ == "__main__":
    main()
