"""Structured output as OpenAI's Chat Completions does it, for the fake server.

`response_format: {"type": "json_schema", "json_schema": {"name", "strict", "schema"}}`: OpenAI
checks the schema first (a name is required; strict mode wants every object closed with
`additionalProperties: false` and every property required) and then answers JSON that fits it.
The fake builds that instance from the schema; where an enum leaves a choice it takes the value
its plain answer names (so a test's `reply` decides), else the first, as a constrained model would
still answer something valid.
"""

from __future__ import annotations

import json
from typing import Any

from tests.fakes.errors import ApiError


def _invalid(name: str, context: str, what: str) -> ApiError:
    return ApiError(400, f"Invalid schema for response_format '{name}': In context=({context}), "
                         f"{what}", param="response_format", code="invalid_value")


def _check_strict(name: str, schema: dict[str, Any], context: str = "") -> None:
    if schema.get("type") == "object":
        props = schema.get("properties") or {}
        if schema.get("additionalProperties") is not False:
            raise _invalid(name, context, "'additionalProperties' is required to be supplied "
                                          "and to be false.")
        missing = [key for key in props if key not in (schema.get("required") or [])]
        if missing:
            raise _invalid(name, context, "'required' is required to be supplied and to be an "
                                          "array including every key in properties. Missing "
                                          f"'{missing[0]}'.")
        for key, sub in props.items():
            _check_strict(name, sub, f"{context}, 'properties', '{key}'".lstrip(", "))


def schema_of(body: dict[str, Any]) -> dict[str, Any] | None:
    """The JSON schema the answer must fit, after OpenAI's checks; None without one."""
    fmt = body.get("response_format")
    if not isinstance(fmt, dict) or fmt.get("type") != "json_schema":
        return None
    spec = fmt.get("json_schema")
    if not isinstance(spec, dict) or not spec.get("name"):
        raise ApiError(400, "Missing required parameter: 'response_format.json_schema.name'.",
                       param="response_format.json_schema.name",
                       code="missing_required_parameter")
    schema = spec.get("schema") or {}
    if spec.get("strict"):
        _check_strict(str(spec["name"]), schema)
    return schema


def _pick(options: list[Any], plain: str) -> Any:
    low = plain.lower()
    named = [(low.find(str(o).lower()), i) for i, o in enumerate(options)
             if str(o).lower() in low]
    return options[min(named)[1]] if named else options[0]


def instance(schema: dict[str, Any], plain: str) -> Any:
    """A value that fits `schema`, steered by the plain answer the model would have given."""
    if schema.get("enum"):
        return _pick(list(schema["enum"]), plain)
    kind = schema.get("type")
    if kind == "object":
        return {key: instance(sub, plain) for key, sub in (schema.get("properties") or {}).items()}
    defaults = {"array": [], "string": plain, "number": 0, "integer": 0, "boolean": False}
    return defaults.get(kind) if isinstance(kind, str) else None


def answer(schema: dict[str, Any], plain: str) -> str:
    return json.dumps(instance(schema, plain), ensure_ascii=False)
