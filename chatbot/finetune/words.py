"""Fine-tuning messages as keys of the language tables (chatbot/i18n/), said only once a reader
is known: a view (the session's language), the CLI (`cli_lang()`), an error's edge.

Many of them nest: a refusal lists problems, a skipped row gives the reason of its line. A field
may hold `Words`, a list of them (joined with "; ") or a project error, each said in the same
language as the message around it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from chatbot.errors import ChatbotError, InvalidInput
from chatbot.i18n import LANGS, say


@dataclass(frozen=True)
class Words:
    key: str
    fields: Mapping[str, Any] = field(default_factory=dict)

    def said(self, lang: str) -> str:
        text = say(lang, self.key)  # filled here: a field may be called "key" (a JSON key)
        return text.format(**{k: said(v, lang) for k, v in self.fields.items()}) \
            if self.fields else text


def words(key: str, **fields: Any) -> Words:
    return Words(key, fields)


def in_every_language(value: Words | ChatbotError) -> dict[str, str]:
    """For a file another process reads (a local job's events), whoever its reader is."""
    return {lang: value.said(lang) for lang in LANGS}


def said(value: Any, lang: str) -> Any:
    """`value` in `lang` when it is words or an error; anything else as it is."""
    if isinstance(value, Words | ChatbotError):
        return value.said(lang)
    if isinstance(value, list | tuple):
        return "; ".join(str(said(v, lang)) for v in value)
    return value


class Refusal(InvalidInput):
    """Invalid input whose message and hint are `Words`: `said` gives one language; `str()`
    (logs, REST callers, who have no page language) both, as keyed errors do."""

    def __init__(self, message: Words, hint: Words | None = None) -> None:
        def both(w: Words | None) -> str:
            return " / ".join(w.said(lang) for lang in LANGS) if w else ""
        super().__init__(both(message), hint=both(hint))
        self.words = (message, hint)

    def said(self, lang: str) -> str:
        message, hint = self.words
        return f"{message.said(lang)} {hint.said(lang) if hint else ''}".strip()
