"""Sentiment on real labelled tweets: accuracy, macro-F1 and confusion per language, per method.

    python bench/eval_sentiment.py --csv ../shared/data/sentiment/umsab_val.csv
    python bench/eval_sentiment.py --csv VAL.csv --pool TRAIN.csv --methods prompt,similar,embeddings
    python bench/eval_sentiment.py --csv VAL.csv --per-cell 20   # 20 per label and language
    python bench/eval_sentiment.py --csv VAL.csv --base-url http://127.0.0.1:8080/v1 --model NAME

Without --base-url it starts the embedded model. Methods: `baseline` (zero-shot, the label read
from the answer), `prompt` (the default few-shot prompt; prints it uncalibrated and calibrated from
the same requests), `similar` and `embeddings` (need --pool, or shipped weights for embeddings).
Prints throughput (tweets per second, one stream) with the machine's load average: run it on a
quiet machine, and report the validation split, never the train split the pool comes from.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import re
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from chatbot.client import Backend, ChatParams, LLMClient, SDKPool  # noqa: E402
from chatbot.engine.embedded_model import LOCAL_MODEL_NAME  # noqa: E402
from chatbot.engine.llama_server import EmbeddedServer, ServerConfig  # noqa: E402
from chatbot.models.catalog import Catalog  # noqa: E402
from chatbot.money.billing import Ledger  # noqa: E402
from chatbot.sentiment.labels import LABELS, best, label_of  # noqa: E402
from chatbot.sentiment.pool import load_pool  # noqa: E402
from chatbot.sentiment.prompt import DEFAULT_PROMPT  # noqa: E402
from chatbot.sentiment.service import build_plan  # noqa: E402

CACHE = Path(os.environ.get("CHATBOT_CACHE_DIR", "~/.cache/chatbot-lab")).expanduser()
# What a student writes first: one user message, the label read from the generated answer.
ZERO_SHOT = "Classify the sentiment of this tweet as positive, neutral or negative."


@dataclass(frozen=True)
class Row:
    text: str
    label: str
    lang: str


@dataclass
class Run:
    name: str
    predicted: list[str | None] = field(default_factory=list)
    seconds: float = 0.0


def load(path: Path, per_cell: int | None, seed: int = 0) -> list[Row]:
    """All rows, or `per_cell` per label and language (a fixed shuffle, so runs compare)."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = [Row(r["text"], label_of(r["label"]) or "?", r.get("lang") or "?")
                for r in csv.DictReader(fh)]
    if any(r.label == "?" for r in rows):
        raise SystemExit(f"{path}: a label is not positive, neutral or negative")
    if per_cell is None:
        return rows
    random.Random(seed).shuffle(rows)
    seen: dict[tuple[str, str], int] = {}
    out = []
    for r in rows:
        if seen.get((r.lang, r.label), 0) < per_cell:
            seen[(r.lang, r.label)] = seen.get((r.lang, r.label), 0) + 1
            out.append(r)
    return out


def first_label(text: str) -> str | None:
    """The first label word anywhere in a free answer ("The sentiment is positive.")."""
    for word in re.findall(r"\w+", text):
        label = label_of(word) if len(word) >= 3 else None
        if label is not None:
            return label
    return None


def f1(gold: Sequence[str], pred: Sequence[str | None], label: str) -> float:
    pairs = list(zip(gold, pred, strict=True))
    tp = sum(1 for g, p in pairs if g == p == label)
    fp = sum(1 for g, p in pairs if p == label and g != label)
    fn = sum(1 for g, p in pairs if g == label and p != label)
    return 0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn)


def scores(gold: Sequence[str], pred: Sequence[str | None]) -> tuple[float, float]:
    accuracy = sum(g == p for g, p in zip(gold, pred, strict=True)) / len(gold)
    return accuracy, sum(f1(gold, pred, label) for label in LABELS) / len(LABELS)


def report(run: Run, rows: Sequence[Row]) -> None:
    gold = [r.label for r in rows]
    acc, macro = scores(gold, run.predicted)
    print(f"\n== {run.name}\nall: accuracy {acc:.3f} · macro-F1 {macro:.3f} · "
          f"{len(rows) / run.seconds:.2f} tweets/s")
    cols = [*LABELS, None]
    for lang in sorted({r.lang for r in rows}):
        idx = [i for i, r in enumerate(rows) if r.lang == lang]
        sub_gold = [gold[i] for i in idx]
        sub_pred = [run.predicted[i] for i in idx]
        acc, macro = scores(sub_gold, sub_pred)
        print(f"{lang} ({len(idx)}): accuracy {acc:.3f} · macro-F1 {macro:.3f}   confusion "
              "(rows gold, columns predicted; ? = no label)")
        print(" " * 10 + "".join(f"{(c or '?')[:8]:>10}" for c in cols))
        for g in LABELS:
            counts = [sum(1 for gg, p in zip(sub_gold, sub_pred, strict=True)
                          if gg == g and p == c) for c in cols]
            print(f"{g[:8]:>10}" + "".join(f"{n:>10}" for n in counts))


