"""Search by meaning: the student's passages embedded once when loaded, each question at its turn.

Lexical search cannot find "Los fines de semana, de 10:00 a 20:00" for "¿A qué hora abrís los
sábados?": they share no word. Embeddings can, so where the backend has them the nearest
passages by meaning join the lexical ranking (`search.Index.search(near=...)`). Where it has
none (a server without the endpoint, a host that does not allow the embedding model), every call
here returns nothing and the search stays lexical, silently: the app works the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from chatbot.client import Backend, LLMClient
from chatbot.errors import ChatbotError
from chatbot.knowledge.passages import Passage

# The embedded model pools the last token (llama.cpp), so a text is embedded inside a prompt
# whose last token must sum it up ("PromptEOL"). Measured on docs/knowledge.md's question sets,
# the bare text ranked the right passage first 10 times in 26, this template 23.
LAST_TOKEN_TEMPLATE = 'This sentence : "{text}" means in one word:"'
BATCH = 8  # texts per request: the embedded server's few slots share one small context
MAX_EMBEDDED = 1000  # passages embedded per load; beyond, the search stays lexical
MAX_EMBEDDED_HOSTED = 100  # a public Space's one embeddings server is shared by every visitor
NEAR = 4  # passages, nearest by meaning, that join the lexical ranking


def embedding_model(backend: Backend, chat_model: str) -> str:
    """OpenAI embeds with its own embedding model; other servers with the model they serve."""
    return "text-embedding-3-small" if backend.kind == "openai" else chat_model


def _template(backend: Backend) -> str:
    return LAST_TOKEN_TEMPLATE if backend.kind == "local" else "{text}"


def _unit(rows: Sequence[Sequence[float]]) -> np.ndarray:
    matrix = np.asarray(rows, dtype=np.float64)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1, norms)


@dataclass(frozen=True, eq=False)
class Vectors:
    """The documents' passages as unit vectors, and how they were made (so a question is
    embedded the same way)."""

    passages: tuple[Passage, ...]
    matrix: np.ndarray  # one unit row per passage
    model: str
    template: str

    def nearest(self, client: LLMClient, question: str, k: int = NEAR
                ) -> tuple[tuple[Passage, float], ...]:
        """The `k` passages nearest the question, each with its cosine similarity to it; none if
        the backend cannot embed it now."""
        try:
            got = client.embed([self.template.format(text=question)], self.model)
        except ChatbotError:
            return ()
        similarity = self.matrix @ _unit(got.vectors)[0]
        return tuple((self.passages[i], float(similarity[i]))
                     for i in np.argsort(-similarity)[:k])


def passage_text(passage: Passage) -> str:
    """What is embedded: the section says what the passage is about, as for lexical search."""
    return f"{passage.section}\n{passage.text}" if passage.section else passage.text


def embed_passages(client: LLMClient, chat_model: str, passages: Sequence[Passage], *,
                   hosted: bool) -> Vectors | None:
    """The passages' vectors; None when there are too many to embed, or the backend has no
    embeddings (the search then stays lexical)."""
    if not passages or len(passages) > (MAX_EMBEDDED_HOSTED if hosted else MAX_EMBEDDED):
        return None
    model = embedding_model(client.backend, chat_model)
    template = _template(client.backend)
    rows: list[tuple[float, ...]] = []
    try:
        for first in range(0, len(passages), BATCH):
            batch = passages[first:first + BATCH]
            rows += client.embed([template.format(text=passage_text(p)) for p in batch],
                                 model).vectors
    except ChatbotError:
        return None
    return Vectors(tuple(passages), _unit(rows), model, template)
