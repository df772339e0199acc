"""The best passages put in the prompt, within a token budget, and the sources shown afterwards.

The passages go in the system prompt, after the persona, each headed by its file and section, with
an instruction to answer from them and to name the file. What did not fit the budget is kept in
`cut`, so the student can see what the model was not given.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from chatbot.knowledge.search import Hit, Index

TOP_K = 3  # passages offered per question (tuned on docs/knowledge.md's question set)
INSTRUCTION = (
    "Responde usando los documentos de abajo. Si la respuesta no está en ellos, di que no lo "
    "sabes. Termina con la fuente: (Fuente: nombre del archivo).\n"
    "Answer using the documents below. If the answer is not in them, say you do not know. End "
    "with the source: (Source: file name)."
)


def passage_block(number: int, hit: Hit) -> str:
    """One passage as the model reads it."""
    p = hit.passage
    section = f" — sección / section: {p.section}" if p.section else ""
    return f"[{number}] archivo / file: {p.file}{section}\n{p.text}"


@dataclass(frozen=True)
class Grounding:
    """What one turn adds to the prompt: the passages given, those cut, and their token cost."""

    system_prompt: str  # the persona's prompt with the documents appended
    context: str  # exactly the text added to it
    used: tuple[Hit, ...]
    cut: tuple[Hit, ...]
    tokens: int  # tokens the added text costs

    @property
    def files(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(h.passage.file for h in self.used))


def ground(index: Index, question: str, system_prompt: str, count: Callable[[str], int],
           budget: int, k: int = TOP_K) -> Grounding:
    """The `k` best passages for `question` that fit `budget` tokens, in the system prompt.

    A passage that does not fit is cut (not truncated: half a fact misleads), and the next
    smaller one may still fit."""
    hits = index.search(question, k)
    used: list[Hit] = []
    cut: list[Hit] = []
    context = ""
    for hit in hits:
        blocks = [passage_block(i, h) for i, h in enumerate([*used, hit], 1)]
        candidate = INSTRUCTION + "\n\n" + "\n\n".join(blocks)
        if count(candidate) <= budget:
            used.append(hit)
            context = candidate
        else:
            cut.append(hit)
    if not used:
        return Grounding(system_prompt, "", (), tuple(cut), 0)
    prompt = f"{system_prompt.strip()}\n\n{context}".strip()
    return Grounding(prompt, context, tuple(used), tuple(cut), count(context))


def sources_title(grounding: Grounding) -> str:
    labels = ", ".join(dict.fromkeys(h.passage.label for h in grounding.used))
    return f"📚 Fuentes / Sources: {labels}"


def sources_markdown(grounding: Grounding) -> str:
    """The sources message's body: exactly the text the model was given, and what was cut."""
    lines = [f"{len(grounding.used)} fragmentos, {grounding.tokens} tokens añadidos al prompt "
             f"de sistema. / {len(grounding.used)} passages, {grounding.tokens} tokens added to "
             "the system prompt.", "", "```text", grounding.context, "```"]
    if grounding.cut:
        lines += ["", "Recortado por no caber en el contexto / Cut to fit the context: "
                  + ", ".join(h.passage.label for h in grounding.cut)]
    return "\n".join(lines)


def merged(*indexes: Index | None) -> Index:
    """One index over several lists of passages (the student's files and the course pack)."""
    passages: Sequence = [p for ix in indexes if ix is not None for p in ix.passages]
    return Index(passages)
