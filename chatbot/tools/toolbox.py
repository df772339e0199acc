"""The tools a chat offers and how one call runs: a built-in, or a row of the student's table.

Descriptions, results and refusals are in the toolbox's language, the session's: the model reads
them, and the student sees them in the chat."""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from chatbot.errors import ChatbotError, InvalidInput
from chatbot.i18n import DEFAULT, normalise, say
from chatbot.tools.calculator import calculate

NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_-]{0,63}$")
MAX_RESULT_CHARS = 2000
MAX_ROWS = 50
WEEKDAYS = {"es": ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
            "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")}
CALCULATOR, TODAY, SEARCH = BUILTIN_NAMES = ("calculator", "today", "search_knowledge")


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    parameters: dict[str, Any]

    def spec(self) -> dict[str, Any]:
        """As OpenAI's `tools` takes it."""
        return {"type": "function", "function": {
            "name": self.name, "description": self.description, "parameters": self.parameters}}


def builtins(lang: str = DEFAULT) -> tuple[Tool, ...]:
    """The built-in tools (BUILTIN_NAMES), described to the model in `lang`."""
    def text(key: str) -> dict[str, str]:
        return {"type": "string", "description": say(lang, key)}

    return (Tool(CALCULATOR, say(lang, "tools.calculator"),
                 {"type": "object", "properties": {"expression": text(
                     "tools.calculator_expression")}, "required": ["expression"]}),
            Tool(TODAY, say(lang, "tools.today"), {"type": "object", "properties": {}}),
            Tool(SEARCH, say(lang, "tools.search"),
                 {"type": "object", "properties": {"query": text("tools.search_query")},
                  "required": ["query"]}))


def custom_tool(text: str) -> Tool:
    """The student's tool from its JSON: {"name", "description", "parameters" (a JSON schema)}."""
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput.keyed("tools.custom_not_json", line=exc.lineno, error=exc.msg) from None
    raw = raw.get("function", raw) if isinstance(raw, dict) else raw
    if not isinstance(raw, dict) or not NAME.match(str(raw.get("name", ""))):
        raise InvalidInput.keyed("tools.custom_name")
    params = raw.get("parameters", {"type": "object", "properties": {}})
    if not isinstance(params, dict) or params.get("type") != "object":
        raise InvalidInput.keyed("tools.custom_parameters")
    if raw["name"] in BUILTIN_NAMES:
        raise InvalidInput.keyed("tools.custom_builtin", name=raw["name"])
    return Tool(raw["name"], str(raw.get("description", "")), params)


def _fold(value: Any) -> str:
    return " ".join(str(value).lower().split())


def table_answer(rows: Sequence[Sequence[Any]], arguments: dict[str, Any]) -> str | None:
    """The student's answer for these arguments: the first row whose first cell matches the
    arguments' values (case and spacing ignored; "*" matches anything), else None."""
    wanted = _fold(" ".join(str(v) for v in arguments.values()))
    for row in list(rows)[:MAX_ROWS]:
        if len(row) < 2 or not str(row[1]).strip():
            continue
        key = _fold(row[0])
        if key in ("*", wanted) or (key and key in wanted):
            return str(row[1])
    return None


@dataclass(frozen=True)
class ToolRun:
    """One call as the chat shows it."""

    name: str
    arguments: str
    result: str
    seconds: float
    ok: bool


@dataclass(frozen=True)
class Toolbox:
    """What one chat offers: some built-ins, maybe the student's tool and its table of answers,
    how to search the session's knowledge (None: nothing loaded), and the session's language."""

    builtins: tuple[Tool, ...] = ()
    custom: Tool | None = None
    table: tuple[tuple[str, str], ...] = ()
    search: Callable[[str], str] | None = None
    today: Callable[[], dt.date] = field(default=dt.date.today)
    lang: str = DEFAULT

    @property
    def tools(self) -> tuple[Tool, ...]:
        return (*self.builtins, *((self.custom,) if self.custom else ()))

    def specs(self) -> list[dict[str, Any]]:
        return [t.spec() for t in self.tools]

    def _answer(self, name: str, args: dict[str, Any]) -> str:
        offered = {t.name for t in self.builtins}
        if name == CALCULATOR and name in offered:
            return calculate(str(args.get("expression", "")))
        if name == TODAY and name in offered:
            day = self.today()
            return f"{day.isoformat()} ({WEEKDAYS[normalise(self.lang)][day.weekday()]})"
        if name == SEARCH and name in offered:
            if self.search is None:
                return say(self.lang, "tools.no_documents")
            return self.search(str(args.get("query", "")))
        if self.custom is not None and name == self.custom.name:
            found = table_answer(self.table, args)
            return say(self.lang, "tools.table_has_no_answer") if found is None else found
        raise InvalidInput.keyed("tools.no_such_tool", name=name)

    def run(self, name: str, arguments: str) -> ToolRun:
        """Run one call; a bad call becomes a result the model (and the student) can read."""
        start = time.monotonic()
        try:
            args = json.loads(arguments or "{}")
            if not isinstance(args, dict):
                raise InvalidInput.keyed("tools.arguments_not_object")
            result, ok = self._answer(name, args)[:MAX_RESULT_CHARS], True
        except json.JSONDecodeError:
            result, ok = say(self.lang, "tools.arguments_not_json"), False
        except ChatbotError as exc:
            result, ok = f"Error: {exc.said(self.lang)}", False
        return ToolRun(name, arguments, result, time.monotonic() - start, ok)
