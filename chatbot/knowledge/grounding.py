"""The best passages put in the prompt, within a token budget, and the sources shown afterwards.

The passages go in the system prompt, after the persona, each headed by its file and section, with
an instruction to answer from them; the sources shown under the answer name the files. What did
not fit the budget is kept in `cut`, so the student can see what the model was not given.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from chatbot.i18n import DEFAULT, say
from chatbot.knowledge.passages import Passage
from chatbot.knowledge.search import Hit, Index

TOP_K = 2  # passages offered per question (tuned on docs/knowledge.md's question set)
# A runner-up scoring under this share of the best passage's score shares only a word or two
# with the question ("se llama" for "¿cómo se llama la aplicación?"); the 0.5B model then took
# its fact instead of the best passage's, so it is not offered, unless it is among the `k`
# nearest by meaning (embeddings found what the words did not).
RUNNER_UP = 1 / 3


def instruction(lang: str = DEFAULT) -> str:
    """After the passages, where a small model reads it last. Numbered passages made the 0.5B
    model answer "3" (a passage's number), so passages are headed by their file. Asked to end
    with «Fuente: file», it named the file in 12 of 78 answers, 7 of them with nothing else (no
    fact); without that line it gave the fact 65 times in 78 against 63 (docs/knowledge.md), and
    the Sources box under the answer names the file anyway."""
    return say(lang, "knowledge.instruction")


def passage_block(p: Passage) -> str:
    """One passage as the model reads it."""
    return f"### {p.label}\n{p.text}"


def context_text(passages: Sequence[Passage], lang: str = DEFAULT) -> str:
    """Exactly what is added to the system prompt for these passages, headed and followed by
    words in the reader's language (knowledge.header, `instruction`)."""
    return "\n\n".join([say(lang, "knowledge.header"), *(passage_block(p) for p in passages),
                        instruction(lang)])


def with_context(system_prompt: str, context: str) -> str:
    """The persona's prompt with the passages' text after it: what the model's system turn says."""
    return f"{system_prompt.strip()}\n\n{context}".strip()


def grounded_opening(opening: Sequence[dict[str, str]], passages: Sequence[Passage],
                     lang: str = DEFAULT) -> list[dict[str, str]]:
    """The conversation start (system prompt, greeting) a turn grounded in `passages` sends, byte
    for byte: what the embedded engine can prefill before a class asks (engine/warmup.py)."""
    system = [m for m in opening[:1] if m["role"] == "system"]
    prompt = with_context(system[0]["content"] if system else "", context_text(passages, lang))
    return [{"role": "system", "content": prompt}, *opening[len(system):]]


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
           budget: int, k: int = TOP_K, keep: Callable[[Hit], bool] = lambda _hit: True,
           same: Callable[[Hit], object] = lambda hit: hit.passage,
           prefer: Callable[[Hit], bool] = lambda _hit: False, lang: str = DEFAULT,
           near: Sequence[Passage] = ()) -> Grounding:
    """The `k` best passages for `question` (by its words, and by meaning when `near` ranks
    passages by it) that `keep` accepts and that fit `budget` tokens, in the system prompt; of
    passages that are `same` (one fact in two languages), one: the one `prefer` accepts (the
    reader's language), else the best, at the best's rank; no runner-up scoring under
    `RUNNER_UP` of the best BM25 score unless it is among the `k` nearest by meaning.

    A passage that does not fit is cut (not truncated: half a fact misleads), and the next
    smaller one may still fit."""
    chosen: dict[object, Hit] = {}
    for hit in index.search(question, len(index), near):
        if not keep(hit):
            continue
        twin = chosen.setdefault(same(hit), hit)
        if twin is not hit and prefer(hit) and not prefer(twin):
            chosen[same(hit)] = replace(hit, score=twin.score, near=twin.near)
    hits = list(chosen.values())  # a dict keeps the order the best of each came in
    best = max((h.score for h in hits), default=0.0)
    hits = [h for i, h in enumerate(hits[:k])
            if i == 0 or h.score >= RUNNER_UP * best or h.near == 1]
    used: list[Hit] = []
    cut: list[Hit] = []
    context = ""
    for hit in hits:
        candidate = context_text([h.passage for h in (*used, hit)], lang)
        if count(candidate) <= budget:
            used.append(hit)
            context = candidate
        else:
            cut.append(hit)
    if not used:
        return Grounding(system_prompt, "", (), tuple(cut), 0)
    return Grounding(with_context(system_prompt, context), context, tuple(used), tuple(cut), count(context))


def sources_title(grounding: Grounding, lang: str = DEFAULT) -> str:
    labels = ", ".join(dict.fromkeys(h.passage.label for h in grounding.used))
    return say(lang, "knowledge.sources", labels=labels)


def sources_markdown(grounding: Grounding, lang: str = DEFAULT) -> str:
    """The sources message's body: exactly the text the model was given, and what was cut."""
    lines = [say(lang, "knowledge.added", n=len(grounding.used), tokens=grounding.tokens), "",
             "```text", grounding.context, "```"]
    if grounding.cut:
        lines += ["", say(lang, "knowledge.cut",
                          labels=", ".join(h.passage.label for h in grounding.cut))]
    return "\n".join(lines)


def merged(*indexes: Index | None) -> Index:
    """One index over several lists of passages (the student's files and the course pack)."""
    passages: Sequence = [p for ix in indexes if ix is not None for p in ix.passages]
    return Index(passages)
