"""The course's own concepts in Spanish and English, shipped as Markdown, for the default persona."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from importlib import resources

from chatbot.i18n import DEFAULT
from chatbot.knowledge.grounding import grounded_opening
from chatbot.knowledge.passages import Passage, split_markdown
from chatbot.knowledge.search import Hit, Index, terms

FILES = ("conceptos.md", "concepts.md")
FILE_FOR = {"es": "conceptos.md", "en": "concepts.md"}  # the pack's file in each language


@functools.cache
def course_pack() -> Index:
    """Read-only and the same for everyone, so built once per process."""
    passages: list[Passage] = []
    for name in FILES:
        text = resources.files(__package__).joinpath(name).read_text(encoding="utf-8")
        passages.extend(split_markdown(name, text))
    return Index(passages)


def on_topic(hit: Hit) -> bool:
    """A pack passage is offered only when the question names its concept: every word of one of
    its heading's names ("Temperature (temperatura)", "Ventana de contexto", "Costes y precios").
    The pack is always on for Edu, and "Di solo la palabra: manzana" shares "palabra" with the
    token passage, "Di un número del 1 al 9" "número" with "n (número de respuestas)": either
    would ground a chit-chat answer in the wrong concept."""
    if hit.passage not in course_pack().passages:
        return True
    heading = hit.passage.section.rsplit(" › ", 1)[-1]
    names = (set(terms(name)) for name in _NAMES.split(heading))
    return any(name and name <= set(hit.matched) for name in names)


_NAMES = re.compile(r"[():,]| y | and ")


def native(lang: str) -> Callable[[Hit], bool]:
    """Of a concept's two passages, the one in the reader's language: the Sources box shows it in
    their language, and a class's grounded prompts are the ones prefilled (`openings`), not
    those of whichever language a word like "fine-tuning" happened to match better."""
    name = FILE_FOR.get(lang, FILES[0])
    return lambda hit: hit.passage.file == name


def concept(hit: Hit) -> object:
    """The pack says each concept twice (conceptos.md and concepts.md, section by section in the
    same order): the same number for both, so a question gets the concept once (in the reader's
    language: `native`), at half the prompt tokens; any other passage is itself."""
    pack = course_pack().passages
    if hit.passage not in pack:
        return hit.passage
    own = [p for p in pack if p.file == hit.passage.file]
    return "pack", own.index(hit.passage)


def openings(opening: list[dict[str, str]], lang: str = DEFAULT) -> list[list[dict[str, str]]]:
    """The persona's conversation start grounded in each concept's passage, in `lang`: a class's
    first questions are mostly the course's concepts, and each such question's prompt leaves the
    persona's warmed prefix where its passage begins (~150 tokens more to prefill per student,
    five of eight students in docs/engine.md's class check). The embedded engine prefills each
    of these into a slot of its own before the class asks, as many as it has slots for, in the
    pack's order: the course's first concepts (token, temperature, system prompt, fine-tuning,
    costs) come first."""
    name = FILE_FOR.get(lang, FILES[0])
    return [grounded_opening(opening, [p], lang) for p in course_pack().passages if p.file == name]
