"""Issue 11's limits, measured in one run and printed as ratios.

    python bench/bench_hosting.py            # both
    python bench/bench_hosting.py clients    # RSS after 2,000 key/URL pairs: unbounded vs LRU 64
    python bench/bench_hosting.py longline   # a 50 MB single-line JSONL: validated unread vs read

Each SDK client (one per visitor key and base URL) holds its own connection pool, SSL context and
caches; the LRU keeps the process flat however many visitors paste keys. Each case runs in a fresh
process, so one does not inherit the other's memory.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PAIRS = 2000


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def fill(capacity: int) -> None:
    """Child process: make PAIRS clients through a pool of `capacity`; print RSS growth (MB)."""
    from chatbot.client import Backend, SDKPool

    pool = SDKPool(10, 0, capacity=capacity)
    pool.get(Backend("compatible", "http://127.0.0.1:9/v1", "sk-warm-up-0000"))
    before = rss_mb()
    for i in range(PAIRS):
        pool.get(Backend("compatible", f"http://10.0.{i // 250}.{i % 250}:8000/v1",
                         f"sk-visitor-{i:06d}", visitor=True))
    print(f"{rss_mb() - before:.1f}")


def clients() -> None:
    growth = {}
    for capacity in (PAIRS, 64):
        out = subprocess.run([sys.executable, __file__, "_fill", str(capacity)],
                             capture_output=True, text=True, check=True)
        growth[capacity] = float(out.stdout.strip())
    print(f"RSS growth for {PAIRS} key/URL pairs: unbounded {growth[PAIRS]:.0f} MB, "
          f"LRU 64 {growth[64]:.0f} MB -> {growth[PAIRS] / max(growth[64], 0.1):.1f}x less")


def longline() -> None:
    from chatbot.finetune.validate import validate_file
    from chatbot.models.catalog import Catalog

    catalog = Catalog.load()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "one_line.jsonl"
        words = "hola qué tal el curso de chatbots " * (50 * 2**20 // 35)
        path.write_text('{"messages": [{"role": "user", "content": "' + words + '"}, '
                        '{"role": "assistant", "content": "vale"}]}\n')
        times = {}
        for label, limit in (("capped (1 MB)", 2**20), ("uncapped", 2**30)):
            start = time.process_time()
            validate_file(path, catalog, "gpt-4o-mini", max_line=limit)
            times[label] = time.process_time() - start
    capped, uncapped = times["capped (1 MB)"], times["uncapped"]
    print(f"50 MB single-line JSONL, CPU seconds: capped {capped:.2f}, uncapped {uncapped:.2f} "
          f"-> {uncapped / max(capped, 1e-3):.0f}x less")


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "_fill":
        fill(int(sys.argv[2]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", nargs="?", choices=["clients", "longline"])
    args = parser.parse_args()
    for name, fn in (("clients", clients), ("longline", longline)):
        if args.what in (None, name):
            fn()


if __name__ == "__main__":
    main()
