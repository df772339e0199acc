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
from chatbot.i18n import DEFAULT, say

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
    return [*system, *conversation.spoken()]


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


def to_markdown(saved: Saved, lang: str = DEFAULT) -> str:
    """For reading and sharing: the path on screen, then the other versions of each message;
    its headings in `lang`, the language of whoever exports it."""
    conversation, persona = saved.conversation, saved.persona
    bot = persona.name.strip() or "Bot"
    lines = [f"# {bot}", ""]
    if persona.system_prompt.strip():
        lines += [f"**{say(lang, 'conversations.md_system_prompt')}**", "",
                  _quote(persona.system_prompt), ""]
    for node_id, (version, count) in zip(conversation.path, conversation.versions(), strict=True):
        node = conversation.nodes[node_id]
        if node.title:  # the sources or a tool call under an answer: folded, as on screen
            lines += [f"<details><summary>{node.title}</summary>", "", node.content, "",
                      "</details>", ""]
            continue
        who = say(lang, "conversations.md_you") if node.role == "user" else f"🤖 {bot}"
        extra = (say(lang, "conversations.md_version", version=version, count=count)
                 if count > 1 else "")
        rating = f" {THUMBS[node.feedback]}" if node.feedback else ""
        lines += [f"**{who}**{extra}{rating}", "", node.content, ""]
        if node.note:
            lines += [f"_{say(lang, 'conversations.md_note', note=node.note)}_", ""]
        other_version = say(lang, "conversations.md_other_version")
        for other in conversation.siblings(node_id):
            if other.id != node_id:
                mark = f" {THUMBS[other.feedback]}" if other.feedback else ""
                lines += [f"<details><summary>{other_version}{mark}</summary>", "",
                          other.content, "", "</details>", ""]
    return "\n".join(lines).rstrip() + "\n"


# -- reading back --------------------------------------------------------------------------------


def _decode(data: bytes) -> Any:
    if len(data) > MAX_IMPORT_BYTES:
        raise InvalidInput.keyed("conversations.too_big", size=len(data) // 1024,
                                 limit=MAX_IMPORT_BYTES // 1024)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput.keyed("conversations.not_utf8") from None
    if not text.strip():
        raise InvalidInput.keyed("conversations.empty_file")
    try:
        return jsonsafe.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput.keyed("conversations.bad_json", "conversations.bad_json_hint",
                                 error=exc.msg, line=exc.lineno, column=exc.colno) from None


def _plain_messages(messages: Any) -> tuple[str, list[dict[str, str]]]:
    """(system prompt, user/assistant messages) of an OpenAI message list, checked."""
    if not isinstance(messages, list):
        raise InvalidInput.keyed("conversations.messages_not_list")
    system, turns = [], []
    for i, msg in enumerate(messages):
        if not isinstance(msg, dict):
            raise InvalidInput.keyed("conversations.message_not_object", i=i)
        role, content = msg.get("role"), msg.get("content")
        if role not in ("system", "developer", "user", "assistant"):
            raise InvalidInput.keyed("conversations.message_role", i=i, role=repr(role))
        if not isinstance(content, str):
            raise InvalidInput.keyed("conversations.message_content", i=i)
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
        raise InvalidInput.keyed("conversations.no_messages")
    if document.get("format", FORMAT) != FORMAT or not isinstance(document.get("version", 1),
                                                                  int):
        raise InvalidInput.keyed("conversations.unknown_format",
                                 format=repr(document.get("format")))
    if document.get("version", VERSION) > VERSION:
        raise InvalidInput.keyed("conversations.newer_version", version=document["version"])
    system, turns = _plain_messages(document["messages"])
    if "branches" in document:
        conversation = Conversation.from_dict(document["branches"])
        if conversation.spoken() != turns:
            raise InvalidInput.keyed("conversations.branches_disagree")
    else:
        conversation = Conversation.from_history(turns)
    about = document.get("persona")
    if not isinstance(about, dict):
        about = {}
    persona = Persona(name=str(about.get("name") or ""), system_prompt=system,
                      greeting=str(about.get("greeting") or ""))
    return Saved(conversation, persona)
