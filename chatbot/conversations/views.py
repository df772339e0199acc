"""What the Chat tab's conversation controls show and write, without Gradio: the tree kept in the
session (as plain JSON, so the browser can store it too), the exported files and the dataset."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from chatbot.conversations import dataset, exchange
from chatbot.conversations.exchange import Persona, Saved
from chatbot.conversations.tree import Conversation
from chatbot.errors import ChatbotError, InvalidInput
from chatbot.i18n import DEFAULT

PREVIEW_CHARS = 40


def stored(data: Any) -> Conversation:
    """The tree kept in the session or the browser; one that no longer reads starts afresh."""
    try:
        return Conversation.from_dict(data) if data else Conversation()
    except ChatbotError:
        return Conversation()


def current(data: Any, history: Sequence[Any]) -> Conversation:
    """The kept tree with the chat on screen folded in: the history is what the student (or an
    API caller) sees, so it wins, and what the tree knew besides stays as other versions."""
    return stored(data).sync(history)


def version_choices(tree: Conversation) -> list[tuple[str, int]]:
    """The messages on screen that have other versions, as (label, index) for a picker."""
    out = []
    for index, (node_id, (version, count)) in enumerate(zip(tree.path, tree.versions(),
                                                           strict=True)):
        if count > 1:
            node = tree.nodes[node_id]
            who = "🧑" if node.role == "user" else "🤖"
            text = " ".join(node.content.split())
            preview = text if len(text) <= PREVIEW_CHARS else text[:PREVIEW_CHARS - 1] + "…"
            out.append((f"#{index} {who} ‹ {version}/{count} › {preview}", index))
    return out


def _stem(name: str) -> str:
    safe = "".join(c if c.isalnum() else "-" for c in name.strip().lower()).strip("-")
    return f"chat-{safe or 'bot'}-{time.strftime('%Y%m%d-%H%M%S')}"


def export_files(folder: Path, tree: Conversation, persona: Persona, lang: str = DEFAULT
                 ) -> list[Path]:
    """The conversation as JSON (to import again, or use with the API) and Markdown (to read,
    headed in `lang`, the exporting session's language)."""
    if not tree.path:
        raise InvalidInput.keyed("conversations.empty_export")
    saved = Saved(tree, persona)
    stem = _stem(persona.name)
    out = []
    for suffix, text in ((".json", exchange.to_json(saved)),
                         (".md", exchange.to_markdown(saved, lang))):
        path = folder / f"{stem}{suffix}"
        path.write_text(text, encoding="utf-8")
        out.append(path)
    return out


def import_file(path: Path | str | None) -> Saved:
    if not path:
        raise InvalidInput.keyed("conversations.pick_json")
    try:
        with Path(path).open("rb") as handle:  # one byte past the limit is enough to refuse
            data = handle.read(exchange.MAX_IMPORT_BYTES + 1)
    except OSError as exc:
        raise InvalidInput.keyed("conversations.cannot_read", error=exc.strerror) from None
    return exchange.from_json(data)


def build_dataset(folder: Path, tree: Conversation, system_prompt: str, previous: Path | None
                  ) -> tuple[Path, dataset.Collected]:
    """The liked answers appended to the collection so far (if any) in a new JSONL file."""
    examples = dataset.liked_examples(tree, system_prompt)
    before: list[str] = []
    if previous is not None:  # the Fine-tuning validator reports whatever is wrong in it
        before = previous.read_text(encoding="utf-8", errors="replace").splitlines()
    collected = dataset.collect(before, examples)
    path = folder / "liked-answers.jsonl"
    path.write_text("\n".join(collected.lines) + "\n", encoding="utf-8")
    return path, collected
