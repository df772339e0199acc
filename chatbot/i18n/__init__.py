"""One language at a time: everything a person reads, in Spanish or in English, never both.

The words live in two tables with the same keys, `es.json` and `en.json` (package data, like
chatbot/data/). Code names a key; the language is chosen per reader: the browser's (or the
page's switch) for the web app, `CHATBOT_LANG` or the system locale for the CLI and the bot.

How to add a string:
1. Pick a key `area.what` (e.g. ``"chat.send"``) and add it to *both* es.json and en.json.
   Values may hold ``{name}`` fields; both languages must use the same fields
   (tests/test_i18n.py checks keys and fields).
2. A fixed label, info, placeholder, button, tab title or Markdown in `chatbot/ui/`:
   ``T("chat.send")`` from `chatbot.ui.i18n` — a `gr.I18n` key the browser translates. Such a
   text has no ``{fields}`` (the browser fills none), and a string holds one ``T(...)`` at most
   (Gradio translates the first key it finds).
3. Text built on the server (a result in Markdown, a gr.Error/gr.Warning, the status line,
   table headers, choices): ``say(session.lang, "chat.cost", usd=...)``. `Session.lang` is set
   when the page loads, from the same language the browser shows.
4. CLI/Telegram: ``say(cli_lang(), "key")``.
5. An error raised below the UI, which knows no reader: ``Busy.keyed("fairshare.busy_simulations",
   "fairshare.wait", now=1, limit=1)`` (chatbot/errors.py); the edge says it in the reader's
   language (``exc.said(lang)``).
6. Any other text made below the UI (a note, a notice, one problem of a list): ``Msg("key",
   n=1)``, said by whoever knows the reader (``msg.said(lang)``). A field may itself be a Msg, or
   a list of them (said joined by "; "), so a keyed error can list every problem.

Older messages some feature packages still write "español / English" are cut to one side by
`one_language` at the edges (`chatbot.ui.common.friendly`), until they move to keys.
"""

from __future__ import annotations

import json
import locale
import os
import re
from pathlib import Path
from typing import Protocol, runtime_checkable

LANGS = ("es", "en")
DEFAULT = "es"  # the course's language
TABLES: dict[str, dict[str, str]] = {
    lang: json.loads((Path(__file__).with_name(f"{lang}.json")).read_text(encoding="utf-8"))
    for lang in LANGS}


def normalise(code: str | None) -> str:
    """A browser or locale code ("es-MX", "en_GB.UTF-8", "fr") → "es" or "en".

    Spanish speakers get Spanish; anyone else English, which is also Gradio's own fallback, so
    the server's text matches the labels the browser shows."""
    if not code:
        return DEFAULT
    return "es" if code.strip().lower().startswith("es") else "en"


def say(lang: str, key: str, /, **values: object) -> str:
    """The text for `key` in `lang`, its ``{fields}`` filled (a Msg field said in `lang` too).
    A missing key is a bug: KeyError."""
    text = TABLES[normalise(lang) if lang not in TABLES else lang][key]
    return text.format(**{k: _in(lang, v) for k, v in values.items()}) if values else text


@runtime_checkable
class Sayable(Protocol):
    """A Msg, or a project error: anything said in the reader's language."""

    def said(self, lang: str) -> str: ...


def _in(lang: str, value: object) -> object:
    if isinstance(value, Sayable):
        return value.said(lang)
    if isinstance(value, list | tuple) and value and all(isinstance(v, Sayable) for v in value):
        return "; ".join(v.said(lang) for v in value)
    return value


class Msg:
    """A text made before its reader is known: a key and its fields, said in one language later.

    `str()` gives both languages, for logs only; a person reads `said(lang)`."""

    __slots__ = ("fields", "key")

    def __init__(self, key: str, /, **fields: object) -> None:
        self.key = key
        self.fields: dict[str, object] = fields

    @classmethod
    def written(cls, es: str, en: str) -> Msg:
        """A text its data writes in both languages (a model's note in models.json)."""
        return cls("", es=es, en=en)

    def said(self, lang: str) -> str:
        if not self.key:
            return str(self.fields[lang if lang in LANGS else normalise(lang)])
        return say(lang, self.key, **self.fields)

    def __str__(self) -> str:
        return " / ".join(self.said(lang) for lang in LANGS)

    def __repr__(self) -> str:
        return f"Msg({self.key!r}, {self.fields!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Msg) and (self.key, self.fields) == (other.key, other.fields)

    def __hash__(self) -> int:
        return hash(self.key)


def cli_lang() -> str:
    """The CLI's and the bot's language: CHATBOT_LANG, else the system locale (LANG/LC_ALL),
    else (none, or C/POSIX) Spanish, the course's."""
    chosen = os.environ.get("CHATBOT_LANG") or os.environ.get("LC_ALL") \
        or os.environ.get("LANG") or (locale.getlocale()[0] or "")
    unset = not chosen or chosen.split(".")[0] in {"C", "POSIX"}  # Debian's and Docker's default
    return DEFAULT if unset else normalise(chosen)


_PAIR = re.compile(r"\s/\s")
_SENTENCES = re.compile(r"(?<=[.!?…)»`*_])\s/\s")  # a " / " that ends a sentence


def one_language(text: str, lang: str) -> str:
    """A legacy "español / English" message cut to one language.

    A text with exactly one " / " is cut there (one sentence each side). With more, it is cut
    only where exactly one of them ends a sentence ("… server: url. / Cannot …"), the inner
    pairs left as they are; anything else is left whole, since a slash may belong to the text."""
    parts = _PAIR.split(text)
    if len(parts) > 2:
        parts = _SENTENCES.split(text)
    if len(parts) != 2:
        return text
    return parts[0].rstrip() if normalise(lang) == "es" else parts[1].lstrip()
