"""Validating + counting a large chat JSONL vs reading and tokenising the same lines with raw tiktoken.

    python bench/bench_finetune.py [--size-mb 100] [--keep DIR]

Prints ratios from one run (not a test): throughput of `validate_file` against the faster of two
raw-tiktoken baselines over the same lines (one `encode_ordinary` per line, or
`encode_ordinary_batch` over chunks of lines), each the best of `--repeat` interleaved runs (the
machine is shared; the best run is the least disturbed one), and peak memory of validation in fresh
processes for a quarter-size and a full-size file, so "flat in the file size" is a number.
Target (issue 4): throughput ratio ≥ 0.7.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from chatbot.finetune.validate import validate_file  # noqa: E402
from chatbot.models.catalog import Catalog  # noqa: E402
from chatbot.models.token_count import get_encoding  # noqa: E402

MODEL = "gpt-4o-mini"
WORDS = ["hola", "mundo", "qué", "tal", "curso", "lección", "tarea", "examen", "foro", "tutor",
         "plataforma", "vídeo", "certificado", "the", "quick", "brown", "fox", "jumps", "over",
         "lazy", "dog", "course", "lesson", "assignment", "grade", "forum", "platform", "video",
         "certificate", "2026", "¿cómo?", "¡gracias!", "emoji", "🎉", "número", "42", "código",
         "def", "f(x):"]


def generate(path: Path, size_mb: float, seed: int = 7) -> int:
    """A realistic course FAQ dataset: system + user + assistant, varied lengths, both languages."""
    rng = random.Random(seed)
    system = "Eres el asistente de una plataforma de cursos en línea. Responde breve y amable."
    target = int(size_mb * 1024 * 1024)
    lines = written = 0
    with path.open("w", encoding="utf-8") as fh:
        while written < target:
            user = " ".join(rng.choices(WORDS, k=rng.randint(8, 60)))
            answer = " ".join(rng.choices(WORDS, k=rng.randint(10, 120)))
            row = json.dumps({"messages": [{"role": "system", "content": system},
                                           {"role": "user", "content": user},
                                           {"role": "assistant", "content": answer}]},
                             ensure_ascii=False) + "\n"
            fh.write(row)
            written += len(row.encode("utf-8"))
            lines += 1
    return lines


def best_interleaved(repeat: int, *fns: Callable[[], float]) -> list[float]:
    """Each measurement's best time, runs interleaved so a busy spell hits all of them alike."""
    times = [[fn() for fn in fns] for _ in range(repeat)]
    return [min(column) for column in zip(*times, strict=True)]


def timed_validation(path: Path, catalog: Catalog) -> float:
    start = time.perf_counter()
    report = validate_file(path, catalog, MODEL)
    elapsed = time.perf_counter() - start
    assert report.ok, report.counts
    return elapsed


def raw_per_line(path: Path) -> float:
    enc = get_encoding("o200k_base")
    start = time.perf_counter()
    total = 0
    with path.open("rb") as fh:
        for raw in fh:
            total += len(enc.encode_ordinary(raw.decode("utf-8")))
    return time.perf_counter() - start


def raw_batched(path: Path, chunk: int = 4096) -> float:
    enc = get_encoding("o200k_base")
    start = time.perf_counter()
    total = 0
    batch: list[str] = []
    with path.open("rb") as fh:
        for raw in fh:
            batch.append(raw.decode("utf-8"))
            if len(batch) >= chunk:
                total += sum(map(len, enc.encode_ordinary_batch(batch)))
                batch = []
    if batch:
        total += sum(map(len, enc.encode_ordinary_batch(batch)))
    return time.perf_counter() - start


PEAK_CHILD = """
import json, resource, sys
sys.path.insert(0, {root!r})
from chatbot.models.catalog import Catalog
from chatbot.finetune.validate import validate_file
catalog = Catalog.load()
validate_file({small!r}, catalog, {model!r})  # imports, tokenizer and caches warmed up
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
report = validate_file(sys.argv[1], catalog, {model!r})
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({{"before_kb": before, "after_kb": after, "examples": report.examples}}))
"""


def peak_rss(path: Path, small: Path) -> dict[str, int]:
    """Peak RSS of a fresh process validating `path`, and its growth over the warm-up."""
    code = PEAK_CHILD.format(root=str(ROOT), small=str(small), model=MODEL)
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True,
                         text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=float, default=100.0)
    parser.add_argument("--keep", type=Path, help="directory to keep the generated files in")
    parser.add_argument("--repeat", type=int, default=5, help="runs per measurement (best kept)")
    args = parser.parse_args()
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        run(args, args.keep)
    else:
        with tempfile.TemporaryDirectory(prefix="bench-ft-") as tmp:  # 125 MB: never left behind
            run(args, Path(tmp))


def run(args: argparse.Namespace, workdir: Path) -> None:
    big, quarter, small = (workdir / "big.jsonl", workdir / "quarter.jsonl",
                           workdir / "small.jsonl")
    n_big = generate(big, args.size_mb)
    generate(quarter, args.size_mb / 4, seed=8)
    generate(small, 0.2, seed=9)
    size = big.stat().st_size / 2**20
    print(f"file: {size:.1f} MB, {n_big:,} examples ({workdir}); best of {args.repeat} runs")

    catalog = Catalog.load()
    validate_file(small, catalog, MODEL)  # warm-up: tokenizer files, caches
    t_line, t_batch, t_val = best_interleaved(args.repeat, lambda: raw_per_line(big),
                                              lambda: raw_batched(big),
                                              lambda: timed_validation(big, catalog))
    baseline = min(t_line, t_batch)
    print(f"raw tiktoken, encode_ordinary per line:   {t_line:7.2f} s  {size / t_line:6.1f} MB/s")
    print(f"raw tiktoken, encode_ordinary_batch:       {t_batch:7.2f} s  {size / t_batch:6.1f} MB/s")
    print(f"validate_file (checks + per-example count): {t_val:7.2f} s  {size / t_val:6.1f} MB/s")
    print(f"RATIO throughput validate / best raw baseline: {baseline / t_val:.2f} (target >= 0.7)")

    q = peak_rss(quarter, small)
    b = peak_rss(big, small)
    grow_q = (q["after_kb"] - q["before_kb"]) / 1024
    grow_b = (b["after_kb"] - b["before_kb"]) / 1024
    print(f"peak RSS: {q['after_kb'] / 1024:.0f} MB for {size / 4:.0f} MB file "
          f"(+{grow_q:.1f} MB over warm process), {b['after_kb'] / 1024:.0f} MB for {size:.0f} MB "
          f"file (+{grow_b:.1f} MB)")
    print(f"RATIO peak RSS big/quarter: {b['after_kb'] / q['after_kb']:.2f} (file ratio 4.0); "
          f"growth / file size: {grow_b / size:.3f}")
    print(f"max RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} "
          "MB")


if __name__ == "__main__":
    main()
