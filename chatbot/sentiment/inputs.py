"""Turn what a user pastes or uploads into a bounded list of tweets for the Sentiment tab.

Kept apart from the model code so every odd input (binary files, a BOM, semicolons, a 200 KB paste)
can be tested on real bytes without a server.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from chatbot.errors import InvalidInput
from chatbot.i18n import Msg

MAX_TWEETS = 100  # a batch stays within a minute or two on the embedded model
MAX_CHARS = 1000  # a tweet is at most 280 characters; longer lines are cut, not refused
MAX_FILE_BYTES = 5 * 1024 * 1024
TEXT_COLUMNS = ("text", "tweet", "texto", "tweet_text", "content", "contenido")
_DELIMITERS = ",;\t|"


@dataclass(frozen=True)
class Batch:
    """The tweets to classify, plus notices about what was cut, to show next to the table."""

    tweets: tuple[str, ...]
    notices: tuple[Msg, ...] = ()


def clip(text: str, limit: int = MAX_CHARS) -> tuple[str, bool]:
    """One tweet, whitespace-normalised and cut to `limit` characters; says whether it was cut."""
    clean = " ".join(text.split())
    if len(clean) <= limit:
        return clean, False
    return clean[:limit].rstrip() + "…", True


def _bounded(lines: list[str], source: Msg, limit: int) -> Batch:
    tweets: list[str] = []
    cut = 0
    for line in lines:
        tweet, was_cut = clip(line)
        if tweet:
            tweets.append(tweet)
            cut += was_cut
    if not tweets:
        raise InvalidInput.keyed("sentiment.no_tweet_in", "sentiment.one_per_line_hint", source=source)
    notices: list[Msg] = []
    if len(tweets) > limit:
        notices.append(Msg("sentiment.only_first", limit=limit, n=len(tweets)))
        tweets = tweets[:limit]
    if cut:
        notices.append(Msg("sentiment.tweets_cut", n=cut, most=MAX_CHARS))
    return Batch(tuple(tweets), tuple(notices))


def from_paste(text: str | None, limit: int = MAX_TWEETS) -> Batch:
    """One tweet per non-empty line."""
    return _bounded((text or "").splitlines(), Msg("sentiment.the_pasted_text"), limit)


def _binary(name: str) -> InvalidInput:
    return InvalidInput.keyed("sentiment.binary", "sentiment.export_csv", name=name)


def _decode(data: bytes, name: str) -> str:
    if b"\x00" in data[:8192]:
        raise _binary(name)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            # Excel on Windows saves "CSV" as cp1252; accept it when every byte maps to a character.
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise _binary(name) from None
    sample = text[:8192]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\r\n")
    if controls > len(sample) // 100:
        raise _binary(name)
    return text


def _delimiter(text: str) -> str:
    """Chosen from the header line alone: tweets are full of commas, the header is not.

    A header without any delimiter is a one-column file; the unit separator then keeps each line
    whole while quotes are still honoured.
    """
    header = text.lstrip().split("\n", 1)[0]
    counts = {d: header.count(d) for d in _DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else "\x1f"


def find_column(header: list[str], wanted_names: tuple[str, ...] = TEXT_COLUMNS
                ) -> int | None:
    """The index of the first wanted column (text, tweet, texto…) whatever the case and spacing."""
    names = [h.strip().strip('"').lower() for h in header]
    for wanted in wanted_names:
        if wanted in names:
            return names.index(wanted)
    return None


def read_table(data: bytes, name: str = "CSV") -> list[list[str]]:
    """The non-empty rows of an uploaded CSV (any delimiter), header first; clear errors."""
    if not data.strip():
        raise InvalidInput.keyed("sentiment.file_empty", name=name)
    if len(data) > MAX_FILE_BYTES:
        raise InvalidInput.keyed("sentiment.file_too_big", name=name, kb=len(data) // 1024,
                                 most=MAX_FILE_BYTES // 1024 // 1024)
    text = _decode(data, name)
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text), strict=True))
    except csv.Error as exc:
        raise InvalidInput.keyed("sentiment.bad_csv", "sentiment.check_quotes", name=name,
                                 why=exc) from None
    rows = [r for r in rows if any(cell.strip() for cell in r)]
    if not rows:
        raise InvalidInput.keyed("sentiment.file_empty", name=name)
    return rows


def text_column(header: list[str], name: str) -> int:
    """The tweet column's index, or an error that lists the columns the file has."""
    column = find_column(header)
    if column is None:
        found = ", ".join(repr(h.strip()) for h in header if h.strip()) or "—"
        raise InvalidInput.keyed("sentiment.no_text_column", "sentiment.rename_column",
                                 name=name, found=found)
    return column


def from_csv(data: bytes, name: str = "CSV", limit: int = MAX_TWEETS) -> Batch:
    """Tweets from an uploaded CSV with a column named text, tweet or texto (any delimiter)."""
    rows = read_table(data, name)
    column = text_column(rows[0], name)
    cells = [r[column] if column < len(r) else "" for r in rows[1:]]
    return _bounded(cells, Msg("sentiment.the_column", name=rows[0][column].strip()), limit)


def read_upload(path: str | Path) -> tuple[bytes, str]:
    """The uploaded file's bytes (at most one byte over the limit, so size is checked unread)."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            return fh.read(MAX_FILE_BYTES + 1), path.name
    except OSError as exc:
        raise InvalidInput.keyed("sentiment.cannot_read_upload", name=path.name,
                                 why=exc.strerror) from None


def gather(paste: str | None, data: bytes | None, name: str = "CSV",
           limit: int = MAX_TWEETS) -> Batch:
    """Pasted tweets first, then the CSV's; one cap for both."""
    has_paste = bool((paste or "").strip())
    if not has_paste and data is None:
        raise InvalidInput.keyed("sentiment.paste_or_upload")
    pasted = from_paste(paste, limit) if has_paste else Batch(())
    if data is None:
        return pasted
    uploaded = from_csv(data, name, limit)
    tweets = pasted.tweets + uploaded.tweets
    notices = pasted.notices + uploaded.notices
    if len(tweets) > limit:
        notices += (Msg("sentiment.per_batch", limit=limit),)
        tweets = tweets[:limit]
    return Batch(tweets, notices)
