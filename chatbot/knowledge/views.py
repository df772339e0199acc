"""Retrieval, shown: for one question, the passages found, their scores, and what was cut."""

from __future__ import annotations

from chatbot.knowledge.grounding import Grounding
from chatbot.knowledge.search import Hit


def _row(rank: int, hit: Hit, fate: str) -> str:
    p = hit.passage
    words = ", ".join(hit.matched)
    preview = " ".join(p.text.split())[:90].replace("|", "\\|")
    return (f"| {rank} | {p.file} | {p.section.replace('|', '/')} | {hit.score:.2f} | {words} | "
            f"{fate} | {preview}… |")


def retrieval_markdown(question: str, grounding: Grounding, ranked: list[Hit]) -> str:
    """`ranked`: the search's best hits, more than were offered, so the runners-up show too."""
    if not ranked:
        return (f"Ningún fragmento comparte palabras con «{question}»: el modelo responde sin "
                f"documentos. / No passage shares a word with «{question}»: the model answers "
                "without documents.")
    used = {id(h.passage) for h in grounding.used}
    cut = {id(h.passage) for h in grounding.cut}
    lines = ["| # | Archivo / File | Sección / Section | BM25 | Palabras / Words | "
             "¿En el prompt? / In the prompt? | Texto / Text |", "|---|---|---|---|---|---|---|"]
    for rank, hit in enumerate(ranked, 1):
        key = id(hit.passage)
        fate = ("✅ sí / yes" if key in used else
                "✂️ recortado: no cabía / cut: did not fit" if key in cut else
                "— fuera del top-k o lejos del primero / below top-k or far below the best")
        lines.append(_row(rank, hit, fate))
    lines.append("")
    lines.append(f"Añadidos al prompt / Added to the prompt: {len(grounding.used)} fragmentos / "
                 f"passages, {grounding.tokens} tokens.")
    return "\n".join(lines)
