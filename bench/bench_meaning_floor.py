"""Issue 25: how similar must a passage sharing no word with a message be to be offered?

    python bench/bench_meaning_floor.py

For each question of bench/knowledge/questions.json's sets (not the held-out ones) and for a few
greetings and chit-chat messages, the passages nearest by meaning on the embedded model's
embeddings server (`Vectors.nearest`, as a turn asks), with their cosine similarity, whether
each holds the question's expected fact, and whether it shares a word with the message (BM25
score above zero). A floor between the greetings' nearest and the questions' right passages
found only by meaning would stop "hola" being grounded without losing them.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from chatbot.context import AppContext  # noqa: E402
from chatbot.knowledge import library as lib  # noqa: E402
from chatbot.knowledge.search import fold  # noqa: E402
from chatbot.settings import Settings  # noqa: E402

DATA = ROOT / "bench" / "knowledge"
SETS = ("tune", "heldout_md", "heldout_csv", "fresh_md", "final_txt", "final_md")
CHITCHAT = ("hola", "gracias", "¿qué tal?", "buenos días", "ok", "vale, gracias", "adiós",
            "hello", "thanks!", "jajaja")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sets", nargs="*", default=list(SETS))
    args = parser.parse_args()
    sets = json.loads((DATA / "questions.json").read_text(encoding="utf-8"))
    ctx = AppContext.create(Settings.from_env({}))
    session = ctx.new_session()
    greetings: list[float] = []
    only_meaning: list[float] = []  # the right passage among the nearest, sharing no word
    try:
        client = ctx.embeddings_client(session)
        for name in args.sets:
            spec = sets[name]
            docs = lib.load([DATA / spec["file"]], hosted=False)[0]
            vectors = lib.embed(ctx, session, docs)
            assert vectors is not None, "the embedded model could not embed"
            print(f"== {name} ({spec['file']}, {len(docs)} passages)")
            for item in spec["questions"]:
                worded = {h.passage for h in docs.search(item["q"], len(docs))}
                marks = []
                for passage, similarity in vectors.nearest(client, item["q"]):
                    right = any(fold(e) in fold(passage.text) for e in item["expect"])
                    shared = passage in worded
                    marks.append(f"{similarity:.3f}{'R' if right else '-'}"
                                 f"{'w' if shared else 'm'}")
                    if right and not shared:
                        only_meaning.append(similarity)
                print(f"  {' '.join(marks)}  {item['q']}")
            for text in CHITCHAT:
                found = vectors.nearest(client, text)
                greetings.append(found[0][1])
                print(f"  {found[0][1]:.3f} nearest  {text}")
        print("R: holds the expected fact; w: shares a word with the message; m: meaning only")
        print(f"greetings' nearest: max {max(greetings):.3f}, "
              f"sorted {[round(g, 3) for g in sorted(greetings)[-8:]]}")
        print(f"right passages by meaning only: min {min(only_meaning, default=0):.3f}, "
              f"sorted {[round(s, 3) for s in sorted(only_meaning)]}")
    finally:
        if ctx.embedder is not None:
            ctx.embedder.stop()


if __name__ == "__main__":
    main()
