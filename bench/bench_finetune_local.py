"""Local fine-tuning bench: train the embedded model on ~20 examples in a distinctive style
(bench/data/style_train.jsonl: answers open with "¡Saludos, navegante!" and end with
"#BitácoraDelBot"), then ask base and tuned the 5 held-out questions of
bench/data/style_heldout.jsonl through the Evaluate tab's machinery, and print training tokens
per second, wall time, the worker's peak memory, the loss curve and the style hits.

    python bench/bench_finetune_local.py                 # train (AdamW, 3 epochs), then check
    python bench/bench_finetune_local.py --model ft:local:…   # check a model trained before

The cache folder is the app's (CHATBOT_CACHE_DIR), so the tuned model stays listed in the app.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from chatbot.context import AppContext
from chatbot.engine import tuned_store
from chatbot.finetune import evaluate as ev
from chatbot.finetune.on_machine import job
from chatbot.models.catalog import Catalog
from chatbot.settings import Settings

DATA = Path(__file__).resolve().parent / "data"
GREETING, HASHTAG = "¡Saludos, navegante!", "#BitácoraDelBot"


def styled(answer: str) -> bool:
    text = answer.strip()
    return text.startswith(GREETING) and HASHTAG in text


def peak_rss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def train(settings: Settings, wanted: job.Settings) -> str:
    base, base_name = job.base_model(settings)
    plan = job.plan(settings.cache_dir, base, DATA / "style_train.jsonl", wanted)
    print(f"plan: {plan.examples} examples, {plan.windows} windows, {plan.tokens} tokens, "
          f"estimated {plan.seconds / 60:.1f} min ({'measured' if plan.measured else 'reference'}"
          " speed)")
    started = time.monotonic()
    info = job.start(settings.cache_dir, base, base_name, DATA / "style_train.jsonl", wanted,
                     Catalog.load(settings.prices), lang="en")
    pid = int((tuned_store.job_dir(settings.cache_dir, info.id) / "pid").read_text())
    peak = 0
    while (info := job.get_job(settings.cache_dir, info.id, lang="en")).status not in (
            "succeeded", "failed", "cancelled"):
        peak = max(peak, peak_rss(pid))
        time.sleep(2)
    wall = time.monotonic() - started
    if info.status != "succeeded":
        raise SystemExit(f"training {info.status}: {info.error}")
    model = tuned_store.find_model(settings.cache_dir, info.fine_tuned_model or "")
    assert model is not None
    m = model.manifest
    print(f"trained {m['trained_tokens']} tokens in {m['train_seconds']} s: "
          f"{m['tokens_per_second']} tokens/s; whole job (convert, train, quantize) "
          f"{wall:.0f} s; worker peak memory {peak / 1024**3:.1f} GiB")
    return model.name


def loss_curve(settings: Settings, model_name: str) -> None:
    model = tuned_store.find_model(settings.cache_dir, model_name)
    if model is None:
        raise SystemExit(f"no local model {model_name}")
    steps = [e.data for e in job.job_events(settings.cache_dir, model.manifest["job"], lang="en")
             if e.data]
    print("loss per step: " + " ".join(f"{s['train_loss']:.2f}" for s in steps))
    print("accuracy per step: " + " ".join(f"{s['train_mean_token_accuracy']:.2f}"
                                            for s in steps))


def style_check(settings: Settings, model_name: str, max_tokens: int) -> None:
    """Base and tuned on the held-out questions, at temperature 0, as the Evaluate tab asks."""
    ctx = AppContext.create(settings)
    session = ctx.new_session()
    examples, _ = ev.load_examples(DATA / "style_heldout.jsonl")
    contenders = [ev.contender(ctx, session, "base", "local", None, None),
                  ev.contender(ctx, session, "tuned", "local", model_name, None)]
    try:
        result = ev.evaluate(examples, contenders, lang="en", max_tokens=max_tokens)
    finally:
        if ctx.tuned:
            ctx.tuned.stop()
        if ctx.embedded:
            ctx.embedded.stop()
    for score in result.scores:
        hits = sum(styled(a) for a in score.answers)
        print(f"\n{score.name} ({score.model}): style in {hits} of {len(score.answers)} answers")
        for example, answer in zip(result.examples, score.answers, strict=True):
            print(f"  {'✅' if styled(answer) else '·'} {example.question} -> "
                  f"{answer.strip()[:160]!r}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", help="check this ft:local:… model instead of training one")
    parser.add_argument("--epochs", type=int, default=job.Settings.epochs)
    parser.add_argument("--lr", type=float, default=job.Settings.learning_rate)
    parser.add_argument("--optimizer", choices=("adamw", "sgd"), default="adamw")
    parser.add_argument("--max-tokens", type=int, default=60)
    args = parser.parse_args()
    settings = Settings.from_env()
    name = args.model or train(settings, job.Settings(
        epochs=args.epochs, learning_rate=args.lr, optimizer=args.optimizer, suffix="bench"))
    loss_curve(settings, name)
    style_check(settings, name, args.max_tokens)


if __name__ == "__main__":
    main()
