"""Chat history as Gradio 6 keeps it → the plain messages the OpenAI API takes.

Core, not a feature: token counting reads the same shapes the chat sends.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def content_text(content: Any) -> str:
    """Gradio 6 message content (a string, or a list of blocks) → plain text for the API."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        if content.get("type") == "text" or "text" in content:
            return str(content.get("text", ""))
        return ""  # files and images are not sent to a text model
    if isinstance(content, Sequence):
        return "".join(content_text(part) for part in content)
    return str(content)


def history_to_messages(history: Sequence[Any]) -> list[dict[str, str]]:
    """The one adapter from Gradio's chat history to OpenAI messages. A message with a metadata
    title (the sources or a tool call shown under an answer) is for the student, not the model."""
    messages: list[dict[str, str]] = []
    for item in history or ():
        role = item.get("role") if isinstance(item, dict) else getattr(item, "role", None)
        content = item.get("content") if isinstance(item, dict) else getattr(item, "content", None)
        meta = item.get("metadata") if isinstance(item, dict) else getattr(item, "metadata", None)
        if role not in ("user", "assistant", "system") or (meta or {}).get("title"):
            continue
        text = content_text(content)
        if text:
            messages.append({"role": role, "content": text})
    return messages
