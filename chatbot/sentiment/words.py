"""The words a tweet uses, as a second opinion beside the embeddings classifier.

A 0.5B model's embedding reads Spanish slang and emoji poorly; word and character n-grams catch
"jajaja", "asco" or "😍" directly. The n-grams are hashed into a fixed number of columns, so what is
fitted is numbers only: no word list, and so no tweet, ships with the app. Stacked with the
embeddings classifier it beat either alone: macro-F1 0.64 on the validation split against 0.60
(embeddings) and 0.56 (words); out of fold on train, 0.595 against 0.587 and 0.525.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from chatbot.sentiment.labels import LABELS, Probs, Source, rows_by_label, softmax

BITS = 14  # 2 x 16,384 hashed columns: as good as 2^16 or 2^18 in cross-validation, 4x smaller
WORDS_WEIGHT = 0.3  # the words' share where no stack was fitted (a pool uploaded at run time)
WORDS_C = 1.0
DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "sentiment_words.npz"


@cache
def _vectorizers() -> tuple[Any, Any]:
    """Stateless (hashing), so built once and shared by every prediction."""
    from sklearn.feature_extraction.text import HashingVectorizer

    common = {"n_features": 2 ** BITS, "alternate_sign": False, "norm": None}
    return (HashingVectorizer(analyzer="word", ngram_range=(1, 2), **common),
            HashingVectorizer(analyzer="char_wb", ngram_range=(2, 5), **common))


def _counts(texts: Sequence[str]) -> Any:
    from scipy.sparse import hstack

    return hstack([v.transform(texts) for v in _vectorizers()]).tocsr()


def _tfidf(counts: Any, idf: np.ndarray) -> Any:
    """Sublinear term frequency times idf, each of the two halves scaled to unit length."""
    from sklearn.preprocessing import normalize

    out = counts.astype(np.float64)
    out.data = 1.0 + np.log(out.data)
    out = out.multiply(idf).tocsr()
    half = 2 ** BITS
    return normalize(out[:, :half]), normalize(out[:, half:])


def _features(texts: Sequence[str], idf: np.ndarray) -> Any:
    from scipy.sparse import hstack

    return hstack(_tfidf(_counts(texts), idf)).tocsr()


@dataclass(frozen=True)
class Words:
    """A logistic regression over hashed word and character n-grams (TF-IDF weighted)."""

    idf: np.ndarray  # (2 * 2**BITS,)
    weights: np.ndarray  # (3, 2 * 2**BITS)
    bias: np.ndarray  # (3,)
    source: Source

    def predict(self, text: str) -> Probs:
        scores = _features([text], self.idf) @ self.weights.T + self.bias
        return softmax({label: float(s) for label, s in zip(LABELS, np.ravel(scores),
                                                              strict=True)})

    def to_bytes(self) -> bytes:
        out = io.BytesIO()
        np.savez_compressed(out, idf=self.idf.astype(np.float32),
                            weights=self.weights.astype(np.float32),
                            bias=self.bias.astype(np.float32), source=np.array(str(self.source)))
        return out.getvalue()


def fit_words(texts: Sequence[str], labels: Sequence[str], source: Source,
              c: float = WORDS_C) -> Words:
    """Idf from these texts, then multinomial logistic regression (scikit-learn)."""
    from sklearn.linear_model import LogisticRegression

    counts = _counts(texts)
    seen = np.bincount(counts.indices, minlength=counts.shape[1])
    idf = np.log((1 + len(texts)) / (1 + seen)) + 1.0
    model = LogisticRegression(C=c, max_iter=5000)
    model.fit(_features(texts, idf), [LABELS.index(label) for label in labels])
    return Words(idf, *rows_by_label(model), source)


def load_words(data: bytes) -> Words:
    with np.load(io.BytesIO(data)) as d:
        return Words(d["idf"].astype(np.float64), d["weights"].astype(np.float64),
                     d["bias"].astype(np.float64), str(d["source"]))


@cache
def shipped_words() -> Words | None:
    """Fitted on the train split by bench/fit_sentiment.py; None if the file is not there.
    Read once: it never changes while the app runs."""
    return load_words(DATA_FILE.read_bytes()) if DATA_FILE.exists() else None


@dataclass(frozen=True)
class Stack:
    """How the two opinions are combined: a linear map from both log-probabilities to scores.

    Fitted (stacking) on out-of-fold opinions of the train tweets, it learns how far to trust each
    classifier for each label; without a fit it is a fixed weighted geometric mean.
    """

    weights: np.ndarray  # (3, 6): embeddings' three log-probabilities, then the words'
    bias: np.ndarray  # (3,)

    @classmethod
    def mixing(cls, share: float = WORDS_WEIGHT) -> Stack:
        eye = np.eye(len(LABELS))
        return cls(np.hstack([(1 - share) * eye, share * eye]), np.zeros(len(LABELS)))

    def combine(self, embedded: Probs, words: Probs) -> Probs:
        scores = self.weights @ _logs(embedded, words) + self.bias
        return softmax({label: float(s) for label, s in zip(LABELS, scores, strict=True)})


def _logs(embedded: Probs, words: Probs) -> np.ndarray:
    return np.log(np.maximum([*(embedded[lab] for lab in LABELS),
                              *(words[lab] for lab in LABELS)], 1e-12))


def fit_stack(embedded: Sequence[Probs], words: Sequence[Probs], labels: Sequence[str]
              ) -> Stack:
    """Logistic regression (classes balanced) on the six log-probabilities. On the train tweets
    it held out, any C from 0.1 to 10 gave the same weights to two decimals."""
    from sklearn.linear_model import LogisticRegression

    x = np.array([_logs(e, w) for e, w in zip(embedded, words, strict=True)])
    model = LogisticRegression(C=1.0, class_weight="balanced", max_iter=2000)
    model.fit(x, [LABELS.index(label) for label in labels])
    return Stack(*rows_by_label(model))