def timed(rows: Sequence[Row], names: Sequence[str],
          one: Callable[[str], Sequence[str | None]]) -> list[Run]:
    """Each call may give several predictions (uncalibrated and calibrated from one request)."""
    runs = [Run(name) for name in names]
    start = time.monotonic()
    for i, row in enumerate(rows, 1):
        for run, label in zip(runs, one(row.text), strict=True):
            run.predicted.append(label)
        print(f"\r{names[0]}: {i}/{len(rows)}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    for run in runs:
        run.seconds = time.monotonic() - start
    return runs


def evaluate(client: LLMClient, model: str, method: str, rows: Sequence[Row],
             pool_path: Path | None, embedder: LLMClient | None = None) -> list[Run]:
    if method == "baseline":
        def baseline(text: str) -> list[str | None]:
            messages = [{"role": "user", "content": f"{ZERO_SHOT}\n\nTweet: {text}"}]
            result = client.chat(messages, ChatParams(model=model, max_tokens=8, temperature=0))
            return [first_label(result.text)]
        return timed(rows, ["zero-shot baseline (label read from the answer)"], baseline)
    pool = load_pool(pool_path) if pool_path else None
    start = time.monotonic()
    chosen = embedder if method == "embeddings" and embedder is not None else client
    plan, _ = build_plan(chosen, model, {}, DEFAULT_PROMPT, True, method, pool)
    setup_s = time.monotonic() - start
    source = plan.probe.source if plan.probe else plan.calibration.source if plan.calibration \
        else "-"
    print(f"{method}: ready in {setup_s:.1f} s ({source})")

    if method == "embeddings" and plan.probe is not None and plan.probe.words is not None:
        def mixed(text: str) -> list[str | None]:
            verdict = plan.run(text)
            return [*(best(probs) for _, probs in verdict.parts), verdict.label]
        # the two opinions alone come from the same requests as the mix: one timing for all
        return timed(rows, ["embeddings alone", "words alone (TF-IDF)",
                            "embeddings + words (the app's answer)"], mixed)

    def one(text: str) -> list[str | None]:
        verdict = plan.run(text)
        raw = best(verdict.raw_probs) if verdict.raw_probs else verdict.label
        return [raw, verdict.label]
    runs = timed(rows, [f"{method}, uncalibrated", f"{method}, calibrated"], one)
    return runs[1:] if method == "embeddings" else runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--csv", type=Path, required=True, help="labelled tweets: text,label,lang")
    parser.add_argument("--pool", type=Path, help="labelled train tweets for similar/embeddings")
    parser.add_argument("--methods", default="baseline,prompt",
                        help="comma-separated: baseline, prompt, similar, embeddings")
    parser.add_argument("--per-cell", type=int, help="balanced subset: N per label and language")
    parser.add_argument("--base-url", help="an OpenAI-compatible server; default: embedded")
    parser.add_argument("--model", help="model name on that server")
    parser.add_argument("--embedded-url", help="an embedded engine already running (its shipped "
                        "weights apply, as in the app)")
    parser.add_argument("--embeddings-url", help="its embeddings instance, for `embeddings`")
    parser.add_argument("--api-key", default=os.environ.get("OPENAI_API_KEY", ""))
    args = parser.parse_args()
    rows = load(args.csv, args.per_cell)
    server = None
    if args.base_url:
        backend = Backend("compatible", args.base_url, args.api_key or None)
        model = args.model or ""
    elif args.embedded_url:
        backend = Backend("local", args.embedded_url)
        model = args.model or LOCAL_MODEL_NAME
    else:
        server = EmbeddedServer(ServerConfig(model_path=None, cache_dir=CACHE)).start()
        backend = Backend("local", server.wait_ready(300))
        model = server.model_name
    client = LLMClient(backend, SDKPool(600, 1), Catalog.load(), Ledger())  # a busy machine is slow
    embedder = None
    if args.embeddings_url:
        embedder = LLMClient(Backend(backend.kind, args.embeddings_url), client.pool,
                             client.catalog, Ledger())
    print(f"{len(rows)} tweets from {args.csv.name} · model {model} · load average before "
          f"{os.getloadavg()[0]:.1f}")
    runs: list[Run] = []
    try:
        for method in args.methods.split(","):
            runs += evaluate(client, model, method.strip(), rows, args.pool, embedder)
    finally:
        if server is not None:
            server.stop()
    for run in runs:
        report(run, rows)
    print(f"\nload average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())} "
          f"(1, 5, 15 min; {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
