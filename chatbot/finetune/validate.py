"""Validate a training file in one streamed pass, counting tokens as it goes.

Memory stays flat in the file size: lines are read one at a time, at most `MAX_DETAILS` problems
are kept in full (every one is counted), and per example only its token count and a 64-bit
digest (for duplicates) are kept, in compact arrays.
"""

from __future__ import annotations

import json
from array import array
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from chatbot import jsonsafe
from chatbot.finetune import files
from chatbot.finetune.counting import BatchCounter
from chatbot.finetune.formats import (
    CHAT,
    ERROR,
    LEGACY,
    MIN_EXAMPLES,
    RECOMMENDED_EXAMPLES,
    SEVERITY,
    WARNING,
    Problem,
    example_key,
    is_error,
    problem,
    record_findings,
)
from chatbot.finetune.stats import ExampleCounter
from chatbot.i18n import say
from chatbot.models.catalog import Catalog

MAX_DETAILS = 1000
FORMAT_NAMES = {CHAT: "chat", LEGACY: "prompt/completion"}


@dataclass
class Report:
    path: Path
    model: str
    limit: int | None  # tokens per example the model accepts (None: unknown)
    format: str | None = None
    lines: int = 0
    tokens: array = field(default_factory=lambda: array("l"))  # one entry per valid example
    problems: list[Problem] = field(default_factory=list)  # the first MAX_DETAILS, by line
    counts: Counter[str] = field(default_factory=Counter)  # every problem, by code

    @property
    def examples(self) -> int:
        return len(self.tokens)

    def count(self, severity: str) -> int:
        return sum(n for code, n in self.counts.items() if SEVERITY[code] == severity)

    @property
    def error_count(self) -> int:
        return self.count(ERROR)

    @property
    def warning_count(self) -> int:
        return self.count(WARNING)

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    @property
    def truncated(self) -> bool:
        return sum(self.counts.values()) > len(self.problems)

    def counted(self, line: int, n: int) -> None:
        """One example's tokens, in file order; over the model's limit is an error."""
        self.tokens.append(n)
        if self.limit and n > self.limit:
            self.add(problem(line, "too_long", tokens=n, model=self.model, limit=self.limit))

    def add(self, p: Problem, *, always: bool = False) -> None:
        """`always`: whole-file problems are kept even past MAX_DETAILS."""
        self.counts[p.code] += 1
        if always or len(self.problems) < MAX_DETAILS:
            self.problems.append(p)


def _parse(report: Report, line: files.Line, max_line: int) -> tuple[str, dict[str, Any]] | None:
    """The record of a line when it is a sound example; its problems go to the report."""
    if line.too_long:
        report.add(problem(line.number, "line_too_long", limit=max_line // 1024))
        return None
    if line.text is None:
        report.add(problem(line.number, "not_utf8"))
        return None
    if not line.text.strip():
        report.add(problem(line.number, "blank_line"))
        return None
    try:
        record = jsonsafe.loads(line.text)
    except json.JSONDecodeError as exc:
        if line.number == 1 and line.text.lstrip()[:1] in ("[", "{"):
            report.add(problem(0, "json_document"), always=True)
        report.add(problem(line.number, "invalid_json", detail=f"{exc.msg} (col {exc.colno})"))
        return None
    if line.number == 1 and isinstance(record, list):
        report.add(problem(0, "json_document"), always=True)
    kind, findings = record_findings(record)
    if kind is not None:
        if report.format is None:
            report.format = kind
        elif kind != report.format:
            findings = [("mixed_format", {"found": FORMAT_NAMES[kind],
                                          "expected": FORMAT_NAMES[report.format]})]
    for code, fields in findings:
        report.add(problem(line.number, code, **fields))
    if kind is None or any(is_error(f) for f in findings):
        return None
    return kind, record


def validate_file(path: Path | str, catalog: Catalog, model: str, *,
                  limit: int | None = None, max_line: int = files.MAX_LINE_BYTES,
                  progress: Callable[[int], None] | None = None) -> Report:
    """Every problem with its line and a fix; errors block training, warnings advise.

    `limit` overrides the model's tokens-per-example limit (the catalog's context window).
    `progress` is called with the bytes read so far, every few thousand lines.
    """
    path = files.check_readable(path)
    counter = ExampleCounter(catalog, model)
    report = Report(path, model, limit or counter.limit)
    digests, digest_lines = array("q"), array("l")
    counting = BatchCounter(counter.count_many, report.counted)
    read = 0
    try:
        for line in files.iter_lines(path, max_line):
            report.lines = line.number
            read += line.raw_size
            if progress and line.number % 4096 == 0:
                progress(read)
            parsed = _parse(report, line, max_line)
            if parsed is None:
                continue
            kind, record = parsed
            counting.add(line.number, record, line.raw_size)
            digests.append(example_key(kind, record))
            digest_lines.append(line.number)
    finally:
        counting.close()
    _add_duplicates(report, digests, digest_lines)
    _add_file_level(report)
    report.problems.sort(key=lambda p: p.line)
    return report


def _add_duplicates(report: Report, digests: array, lines: array) -> None:
    if len(digests) < 2:
        return
    keys = np.frombuffer(digests, dtype=np.int64)
    order = np.argsort(keys, kind="stable")  # stable: the first occurrence stays first
    ordered = keys[order]
    same = np.flatnonzero(ordered[1:] == ordered[:-1]) + 1
    first_of: dict[int, int] = {}
    for pos in same.tolist():
        key = int(ordered[pos])
        first = first_of.setdefault(key, lines[int(order[pos - 1])])
        report.add(problem(lines[int(order[pos])], "duplicate", first=first))


def _add_file_level(report: Report) -> None:
    n = report.examples
    if n == 0:
        report.add(problem(0, "empty_file"), always=True)
    elif n < MIN_EXAMPLES:
        report.add(problem(0, "too_few", count=n, minimum=MIN_EXAMPLES), always=True)
    elif n < RECOMMENDED_EXAMPLES:
        report.add(problem(0, "few", count=n, recommended=RECOMMENDED_EXAMPLES), always=True)
    if report.format == LEGACY:
        report.add(problem(0, "legacy_format"), always=True)


def summary_markdown(report: Report, lang: str) -> str:
    """The verdict first, then what was read, then how many of each problem."""
    verdict = (say(lang, "finetune.no_errors") if report.ok else
               say(lang, "finetune.errors_count", count=report.error_count))
    lines = [
        say(lang, "finetune.verdict_warnings", verdict=verdict, count=report.warning_count),
        say(lang, "finetune.summary_read", name=report.path.name,
            format=FORMAT_NAMES.get(report.format or "", "?"), lines=report.lines,
            examples=report.examples),
    ]
    if report.counts:
        lines.append(" · ".join(f"{code} ×{n}" for code, n in report.counts.most_common()))
    if report.truncated:
        lines.append(say(lang, "finetune.summary_truncated", shown=len(report.problems),
                         total=sum(report.counts.values())))
    return "\n\n".join(lines)


def problem_rows(report: Report, lang: str) -> list[list[object]]:
    """Line ("—" for the whole file), severity, code, message, fix."""
    return [[p.line or "—", say(lang, f"finetune.severity_{p.severity}"), p.code,
             p.message.said(lang), p.fix.said(lang)] for p in report.problems]
