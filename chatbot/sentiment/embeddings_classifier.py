"""The embeddings way (OpenAI cookbook style): embed the tweet, let a linear classifier decide.

The train pool is embedded once and a logistic regression (scikit-learn) is fitted on the vectors;
each new tweet then costs one embeddings call and a dot product. For the embedded model the fitted
weights are shipped (bench/fit_sentiment.py), so no pool is needed to classify; with a pool, its
nearest tweets are shown beside the answer. A second linear classifier over the tweet's words
(words.py) is mixed in: it costs no model call.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from chatbot.client import Backend, LLMClient, Usage
from chatbot.errors import InvalidInput
from chatbot.sentiment.calibration import shipped_data
from chatbot.sentiment.classify import Neighbour, Verdict, clean_tweet
from chatbot.sentiment.labels import LABELS, Probs, Source, best, rows_by_label, softmax
from chatbot.sentiment.pool import Pool, Vectors, cosine, unit_rows
from chatbot.sentiment.words import Stack, Words, fit_words, shipped_words

# What is embedded: the last token's state after this text is what the model would answer from
# (llama.cpp pools the last token for the embedded model), so the classifier reads its judgement.
TEMPLATE = ("Classify the sentiment of this tweet as positive, neutral or negative.\n"
            "Tweet: {tweet}\nSentiment:")
EMBED_BATCH = 32  # the embedded server's: its slots share one context
REMOTE_EMBED_BATCH = 512  # OpenAI or a compatible server: fewer, larger requests (2048 at most)
MAX_VECTOR_BYTES = 128 * 1024 * 1024  # one pool's float32 vectors: 21,845 rows at 1,536 dims
NEIGHBOURS = 5
Step = Callable[[int, int], None]


def embed_text(tweet: str) -> str:
    return TEMPLATE.format(tweet=tweet)


def template_digest() -> str:
    return hashlib.sha256(TEMPLATE.encode()).hexdigest()


def words_digest(words: Words) -> str:
    """Which words classifier a shipped probe's stack was fitted with."""
    digest = hashlib.sha256()
    for part in (words.idf, words.weights, words.bias):
        digest.update(np.ascontiguousarray(part, dtype=np.float32).tobytes())
    return digest.hexdigest()


def embedding_model(backend: Backend, chat_model: str) -> str:
    """OpenAI embeds with its own embedding model; other servers with the model they serve."""
    return "text-embedding-3-small" if backend.kind == "openai" else chat_model


@dataclass(frozen=True)
class Probe:
    """A fitted linear classifier over embeddings: one row of weights per label."""

    weights: np.ndarray  # (3, dimensions)
    bias: np.ndarray  # (3,)
    source: Source
    words: Words | None = None
    stack: Stack = field(default_factory=Stack.mixing)

    def predict(self, vector: Sequence[float]) -> dict[str, float]:
        scores = self.weights @ np.asarray(vector, dtype=np.float64) + self.bias
        return softmax({label: float(s) for label, s in zip(LABELS, scores, strict=True)})

    def opinions(self, vector: Sequence[float], text: str
                 ) -> tuple[Probs, tuple[tuple[str, Probs], ...]]:
        """The mixed probabilities and, when words are mixed in, each opinion on its own."""
        embedded = self.predict(vector)
        if self.words is None:
            return embedded, ()
        words = self.words.predict(text)
        return self.stack.combine(embedded, words), (
            ("embeddings", embedded), ("words", words))


def fit_probe(vectors: Vectors, labels: Sequence[str], source: Source,
              c: float = 30.0) -> Probe:
    """Multinomial logistic regression (scikit-learn), classes balanced, on unit vectors.

    The embedded model's vectors want weak regularisation: in 5-fold cross-validation on the
    3,678 train tweets macro-F1 rose from 0.52 at C=1 to 0.59 at C=300, and fell at C=1000.
    """
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=c, class_weight="balanced", max_iter=5000)
    model.fit(unit_rows(vectors), [LABELS.index(label) for label in labels])
    return Probe(*rows_by_label(model), source)


