"""Telegram's text rules as pure functions: the 4096-character limit, its Markdown dialect, and
the bot's fixed replies (Spanish / English)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from chatbot.chat import Persona
from chatbot.errors import ChatbotError

TELEGRAM_LIMIT = 4096  # per message, counted in UTF-16 code units after entity parsing
FENCE = "```"
_CLOSE = "\n" + FENCE
_MAX_FENCE_LINE = 40  # a longer opening line is reopened bare, so a part always shrinks the rest

COMMANDS: tuple[tuple[str, str], ...] = (
    ("start", "Saludo y ayuda / Greeting and help"),
    ("help", "Qué sé hacer / What I can do"),
    ("reset", "Empezar una conversación nueva / Start a new conversation"),
    ("persona", "Ver o cambiar la personalidad / List or switch the persona"),
    ("usage", "Tokens y coste gastados / Tokens and cost so far"),
    ("export", "La conversación como fichero JSON / The conversation as a JSON file"),
)
REFUSAL = "⛔ Lo siento, este bot es privado. / Sorry, this bot is private."
NOT_TEXT = ("🙂 Por ahora solo entiendo mensajes de texto. / For now I only understand text "
            "messages.")
EMPTY_ANSWER = "(El modelo no devolvió texto. / The model returned no text.)"
EXPORT_EMPTY = ("📭 Aún no hay conversación que exportar. / No conversation to export yet.")
EXPORT_CAPTION = ("💾 Tu conversación en el formato de mensajes de OpenAI; impórtala en la "
                  "pestaña Chat de la app. / Your conversation in OpenAI's message format; "
                  "import it in the app's Chat tab.")
RESET_DONE = "🧹 Conversación borrada. / Conversation cleared."
CUT_BY_LENGTH = "✂️ (Cortado por el límite de tokens. / Cut off at the token limit.)"
UNEXPECTED = ("⚠️ Algo ha fallado al responder; sigo aquí, prueba otra vez. / Something failed "
              "while answering; I'm still here, try again.")


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


def error_reply(exc: ChatbotError) -> str:
    return f"⚠️ {exc.title}\n{exc}"


def help_text(persona: Persona) -> str:
    lines = [f"Soy {persona.name}. {persona.description}", ""]
    lines += [f"/{name} — {what}" for name, what in COMMANDS]
    lines += ["", "En grupos respondo si me mencionas o respondes a mis mensajes. / In groups I "
                  "answer when mentioned or replied to."]
    return "\n".join(lines)


def persona_list(current: Persona, presets: Sequence[Persona]) -> str:
    lines = ["Personalidades / Personas (/persona <clave / key>):"]
    for p in presets:
        mark = "👉" if p.key == current.key else "•"
        lines.append(f"{mark} {p.key} — {p.name}: {p.description}")
    return "\n".join(lines)


def persona_switched(persona: Persona) -> str:
    return (f"🎭 Ahora soy {persona.name}; conversación nueva. / I'm now {persona.name}; new "
            f"conversation.\n\n{persona.greeting}")
