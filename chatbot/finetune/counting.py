"""Reading and counting a JSONL dataset in flat memory: the one pipeline behind fine-tuning's
validation and the dataset count of `python -m chatbot tokens`.

Lines come from `files.iter_lines` (BOM, CR/LF, bad UTF-8 and overlong lines reported, never
fatal). Examples are tokenised in batches on worker threads (tiktoken releases the GIL) while the
next lines are parsed, at most WORKERS batches in flight, and their counts come back in file order.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any, Generic, TypeVar

from chatbot import jsonsafe
from chatbot.errors import InvalidInput
from chatbot.finetune import files
from chatbot.finetune.stats import ExampleCounter
from chatbot.i18n import Msg
from chatbot.models import token_count
from chatbot.models.catalog import OFFLINE_ENCODINGS, Catalog

BATCH_BYTES = 1 << 18  # JSON per counting batch: amortises the call, keeps memory flat
WORKERS = 2  # counting threads: tokenising runs outside the GIL, on the other core
MAX_LISTED_PROBLEMS = 5
T = TypeVar("T")


class BatchCounter(Generic[T]):
    """Tokens per example, counted in batches on worker threads by `count` (a batch of examples
    → their tokens); `on_count(line, tokens)` is called in file order as batches finish, and for
    the rest on `close()`."""

    def __init__(self, count: Callable[[list[T]], list[int]],
                 on_count: Callable[[int, int], None]) -> None:
        self.count = count
        self.on_count = on_count
        self.worker = ThreadPoolExecutor(WORKERS, thread_name_prefix="jsonl-count")
        self.records: list[T] = []
        self.lines: list[int] = []
        self.size = 0
        self.pending: deque[tuple[Future[list[int]], list[int]]] = deque()

    def add(self, line: int, record: T, size: int) -> None:
        self.records.append(record)
        self.lines.append(line)
        self.size += size
        if self.size >= BATCH_BYTES:
            self.flush()

    def _collect(self) -> None:
        """Results in file order: the oldest batch first."""
        future, lines = self.pending.popleft()
        for line, n in zip(lines, future.result(), strict=True):
            self.on_count(line, n)

    def flush(self) -> None:
        if len(self.pending) >= WORKERS:
            self._collect()
        if self.records:
            self.pending.append((self.worker.submit(self.count, self.records),
                                 self.lines))
        self.records, self.lines, self.size = [], [], 0

    def close(self) -> None:
        try:
            self.flush()
            while self.pending:
                self._collect()
        finally:
            self.worker.shutdown(cancel_futures=True)


@dataclass
class DatasetCount:
    """Totals of a chat (or prompt/completion) JSONL file, for the tokens command."""

    encoding: str
    examples: int = 0
    messages: int = 0
    total: int = 0
    format_tokens: int = 0
    blank_lines: int = 0
    bad_lines: int = 0
    problems: list[Msg] = field(default_factory=list)  # the first few, with line numbers

    @property
    def text_tokens(self) -> int:
        return self.total - self.format_tokens

    def problem(self, line: int, what: Msg | InvalidInput) -> None:
        self.bad_lines += 1
        if len(self.problems) < MAX_LISTED_PROBLEMS:
            self.problems.append(Msg("finetune.count_line", line=line, what=what))

    def counted(self, _line: int, n: int) -> None:
        self.total += n


Example = tuple[dict[str, Any], list[dict[str, Any]] | None, list[str]]


def _example(result: DatasetCount, line: files.Line) -> Example | None:
    """The line's record, its messages (None for prompt/completion) and its strings, when it is
    an example to count (lenient: counting, not validating)."""
    if line.too_long:
        result.problem(line.number, Msg("finetune.count_too_long"))
        return None
    if line.text is None:
        result.problem(line.number, Msg("finetune.count_not_utf8"))
        return None
    if not line.text.strip():
        result.blank_lines += 1
        return None
    try:
        record = jsonsafe.loads(line.text)
        messages, strings = token_count.example_strings(record)
    except json.JSONDecodeError as exc:
        result.problem(line.number, Msg("finetune.count_invalid_json", detail=exc.msg))
        return None
    except InvalidInput as exc:
        result.problem(line.number, exc)
        return None
    result.examples += 1
    if messages is not None:
        result.messages += len(messages)
        return {"messages": messages}, messages, strings
    return ({"prompt": token_count.value_text(record.get("prompt")),
             "completion": token_count.value_text(record.get("completion"))}, None, strings)


def _text_lengths(encoding: str) -> Callable[[list[list[str]]], list[int]]:
    """A batch of examples' strings → each example's text tokens, in one tiktoken call."""
    enc = token_count.get_encoding(encoding)

    def count(batch: list[list[str]]) -> list[int]:
        lengths = iter(token_count.encode_lengths(enc, [s for strings in batch for s in strings]))
        return [sum(islice(lengths, len(strings))) for strings in batch]

    return count


def count_dataset(path: Path, catalog: Catalog, model: str, *,
                  max_line: int = files.MAX_LINE_BYTES) -> DatasetCount:
    """Examples, messages and tokens (text and chat format) of a JSONL file, with `model`'s
    tokenizer; lines that are not examples are counted as bad, the first few listed.

    With a tiktoken encoding only the strings go to the worker threads (the chat format is
    arithmetic, done here), so they spend their time outside the GIL."""
    counter = ExampleCounter(catalog, model)
    result = DatasetCount(counter.info.encoding)
    if counter.info.encoding in OFFLINE_ENCODINGS:
        _count_strings(path, max_line, result, _text_lengths(counter.info.encoding))
    else:  # the embedded model's own tokenizer and chat template, example by example
        _count_records(path, max_line, result, counter)
    return result


def _count_strings(path: Path, max_line: int, result: DatasetCount,
                   count: Callable[[list[list[str]]], list[int]]) -> None:
    batches: BatchCounter[list[str]] = BatchCounter(count, result.counted)
    try:
        for line in files.iter_lines(files.check_readable(path), max_line):
            example = _example(result, line)
            if example is None:
                continue
            _, messages, strings = example
            if messages is not None:
                overhead = token_count.chat_overhead(messages)
                result.format_tokens += overhead
                result.total += overhead
            batches.add(line.number, strings, line.raw_size)
    finally:
        batches.close()


def _count_records(path: Path, max_line: int, result: DatasetCount,
                   counter: ExampleCounter) -> None:
    batches: BatchCounter[dict[str, Any]] = BatchCounter(counter.count_many, result.counted)
    try:
        for line in files.iter_lines(files.check_readable(path), max_line):
            example = _example(result, line)
            if example is None:
                continue
            record, messages, _ = example
            if messages is not None:
                result.format_tokens += counter.format_tokens(messages)
            batches.add(line.number, record, line.raw_size)
    finally:
        batches.close()
