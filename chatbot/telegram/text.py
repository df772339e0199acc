"""Telegram's text rules as pure functions: the 4096-character limit, its Markdown dialect, and
the bot's fixed replies, in the bot's language (`cli_lang()`: CHATBOT_LANG or the system locale)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from chatbot.chat import Persona
from chatbot.errors import ChatbotError
from chatbot.i18n import say

TELEGRAM_LIMIT = 4096  # per message, counted in UTF-16 code units after entity parsing
FENCE = "```"
_CLOSE = "\n" + FENCE
_MAX_FENCE_LINE = 40  # a longer opening line is reopened bare, so a part always shrinks the rest

COMMANDS = ("start", "help", "reset", "persona", "usage", "export")  # each has telegram.cmd_*


def commands(lang: str) -> list[tuple[str, str]]:
    """(command, what it does) for the help and Telegram's command menu, in `lang`."""
    return [(name, say(lang, f"telegram.cmd_{name}")) for name in COMMANDS]


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _prefix_fitting(text: str, limit: int) -> int:
    """How many characters of `text` fit in `limit` UTF-16 units (an emoji counts two)."""
    if utf16_len(text) <= limit:
        return len(text)
    units = 0
    for i, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return i
    return len(text)


def _break_at(window: str) -> int:
    """A paragraph, else a line, else a word boundary in the second half, so parts stay full."""
    floor = len(window) // 2
    for sep in ("\n\n", "\n", " "):
        at = window.rfind(sep, floor)
        if at > 0:
            return at
    return len(window)


def _open_fence(text: str) -> str | None:
    """The opening line of a code block left open at the end of `text`, if any."""
    opening: str | None = None
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped.startswith(FENCE):
            opening = None if opening is not None else stripped
    return opening


def split_message(text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Cut a long answer into messages Telegram accepts, closing and reopening a code block that
    straddles a cut so both halves still render. A prefix's parts never change as the text grows,
    so a streamed answer can keep editing its last message."""
    parts: list[str] = []
    rest = text.strip()
    while utf16_len(rest) > limit:
        window = rest[:_prefix_fitting(rest, limit - len(_CLOSE))]
        cut = _break_at(window)
        head = rest[:cut].rstrip()
        rest = rest[cut:].lstrip("\n")
        if rest.startswith(" "):
            rest = rest[1:]
        fence = _open_fence(head)
        if fence is not None:
            head += _CLOSE
            reopen = fence if len(fence) <= _MAX_FENCE_LINE else FENCE
            rest = f"{reopen}\n{rest}"
        if head.strip():
            parts.append(head)
    if rest:
        parts.append(rest)
    return parts


_CODE = re.compile(r"```.*?(?:```|\Z)|`[^`\n]*`", re.S)
_HEADING = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t#]*$", re.M)
_BULLET = re.compile(r"^([ \t]*)[*+-][ \t]+", re.M)
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_UNDERLINE_BOLD = re.compile(r"__(?=\S)(.+?)(?<=\S)__")
_INWORD_UNDERSCORE = re.compile(r"(?<=\w)_(?=\w)")


def _prose(text: str) -> str:
    text = _BULLET.sub(r"\1• ", text)
    text = _HEADING.sub(r"*\1*", text)
    text = _BOLD.sub(r"*\1*", text)
    text = _UNDERLINE_BOLD.sub(r"*\1*", text)
    return _INWORD_UNDERSCORE.sub(r"\\_", text)


def to_markdown(text: str) -> str:
    """The Markdown models write → Telegram's legacy `Markdown` mode (headings and **bold** become
    *bold*, bullets •, snake_case escaped); code stays as is. Telegram may still reject the
    result, and then the caller sends plain text."""
    out: list[str] = []
    pos = 0
    for match in _CODE.finditer(text):
        out.append(_prose(text[pos:match.start()]))
        out.append(match.group())
        pos = match.end()
    out.append(_prose(text[pos:]))
    return "".join(out)


def has_markup(text: str) -> bool:
    """Whether sending `text` as Markdown could look different from plain text."""
    return any(char in text for char in "*_`[#")


def is_not_modified(description: str) -> bool:
    """Telegram's 400 for an edit that changes nothing: harmless, the text is already shown."""
    return "message is not modified" in description.lower()


def error_reply(exc: ChatbotError, lang: str) -> str:
    return f"⚠️ {exc.title_in(lang)}\n{exc.said(lang)}"


def help_text(persona: Persona, lang: str) -> str:
    lines = [say(lang, "telegram.i_am", persona=persona.label(lang)), ""]
    lines += [f"/{name} — {what}" for name, what in commands(lang)]
    lines += ["", say(lang, "telegram.groups")]
    return "\n".join(lines)


def persona_list(current: Persona, presets: Sequence[Persona], lang: str) -> str:
    lines = [say(lang, "telegram.personas")]
    for p in presets:
        mark = "👉" if p.key == current.key else "•"
        lines.append(f"{mark} {p.key}: {p.label(lang)}")
    return "\n".join(lines)


def persona_switched(persona: Persona, lang: str) -> str:
    return f"{say(lang, 'telegram.persona_switched', name=persona.name)}\n\n{persona.greeting}"
