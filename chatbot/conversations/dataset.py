"""From the answers a student liked to chat-format training examples (JSONL).

One example per liked answer: the system prompt, the conversation before it (on its own branch),
and the answer. Earlier answers in the example carry `"weight": 0`, so fine-tuning learns only
the answer that was liked. Several conversations collect into one file: each call appends to what
was collected before, skipping examples already there.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from chatbot.conversations.tree import Conversation
from chatbot.errors import InvalidInput


@dataclass(frozen=True)
class Collected:
    lines: list[str]  # the whole file, one example per line
    added: int  # examples new in this call
    already: int  # liked answers that were in the file already


def liked_examples(conversation: Conversation, system_prompt: str) -> list[dict[str, Any]]:
    """A chat-format example per liked answer, in the order they were written; none is an
    error that says what to do."""
    system = [{"role": "system", "content": system_prompt}] if system_prompt.strip() else []
    examples = []
    for answer in conversation.liked():
        before = conversation.lineage(answer.id)[:-1]
        if not any(n.role == "user" for n in before):
            continue  # a liked greeting answers nobody: nothing to learn
        messages: list[dict[str, Any]] = [*system]
        for node in (n for n in before if not n.title):  # the model never saw the boxes
            message: dict[str, Any] = {"role": node.role, "content": node.content}
            if node.role == "assistant":
                message["weight"] = 0
            messages.append(message)
        messages.append({"role": "assistant", "content": answer.content})
        examples.append({"messages": messages})
    if not examples:
        raise InvalidInput.keyed("conversations.no_likes")
    return examples


def _line(example: dict[str, Any]) -> str:
    return json.dumps(example, ensure_ascii=False)


def collect(previous: Iterable[str], examples: list[dict[str, Any]]) -> Collected:
    """The earlier collection (lines of a JSONL file) with these examples appended once."""
    lines = [line.rstrip("\n") for line in previous if line.strip()]
    seen = set(lines)
    added = already = 0
    for example in examples:
        line = _line(example)
        if line in seen:
            already += 1
            continue
        seen.add(line)
        lines.append(line)
        added += 1
    return Collected(lines, added, already)

