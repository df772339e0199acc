"""Fine-tuning messages as keys of the language tables (chatbot/i18n/), said only once a reader
is known: a view (the session's language), the CLI (`cli_lang()`), an error's edge.

Many of them nest: a refusal lists problems, a skipped row gives the reason of its line. A field
may hold words, a list of them (joined with "; ") or a project error, each said in the same
language as the message around it (`Msg` does that).
"""

from __future__ import annotations

from chatbot.errors import ChatbotError, InvalidInput
from chatbot.i18n import LANGS, Msg


def in_every_language(value: Msg | ChatbotError) -> dict[str, str]:
    """For a file another process reads (a local job's events), whoever its reader is."""
    return {lang: value.said(lang) for lang in LANGS}


class Refusal(InvalidInput):
    """Invalid input whose message and hint are `Msg`: `said` gives one language; `str()`
    (logs, REST callers, who have no page language) both, as keyed errors do."""

    def __init__(self, message: Msg, hint: Msg | None = None) -> None:
        def both(w: Msg | None) -> str:
            return " / ".join(w.said(lang) for lang in LANGS) if w else ""
        super().__init__(both(message), hint=both(hint))
        self.words = (message, hint)

    def said(self, lang: str) -> str:
        message, hint = self.words
        return f"{message.said(lang)} {hint.said(lang) if hint else ''}".strip()
