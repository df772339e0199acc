"""A mapping bounded by bytes: the least recently used entries go first when it would overflow.

Per-session caches (a pool's vectors, fitted classifiers, measured calibrations) are large and
made by visitors; kept in plain dicts they grow with every upload for the life of the process.
"""

from __future__ import annotations

import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, MutableMapping
from copy import deepcopy
from typing import Any, TypeVar

K = TypeVar("K")
V = TypeVar("V")


def size_of(value: Any, _depth: int = 0) -> int:
    """Roughly what `value` holds in memory: buffers by their `nbytes`, containers and
    dataclasses by their parts (deep enough for the caches here, not a general profiler)."""
    nbytes = getattr(value, "nbytes", None)  # numpy arrays, packed pools
    if isinstance(nbytes, int):
        return nbytes
    if _depth > 4:
        return sys.getsizeof(value)
    if isinstance(value, dict):
        return sys.getsizeof(value) + sum(size_of(k, _depth + 1) + size_of(v, _depth + 1)
                                          for k, v in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        return sys.getsizeof(value) + sum(size_of(v, _depth + 1) for v in value)
    fields = getattr(value, "__dataclass_fields__", None)
    if fields is not None:
        return sys.getsizeof(value) + sum(size_of(getattr(value, f, None), _depth + 1)
                                          for f in fields)
    return sys.getsizeof(value)


class ByteLRU(MutableMapping[K, V]):
    """Thread-safe. An entry larger than the whole budget is not kept at all."""

    def __init__(self, max_bytes: int, measure: Callable[[Any], int] = size_of) -> None:
        self.max_bytes = max_bytes
        self._measure = measure
        self._items: OrderedDict[K, tuple[V, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    @property
    def bytes(self) -> int:
        return self._bytes

    def __getitem__(self, key: K) -> V:
        with self._lock:
            value, _ = self._items[key]
            self._items.move_to_end(key)
            return value

    def __setitem__(self, key: K, value: V) -> None:
        size = self._measure(value)
        with self._lock:
            if key in self._items:
                self._bytes -= self._items.pop(key)[1]
            if size > self.max_bytes:
                return
            self._items[key] = (value, size)
            self._bytes += size
            while self._bytes > self.max_bytes:
                _, (_, dropped) = self._items.popitem(last=False)
                self._bytes -= dropped

    def __delitem__(self, key: K) -> None:
        with self._lock:
            self._bytes -= self._items.pop(key)[1]

    def __iter__(self) -> Iterator[K]:
        with self._lock:
            return iter(list(self._items))

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def __deepcopy__(self, memo: dict[int, Any]) -> ByteLRU[K, V]:
        """Gradio deep-copies a state's first value for each session: a copy with its own lock."""
        copy: ByteLRU[K, V] = ByteLRU(self.max_bytes, self._measure)
        with self._lock:
            for key, (value, _) in self._items.items():
                copy[deepcopy(key, memo)] = deepcopy(value, memo)
        return copy

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0
