"""Personas and parameter sets saved as small JSON files and read back, every problem named.

A preset file is {"kind": "persona" | "parameters", "version": 1, "values": {...}}. Reading one
checks size, encoding, JSON, kind, every field's type and range, and says all that is wrong at
once; a field left out keeps what the form already had.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from chatbot.errors import InvalidInput
from chatbot.i18n import Msg

MAX_BYTES = 64_000
VERSION = 1


@dataclass(frozen=True)
class Field:
    name: str
    kind: str  # "text" | "number" | "integer" | "bool" | "texts" | "choice"
    low: float | None = None
    high: float | None = None
    max_len: int = 0
    choices: tuple[str, ...] = ()
    optional: bool = False  # None allowed (the backend's default)


KINDS: dict[str, tuple[Field, ...]] = {
    "persona": (
        Field("name", "text", max_len=100),
        Field("system_prompt", "text", max_len=20_000),
        Field("greeting", "text", max_len=2_000),
        Field("temperature", "number", 0, 2),
        Field("max_tokens", "integer", 16, 2048),
    ),
    "parameters": (
        Field("system", "text", max_len=20_000),
        Field("endpoint", "choice", choices=("chat", "completions")),
        Field("model", "text", max_len=200),
        Field("temperature", "number", 0, 2),
        Field("top_p", "number", 0, 1),
        Field("n", "integer", 1, 8),
        Field("max_tokens", "integer", 1, 1_000_000, optional=True),
        Field("frequency_penalty", "number", -2, 2),
        Field("presence_penalty", "number", -2, 2),
        Field("stop", "texts", max_len=4),
        Field("seed", "integer", -(2**63), 2**63 - 1, optional=True),
        Field("logprobs", "bool"),
        Field("top_logprobs", "integer", 0, 20),
    ),
}


def dump(kind: str, values: dict[str, Any]) -> str:
    """The file's text: only the kind's own fields, in its order, checked as `load` checks
    them (a 5 MB system prompt is refused here, not written to disk to be refused later)."""
    fields = KINDS[kind]
    body = {f.name: values[f.name] for f in fields if f.name in values}
    problems = [p for f in fields if f.name in body if (p := _check(f, body[f.name]))]
    if problems:
        raise InvalidInput.keyed("presets.cannot_save", problems=problems)
    return json.dumps({"kind": kind, "version": VERSION, "values": body}, ensure_ascii=False,
                      indent=2)


def _check(field: Field, value: Any) -> Msg | None:
    """The problem with one value, or None."""
    where = f"'{field.name}'"
    if value is None:
        return None if field.optional else Msg("presets.empty", where=where)
    if field.kind in ("text", "choice"):
        if not isinstance(value, str):
            return Msg("presets.not_text", where=where)
        if field.choices and value not in field.choices:
            return Msg("presets.one_of", where=where, value=repr(value),
                       choices=", ".join(field.choices))
        if field.max_len and len(value) > field.max_len:
            return Msg("presets.too_long", where=where, most=field.max_len)
        return None
    if field.kind == "bool":
        return None if isinstance(value, bool) else Msg("presets.not_bool", where=where)
    if field.kind == "texts":
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            return Msg("presets.not_texts", where=where)
        return None if len(value) <= field.max_len else (
            Msg("presets.too_many", where=where, most=field.max_len))
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return Msg("presets.not_a_number", where=where)
    if field.kind == "integer" and value != int(value):
        return Msg("presets.not_whole", where=where, value=value)
    if field.low is not None and field.high is not None and not field.low <= value <= field.high:
        return Msg("presets.range", where=where, value=value, low=f"{field.low:g}",
                   high=f"{field.high:g}")
    return None


def _parse(raw: bytes) -> Any:
    if len(raw) > MAX_BYTES:
        raise InvalidInput.keyed("presets.too_big", kb=MAX_BYTES // 1000)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput.keyed("presets.not_utf8") from None
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        if isinstance(exc, json.JSONDecodeError):
            raise InvalidInput.keyed("presets.bad_json_at", line=exc.lineno,
                                     column=exc.colno) from None
        raise InvalidInput.keyed("presets.bad_json") from None


def load(kind: str, raw: bytes) -> dict[str, Any]:
    """The values a preset file sets, checked; raises InvalidInput naming every problem."""
    data = _parse(raw)
    if not isinstance(data, dict) or not isinstance(data.get("values"), dict):
        raise InvalidInput.keyed("presets.not_a_preset", shape='{"kind": …, "values": {…}}')
    if data.get("kind") != kind:
        raise InvalidInput.keyed("presets.wrong_kind", found=data.get("kind"), kind=kind)
    if data.get("version", VERSION) != VERSION:
        raise InvalidInput.keyed("presets.unknown_version", found=repr(data.get("version")),
                                 expected=VERSION)
    fields = {f.name: f for f in KINDS[kind]}
    values = data["values"]
    problems = [Msg("presets.unknown_field", name=name) for name in values
                if name not in fields]
    problems += [p for name, value in values.items() if name in fields
                 if (p := _check(fields[name], value))]
    if problems:
        raise InvalidInput.keyed("presets.invalid", problems=problems)
    return dict(values)
