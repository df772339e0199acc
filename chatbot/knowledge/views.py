"""Retrieval, shown: for one question, the passages found, their scores, and what was cut."""

from __future__ import annotations

from chatbot.i18n import DEFAULT, say
from chatbot.knowledge.grounding import Grounding
from chatbot.knowledge.search import Hit


def _row(rank: int, hit: Hit, fate: str, meaning: bool) -> str:
    p = hit.passage
    words = ", ".join(hit.matched)
    near = [f"{hit.near or '—'}"] if meaning else []
    preview = " ".join(p.text.split())[:90].replace("|", "\\|")
    cells = [str(rank), p.file, p.section.replace("|", "/"), f"{hit.score:.2f}", words, *near,
             fate, f"{preview}…"]
    return "| " + " | ".join(cells) + " |"


def retrieval_markdown(question: str, grounding: Grounding, ranked: list[Hit],
                       lang: str = DEFAULT) -> str:
    """`ranked`: the search's best hits, more than were offered, so the runners-up show too;
    when the documents were embedded, each one's rank by meaning too."""
    if not ranked:
        return say(lang, "knowledge.no_shared_words", question=question)
    used = {id(h.passage) for h in grounding.used}
    cut = {id(h.passage) for h in grounding.cut}
    columns = [say(lang, f"knowledge.col_{c}") for c in ("file", "section")]
    meaning = any(h.near for h in ranked)
    named = ("words", "near", "in_prompt", "text") if meaning else ("words", "in_prompt", "text")
    columns += ["BM25", *(say(lang, f"knowledge.col_{c}") for c in named)]
    lines = ["| # | " + " | ".join(columns) + " |", "|" + "---|" * (len(columns) + 1)]
    for rank, hit in enumerate(ranked, 1):
        key = id(hit.passage)
        fate = "used" if key in used else "cut" if key in cut else "below"
        lines.append(_row(rank, hit, say(lang, f"knowledge.fate_{fate}"), meaning))
    lines.append("")
    lines.append(say(lang, "knowledge.added", n=len(grounding.used), tokens=grounding.tokens))
    return "\n".join(lines)