def choose_c(vectors: Vectors, labels: Sequence[str],
             grid: Sequence[float] = (1.0, 3.0, 10.0, 30.0, 100.0, 300.0), folds: int = 5) -> float:
    """The regularisation with the best macro-F1 in cross-validation on the training tweets
    themselves, so the validation split stays unseen until it is measured."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_score

    x, y = unit_rows(vectors), [LABELS.index(label) for label in labels]
    scores = {c: float(cross_val_score(
        LogisticRegression(C=c, class_weight="balanced", max_iter=5000), x, y, cv=folds,
        scoring="f1_macro").mean()) for c in grid}
    return max(scores, key=lambda c: scores[c])


def shipped_probe(backend: Backend, model: str) -> Probe | None:
    """The weights fitted for the embedded model with this template, if they were shipped."""
    if backend.kind != "local":
        return None
    for entry in shipped_data().get("probes", ()):
        if entry["model"] == model and entry["template_sha256"] == template_digest():
            probe = Probe(np.asarray(entry["weights"], dtype=np.float64),
                          np.asarray(entry["bias"], dtype=np.float64), entry["source"])
            words = shipped_words()
            if words is None or words_digest(words) != entry.get("words_sha256"):
                return probe  # refitted apart from this probe: the stack does not hold
            return replace(probe, words=words, stack=Stack(
                np.asarray(entry["stack_weights"], dtype=np.float64),
                np.asarray(entry["stack_bias"], dtype=np.float64)))
    return None


@dataclass(frozen=True)
class PoolVectors:
    """A pool's unit embeddings (what a probe is fitted on and neighbours are found in)."""

    pool: Pool
    matrix: np.ndarray
    usage: Usage
    cost_usd: float | None
    calls: int


def embed_pool(client: LLMClient, model: str, pool: Pool, step: Step | None = None
               ) -> PoolVectors:
    """Every pool tweet embedded, in batches, with progress; done once per backend and model.

    Each batch becomes float32 rows at once (Python floats would take seven times the memory),
    and a pool whose vectors would pass MAX_VECTOR_BYTES is refused after its first batch."""
    parts: list[np.ndarray] = []
    usage, calls = Usage(), 0
    cost: float | None = 0.0
    total = len(pool.texts)
    batch = EMBED_BATCH if client.backend.kind == "local" else REMOTE_EMBED_BATCH
    for start in range(0, total, batch):
        if step is not None:
            step(start, total)
        out = client.embed([embed_text(t) for t in pool.texts[start:start + batch]], model)
        parts.append(unit_rows(out.vectors))
        usage, calls = usage + out.usage, calls + 1
        cost = None if cost is None or out.cost_usd is None else cost + out.cost_usd
        if start == 0:
            check_vector_size(pool, parts[0].shape[1] if parts[0].ndim == 2 else 0)
    matrix = np.concatenate(parts) if parts else np.zeros((0, 0), dtype=np.float32)
    return PoolVectors(pool, matrix, usage, cost, calls)


def check_vector_size(pool: Pool, dimensions: int) -> None:
    """Refuse a pool whose vectors would not fit in one session's share of memory."""
    need = len(pool.texts) * dimensions * 4
    if need > MAX_VECTOR_BYTES:
        fits = MAX_VECTOR_BYTES // max(1, dimensions * 4)
        raise InvalidInput.keyed("sentiment.pool_too_big", "sentiment.use_at_most",
                                 name=pool.name, n=len(pool.texts), dimensions=dimensions,
                                 mb=need // 2**20, most=MAX_VECTOR_BYTES // 2**20, fits=fits)


def nearest(vectors: PoolVectors, vector: Sequence[float], k: int = NEIGHBOURS
            ) -> tuple[Neighbour, ...]:
    sims = cosine(vectors.matrix, vector)
    top = np.argsort(-sims, kind="stable")[:k]
    return tuple(Neighbour(vectors.pool.texts[i], vectors.pool.labels[i], float(sims[i]))
                 for i in top)


def classify_embedded(client: LLMClient, model: str, probe: Probe, tweet: str,
                      vectors: PoolVectors | None = None) -> Verdict:
    """One embeddings call; the probe's probabilities are already calibrated (fitted on labels)."""
    text, notices = clean_tweet(tweet)
    start = time.monotonic()
    out = client.embed([embed_text(text)], model)
    vector = unit_rows(out.vectors)[0]
    probs, parts = probe.opinions(vector, text)
    near = nearest(vectors, vector) if vectors is not None else ()
    return Verdict(text, best(probs), probs, None, "", out.usage, out.cost_usd,
                   time.monotonic() - start, 1, True, neighbours=near, parts=parts,
                   notices=notices)


def out_of_fold(matrix: np.ndarray, texts: Sequence[str], labels: Sequence[str], c: float,
                folds: int = 5) -> tuple[list[Probs], list[Probs]]:
    """Each tweet's two opinions from classifiers fitted on the other folds: what a stack is
    fitted on, so it learns how the classifiers do on tweets they never saw."""
    from sklearn.model_selection import StratifiedKFold

    embedded: dict[int, Probs] = {}
    words: dict[int, Probs] = {}
    for fit_at, held in StratifiedKFold(folds, shuffle=True, random_state=0).split(matrix, labels):
        part = [labels[i] for i in fit_at]
        probe = fit_probe(matrix[fit_at], part, "", c=c)
        lexical = fit_words([texts[i] for i in fit_at], part, "")
        for i in held:
            embedded[int(i)] = probe.predict(matrix[i])
            words[int(i)] = lexical.predict(texts[i])
    return [embedded[i] for i in range(len(texts))], [words[i] for i in range(len(texts))]
