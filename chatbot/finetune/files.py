"""Reading training data safely and writing results beside it without ever replacing a file.

JSONL is streamed line by line (flat memory for 100 MB files); a UTF-8 BOM and CRLF endings are
accepted; a binary file (a spreadsheet, a zip, an image) is refused with one plain message
instead of thousands of "invalid JSON" lines.
"""

from __future__ import annotations

import codecs
import csv
import io
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from chatbot.errors import InvalidInput
from chatbot.finetune.words import Refusal
from chatbot.i18n import Msg

SNIFF_BYTES = 8192
MAX_LINE_BYTES = 1 << 20  # CHATBOT_MAX_LINE_KB: one example this long is already a mistake
# Spreadsheet and archive signatures: these have their own fix (export as CSV).
_SIGNATURES = {
    b"PK\x03\x04": "ZIP/XLSX/DOCX",
    b"\xd0\xcf\x11\xe0": "XLS/DOC",
    b"%PDF": "PDF",
    b"\x1f\x8b": "GZIP",
    b"\x89PNG": "PNG",
    b"\xff\xd8\xff": "JPEG",
}


def check_readable(path: Path | str) -> Path:
    """The file exists, is a regular file, and is text, or a plain message says what to do."""
    path = Path(path)
    if not path.is_file():
        raise InvalidInput.keyed("finetune.file_not_found", "finetune.file_not_found_hint",
                                 path=str(path))
    with path.open("rb") as fh:
        head = fh.read(SNIFF_BYTES)
    if not head:
        raise InvalidInput.keyed("finetune.file_empty", "finetune.file_empty_hint",
                                 name=path.name)
    kind = next((name for sig, name in _SIGNATURES.items() if head.startswith(sig)), None)
    if kind is None and _looks_binary(head):
        raise InvalidInput.keyed("finetune.file_binary", "finetune.file_not_text_hint",
                                 name=path.name)
    if kind:
        raise InvalidInput.keyed("finetune.file_not_text", "finetune.file_not_text_hint",
                                 name=path.name, kind=kind)
    return path


def _looks_binary(head: bytes) -> bool:
    if b"\x00" in head:
        return True
    # A multi-byte character may be cut at the end of the sample: decode incrementally.
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        controls = sum(1 for b in head if b < 9 or 13 < b < 32)
        return controls > len(head) // 20
    return False


class Line(NamedTuple):
    number: int  # 1-based, as editors show it
    text: str | None  # None when the bytes are not UTF-8, or the line is too long
    raw_size: int
    too_long: bool = False


def _skip_rest(fh: io.BufferedReader, chunk: bytes, max_bytes: int) -> int:
    """Read past the rest of an overlong line without keeping it; its size in bytes."""
    size = len(chunk)
    while chunk and not chunk.endswith(b"\n"):
        chunk = fh.readline(max_bytes)
        size += len(chunk)
    return size


def iter_lines(path: Path, max_bytes: int = MAX_LINE_BYTES) -> Iterator[Line]:
    """Every line of a text file, BOM and CR/LF removed; bad UTF-8 reported per line, not fatal.

    A line longer than `max_bytes` is skipped unread (flagged `too_long`): a 50 MB single-line
    file costs a read, not a minute of parsing.
    """
    with path.open("rb") as fh:
        number = 0
        while raw := fh.readline(max_bytes + 1):
            number += 1
            if len(raw) > max_bytes and not raw.endswith(b"\n"):
                yield Line(number, None, _skip_rest(fh, raw, max_bytes), True)
                continue
            size = len(raw)
            if number == 1 and raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8):]
            raw = raw.rstrip(b"\r\n")
            try:
                text: str | None = raw.decode("utf-8")
            except UnicodeDecodeError:
                text = None
            yield Line(number, text, size)



# -- CSV ------------------------------------------------------------------------------------------

QUESTION_NAMES = ("question", "pregunta", "prompt", "input", "text", "texto", "user", "usuario",
                  "mensaje", "message", "tweet")
ANSWER_NAMES = ("answer", "respuesta", "completion", "output", "label", "etiqueta", "assistant",
                "asistente", "sentiment", "sentimiento", "clase", "class", "category", "categoria")


