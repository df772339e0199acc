"""A conversation as a tree: every version of every message is kept, one path is on screen.

Retrying an answer or editing a message adds a sibling instead of overwriting, so the student can
go back to an earlier version ("‹ 2/3 ›"). The chat history a front end shows is only the active
path; `sync` folds any history into the tree, so the tree never depends on which front end (or
API caller) produced the history. Values are immutable: every change returns a new tree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import pairwise
from typing import Any

from chatbot.errors import InvalidInput
from chatbot.messages import content_text

ROLES = ("user", "assistant")
FEEDBACK = ("up", "down")
MAX_NODES = 5000  # a conversation a person had, not a data dump
MAX_NOTE_CHARS = 2000
MAX_TITLE_CHARS = 300  # a box title: "📚 Sources: file › section, …"


@dataclass(frozen=True)
class Node:
    id: int  # its position in `Conversation.nodes`
    parent: int | None  # None: a first message
    role: str
    content: str
    feedback: str | None = None  # "up" / "down" on an answer
    note: str = ""
    last: int | None = None  # the child last on screen, followed when going back to this branch
    title: str = ""  # a box under an answer (its sources, a tool call): shown, never sent


@dataclass(frozen=True)
class Conversation:
    nodes: tuple[Node, ...] = ()
    path: tuple[int, ...] = ()  # node ids on screen, first message first

    # -- reading -------------------------------------------------------------------------------

    def children(self, parent: int | None) -> list[Node]:
        return [n for n in self.nodes if n.parent == parent]

    def siblings(self, node_id: int) -> list[Node]:
        """The versions of a message: same parent, same role, in the order they were written."""
        node = self.nodes[node_id]
        return [n for n in self.children(node.parent) if n.role == node.role]

    def history(self) -> list[dict[str, Any]]:
        """The active path as the Chatbot shows it; a titled box keeps its title, which keeps it
        from the model (chatbot.messages.history_to_messages)."""
        return [_shown(self.nodes[i]) for i in self.path]

    def spoken(self) -> list[dict[str, str]]:
        """The active path as the model reads it: the messages, not the boxes under them."""
        return [{"role": n.role, "content": n.content}
                for n in (self.nodes[i] for i in self.path) if not n.title]

    def lineage(self, node_id: int) -> list[Node]:
        """The node and every message before it, first message first."""
        out: list[Node] = []
        current: int | None = node_id
        while current is not None:
            out.append(self.nodes[current])
            current = self.nodes[current].parent
        return out[::-1]

    def versions(self) -> list[tuple[int, int]]:
        """For each message on screen: (which version, how many), e.g. (2, 3) for "‹ 2/3 ›"."""
        out = []
        for node_id in self.path:
            ids = [n.id for n in self.siblings(node_id)]
            out.append((ids.index(node_id) + 1, len(ids)))
        return out

    def liked(self) -> list[Node]:
        return [n for n in self.nodes if n.role == "assistant" and n.feedback == "up" and not n.title]

    # -- changing ------------------------------------------------------------------------------

    def _child(self, parent: int | None, role: str, content: str, title: str = ""
               ) -> tuple[Conversation, int]:
        """The existing child with this text, or a new one: the same words are one version."""
        for node in self.children(parent):
            if (node.role, node.content, node.title) == (role, content, title):
                return self, node.id
        if len(self.nodes) >= MAX_NODES:
            raise InvalidInput.keyed("conversations.full", n=MAX_NODES)
        node = Node(len(self.nodes), parent, role, content, title=title)
        return replace(self, nodes=(*self.nodes, node)), node.id

    def _remember(self, path: Sequence[int]) -> Conversation:
        """Each parent on the path remembers the child shown after it."""
        nodes = list(self.nodes)
        for parent, child in pairwise(path):
            nodes[parent] = replace(nodes[parent], last=child)
        return replace(self, nodes=tuple(nodes), path=tuple(path))

    def sync(self, history: Sequence[Any]) -> Conversation:
        """This tree with `history` as its active path; messages it lacks become new versions."""
        tree, path, parent = self, [], None
        for role, content, title in _turns(history):
            tree, parent = tree._child(parent, role, content, title)
            path.append(parent)
        return tree._remember(path)

    def _at(self, index: int) -> int:
        if not 0 <= index < len(self.path):
            raise InvalidInput.keyed("conversations.no_message", index=index,
                                     count=len(self.path))
        return self.path[index]

    def edit(self, index: int, text: str) -> Conversation:
        """A new version of message `index`; the path ends there (what followed answered the old
        one). The earlier version stays as a branch."""
        if not text.strip():
            raise InvalidInput.keyed("conversations.edit_empty")
        node = self.nodes[self._at(index)]
        tree, new = self._child(node.parent, node.role, text)
        return tree._remember([*self.path[:index], new])

    def switch(self, index: int, step: int) -> Conversation:
        """Show another version of message `index` (step -1: ‹, +1: ›), and the conversation
        that followed it when it was last on screen."""
        ids = [n.id for n in self.siblings(self._at(index))]
        chosen = ids[max(0, min(len(ids) - 1, ids.index(self.path[index]) + step))]
        path = [*self.path[:index], chosen]
        while (follow := self.nodes[path[-1]].last) is not None:
            path.append(follow)
        return self._remember(path)

    def rate(self, index: int, value: str | None, note: str = "") -> Conversation:
        """Thumbs up / down (None clears) and an optional note on answer `index`."""
        node = self.nodes[self._at(index)]
        if node.role != "assistant":
            raise InvalidInput.keyed("conversations.rate_yours", index=index)
        value = (value or "").strip().lower() or None
        if value not in (*FEEDBACK, None):
            raise InvalidInput.keyed("conversations.rate_unknown", value=value)
        nodes = list(self.nodes)
        nodes[node.id] = replace(node, feedback=value, note=(note or "").strip()[:MAX_NOTE_CHARS])
        return replace(self, nodes=tuple(nodes))

    # -- stored form (browser storage, export) -------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        return {"nodes": [_node_dict(n) for n in self.nodes], "path": list(self.path)}

    @classmethod
    def from_dict(cls, data: Any) -> Conversation:
        """Rebuilt and checked: a stored or imported tree may be old, edited by hand or broken."""
        if not isinstance(data, dict) or not isinstance(data.get("nodes"), list):
            raise InvalidInput.keyed("conversations.no_nodes")
        raw = data["nodes"]
        if len(raw) > MAX_NODES:
            raise InvalidInput.keyed("conversations.too_many", n=len(raw), limit=MAX_NODES)
        nodes = tuple(_read_node(i, item) for i, item in enumerate(raw))
        nodes = tuple(  # `last` is only a hint for navigation: a wrong one is dropped
            n if n.last is None or (n.last < len(nodes) and nodes[n.last].parent == n.id)
            else replace(n, last=None) for n in nodes)
        path = data.get("path") or []
        if not isinstance(path, list) or not all(type(i) is int and 0 <= i < len(nodes)
                                                 for i in path):
            raise InvalidInput.keyed("conversations.bad_path")
        expected = None
        for node_id in path:
            if nodes[node_id].parent != expected:
                raise InvalidInput.keyed("conversations.path_jumps", id=node_id)
            expected = node_id
        return cls(nodes, tuple(path))

    @classmethod
    def from_history(cls, history: Sequence[Any]) -> Conversation:
        return cls().sync(history)


def _turns(history: Sequence[Any]) -> list[tuple[str, str, str]]:
    """(role, text, box title) of the user and bot messages of a chat history; empty ones are
    not kept."""
    out = []
    for item in history or ():
        role = item.get("role") if isinstance(item, dict) else getattr(item, "role", None)
        content = item.get("content") if isinstance(item, dict) else getattr(item, "content", None)
        meta = item.get("metadata") if isinstance(item, dict) else getattr(item, "metadata", None)
        title = (meta or {}).get("title") if isinstance(meta, dict) else None
        text = content_text(content)
        if role in ROLES and text.strip():
            out.append((str(role), text, str(title or "")[:MAX_TITLE_CHARS]))
    return out


def _shown(node: Node) -> dict[str, Any]:
    shown: dict[str, Any] = {"role": node.role, "content": node.content}
    if node.title:
        shown["metadata"] = {"title": node.title, "status": "done"}
    return shown


def _node_dict(node: Node) -> dict[str, Any]:
    out: dict[str, Any] = {"id": node.id, "parent": node.parent, "role": node.role,
                           "content": node.content}
    if node.feedback:
        out["feedback"] = node.feedback
    if node.note:
        out["note"] = node.note
    if node.last is not None:
        out["last"] = node.last
    if node.title:
        out["title"] = node.title
    return out


def _read_node(index: int, item: Any) -> Node:
    where = f"nodes[{index}]"
    if not isinstance(item, dict):
        raise InvalidInput.keyed("conversations.node_not_object", where=where)
    if item.get("id", index) != index:
        raise InvalidInput.keyed("conversations.node_id", where=where, id=repr(item.get("id")),
                                 index=index)
    parent, last = item.get("parent"), item.get("last")
    if parent is not None and not (type(parent) is int and 0 <= parent < index):
        raise InvalidInput.keyed("conversations.node_parent", where=where)
    if not (type(last) is int and index < last < MAX_NODES):
        last = None
    role = item.get("role")
    if role not in ROLES:
        raise InvalidInput.keyed("conversations.node_role", where=where, role=repr(role))
    content = item.get("content")
    if not isinstance(content, str):
        raise InvalidInput.keyed("conversations.node_content", where=where)
    feedback = item.get("feedback")
    if feedback not in (*FEEDBACK, None):
        raise InvalidInput.keyed("conversations.node_feedback", where=where)
    note, title = item.get("note") or "", item.get("title") or ""
    return Node(index, parent, role, content, feedback, str(note)[:MAX_NOTE_CHARS], last,
                str(title)[:MAX_TITLE_CHARS])
