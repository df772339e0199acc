"""A conversation as files a person keeps: JSON in OpenAI's message format (plus every branch and
the feedback), a readable Markdown copy, and reading such a JSON back.

The JSON's `messages` is exactly what the Chat Completions API takes (system prompt first), so
the file is useful outside this app; `branches` holds the whole tree, so nothing is lost on
import. Plain `{"messages": [...]}` files and bare message lists are read too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from chatbot import jsonsafe
from chatbot.conversations.tree import Conversation
from chatbot.errors import InvalidInput

FORMAT = "chatbot-lab.conversation"
VERSION = 1
MAX_IMPORT_BYTES = 5 * 1024 * 1024
THUMBS = {"up": "👍", "down": "👎"}


@dataclass(frozen=True)
class Persona:
    """What of the bot travels with its conversation."""
    name: str = ""
    system_prompt: str = ""
    greeting: str = ""


@dataclass(frozen=True)
class Saved:
    conversation: Conversation
    persona: Persona


def openai_messages(conversation: Conversation, system_prompt: str) -> list[dict[str, str]]:
    """The active path as the Chat Completions API takes it, system prompt first."""
    system = [{"role": "system", "content": system_prompt}] if system_prompt.strip() else []
    return [*system, *conversation.history()]


def to_json(saved: Saved) -> str:
    conversation, persona = saved.conversation, saved.persona
    document = {
        "format": FORMAT,
        "version": VERSION,
        "persona": {"name": persona.name, "greeting": persona.greeting},
        "messages": openai_messages(conversation, persona.system_prompt),
        "branches": conversation.to_dict(),
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def _quote(text: str) -> str:
    return "\n".join(f"> {line}" if line else ">" for line in text.splitlines() or [""])


def to_markdown(saved: Saved) -> str:
    """For reading and sharing: the path on screen, then the other versions of each message."""
    conversation, persona = saved.conversation, saved.persona
    bot = persona.name.strip() or "Bot"
    lines = [f"# {bot}", ""]
    if persona.system_prompt.strip():
        lines += ["**Prompt de sistema / System prompt**", "", _quote(persona.system_prompt), ""]
    for node_id, (version, count) in zip(conversation.path, conversation.versions(), strict=True):
        node = conversation.nodes[node_id]
        who = "🧑 Tú / You" if node.role == "user" else f"🤖 {bot}"
        extra = f" · versión / version {version}/{count}" if count > 1 else ""
        rating = f" {THUMBS[node.feedback]}" if node.feedback else ""
        lines += [f"**{who}**{extra}{rating}", "", node.content, ""]
        if node.note:
            lines += [f"_Nota / Note: {node.note}_", ""]
        for other in conversation.siblings(node_id):
            if other.id != node_id:
                mark = f" {THUMBS[other.feedback]}" if other.feedback else ""
                lines += [f"<details><summary>Otra versión / Other version{mark}</summary>", "",
                          other.content, "", "</details>", ""]
    return "\n".join(lines).rstrip() + "\n"


# -- reading back --------------------------------------------------------------------------------


def _decode(data: bytes) -> Any:
    if len(data) > MAX_IMPORT_BYTES:
        raise InvalidInput(f"El fichero ocupa {len(data) // 1024:,} KB; el máximo es "
                           f"{MAX_IMPORT_BYTES // 1024:,} KB. / The file is {len(data) // 1024:,} "
                           f"KB; the limit is {MAX_IMPORT_BYTES // 1024:,} KB.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("El fichero no es texto UTF-8: ¿es el JSON que exportó el chat? / The "
                           "file is not UTF-8 text: is it the JSON the chat exported?") from None
    if not text.strip():
        raise InvalidInput("El fichero está vacío. / The file is empty.")
    try:
        return jsonsafe.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"No es JSON válido: {exc.msg} (línea {exc.lineno}, columna "
                           f"{exc.colno}). / Not valid JSON: {exc.msg} (line {exc.lineno}, "
                           f"column {exc.colno}).",
                           hint="Importa el .json que exportó el chat (el .md es solo para "
                                "leer). / Import the .json the chat exported (the .md is for "
                                "reading only).") from None


def _plain_messages(messages: Any) -> tuple[str, list[dict[str, str]]]:
    """(system prompt, user/assistant messages) of an OpenAI message list, checked."""
    if not isinstance(messages, list):
        raise InvalidInput("'messages' debe ser una lista. / 'messages' must be a list.")
    system, turns = [], []
    for i, msg in enumerate(messages):
        if not isinstance(msg, dict):
            raise InvalidInput(f"messages[{i}] no es un objeto. / messages[{i}] is not an object.")
        role, content = msg.get("role"), msg.get("content")
        if role not in ("system", "developer", "user", "assistant"):
            raise InvalidInput(f"messages[{i}]: rol {role!r} no admitido (system, user, "
                               f"assistant). / messages[{i}]: role {role!r} not supported "
                               "(system, user, assistant).")
        if not isinstance(content, str):
            raise InvalidInput(f"messages[{i}]: 'content' debe ser texto. / messages[{i}]: "
                               "'content' must be text.")
        if role in ("system", "developer"):
            system.append(content)
        else:
            turns.append({"role": role, "content": content})
    return "\n".join(system), turns


def from_json(data: bytes) -> Saved:
    """A conversation file back as a tree and its persona; a specific message for a bad one."""
    document = _decode(data)
    if isinstance(document, list):
        document = {"messages": document}
    if not isinstance(document, dict) or "messages" not in document:
        raise InvalidInput("El JSON no tiene 'messages': no es una conversación exportada ni "
                           "una lista de mensajes de OpenAI. / The JSON has no 'messages': it is "
                           "neither an exported conversation nor a list of OpenAI messages.")
    if document.get("format", FORMAT) != FORMAT or not isinstance(document.get("version", 1),
                                                                  int):
        raise InvalidInput(f"Formato {document.get('format')!r} desconocido. / Unknown format "
                           f"{document.get('format')!r}.")
    if document.get("version", VERSION) > VERSION:
        raise InvalidInput(f"Lo exportó una versión más nueva (v{document['version']}); "
                           "actualiza la app. / A newer version exported it "
                           f"(v{document['version']}); update the app.")
    system, turns = _plain_messages(document["messages"])
    if "branches" in document:
        conversation = Conversation.from_dict(document["branches"])
        if conversation.history() != turns:
            raise InvalidInput("'messages' y 'branches' no cuentan la misma conversación (¿se "
                               "editó a mano?). / 'messages' and 'branches' disagree (was it "
                               "edited by hand?).")
    else:
        conversation = Conversation.from_history(turns)
    about = document.get("persona")
    if not isinstance(about, dict):
        about = {}
    persona = Persona(name=str(about.get("name") or ""), system_prompt=system,
                      greeting=str(about.get("greeting") or ""))
    return Saved(conversation, persona)