def _norm(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name.strip().lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace(" ", "_")


@dataclass(frozen=True)
class CsvColumns:
    question: str
    answer: str


def _pick(header: list[str], wanted: str | None, aliases: tuple[str, ...], what: str) -> str:
    by_norm = {_norm(h): h for h in header}
    if wanted:
        found = by_norm.get(_norm(wanted))
        if found is None:
            raise _wrong_columns(header, Msg("finetune.no_such_column", column=wanted))
        return found
    for alias in aliases:
        if alias in by_norm:
            return by_norm[alias]
    raise _wrong_columns(header, Msg(f"finetune.missing_{what}_column"))


def _wrong_columns(header: list[str], detail: Msg) -> InvalidInput:
    shown = ", ".join(repr(h) for h in header) or Msg("finetune.no_columns")
    return Refusal(Msg("finetune.csv_columns", detail=detail, found=shown),
                   Msg("finetune.csv_columns_hint"))


def bad_csv(name: str, line: int, exc: csv.Error) -> InvalidInput:
    """csv's own errors (a field over its 128 KB limit, a NUL, a stray quote) in plain words."""
    detail: Msg | str = str(exc)
    if "field larger than field limit" in str(exc):
        detail = Msg("finetune.csv_field_too_big", limit=csv.field_size_limit() // 1024)
    return Refusal(Msg("finetune.csv_unreadable", name=name, line=line, detail=detail),
                   Msg("finetune.csv_unreadable_hint"))


def _sniff_dialect(sample: str) -> type[csv.Dialect] | csv.Dialect:
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        return csv.excel


@dataclass(frozen=True)
class CsvRow:
    number: int  # the line of the row in the file (header is line 1)
    question: str
    answer: str


def iter_csv(path: Path, question: str | None = None, answer: str | None = None
             ) -> tuple[CsvColumns, Iterator[CsvRow]]:
    """Header-named question/answer columns (Spanish names, ';' from Excel and BOM accepted)."""
    path = check_readable(path)
    with path.open("r", encoding="utf-8-sig", errors="replace", newline="") as fh:
        sample = fh.read(SNIFF_BYTES)
    dialect = _sniff_dialect(sample)
    try:
        header = next(csv.reader(io.StringIO(sample), dialect), [])
    except csv.Error as exc:
        raise bad_csv(path.name, 1, exc) from None
    q = _pick(header, question, QUESTION_NAMES, "question")
    a = _pick(header, answer, ANSWER_NAMES, "answer")
    if q == a:
        raise _wrong_columns(header, Msg("finetune.same_column"))
    qi, ai = header.index(q), header.index(a)

    def rows() -> Iterator[CsvRow]:
        with path.open("r", encoding="utf-8-sig", errors="replace", newline="") as fh:
            reader = csv.reader(fh, dialect)
            try:
                next(reader, None)
                for record in reader:
                    if not any(cell.strip() for cell in record):
                        continue
                    cells = record + [""] * (max(qi, ai) + 1 - len(record))
                    yield CsvRow(reader.line_num, cells[qi], cells[ai])
            except csv.Error as exc:
                raise bad_csv(path.name, reader.line_num, exc) from None

    return CsvColumns(q, a), rows()


# -- output ---------------------------------------------------------------------------------------


def output_paths(source: Path, tags: list[str], ext: str = ".jsonl") -> list[Path]:
    """New files beside `source`: `<stem>_<tag>.jsonl`, then `<stem>_<tag>-2.jsonl`… if any exists.

    The input is never a candidate, and all names of one run share the same number, so a
    train/valid pair stays recognisable.
    """
    n = 1
    while True:
        mark = f"-{n}" if n > 1 else ""
        paths = [source.with_name(f"{source.stem}_{tag}{mark}{ext}") for tag in tags]
        if not any(p.exists() or p.resolve() == source.resolve() for p in paths):
            return paths
        n += 1


def open_new(path: Path) -> io.TextIOWrapper:
    """Exclusive creation: if a file appeared meanwhile we fail instead of overwriting it."""
    return path.open("x", encoding="utf-8", newline="\n")
