"""Read any supported input (chat JSONL, prompt/completion JSONL, question/answer CSV) as records
in the format we will write, one row at a time, each either usable or with the reason it is not.

Prepare and Evaluate both start here, so a file means the same thing to both.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chatbot import jsonsafe
from chatbot.errors import InvalidInput
from chatbot.finetune import files
from chatbot.finetune.formats import (
    CHAT,
    LEGACY,
    chat_example,
    is_error,
    problem,
    record_findings,
)
from chatbot.i18n import Msg

CSV_SUFFIXES = (".csv", ".tsv")


@dataclass(frozen=True)
class ReadOptions:
    system_prompt: str = ""  # added to chat examples that have none
    output: str = CHAT  # CHAT, or LEGACY to keep prompt/completion
    question_column: str | None = None  # CSV only; None: recognised by name
    answer_column: str | None = None
    max_line: int = files.MAX_LINE_BYTES  # longer JSONL lines are refused unread


@dataclass(frozen=True)
class Row:
    line: int
    record: dict[str, Any] | None  # in the output format
    error: Msg | None  # why, when the row cannot be used


def _convert(record: dict[str, Any], kind: str, opts: ReadOptions) -> dict[str, Any]:
    if kind == CHAT:
        messages = record["messages"]
        if opts.system_prompt.strip() and not any(
                isinstance(m, dict) and m.get("role") == "system" for m in messages):
            return {**record, "messages": [{"role": "system", "content": opts.system_prompt},
                                           *messages]}
        return record
    if opts.output == LEGACY:
        return {"prompt": record["prompt"], "completion": record["completion"]}
    return chat_example(record["prompt"], record["completion"], opts.system_prompt)


def _failed(line: int, findings: list[tuple[str, dict[str, Any]]]) -> Row:
    code, fields = findings[0]
    return Row(line, None, problem(line, code, **fields).message)


def _checked(line: int, record: dict[str, Any]) -> Row:
    _, findings = record_findings(record)
    errors = [f for f in findings if is_error(f)]
    return _failed(line, errors) if errors else Row(line, record, None)


def _csv_row(row: files.CsvRow, columns: files.CsvColumns, opts: ReadOptions) -> Row:
    if not row.answer.strip():
        return _failed(row.number, [("empty_cell", {"column": columns.answer})])
    if not row.question.strip() and opts.output == CHAT:  # legacy allows empty prompts
        return _failed(row.number, [("empty_cell", {"column": columns.question})])
    return _checked(row.number, _convert({"prompt": row.question, "completion": row.answer},
                                         LEGACY, opts))


def read_rows(path: Path | str, opts: ReadOptions) -> tuple[str, Iterator[Row]]:
    """(input format, rows converted to `opts.output`); a CSV reads as prompt/completion."""
    path = files.check_readable(path)
    if path.suffix.lower() in CSV_SUFFIXES:
        columns, csv_rows = files.iter_csv(path, opts.question_column, opts.answer_column)
        return LEGACY, (_csv_row(r, columns, opts) for r in csv_rows)
    source = _jsonl_kind(path, opts.max_line)
    if opts.output == LEGACY and source == CHAT:
        raise InvalidInput.keyed("finetune.chat_to_legacy")
    return source, _jsonl_rows(path, source, opts)


def _jsonl_kind(path: Path, max_line: int) -> str:
    for line in files.iter_lines(path, max_line):
        if line.text and line.text.strip():
            try:
                kind, _ = record_findings(jsonsafe.loads(line.text))
            except json.JSONDecodeError:
                continue
            if kind:
                return kind
    raise InvalidInput.keyed("finetune.no_example_kind", "finetune.no_example_kind_hint",
                             name=path.name)


def _jsonl_rows(path: Path, source: str, opts: ReadOptions) -> Iterator[Row]:
    for line in files.iter_lines(path, opts.max_line):
        if line.too_long:
            yield _failed(line.number, [("line_too_long", {"limit": opts.max_line // 1024})])
            continue
        if line.text is None:
            yield _failed(line.number, [("not_utf8", {})])
            continue
        if not line.text.strip():
            continue  # blank lines are simply not written
        try:
            record = jsonsafe.loads(line.text)
        except json.JSONDecodeError as exc:
            yield _failed(line.number, [("invalid_json", {"detail": f"{exc.msg} (col "
                                                                    f"{exc.colno})"})])
            continue
        kind, findings = record_findings(record)
        errors = [f for f in findings if is_error(f)]
        if kind != source and not errors:
            errors = [("mixed_format", {"found": kind or "?", "expected": source})]
        if errors:
            yield _failed(line.number, errors)
            continue
        yield _checked(line.number, _convert(record, source, opts))
