"""A pool of labelled tweets the user points to (a CSV with text and label columns).

The similar-examples mode picks each tweet's few-shot examples from it, and the embeddings mode
shows its nearest tweets. The app ships no tweets: the pool is read at run time from the file given
(`--pool` on the command line, CHATBOT_SENTIMENT_POOL or an upload in the tab).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, overload

import numpy as np

from chatbot.errors import InvalidInput
from chatbot.sentiment.inputs import clip, find_column, read_table, read_upload, text_column
from chatbot.sentiment.labels import LABELS, label_of
from chatbot.sentiment.prompt import Example

LABEL_COLUMNS = ("label", "sentiment", "sentimiento", "etiqueta")
SHOTS_PER_LABEL = 2


class _Packed(Sequence[str]):
    """Rows kept in arrays and read back one `str` at a time; hashable, so a pool can key the
    session's cache of its vectors."""

    _hash: int

    def _one(self, i: int) -> str:
        raise NotImplementedError

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[str, ...]: ...

    def __getitem__(self, index: int | slice) -> str | tuple[str, ...]:
        if isinstance(index, slice):
            return tuple(self._one(i) for i in range(*index.indices(len(self))))
        if not -len(self) <= index < len(self):
            raise IndexError(index)
        return self._one(int(index) % len(self))

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Sequence) and len(self) == len(other)
                and tuple(self) == tuple(other))


class PackedTexts(_Packed):
    """Many short texts as one UTF-8 buffer and an offsets array. A Python string per tweet
    costs ~50 bytes of header on ~90 of text, and one emoji makes a joined `str` four bytes a
    character: packed, a 5 MB pool takes ~5 MB of memory in each session that uploads it."""

    def __init__(self, texts: Iterable[str]) -> None:
        encoded = [t.encode("utf-8", "surrogatepass") for t in texts]
        self._blob = b"".join(encoded)
        self._ends = np.cumsum([len(b) for b in encoded], dtype=np.int64)
        self._hash = hash(self._blob) ^ hash(self._ends.tobytes())

    def __len__(self) -> int:
        return len(self._ends)

    @property
    def nbytes(self) -> int:
        return len(self._blob) + int(self._ends.nbytes)

    def _one(self, i: int) -> str:
        start = int(self._ends[i - 1]) if i else 0
        return self._blob[start:int(self._ends[i])].decode("utf-8", "surrogatepass")


class PackedLabels(_Packed):
    """One byte per row: the index of its label in LABELS."""

    def __init__(self, labels: Iterable[str]) -> None:
        self._codes = np.fromiter((LABELS.index(label) for label in labels), dtype=np.uint8)
        self._hash = hash(self._codes.tobytes())

    def __len__(self) -> int:
        return len(self._codes)

    @property
    def nbytes(self) -> int:
        return int(self._codes.nbytes)

    def _one(self, i: int) -> str:
        return LABELS[int(self._codes[i])]

    def count(self, value: Any) -> int:
        return int(np.count_nonzero(self._codes == LABELS.index(value))) if value in LABELS else 0


@dataclass(frozen=True)
class Pool:
    """Labelled tweets, in file order, and the file's name (to say where examples came from)."""

    texts: Sequence[str]
    labels: Sequence[str]
    name: str
    skipped: int = 0


def parse_pool(data: bytes, name: str) -> Pool:
    """Rows with a text and a known label; rows with another label are counted, not kept."""
    rows = read_table(data, name)
    text_at = text_column(rows[0], name)
    label_at = find_column(rows[0], LABEL_COLUMNS)
    if label_at is None:
        raise InvalidInput.keyed("sentiment.no_label_column", "sentiment.pool_columns", name=name)
    texts: list[str] = []
    labels: list[str] = []
    for row in rows[1:]:
        text = clip(row[text_at])[0] if text_at < len(row) else ""
        label = label_of(row[label_at]) if label_at < len(row) else None
        if text and label is not None:
            texts.append(text)
            labels.append(label)
    missing = [label for label in LABELS if label not in labels]
    if missing:
        raise InvalidInput.keyed("sentiment.no_examples_of", name=name, labels=", ".join(missing))
    return Pool(PackedTexts(texts), PackedLabels(labels), name, len(rows) - 1 - len(texts))


def load_pool(path: str | Path) -> Pool:
    data, name = read_upload(path)
    return parse_pool(data, name)


class LexicalIndex:
    """Character n-gram TF-IDF (scikit-learn): close spellings and shared words score high in
    English and Spanish alike, with no model call."""

    def __init__(self, texts: Sequence[str]) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        self._vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4),
                                           sublinear_tf=True, lowercase=True)
        self._matrix: Any = self._vectorizer.fit_transform(texts)

    def similarities(self, text: str) -> np.ndarray:
        query = self._vectorizer.transform([text])
        return np.asarray((self._matrix @ query.T).toarray()).ravel()


Vectors = np.ndarray | Sequence[Sequence[float]]


def unit_rows(vectors: Vectors) -> np.ndarray:
    matrix = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1, norms)


def cosine(matrix: np.ndarray, vector: Sequence[float]) -> np.ndarray:
    """Similarity of one vector to each row of an already unit-normalised matrix."""
    return matrix @ unit_rows([vector])[0]


def balanced(similarity: np.ndarray, labels: Sequence[str],
             per_label: int = SHOTS_PER_LABEL) -> list[int]:
    """The `per_label` most similar rows of each label, least similar first.

    As many examples of each label, so the shots do not tilt the model towards one; the closest
    example goes last, nearest the tweet, where a small model pays it most attention.
    """
    order = np.argsort(-similarity, kind="stable")
    chosen: list[int] = []
    for label in LABELS:
        chosen += [int(i) for i in order if labels[i] == label][:per_label]
    return sorted(chosen, key=lambda i: similarity[i])


def examples_for(pool: Pool, similarity: np.ndarray,
                 per_label: int = SHOTS_PER_LABEL) -> tuple[Example, ...]:
    return tuple((pool.texts[i], pool.labels[i])
                 for i in balanced(similarity, pool.labels, per_label))
