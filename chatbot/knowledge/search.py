"""Lexical search over passages (Okapi BM25): offline, instant, needs no model.

Words are compared lower-case, without accents, without the commonest Spanish and English words,
and with a crude plural/suffix fold ("préstamos" finds "préstamo", "coste" "costes"), so a question
in everyday words finds the passage that uses them. The passage's file and section count as its
words too, the section more. Passages found by meaning (`meaning.py`, where the backend has
embeddings) join the ranking by reciprocal rank fusion.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from chatbot.knowledge.passages import Passage

K1, B = 1.5, 0.75
RRF_K = 60  # reciprocal rank fusion's usual constant: a rank's weight is 1 / (RRF_K + rank)
SECTION_WEIGHT = 3
_COMMON = """
a al algo alguna algun como con cual cuales cuando cuanto cuanta de del donde el ella ellos en
entre era es esa ese eso esta este esto estos estas fue ha hay la las le les lo los mas me mi mis
muy no nos o para pero por que quien se ser si sin sobre son su sus tal te tiene tu tus un una
uno unos unas y ya yo hace puedo puede quiero saber dime
the an and are as at be by can do does for from has have how i if in into is it its me my of on
or so that the their them there these they this to was what when where which who why will with
you your tell know
"""
STOPWORDS = frozenset(_COMMON.split())
_WORD = re.compile(r"\w+")


def fold(text: str) -> str:
    """Lower case without accents: "Qué" and "que" are the same word to a student typing fast."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def stem(word: str) -> str:
    """A light fold of plurals and a final vowel ("llamo"/"llama", "coste"/"costes"); enough for
    matching, not linguistics. Folding the vowel too put the right passage first for one more
    question in 32 of docs/knowledge.md's sets, and found the pack's costs for "coste"."""
    for suffix in ("iones", "ion", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            word = word[: -len(suffix)]
            break
    return word[:-1] if len(word) > 4 and word[-1] in "aeo" else word


def terms(text: str) -> list[str]:
    return [stem(w) for w in _WORD.findall(fold(text)) if w not in STOPWORDS and len(w) > 1]


@dataclass(frozen=True)
class Hit:
    passage: Passage
    score: float  # BM25; 0 for a passage found only by meaning
    matched: tuple[str, ...]  # the question's words this passage contains
    near: int = 0  # its rank by meaning (1 = nearest), 0 when not among the nearest


class Index:
    """BM25 statistics of a fixed list of passages; built in milliseconds, searched in less."""

    def __init__(self, passages: Sequence[Passage]) -> None:
        self.passages = tuple(passages)
        # A heading says what its section is about: its words count SECTION_WEIGHT times.
        self._docs = [Counter(terms(f"{p.file} {p.text} " + f"{p.section} " * SECTION_WEIGHT))
                      for p in self.passages]
        self._lengths = [sum(d.values()) for d in self._docs]
        self._avg = (sum(self._lengths) / len(self._docs)) if self._docs else 0.0
        frequency: Counter[str] = Counter()
        for doc in self._docs:
            frequency.update(doc.keys())
        n = len(self._docs)
        self._idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in frequency.items()}

    def __len__(self) -> int:
        return len(self.passages)

    def search(self, query: str, k: int = 4, near: Sequence[Passage] = ()) -> list[Hit]:
        """The `k` best passages with a score above zero, best first; with `near` (passages
        ranked by meaning), both rankings fused, so a passage sharing no word can come first."""
        hits = self._lexical(query)
        if not near:
            return hits[:k]
        rank = {p: i for i, p in enumerate(near, 1)}
        lexical = {h.passage: i for i, h in enumerate(hits, 1)}
        mine = set(self.passages)
        fused = [Hit(h.passage, h.score, h.matched, rank.get(h.passage, 0)) for h in hits]
        fused += [Hit(p, 0.0, (), r) for p, r in rank.items() if p in mine and p not in lexical]

        def weight(hit: Hit) -> float:
            ranks = (lexical.get(hit.passage, 0), hit.near)
            return sum(1 / (RRF_K + r) for r in ranks if r)

        return sorted(fused, key=lambda h: -weight(h))[:k]

    def _lexical(self, query: str) -> list[Hit]:
        wanted = list(dict.fromkeys(terms(query)))
        hits = []
        for passage, doc, length in zip(self.passages, self._docs, self._lengths, strict=True):
            score, matched = 0.0, []
            for term in wanted:
                tf = doc.get(term, 0)
                if tf:
                    norm = K1 * (1 - B + B * length / (self._avg or 1))
                    score += self._idf[term] * tf * (K1 + 1) / (tf + norm)
                    matched.append(term)
            if score > 0:
                hits.append(Hit(passage, score, tuple(matched)))
        hits.sort(key=lambda h: -h.score)
        return hits
