"""The two training-data formats OpenAI accepts, and what is wrong with one record, in words.

Chat format (current models): `{"messages": [{"role": ..., "content": ...}, ...]}`.
Legacy format (babbage-002 / davinci-002): `{"prompt": ..., "completion": ...}`.
Checks follow OpenAI's cookbook "Data preparation and analysis for chat model fine-tuning".
Each problem carries a code, and words (in the reader's language) for what is wrong and
how a student fixes it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from chatbot.i18n import Msg

CHAT = "chat"
LEGACY = "legacy"

ROLES = ("system", "developer", "user", "assistant", "tool", "function")
MESSAGE_KEYS = ("role", "content", "name", "weight", "function_call", "tool_calls", "tool_call_id")
CHAT_KEYS = ("messages", "tools", "functions", "parallel_tool_calls")
LEGACY_KEYS = ("prompt", "completion")
MIN_EXAMPLES = 10  # OpenAI refuses smaller training files
RECOMMENDED_EXAMPLES = 50  # OpenAI: "clear improvements from 50 to 100 examples"

ERROR = "error"
WARNING = "warning"

# code -> severity; what each means and how to fix it are the keys finetune.check_<code> and
# finetune.check_<code>_fix of the language tables, filled per problem.
# too_few is a rule of OpenAI's jobs, not of the file: launch() refuses it for OpenAI.
SEVERITY: dict[str, str] = {
    **dict.fromkeys((
        "not_utf8", "line_too_long", "blank_line", "invalid_json", "json_document", "not_object",
        "unknown_record", "key_case", "mixed_format", "unknown_key", "missing_key",
        "messages_not_list", "message_not_object", "missing_role", "unknown_role",
        "unknown_message_key", "missing_content", "empty_content", "content_type", "bad_weight",
        "no_assistant", "empty_completion", "empty_cell", "too_long", "empty_file",
    ), ERROR),
    **dict.fromkeys((
        "no_user", "duplicate", "legacy_format", "too_few", "few",
    ), WARNING),
}


@dataclass(frozen=True)
class Problem:
    line: int  # 1-based; 0 for the whole file
    severity: str
    code: str
    fields: dict[str, Any]

    @property
    def message(self) -> Msg:
        return Msg(f"finetune.check_{self.code}", **self.fields)

    @property
    def fix(self) -> Msg:
        return Msg(f"finetune.check_{self.code}_fix", **self.fields)


def problem(line: int, code: str, **fields: Any) -> Problem:
    return Problem(line, SEVERITY[code], code, fields)


Finding = tuple[str, dict[str, Any]]


def kind_of(record: Mapping[str, Any]) -> str | None:
    if "messages" in record:
        return CHAT
    if "prompt" in record or "completion" in record:
        return LEGACY
    return None


_TYPE_NAMES = {dict: Msg("finetune.kind_object"), list: Msg("finetune.kind_list"),
               bool: "true/false", int: Msg("finetune.kind_number"),
               float: Msg("finetune.kind_number"), type(None): "null"}


def _type_fields(key: str, value: Any) -> dict[str, Any]:
    return {"key": key, "kind": _TYPE_NAMES.get(type(value), type(value).__name__)}


def record_findings(record: Any) -> tuple[str | None, list[Finding]]:
    """(format, problems) of one parsed line; no tokens counted here."""
    if not isinstance(record, dict):
        return None, [("not_object", {})]
    kind = kind_of(record)
    if kind == CHAT:
        return CHAT, chat_findings(record)
    if kind == LEGACY:
        return LEGACY, legacy_findings(record)
    lowered = {k.lower(): k for k in record if isinstance(k, str)}
    for expected in ("messages", *LEGACY_KEYS):
        if expected in lowered:
            return None, [("key_case", {"key": lowered[expected], "expected": expected})]
    keys = ", ".join(map(str, record)) or "-"
    return None, [("unknown_record", {"keys": keys})]


def _content_findings(index: int, role: Any, msg: Mapping[str, Any]) -> list[Finding]:
    if "content" not in msg:
        if role == "assistant" and (msg.get("tool_calls") or msg.get("function_call")):
            return []
        return [("missing_content", {"index": index, "role": role})]
    content = msg["content"]
    if content is None and role == "assistant" and (msg.get("tool_calls")
                                                     or msg.get("function_call")):
        return []
    if isinstance(content, list):
        texts = [p.get("text") for p in content if isinstance(p, dict) and p.get("type") == "text"]
        strings = [t for t in texts if isinstance(t, str)]
        if not all(isinstance(p, dict) and "type" in p for p in content) or len(strings) < len(
                texts):
            return [("content_type", _type_fields(f"messages[{index}].content", content))]
        if not content or (len(strings) == len(content) and not "".join(strings).strip()):
            return [("empty_content", {"index": index, "role": role})]
        return []
    if not isinstance(content, str):
        return [("content_type", _type_fields(f"messages[{index}].content", content))]
    if not content.strip():
        return [("empty_content", {"index": index, "role": role})]
    return []


_PLAIN_ROLES = frozenset(ROLES)


def _plain_roles(messages: list[Any]) -> set[str] | None:
    """The roles of a list of plain {"role", "content": text} messages; None if any is not plain.

    The common case, checked in one cheap loop so 100 MB files validate fast.
    """
    roles = set()
    for m in messages:
        if type(m) is not dict or len(m) != 2:
            return None
        role, content = m.get("role"), m.get("content")
        if (type(role) is not str or role not in _PLAIN_ROLES or type(content) is not str
                or not content or content.isspace()):
            return None
        roles.add(role)
    return roles


def chat_findings(record: Mapping[str, Any]) -> list[Finding]:
    messages = record["messages"]
    if len(record) == 1 and type(messages) is list:
        plain = _plain_roles(messages) if messages else None
        if plain is not None:
            if "assistant" not in plain:
                return [("no_assistant", {})]
            return [] if "user" in plain else [("no_user", {})]
    found: list[Finding] = [("unknown_key", {"key": k, "allowed": ", ".join(CHAT_KEYS)})
                            for k in record if k not in CHAT_KEYS]
    if not isinstance(messages, list) or not messages:
        return [*found, ("messages_not_list", {})]
    roles = set()
    for index, msg in enumerate(messages, start=1):
        if not isinstance(msg, dict):
            found.append(("message_not_object", {"index": index}))
            continue
        role = msg.get("role")
        if isinstance(role, str):
            roles.add(role)
        if "role" not in msg:
            found.append(("missing_role", {"index": index}))
        elif role not in ROLES:
            found.append(("unknown_role", {"index": index, "role": role}))
        found.extend(("unknown_message_key", {"index": index, "key": k,
                                              "allowed": ", ".join(MESSAGE_KEYS)})
                     for k in msg if k not in MESSAGE_KEYS)
        found.extend(_content_findings(index, role, msg))
        if "weight" in msg and (role != "assistant" or msg["weight"] not in (0, 1)
                                or isinstance(msg["weight"], bool)):
            found.append(("bad_weight", {"index": index}))
    if "assistant" not in roles:
        found.append(("no_assistant", {}))
    elif "user" not in roles and not any(map(is_error, found)):  # advice only on sound examples
        found.append(("no_user", {}))
    return found


def legacy_findings(record: Mapping[str, Any]) -> list[Finding]:
    found: list[Finding] = [("unknown_key", {"key": k, "allowed": ", ".join(LEGACY_KEYS)})
                            for k in record if k not in LEGACY_KEYS]
    for key in LEGACY_KEYS:
        if key not in record:
            found.append(("missing_key", {"key": key}))
        elif not isinstance(record[key], str):
            found.append(("content_type", _type_fields(key, record[key])))
    completion = record.get("completion")
    if isinstance(completion, str) and not completion.strip():
        found.append(("empty_completion", {}))
    return found


def example_key(kind: str, record: Mapping[str, Any]) -> int:
    """A 64-bit digest of what the model learns from a record: equal examples, equal keys."""
    if kind == LEGACY:
        return hash((record.get("prompt"), record.get("completion")))
    return hash(tuple((m.get("role"), str(m.get("content"))) for m in record["messages"]))


def is_error(finding: Finding) -> bool:
    return SEVERITY[finding[0]] == ERROR


def chat_example(user: str, assistant: str, system: str | None = None) -> dict[str, Any]:
    """One training record in the chat format (the system prompt only when there is one)."""
    messages = [{"role": "system", "content": system}] if system and system.strip() else []
    messages += [{"role": "user", "content": user}, {"role": "assistant", "content": assistant}]
    return {"messages": messages}
