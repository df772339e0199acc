"""A pool of labelled tweets the user points to (a CSV with text and label columns).

The similar-examples mode picks each tweet's few-shot examples from it, and the embeddings mode
shows its nearest tweets. The app ships no tweets: the pool is read at run time from the file given
(`--pool` on the command line, CHATBOT_SENTIMENT_POOL or an upload in the tab).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from chatbot.errors import InvalidInput
from chatbot.sentiment.inputs import clip, find_column, read_table, read_upload, text_column
from chatbot.sentiment.labels import LABELS, label_of
from chatbot.sentiment.prompt import Example

LABEL_COLUMNS = ("label", "sentiment", "sentimiento", "etiqueta")
SHOTS_PER_LABEL = 2


@dataclass(frozen=True)
class Pool:
    """Labelled tweets, in file order, and the file's name (to say where examples came from)."""

    texts: tuple[str, ...]
    labels: tuple[str, ...]
    name: str
    skipped: int = 0


def parse_pool(data: bytes, name: str) -> Pool:
    """Rows with a text and a known label; rows with another label are counted, not kept."""
    rows = read_table(data, name)
    text_at = text_column(rows[0], name)
    label_at = find_column(rows[0], LABEL_COLUMNS)
    if label_at is None:
        raise InvalidInput(f"'{name}' no tiene columna label. / '{name}' has no label column.",
                           hint="Columnas / columns: text,label (positive, neutral, negative).")
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
        raise InvalidInput(f"'{name}' no tiene ejemplos de / has no examples of: "
                           f"{', '.join(missing)}.")
    return Pool(tuple(texts), tuple(labels), name, len(rows) - 1 - len(texts))


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
