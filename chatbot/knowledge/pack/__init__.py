"""The course's own concepts in Spanish and English, shipped as Markdown, for the default persona."""

from __future__ import annotations

import functools
import re
from importlib import resources

from chatbot.knowledge.passages import Passage, split_markdown
from chatbot.knowledge.search import Hit, Index, terms

FILES = ("conceptos.md", "concepts.md")


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


def concept(hit: Hit) -> object:
    """The pack says each concept twice (conceptos.md and concepts.md, section by section in the
    same order): the same number for both, so a question gets the concept once, in the language
    its words matched best, at half the prompt tokens; any other passage is itself."""
    pack = course_pack().passages
    if hit.passage not in pack:
        return hit.passage
    own = [p for p in pack if p.file == hit.passage.file]
    return "pack", own.index(hit.passage)
