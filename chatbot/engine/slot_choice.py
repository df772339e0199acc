"""Which slot of the engine gets a warm start put back before a first question that needs it.

Pure: `placement.py` keeps the slots in view and what it put where.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

Key = tuple[str, ...]  # a conversation start, message by message (warmup._key)


@dataclass(frozen=True)
class SlotView:
    """One slot as `GET /slots` shows it."""

    id: int
    busy: bool
    task: int | None  # the last task that ran in it (None: none yet; a restore runs none)

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> SlotView:
        task = data.get("id_task")
        return cls(int(data["id"]), bool(data["is_processing"]),
                   None if task is None or task < 0 else int(task))


@dataclass(frozen=True)
class Held:
    """A start a slot began with while its last task was `task`: a warm start put there (the
    task before it), or a question placed there (its own task). Once another task has run
    there, it holds that one's prompt instead."""

    key: Key
    task: int | None


def starts(views: Sequence[SlotView], held: Mapping[int, Held], began: Mapping[int, Held]
           ) -> dict[int, Key | None]:
    """What each idle slot begins with: a warm start put there and untouched since, a warm start
    a placed question began with (their conversation follows it), or None (anything else)."""
    def start(v: SlotView) -> Key | None:
        for known in (held, began):
            if v.id in known and known[v.id].task == v.task:
                return known[v.id].key
        return None
    return {v.id: start(v) for v in views if not v.busy}


def choose(views: Sequence[SlotView], held: Mapping[int, Held], began: Mapping[int, Held],
           claimed: Collection[int], key: Key) -> tuple[int, bool] | None:
    """(slot, whether to restore `key` into it) for a question starting with `key`.

    An idle slot beginning with it that no other question is about to take: nothing to do.
    Else the idle untouched warm slot whose start has the most such copies (a class's plain
    start first), the highest numbered of them (llama-server breaks its own ties toward the
    lowest). None when every other idle slot holds a student's conversation: that is kept, and
    the question is prefilled as before."""
    idle = {slot: start for slot, start in starts(views, held, began).items()
            if slot not in claimed}
    holding = [slot for slot, start in idle.items() if start == key]
    if holding:
        return min(holding), False
    spare = {slot: start for slot, start in idle.items()
             if start is not None and slot in held and held[slot].key == start}
    if not spare:
        return None
    copies = Counter(spare.values())
    return max(spare, key=lambda slot: (copies[spare[slot]], slot)), True
