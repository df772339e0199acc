"""The course's own concepts in Spanish and English, shipped as Markdown, for the default persona."""

from __future__ import annotations

import functools
from importlib import resources

from chatbot.knowledge.passages import Passage, split_markdown
from chatbot.knowledge.search import Index

FILES = ("conceptos.md", "concepts.md")


@functools.cache
def course_pack() -> Index:
    """Read-only and the same for everyone, so built once per process."""
    passages: list[Passage] = []
    for name in FILES:
        text = resources.files(__package__).joinpath(name).read_text(encoding="utf-8")
        passages.extend(split_markdown(name, text))
    return Index(passages)
