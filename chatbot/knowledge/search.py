"""Lexical search over passages (Okapi BM25): offline, instant, needs no model.

Words are compared lower-case, without accents, without the commonest Spanish and English words,
and with a crude plural/suffix fold ("préstamos" finds "préstamo"), so a question in everyday words
finds the passage that uses them. The passage's file and section count as its words too, the section more.
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
    """A light fold of plurals and common endings; enough for matching, not linguistics."""
    for suffix in ("iones", "ion", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def terms(text: str) -> list[str]:
    return [stem(w) for w in _WORD.findall(fold(text)) if w not in STOPWORDS and len(w) > 1]


@dataclass(frozen=True)
class Hit:
    passage: Passage
    score: float
    matched: tuple[str, ...]  # the question's words this passage contains


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

    def search(self, query: str, k: int = 4) -> list[Hit]:
        """The `k` best passages with a score above zero, best first."""
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
        return hits[:k]
