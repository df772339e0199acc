"""The two training-data formats OpenAI accepts, and what is wrong with one record, in words.

Chat format (current models): `{"messages": [{"role": ..., "content": ...}, ...]}`.
Legacy format (babbage-002 / davinci-002): `{"prompt": ..., "completion": ...}`.
Checks follow OpenAI's cookbook "Data preparation and analysis for chat model fine-tuning".
Each problem carries a code, a bilingual message and a bilingual fix a student can act on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

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

# code -> (severity, message "ES / EN", fix "ES / EN"); fields are filled per problem.
PROBLEMS: dict[str, tuple[str, str, str]] = {
    "not_utf8": (
        ERROR, "La línea no es texto UTF-8. / The line is not UTF-8 text.",
        "Guarda el fichero como UTF-8 (en Excel: «CSV UTF-8»). / Save the file as UTF-8.",
    ),
    "line_too_long": (
        ERROR, "La línea pasa de {limit} KB y no se lee. / The line is over {limit} KB and is "
        "not read.",
        "Un ejemplo no debería ser tan largo: pártelo o revisa que no falten saltos de línea "
        "(CHATBOT_MAX_LINE_KB sube el límite). / No example should be this long: split it or "
        "check for missing line breaks (CHATBOT_MAX_LINE_KB raises the limit).",
    ),
    "blank_line": (
        ERROR, "Línea vacía. / Blank line.",
        "Borra la línea: cada línea debe ser un ejemplo. / Delete it: every line must be one "
        "example.",
    ),
    "invalid_json": (
        ERROR, "JSON no válido: {detail}. / Invalid JSON: {detail}.",
        "Cada línea debe ser un objeto JSON completo; revisa comillas, comas y llaves. / Each "
        "line must be one complete JSON object; check quotes, commas and braces.",
    ),
    "json_document": (
        ERROR, "Parece un documento JSON (una lista o un objeto en varias líneas), no JSONL. / "
        "This looks like a JSON document (an array or a multi-line object), not JSONL.",
        "Escribe un ejemplo por línea, sin '[' ni ']' alrededor (usa Preparar para convertir). "
        "/ Write one example per line, no surrounding '[' ']' (use Prepare to convert).",
    ),
    "not_object": (
        ERROR, "La línea es JSON pero no un objeto {{...}}. / The line is JSON but not an "
        "object {{...}}.",
        'Usa {{"messages": [...]}} o {{"prompt": ..., "completion": ...}}. / Use '
        '{{"messages": [...]}} or {{"prompt": ..., "completion": ...}}.',
    ),
    "unknown_record": (
        ERROR, "Faltan las claves 'messages' o 'prompt'/'completion' (claves: {keys}). / Missing "
        "key 'messages' or 'prompt'/'completion' (keys: {keys}).",
        'Formato chat: {{"messages": [...]}}. / Chat format: {{"messages": [...]}}.',
    ),
    "key_case": (
        ERROR, "La clave '{key}' debe ir en minúsculas: '{expected}'. / Key '{key}' must be "
        "lowercase: '{expected}'.",
        "Renombra la clave a '{expected}'. / Rename the key to '{expected}'.",
    ),
    "mixed_format": (
        ERROR, "Este ejemplo está en formato {found} pero el fichero empezó en formato {expected}. "
        "/ This example is in {found} format but the file started in {expected} format.",
        "Usa un solo formato en todo el fichero (Preparar convierte el legado a chat). / Use one "
        "format for the whole file (Prepare converts legacy to chat).",
    ),
    "unknown_key": (
        ERROR, "Clave desconocida '{key}'. / Unknown key '{key}'.",
        "Quítala; se admiten: {allowed}. / Remove it; allowed: {allowed}.",
    ),
    "missing_key": (
        ERROR, "Falta la clave '{key}'. / Missing key '{key}'.",
        "Añade '{key}' a este ejemplo. / Add '{key}' to this example.",
    ),
    "messages_not_list": (
        ERROR, "'messages' debe ser una lista no vacía. / 'messages' must be a non-empty list.",
        'Ejemplo / example: "messages": [{{"role": "user", "content": "Hola"}}, '
        '{{"role": "assistant", "content": "¡Hola!"}}]',
    ),
    "message_not_object": (
        ERROR, "El mensaje {index} no es un objeto. / Message {index} is not an object.",
        'Cada mensaje / each message: {{"role": "...", "content": "..."}}',
    ),
    "missing_role": (
        ERROR, "El mensaje {index} no tiene 'role'. / Message {index} has no 'role'.",
        "Añade \"role\": \"system\", \"user\" o \"assistant\". / Add \"role\": \"system\", "
        "\"user\" or \"assistant\".",
    ),
    "unknown_role": (
        ERROR, "Rol desconocido '{role}' en el mensaje {index}. / Unknown role '{role}' in "
        "message {index}.",
        "Usa / use: system, user, assistant (o / or tool).",
    ),
    "unknown_message_key": (
        ERROR, "Clave desconocida '{key}' en el mensaje {index}. / Unknown key '{key}' in "
        "message {index}.",
        "Quítala; se admiten: {allowed}. / Remove it; allowed: {allowed}.",
    ),
    "missing_content": (
        ERROR, "El mensaje {index} ({role}) no tiene 'content'. / Message {index} ({role}) has "
        "no 'content'.",
        "Añade \"content\" con el texto. / Add \"content\" with the text.",
    ),
    "empty_content": (
        ERROR, "El mensaje {index} ({role}) está vacío. / Message {index} ({role}) is empty.",
        "Escribe el texto o borra el mensaje. / Write the text or delete the message.",
    ),
    "content_type": (
        ERROR, "'{key}' debe ser texto y es {kind_es}. / '{key}' must be text and is {kind_en}.",
        "Pon el valor entre comillas como texto JSON. / Put the value in quotes as JSON text.",
    ),
    "bad_weight": (
        ERROR, "'weight' del mensaje {index} debe ser 0 o 1 y solo en mensajes del asistente. / "
        "Message {index}'s 'weight' must be 0 or 1 and only on assistant messages.",
        "Usa \"weight\": 0 para no entrenar ese turno, 1 para entrenarlo. / Use \"weight\": 0 "
        "to skip training on that turn, 1 to train on it.",
    ),
    "no_assistant": (
        ERROR, "El ejemplo no tiene ningún mensaje del asistente. / The example has no assistant "
        "message.",
        "Añade la respuesta que quieres que aprenda: {{\"role\": \"assistant\", \"content\": "
        "\"...\"}}. / Add the answer it should learn.",
    ),
    "empty_completion": (
        ERROR, "'completion' está vacío. / 'completion' is empty.",
        "Escribe la respuesta esperada o borra el ejemplo. / Write the expected answer or delete "
        "the example.",
    ),
    "empty_cell": (
        ERROR, "La columna '{column}' está vacía en esta fila. / Column '{column}' is empty in "
        "this row.",
        "Rellénala o borra la fila. / Fill it in or delete the row.",
    ),
    "too_long": (
        ERROR, "El ejemplo tiene {tokens} tokens; el límite de {model} es {limit}. / The example "
        "has {tokens} tokens; {model}'s limit is {limit}.",
        "Acórtalo o pártelo en varios ejemplos (si no, OpenAI lo trunca). / Shorten it or split "
        "it into several examples (otherwise OpenAI truncates it).",
    ),
    "no_user": (
        WARNING, "El ejemplo no tiene mensaje del usuario. / The example has no user message.",
        "Normalmente cada ejemplo lleva la pregunta del usuario. / Usually each example "
        "includes the user's question.",
    ),
    "duplicate": (
        WARNING, "Ejemplo repetido (igual que la línea {first}). / Duplicate example (same as "
        "line {first}).",
        "Bórralo (Preparar → quitar duplicados). / Delete it (Prepare → remove duplicates).",
    ),
    "legacy_format": (
        WARNING, "Formato legado prompt/completion: solo para babbage-002 y davinci-002, que ya no "
        "aceptan fine-tuning nuevo. / Legacy prompt/completion format: only for babbage-002 and "
        "davinci-002, which no longer accept new fine-tuning.",
        "Conviértelo a chat con Preparar (y un prompt de sistema). / Convert it to chat with "
        "Prepare (and a system prompt).",
    ),
    "empty_file": (
        ERROR, "El fichero no contiene ningún ejemplo válido. / The file holds no valid example.",
        "Un ejemplo JSON por línea. / One JSON example per line.",
    ),
    "too_few": (  # a rule of OpenAI's jobs, not of the file: launch() refuses it for OpenAI
        WARNING, "Solo {count} ejemplos válidos; OpenAI exige al menos {minimum}. / Only {count} "
        "valid examples; OpenAI requires at least {minimum}.",
        "Añade ejemplos (se notan mejoras a partir de 50–100). / Add examples (improvements show "
        "from 50–100).",
    ),
    "few": (
        WARNING, "{count} ejemplos: OpenAI recomienda al menos {recommended}. / {count} examples: "
        "OpenAI recommends at least {recommended}.",
        "Añade más ejemplos variados. / Add more varied examples.",
    ),
}


@dataclass(frozen=True)
class Problem:
    line: int  # 1-based; 0 for the whole file
    severity: str
    code: str
    message: str
    fix: str


def problem(line: int, code: str, **fields: Any) -> Problem:
    severity, message, fix = PROBLEMS[code]
    return Problem(line, severity, code, message.format(**fields), fix.format(**fields))


Finding = tuple[str, dict[str, Any]]


def kind_of(record: Mapping[str, Any]) -> str | None:
    if "messages" in record:
        return CHAT
    if "prompt" in record or "completion" in record:
        return LEGACY
    return None


_TYPE_NAMES = {dict: ("un objeto", "an object"), list: ("una lista", "a list"),
               bool: ("true/false", "true/false"), int: ("un número", "a number"),
               float: ("un número", "a number"), type(None): ("null", "null")}


def _type_fields(key: str, value: Any) -> dict[str, str]:
    es, en = _TYPE_NAMES.get(type(value), (type(value).__name__, type(value).__name__))
    return {"key": key, "kind_es": es, "kind_en": en}


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
    return PROBLEMS[finding[0]][0] == ERROR


def chat_example(user: str, assistant: str, system: str | None = None) -> dict[str, Any]:
    """One training record in the chat format (the system prompt only when there is one)."""
    messages = [{"role": "system", "content": system}] if system and system.strip() else []
    messages += [{"role": "user", "content": user}, {"role": "assistant", "content": assistant}]
    return {"messages": messages}
