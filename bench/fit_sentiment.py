"""Measure what the Sentiment tab ships for the embedded model: chatbot/data/sentiment.json.

    python bench/fit_sentiment.py                       # contextual calibration, default prompt
    python bench/fit_sentiment.py --train TRAIN.csv --per-cell 100      # fitted on real tweets
    python bench/fit_sentiment.py --probe --train TRAIN.csv --limit 768  # embeddings classifier

The default prompt's calibration is measured against the embedded model (as the app would on the
first click) and written as data, so the app's first classification costs one request. With
--train, W and b are fitted on the train tweets' label logprobs instead (numbers only are kept,
never the tweets). --probe embeds the train tweets on the embeddings instance the app runs for the
embedded model (llama-server `--embeddings --pooling last`), picks C by cross-validation on them
(never on validation) and keeps the fitted classifier's weights, with the words classifier
(chatbot/data/sentiment_words.npz) and the stack fitted on both classifiers' out-of-fold opinions.
The train vectors are kept in the cache directory, so a refit does not embed again. Re-run it
whenever the default prompt, the model file or the engine changes: tests check the shipped entries.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import random
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from chatbot.client import Backend, LLMClient, SDKPool  # noqa: E402
from chatbot.engine.llama_server import EMBED_CTX, EMBED_SLOTS, EmbeddedServer, ServerConfig  # noqa: E402
from chatbot.models.catalog import Catalog  # noqa: E402
from chatbot.money.billing import Ledger  # noqa: E402
from chatbot.sentiment.calibration import DATA_FILE, fit, prompt_digest  # noqa: E402
from chatbot.sentiment.classify import ask, measure  # noqa: E402
from chatbot.sentiment.embeddings_classifier import (  # noqa: E402
    choose_c,
    embed_pool,
    fit_probe,
    out_of_fold,
    template_digest,
    words_digest,
)
from chatbot.sentiment.labels import Probs, best  # noqa: E402
from chatbot.sentiment.pool import Pool  # noqa: E402
from chatbot.sentiment.prompt import DEFAULT_PROMPT, build_messages, parse_prompt  # noqa: E402
from chatbot.sentiment.words import DATA_FILE as WORDS_FILE  # noqa: E402
from chatbot.sentiment.words import fit_stack, fit_words  # noqa: E402

CACHE = Path(os.environ.get("CHATBOT_CACHE_DIR", "~/.cache/chatbot-lab")).expanduser()
sys.path.insert(0, str(ROOT / "bench"))
from eval_sentiment import load, scores  # noqa: E402


def calibration_entry(client: LLMClient, model: str, train: Path | None,
                      per_cell: int | None) -> dict[str, object]:
    prompt = parse_prompt(DEFAULT_PROMPT)
    if train is None:
        cal = measure(client, model, prompt)
    else:
        rows = load(train, per_cell)
        raw, gold = [], []
        for i, row in enumerate(rows, 1):
            _, probs, _ = ask(client, model, build_messages(prompt, row.text))
            if probs is not None:
                raw.append(probs)
                gold.append(row.label)
            print(f"\r{i}/{len(rows)}", end="", file=sys.stderr, flush=True)
        cal = fit(raw, gold, f"ajustada en {len(raw)} tweets reales etiquetados / fitted on "
                             f"{len(raw)} real labelled tweets ({train.name})")
    if cal.weights is None:
        raise SystemExit("the model gave no logprobs: nothing to ship")
    return {"model": model, "prompt_sha256": prompt_digest(DEFAULT_PROMPT),
            "weights": rounded(cal.weights), "bias": rounded(cal.bias),
            "source": cal.source.replace("medido ahora", "medido").replace("measured now",
                                                                             "measured")}


def probe_entry(client: LLMClient, model: str, train: Path, limit: int | None
                ) -> dict[str, object]:
    """Embed the train tweets (the first `limit` of a fixed shuffle), pick C by cross-validation
    on them, fit, and keep the numbers, never the tweets."""
    rows = load(train, None)
    random.Random(0).shuffle(rows)
    rows = rows[:limit] if limit else rows
    pool = Pool(tuple(r.text for r in rows), tuple(r.label for r in rows), train.name)
    matrix = train_vectors(client, model, pool)
    c = choose_c(matrix, pool.labels)
    embedded, lexical = out_of_fold(matrix, pool.texts, pool.labels, c)
    stack = fit_stack(embedded, lexical, pool.labels)
    held_out = {name: macro_f1(pool.labels, opinions) for name, opinions in (
        ("embeddings", embedded), ("words", lexical),
        ("stacked", [stack.combine(e, w) for e, w in zip(embedded, lexical, strict=True)]))}
    print(f"\nC={c:g}; out-of-fold macro-F1 (the stack's 21 numbers fitted on these same "
          "opinions): " + ", ".join(f"{k} {v:.3f}" for k, v in held_out.items()))
    source = (f"ajustado en {len(pool.texts)} tweets etiquetados / fitted on {len(pool.texts)} "
              f"labelled tweets ({train.name}, C={c:g}, + palabras / words)")
    probe = fit_probe(matrix, pool.labels, "", c=c)
    words = fit_words(pool.texts, pool.labels, source)
    WORDS_FILE.write_bytes(words.to_bytes())
    return {"model": model, "template_sha256": template_digest(), "C": c,
            "weights": rounded(probe.weights), "bias": rounded(probe.bias),
            "words_sha256": words_digest(words),
            "stack_weights": rounded(stack.weights), "stack_bias": rounded(stack.bias),
            "out_of_fold_macro_f1": {k: round(v, 4) for k, v in held_out.items()},
            "source": source}


def rounded(numbers: Any) -> Any:
    """Weights as JSON: five decimals, rows kept as lists."""
    return np.round(np.asarray(numbers, dtype=np.float64), 5).tolist()


def macro_f1(gold: Sequence[str], opinions: Sequence[Probs]) -> float:
    return scores(gold, [best(p) for p in opinions])[1]


def train_vectors(client: LLMClient, model: str, pool: Pool) -> np.ndarray:
    """The pool's unit embeddings, kept in the cache directory: embedding 3,678 tweets takes
    25 minutes on 2 cores, and refitting (C, the stack) should not repeat it."""
    key = "\x1f".join((model, template_digest(), *pool.texts)).encode()
    kept = CACHE / f"probe-vectors-{hashlib.sha256(key).hexdigest()[:16]}.npy"
    if kept.exists():
        print(f"vectors from {kept}")
        return np.load(kept)
    matrix = embed_pool(client, model, pool, lambda done, total: print(
        f"\r{done}/{total}", end="", file=sys.stderr)).matrix
    kept.parent.mkdir(parents=True, exist_ok=True)
    np.save(kept, matrix)
    return matrix


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--train", type=Path, help="labelled train tweets: text,label,lang")
    parser.add_argument("--per-cell", type=int, help="N per label and language from --train")
    parser.add_argument("--probe", action="store_true", help="fit the embeddings classifier")
    parser.add_argument("--limit", type=int, help="--probe: the first N train tweets of a fixed "
                        "shuffle (embedding all of them takes an hour on a busy machine)")
    parser.add_argument("--embeddings-url", help="a server with /v1/embeddings for --probe "
                        "(default: the embeddings instance the app starts, same flags)")
    args = parser.parse_args()
    config = ServerConfig(model_path=None, cache_dir=CACHE)
    if args.probe:
        config = ServerConfig(None, CACHE, ctx=EMBED_CTX, slots=EMBED_SLOTS, embeddings=True)
    server = EmbeddedServer(config).start()
    try:
        url = server.wait_ready(300)
        model = server.model_name
        data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
        if args.probe:
            if args.train is None:
                raise SystemExit("--probe needs --train")
            backend = Backend("local", args.embeddings_url or url)
            client = LLMClient(backend, SDKPool(600, 1), Catalog.load(), Ledger())
            entry = probe_entry(client, model, args.train, args.limit)
            data["probes"] = [p for p in data["probes"] if p["model"] != model] + [entry]
        else:
            client = LLMClient(Backend("local", url), SDKPool(600, 1), Catalog.load(), Ledger())
            entry = calibration_entry(client, model, args.train, args.per_cell)
            data["calibrations"] = [c for c in data["calibrations"]
                                    if c["model"] != model] + [entry]
    finally:
        server.stop()
    entry["measured"] = dt.date.today().isoformat()
    DATA_FILE.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nwritten: {DATA_FILE} ({entry['source']})")


if __name__ == "__main__":
    main()
