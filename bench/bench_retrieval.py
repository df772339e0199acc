"""Issue 25: does retrieval put the right passage in the prompt? No generation, so it is fast.

    python bench/bench_retrieval.py --sets tune heldout_md heldout_csv fresh_md pack

For each question of bench/knowledge/questions.json, the passages a Chat tab turn would offer
(`library.for_turn`, a short prompt, 256 tokens to answer), searched by words alone and by words
and meaning (the documents embedded on the embedded model's embeddings server). "Right" is a
passage containing one of the question's expected strings; "first" is the first one offered.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from chatbot.context import AppContext  # noqa: E402
from chatbot.knowledge import library as lib  # noqa: E402
from chatbot.knowledge.search import fold  # noqa: E402
from chatbot.settings import Settings  # noqa: E402

DATA = ROOT / "bench" / "knowledge"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sets", nargs="*", default=None)
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args()
    sets = json.loads((DATA / "questions.json").read_text(encoding="utf-8"))
    ctx = AppContext.create(Settings.from_env({}))
    assert ctx.embedded is not None
    ctx.embedded.start()  # the budget counts tokens with the chat model's own tokenizer
    totals: dict[str, list[int]] = {}
    try:
        for name, spec in sets.items():
            if args.sets and name not in args.sets:
                continue
            docs = lib.load([DATA / spec["file"]], hosted=False)[0] if spec["file"] else None
            start = time.monotonic()
            vectors = lib.embed(ctx, ctx.new_session(), docs) if docs else None
            print(f"== {name}: {len(docs) if docs else 0} passages embedded in "
                  f"{time.monotonic() - start:.1f} s")
            for label, library in (("words", lib.Library(docs)),
                                   ("words+meaning", lib.Library(docs, vectors=vectors))):
                for item in spec["questions"]:
                    grounding = lib.for_turn(ctx, ctx.new_session(), library, item["q"],
                                             "Eres Edu.", 256)
                    right = [any(fold(e) in fold(h.passage.text) for e in item["expect"])
                             for h in grounding.used]
                    total = totals.setdefault(label, [0, 0, 0, 0])
                    total[0] += bool(right[:1] and right[0])
                    total[1] += any(right)
                    total[2] += 1
                    total[3] += len(right)
                    if not args.quiet and not (right[:1] and right[0]):
                        fate = "in the prompt, not first" if any(right) else "NOT in the prompt"
                        print(f"  [{label}] {fate}: {item['q']} → "
                              f"{[h.passage.label for h in grounding.used]}")
        for label, (first, given, n, offered) in totals.items():
            print(f"{label:14s} right passage first {first}/{n}, in the prompt {given}/{n}, "
                  f"passages offered {offered}")
    finally:
        ctx.embedded.stop()
        if ctx.embedder is not None:
            ctx.embedder.stop()


if __name__ == "__main__":
    main()
