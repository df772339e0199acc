"""Documents → passages a prompt can hold, each with the file and section it came from.

Markdown splits at its headings (the section is the heading path), plain text at blank lines,
a PDF by page, a CSV of questions and answers by row (the section is the question). Long sections
are cut at paragraph, then sentence, boundaries so one passage stays a few hundred tokens.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from chatbot.errors import InvalidInput
from chatbot.i18n import DEFAULT, say

MAX_CHARS = 700  # one passage: about 150-250 tokens, so several fit a small model's context
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_FILES = 10
SUFFIXES = (".md", ".markdown", ".txt", ".pdf", ".csv")
QUESTION_COLUMNS = ("question", "pregunta", "q", "p")
ANSWER_COLUMNS = ("answer", "respuesta", "a", "r")
_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")


@dataclass(frozen=True)
class Passage:
    """A piece of a document: where it came from, and exactly the text the model is given."""

    file: str
    section: str
    text: str

    @property
    def label(self) -> str:
        return f"{self.file} › {self.section}" if self.section else self.file


def _pieces(text: str, limit: int = MAX_CHARS) -> list[str]:
    """`text` in pieces of at most `limit` characters, cut between paragraphs, else sentences."""
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text) if p.strip()]
    units: list[str] = []
    for para in paragraphs:
        if len(para) <= limit:
            units.append(para)
            continue
        sentences = re.split(r"(?<=[.!?;:])\s+", para)
        for sentence in sentences:  # a sentence longer than the limit is cut by words
            while len(sentence) > limit:
                cut = sentence.rfind(" ", 0, limit)
                cut = cut if cut > 0 else limit
                units.append(sentence[:cut])
                sentence = sentence[cut:].strip()
            if sentence:
                units.append(sentence)
    pieces: list[str] = []
    for unit in units:
        if pieces and len(pieces[-1]) + 1 + len(unit) <= limit:
            joiner = "\n" if unit[:1] in "-*0123456789" else " "
            pieces[-1] += joiner + unit
        else:
            pieces.append(unit)
    return pieces


def split_markdown(name: str, text: str) -> list[Passage]:
    """One passage per section (or piece of a long one); the section is the heading path."""
    path: list[str] = []
    body: list[str] = []
    out: list[Passage] = []

    def flush() -> None:
        section = " › ".join(path)
        out.extend(Passage(name, section, piece) for piece in _pieces("\n".join(body)))
        body.clear()

    for line in text.splitlines():
        match = _HEADING.match(line)
        if match:
            flush()
            level = len(match.group(1))
            path[level - 1:] = [match.group(2).strip()]
            del path[level:]
        else:
            body.append(line)
    flush()
    return out


def split_text(name: str, text: str, section: str = "") -> list[Passage]:
    """Plain text: pieces between blank lines; the section says which part of the file it is.
    An FAQ written as questions each followed by its answer gets a passage per question, like
    a CSV of questions: joined into 700-character pieces, four answers shared a passage and the
    0.5B model answered with a neighbour's fact (docs/knowledge.md, the dental clinic)."""
    asked = _questions_and_answers(text)
    if asked is not None:
        return [Passage(name, " › ".join(filter(None, (section, question[:120]))), piece)
                for question, answer in asked for piece in _pieces(f"{question}\n\n{answer}")]
    pieces = _pieces(text)
    if section:
        return [Passage(name, section, p) for p in pieces]
    return [Passage(name, f"§{i}", p) for i, p in enumerate(pieces, 1)]


def _is_question(line: str) -> bool:
    return 3 < len(line) <= 200 and line.strip(" *_#").endswith("?")


