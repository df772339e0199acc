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

MAX_TWEETS = 100  # a batch stays within a minute or two on the embedded model
MAX_CHARS = 1000  # a tweet is at most 280 characters; longer lines are cut, not refused
MAX_FILE_BYTES = 5 * 1024 * 1024
TEXT_COLUMNS = ("text", "tweet", "texto", "tweet_text", "content", "contenido")
_DELIMITERS = ",;\t|"


@dataclass(frozen=True)
class Batch:
    """The tweets to classify, plus notices about what was cut, to show next to the table."""

    tweets: tuple[str, ...]
    notices: tuple[str, ...] = ()


def clip(text: str, limit: int = MAX_CHARS) -> tuple[str, bool]:
    """One tweet, whitespace-normalised and cut to `limit` characters; says whether it was cut."""
    clean = " ".join(text.split())
    if len(clean) <= limit:
        return clean, False
    return clean[:limit].rstrip() + "…", True


def _bounded(lines: list[str], source: str, limit: int) -> Batch:
    tweets: list[str] = []
    cut = 0
    for line in lines:
        tweet, was_cut = clip(line)
        if tweet:
            tweets.append(tweet)
            cut += was_cut
    if not tweets:
        raise InvalidInput(
            f"No hay ningún tweet en {source}. / There is no tweet in {source}.",
            hint="Escribe un tweet por línea o sube un CSV con una columna de texto. / "
                 "Write one tweet per line or upload a CSV with a text column.",
        )
    notices: list[str] = []
    if len(tweets) > limit:
        notices.append(
            f"Solo clasifico los primeros {limit} de {len(tweets)} tweets; divide el resto en "
            f"otros lotes. / Only the first {limit} of {len(tweets)} tweets are classified; "
            f"split the rest into further batches."
        )
        tweets = tweets[:limit]
    if cut:
        notices.append(
            f"{cut} tweet(s) de más de {MAX_CHARS} caracteres se han recortado. / "
            f"{cut} tweet(s) longer than {MAX_CHARS} characters were cut."
        )
    return Batch(tuple(tweets), tuple(notices))


def from_paste(text: str | None, limit: int = MAX_TWEETS) -> Batch:
    """One tweet per non-empty line."""
    return _bounded((text or "").splitlines(), "el texto pegado / the pasted text", limit)


def _binary(name: str) -> InvalidInput:
    return InvalidInput(
        f"'{name}' parece un fichero binario, no un CSV. / '{name}' looks like a binary file, "
        f"not a CSV.",
        hint="Exporta la hoja como CSV (texto, UTF-8). / Export the sheet as CSV (text, UTF-8).",
    )


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
        raise InvalidInput(f"'{name}' está vacío. / '{name}' is empty.")
    if len(data) > MAX_FILE_BYTES:
        raise InvalidInput(
            f"'{name}' pesa {len(data) // 1024} KB; el máximo es {MAX_FILE_BYTES // 1024 // 1024} "
            f"MB. / '{name}' is {len(data) // 1024} KB; the limit is "
            f"{MAX_FILE_BYTES // 1024 // 1024} MB."
        )
    text = _decode(data, name)
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text), strict=True))
    except csv.Error as exc:
        raise InvalidInput(
            f"'{name}' no es un CSV válido / is not a valid CSV: {exc}.",
            hint="Revisa las comillas del fichero. / Check the file's quotes.",
        ) from None
    rows = [r for r in rows if any(cell.strip() for cell in r)]
    if not rows:
        raise InvalidInput(f"'{name}' está vacío. / '{name}' is empty.")
    return rows


def text_column(header: list[str], name: str) -> int:
    """The tweet column's index, or an error that lists the columns the file has."""
    column = find_column(header)
    if column is None:
        found = ", ".join(repr(h.strip()) for h in header if h.strip()) or "—"
        raise InvalidInput(
            f"'{name}' no tiene una columna text, tweet o texto; sus columnas son: {found}. / "
            f"'{name}' has no text, tweet or texto column; its columns are: {found}.",
            hint="Renombra la columna de los tweets a 'text'. / Rename the tweets column to "
                 "'text'.",
        )
    return column


def from_csv(data: bytes, name: str = "CSV", limit: int = MAX_TWEETS) -> Batch:
    """Tweets from an uploaded CSV with a column named text, tweet or texto (any delimiter)."""
    rows = read_table(data, name)
    column = text_column(rows[0], name)
    cells = [r[column] if column < len(r) else "" for r in rows[1:]]
    return _bounded(cells, f"la columna '{rows[0][column].strip()}' / column "
                           f"'{rows[0][column].strip()}'", limit)


def read_upload(path: str | Path) -> tuple[bytes, str]:
    """The uploaded file's bytes (at most one byte over the limit, so size is checked unread)."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            return fh.read(MAX_FILE_BYTES + 1), path.name
    except OSError as exc:
        raise InvalidInput(f"No puedo leer el fichero subido / Cannot read the uploaded file "
                           f"'{path.name}': {exc.strerror}.") from None


def gather(paste: str | None, data: bytes | None, name: str = "CSV",
           limit: int = MAX_TWEETS) -> Batch:
    """Pasted tweets first, then the CSV's; one cap for both."""
    has_paste = bool((paste or "").strip())
    if not has_paste and data is None:
        raise InvalidInput(
            "Pega tweets (uno por línea) o sube un CSV. / Paste tweets (one per line) or upload "
            "a CSV.")
    pasted = from_paste(paste, limit) if has_paste else Batch(())
    if data is None:
        return pasted
    uploaded = from_csv(data, name, limit)
    tweets = pasted.tweets + uploaded.tweets
    notices = pasted.notices + uploaded.notices
    if len(tweets) > limit:
        notices += (f"Solo clasifico {limit} tweets por lote; el resto del CSV queda fuera. / "
                    f"Only {limit} tweets are classified per batch; the rest of the CSV is left "
                    f"out.",)
        tweets = tweets[:limit]
    return Batch(tweets, notices)
