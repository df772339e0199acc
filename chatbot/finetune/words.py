"""Fine-tuning messages as keys of the language tables (chatbot/i18n/), said only once a reader
is known: a view (the session's language), the CLI (`cli_lang()`), an error's edge.

Many of them nest: a refusal lists problems, a skipped row gives the reason of its line. A field
may hold words, a list of them (joined with "; ") or a project error, each said in the same
language as the message around it (`Msg` does that; `Words` is its name here).
"""

from __future__ import annotations

from typing import Any

from chatbot.errors import ChatbotError, InvalidInput
from chatbot.i18n import LANGS, Msg

Words = Msg  # the project's text made before its reader is known (chatbot/i18n)


def words(key: str, /, **fields: Any) -> Msg:
    return Msg(key, **fields)


def in_every_language(value: Msg | ChatbotError) -> dict[str, str]:
    """For a file another process reads (a local job's events), whoever its reader is."""
    return {lang: value.said(lang) for lang in LANGS}


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