def _questions_and_answers(text: str) -> list[tuple[str, str]] | None:
    """(question, answer) per paragraph that opens with a question line (its answer below it, or
    in the next paragraph); other paragraphs as ("", text). None unless at least three
    paragraphs, and half of them, are questions: then it is an FAQ."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    units: list[tuple[str, str]] = []
    i = 0
    while i < len(paragraphs):
        first, _, rest = paragraphs[i].partition("\n")
        if not _is_question(first):
            units.append(("", paragraphs[i]))
        else:
            if not rest.strip() and i + 1 < len(paragraphs) and not _is_question(
                    paragraphs[i + 1].partition("\n")[0]):
                i += 1
                rest = paragraphs[i]
            units.append((" ".join(first.strip(" *_#").split()), rest.strip()))
        i += 1
    questions = sum(1 for q, _ in units if q)
    return units if questions >= 3 and 2 * questions >= len(units) else None


def _column(header: Sequence[str], names: Sequence[str]) -> int | None:
    lowered = [h.strip().lower() for h in header]
    return next((lowered.index(n) for n in names if n in lowered), None)


def split_qa_csv(name: str, text: str) -> list[Passage]:
    """A CSV of questions and answers: one passage per row, its question as the section.

    Columns named question/pregunta and answer/respuesta, else the first two columns."""
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(text[:4096], ",;\t|")
    except csv.Error:
        dialect = csv.excel
    rows = [r for r in csv.reader(io.StringIO(text), dialect) if any(c.strip() for c in r)]
    if not rows:
        return []
    q, a = _column(rows[0], QUESTION_COLUMNS), _column(rows[0], ANSWER_COLUMNS)
    if q is None or a is None:
        q, a = 0, 1
    else:
        rows = rows[1:]
    if any(len(r) < 2 for r in rows):
        raise InvalidInput.keyed("knowledge.csv_row", "knowledge.csv_row_hint", name=name)
    out = []
    for row in rows:
        question, answer = " ".join(row[q].split()), " ".join(row[a].split())
        for piece in _pieces(f"{question}\n\n{answer}"):
            out.append(Passage(name, question[:120], piece))
    return out


def split_pdf(name: str, data: bytes, lang: str = DEFAULT) -> list[Passage]:
    """A PDF's text, page by page (pypdf, pure Python); a scanned PDF has no text to give.
    The section names the page in `lang`, the language of whoever loads the file."""
    from pypdf import PdfReader  # imported here: only an uploaded PDF needs it
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        raise InvalidInput.keyed("knowledge.not_pdf", name=name, error=exc) from None
    out: list[Passage] = []
    for i, page in enumerate(pages, 1):
        out.extend(split_text(name, page, say(lang, "knowledge.page", n=i)))
    return out


def _decode(name: str, data: bytes) -> str:
    if b"\x00" in data[:4096]:
        raise InvalidInput.keyed("knowledge.not_text", "knowledge.not_text_hint", name=name)
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def split_document(name: str, data: bytes, lang: str = DEFAULT) -> list[Passage]:
    """One file's passages, by its extension."""
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        raise InvalidInput.keyed("knowledge.unknown_suffix" if suffix else "knowledge.no_suffix",
                                 "knowledge.suffix_hint", name=name, suffix=suffix,
                                 suffixes=", ".join(SUFFIXES))
    if suffix == ".pdf":
        return split_pdf(name, data, lang)
    text = _decode(name, data)
    if suffix == ".csv":
        return split_qa_csv(name, text)
    if suffix == ".txt":
        return split_text(name, text)
    return split_markdown(name, text)


def read_files(paths: Iterable[str | Path], *, max_passages: int, lang: str = DEFAULT
               ) -> tuple[list[Passage], list[str]]:
    """Every file's passages, up to `max_passages` in all; notices (in `lang`) say what was
    left out."""
    paths = list(paths)
    if not paths:
        raise InvalidInput.keyed("knowledge.no_files")
    if len(paths) > MAX_FILES:
        raise InvalidInput.keyed("knowledge.too_many_files", n=MAX_FILES)
    passages: list[Passage] = []
    notices: list[str] = []
    for path in map(Path, paths):
        name = path.name
        if not path.is_file():  # a host's setting may name a file that is not there
            raise InvalidInput.keyed("knowledge.not_found", name=str(path))
        if path.stat().st_size > MAX_FILE_BYTES:
            raise InvalidInput.keyed("knowledge.too_big", name=name, mb=MAX_FILE_BYTES // 2**20)
        found = split_document(name, path.read_bytes(), lang)
        if not found:
            notices.append(say(lang, "knowledge.empty_file", name=name))
        passages.extend(found)
    if len(passages) > max_passages:
        notices.append(say(lang, "knowledge.kept_first", kept=max_passages, total=len(passages)))
        passages = passages[:max_passages]
    if not passages:
        raise InvalidInput.keyed("knowledge.no_text", "knowledge.no_text_hint")
    return passages, notices
