"""The tools a chat offers and how one call runs: a built-in, or a row of the student's table."""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from chatbot.errors import ChatbotError, InvalidInput
from chatbot.tools.calculator import calculate

NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_-]{0,63}$")
MAX_RESULT_CHARS = 2000
MAX_ROWS = 50
WEEKDAYS = ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo")


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    parameters: dict[str, Any]

    def spec(self) -> dict[str, Any]:
        """As OpenAI's `tools` takes it."""
        return {"type": "function", "function": {
            "name": self.name, "description": self.description, "parameters": self.parameters}}


CALCULATOR = Tool("calculator", "Calcula una operación aritmética exacta. / Computes exact "
                  "arithmetic, e.g. 37*48 or (12+3)/4.",
                  {"type": "object", "properties": {"expression": {
                      "type": "string", "description": "p. ej. / e.g. 37*48"}},
                   "required": ["expression"]})
TODAY = Tool("today", "La fecha de hoy y el día de la semana. / Today's date and weekday.",
             {"type": "object", "properties": {}})
SEARCH = Tool("search_knowledge", "Busca en los documentos cargados. / Searches the loaded "
              "documents.",
              {"type": "object", "properties": {"query": {
                  "type": "string", "description": "palabras a buscar / words to search"}},
               "required": ["query"]})
BUILTINS = (CALCULATOR, TODAY, SEARCH)


def custom_tool(text: str) -> Tool:
    """The student's tool from its JSON: {"name", "description", "parameters" (a JSON schema)}."""
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"La herramienta no es JSON válido (línea {exc.lineno}): {exc.msg}. / "
                           f"The tool is not valid JSON (line {exc.lineno}): {exc.msg}.") from None
    raw = raw.get("function", raw) if isinstance(raw, dict) else raw
    if not isinstance(raw, dict) or not NAME.match(str(raw.get("name", ""))):
        raise InvalidInput("La herramienta necesita un \"name\" de letras, números o _ . / The "
                           "tool needs a \"name\" of letters, digits or _.")
    params = raw.get("parameters", {"type": "object", "properties": {}})
    if not isinstance(params, dict) or params.get("type") != "object":
        raise InvalidInput("\"parameters\" debe ser un esquema JSON con \"type\": \"object\". / "
                           "\"parameters\" must be a JSON schema with \"type\": \"object\".")
    if raw["name"] in {t.name for t in BUILTINS}:
        raise InvalidInput(f"«{raw['name']}» ya es una herramienta incluida; elige otro nombre. /"
                           f" «{raw['name']}» is a built-in tool; pick another name.")
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
    and how to search the session's knowledge (None: nothing loaded)."""

    builtins: tuple[Tool, ...] = ()
    custom: Tool | None = None
    table: tuple[tuple[str, str], ...] = ()
    search: Callable[[str], str] | None = None
    today: Callable[[], dt.date] = field(default=dt.date.today)

    @property
    def tools(self) -> tuple[Tool, ...]:
        return (*self.builtins, *((self.custom,) if self.custom else ()))

    def specs(self) -> list[dict[str, Any]]:
        return [t.spec() for t in self.tools]

    def _answer(self, name: str, args: dict[str, Any]) -> str:
        if name == CALCULATOR.name and CALCULATOR in self.builtins:
            return calculate(str(args.get("expression", "")))
        if name == TODAY.name and TODAY in self.builtins:
            day = self.today()
            return f"{day.isoformat()} ({WEEKDAYS[day.weekday()]} / {day.strftime('%A')})"
        if name == SEARCH.name and SEARCH in self.builtins:
            if self.search is None:
                return "No hay documentos cargados. / No documents are loaded."
            return self.search(str(args.get("query", "")))
        if self.custom is not None and name == self.custom.name:
            found = table_answer(self.table, args)
            if found is None:
                return ("La tabla no tiene respuesta para estos argumentos. / The table has no "
                        "answer for these arguments.")
            return found
        raise InvalidInput(f"No existe la herramienta «{name}». / There is no tool «{name}».")

    def run(self, name: str, arguments: str) -> ToolRun:
        """Run one call; a bad call becomes a result the model (and the student) can read."""
        start = time.monotonic()
        try:
            args = json.loads(arguments or "{}")
            if not isinstance(args, dict):
                raise InvalidInput("Los argumentos no son un objeto JSON. / The arguments are "
                                   "not a JSON object.")
            result, ok = self._answer(name, args)[:MAX_RESULT_CHARS], True
        except json.JSONDecodeError:
            result, ok = ("Los argumentos no son JSON válido. / The arguments are not valid "
                          "JSON."), False
        except ChatbotError as exc:
            result, ok = f"Error: {exc}", False
        return ToolRun(name, arguments, result, time.monotonic() - start, ok)
