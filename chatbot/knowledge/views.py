"""Retrieval, shown: for one question, the passages found, their scores, and what was cut."""

from __future__ import annotations

from chatbot.i18n import DEFAULT, say
from chatbot.knowledge.grounding import Grounding
from chatbot.knowledge.search import Hit


def _row(rank: int, hit: Hit, fate: str) -> str:
    p = hit.passage
    words = ", ".join(hit.matched)
    preview = " ".join(p.text.split())[:90].replace("|", "\\|")
    return (f"| {rank} | {p.file} | {p.section.replace('|', '/')} | {hit.score:.2f} | {words} | "
            f"{fate} | {preview}… |")


def retrieval_markdown(question: str, grounding: Grounding, ranked: list[Hit],
                       lang: str = DEFAULT) -> str:
    """`ranked`: the search's best hits, more than were offered, so the runners-up show too."""
    if not ranked:
        return say(lang, "knowledge.no_shared_words", question=question)
    used = {id(h.passage) for h in grounding.used}
    cut = {id(h.passage) for h in grounding.cut}
    columns = [say(lang, f"knowledge.col_{c}") for c in ("file", "section")]
    columns += ["BM25", *(say(lang, f"knowledge.col_{c}") for c in ("words", "in_prompt", "text"))]
    lines = ["| # | " + " | ".join(columns) + " |", "|---|---|---|---|---|---|---|"]
    for rank, hit in enumerate(ranked, 1):
        key = id(hit.passage)
        fate = "used" if key in used else "cut" if key in cut else "below"
        lines.append(_row(rank, hit, say(lang, f"knowledge.fate_{fate}")))
    lines.append("")
    lines.append(say(lang, "knowledge.added", n=len(grounding.used), tokens=grounding.tokens))
    return "\n".join(lines)
