"""Issue 25: does knowledge make the embedded model answer right, and name the file?

    python bench/bench_knowledge.py                 # every question set, with and without
    python bench/bench_knowledge.py --sets tune     # only the set the prompt was tuned on
    python bench/bench_knowledge.py --k 2 --runs 3  # passages per question, runs per question
    python bench/bench_knowledge.py --lexical       # without embeddings (search by words alone)

Each question goes through the Chat tab's own path (the default persona, Edu, the knowledge
library, `ChatTurn`) on the embedded model. "Right" means the answer contains one of the fact's
expected strings (accents and case ignored); "cites" means it names the file. Prints one table
per set, and the answers, so a reader can judge the strings too.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from chatbot.chat import persona  # noqa: E402
from chatbot.chat.turn import ChatTurn  # noqa: E402
from chatbot.context import AppContext  # noqa: E402
from chatbot.knowledge import library as lib  # noqa: E402
from chatbot.knowledge.search import fold  # noqa: E402
from chatbot.settings import Settings  # noqa: E402

DATA = ROOT / "bench" / "knowledge"


def ask(ctx: AppContext, library: lib.Library, question: str, temperature: float,
        k: int | None, max_tokens: int) -> str:
    session = ctx.new_session()
    edu = persona.PRESETS[0]
    system = persona.identity_prompt(edu.name, edu.system_prompt)
    grounding = lib.for_turn(ctx, session, library, question, system, max_tokens, k)
    turn = ChatTurn(ctx, session, question, [], grounding.system_prompt, max_tokens=max_tokens,
                    temperature=temperature)
    for _ in turn.stream():
        pass
    return turn.answer


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sets", nargs="*", default=None)
    parser.add_argument("--k", type=int, default=None)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--temperature", type=float, default=0.7)
    parser.add_argument("--quiet", action="store_true")
    parser.add_argument("--max-tokens", type=int, default=256)
    parser.add_argument("--conditions", nargs="*", default=["with", "without"])
    parser.add_argument("--lexical", action="store_true", help="search by words alone")
    args = parser.parse_args()
    sets = json.loads((DATA / "questions.json").read_text(encoding="utf-8"))
    ctx = AppContext.create(Settings.from_env({}))
    assert ctx.embedded is not None
    ctx.embedded.start()
    try:
        for name, spec in sets.items():
            if args.sets and name not in args.sets:
                continue
            docs, vectors = None, None
            if spec["file"]:
                docs, _ = lib.load([DATA / spec["file"]], hosted=False)
                if not args.lexical:
                    vectors = lib.embed(ctx, ctx.new_session(), docs)
            stem = fold(Path(spec["file"] or "concept").stem)
            conditions = {"with": lib.Library(docs, pack=True, vectors=vectors),
                          "without": lib.Library(None, pack=False)}
            print(f"\n== {name} ({spec['file'] or 'course pack'}), k={args.k or 'default'}, "
                  f"T={args.temperature}, runs={args.runs}, "
                  f"search {'words and meaning' if vectors else 'words'}")
            for label, library in conditions.items():
                if label not in args.conditions:
                    continue
                right = cites = total = 0
                for item in spec["questions"]:
                    for _ in range(args.runs):
                        answer = ask(ctx, dataclasses.replace(library), item["q"],
                                     args.temperature, args.k, args.max_tokens)
                        text = fold(answer)
                        ok = any(fold(e) in text for e in item["expect"])
                        named = stem in text
                        right += ok
                        cites += named
                        total += 1
                        if not args.quiet:
                            flat = " ".join(answer.split())[:160]
                            print(f"  [{label}] {'✓' if ok else '✗'}{'📄' if named else '  '} "
                                  f"{item['q']} → {flat}")
                print(f"  {label:8s} right {right}/{total}  names the file {cites}/{total}")
    finally:
        ctx.embedded.stop()
        if ctx.embedder is not None:
            ctx.embedder.stop()


if __name__ == "__main__":
    main()
