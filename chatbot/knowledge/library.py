"""One session's knowledge: the student's files and the course pack, searched for each turn.

Kept in the session (a `gr.State`, a Telegram chat), never in a module global: one student's
documents are never searched for another.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from chatbot.chat import context_budget
from chatbot.context import AppContext, Session
from chatbot.errors import ChatbotError
from chatbot.i18n import DEFAULT, say
from chatbot.knowledge.grounding import Grounding, ground, merged
from chatbot.knowledge.meaning import Vectors, embed_passages
from chatbot.knowledge.pack import concept, course_pack, native, on_topic
from chatbot.knowledge.passages import Passage, read_files
from chatbot.knowledge.search import Hit, Index
from chatbot.models import token_count as tokens
from chatbot.money import billing

MAX_PASSAGES = 3000
MAX_PASSAGES_HOSTED = 300  # a public Space holds every visitor's documents in its memory
MAX_CONTEXT_TOKENS = 1200  # knowledge never takes more than this, nor half the prompt's room


@dataclass(frozen=True)
class Library:
    """The student's loaded documents (None: none loaded), whether the course pack is on, and
    the documents' vectors when the backend could embed them (the pack is searched by words)."""

    documents: Index | None = None
    pack: bool = True
    vectors: Vectors | None = None

    @cached_property
    def index(self) -> Index:
        """Built once per (documents, pack) choice; a toggle makes a new Library."""
        return merged(self.documents, course_pack() if self.pack else None)

    @property
    def files(self) -> tuple[str, ...]:
        docs = self.documents.passages if self.documents else ()
        return tuple(dict.fromkeys(p.file for p in docs))


def load(paths: Iterable[str | Path], *, hosted: bool, lang: str = DEFAULT
         ) -> tuple[Index, list[str]]:
    """The files' passages, indexed; notices (in `lang`) say what was left out."""
    passages, notices = read_files(paths, max_passages=MAX_PASSAGES_HOSTED if hosted
                                   else MAX_PASSAGES, lang=lang)
    return Index(passages), notices


def embed(ctx: AppContext, session: Session, documents: Index) -> Vectors | None:
    """The documents' vectors on this session's backend, bounded in hosted mode; None (search by
    words alone) when it has no embeddings."""
    try:
        client = ctx.embeddings_client(session)
    except ChatbotError:
        return None
    return embed_passages(client, ctx.model_for(session), documents.passages,
                          hosted=ctx.settings.hosted)


def near(ctx: AppContext, session: Session, library: Library, message: str
         ) -> tuple[Passage, ...]:
    """The documents' passages nearest the message by meaning; none without vectors."""
    if library.vectors is None or library.documents is None:
        return ()
    try:
        client = ctx.embeddings_client(session)
    except ChatbotError:
        return ()
    return tuple(passage for passage, _similarity in library.vectors.nearest(client, message))


def summary(library: Library, lang: str = DEFAULT) -> str:
    """One line saying what the bot knows."""
    docs = library.documents
    parts = []
    if docs is not None:
        parts.append(say(lang, "knowledge.summary_docs", n=len(docs),
                         files=", ".join(library.files)))
    if library.pack:
        parts.append(say(lang, "knowledge.summary_pack", n=len(course_pack())))
    return " · ".join(parts) or say(lang, "knowledge.summary_none")


def context_budget_for(ctx: AppContext, session: Session, max_tokens: int) -> int:
    return min(MAX_CONTEXT_TOKENS, context_budget(ctx, session, ctx.model_for(session),
                                                  max_tokens) // 2)


def for_turn(ctx: AppContext, session: Session, library: Library, message: str,
             system_prompt: str, max_tokens: int, k: int | None = None) -> Grounding:
    """The passages for this message, in the system prompt, counted on the session's model."""
    return _grounded(ctx, session, library, message, system_prompt, max_tokens, k,
                     near(ctx, session, library, message))


def retrieval(ctx: AppContext, session: Session, library: Library, message: str,
              max_tokens: int, shown: int) -> tuple[Grounding, list[Hit]]:
    """What a turn would be given for the message, and the search's `shown` best passages (the
    runners-up too), with the message embedded once for both."""
    nearby = near(ctx, session, library, message)
    return (_grounded(ctx, session, library, message, "", max_tokens, None, nearby),
            library.index.search(message, shown, nearby))


def _grounded(ctx: AppContext, session: Session, library: Library, message: str,
              system_prompt: str, max_tokens: int, k: int | None,
              nearby: tuple[Passage, ...]) -> Grounding:
    info = ctx.catalog.get(ctx.model_for(session))

    def count(text: str) -> int:
        return tokens.count_prompt(ctx.catalog, info, text).tokens

    extra = {} if k is None else {"k": k}
    return ground(library.index, message, system_prompt, count,
                  context_budget_for(ctx, session, max_tokens), keep=on_topic, same=concept,
                  prefer=native(session.lang), lang=session.lang, near=nearby, **extra)


def context_line(ctx: AppContext, session: Session, grounding: Grounding) -> str:
    """What the added passages cost in this turn's prompt."""
    if not grounding.used:
        return say(session.lang, "knowledge.no_match")
    model = ctx.model_for(session)
    free = ctx.backend_kind(session) == "local"
    cost = 0.0 if free else billing.cost(ctx.catalog, model, grounding.tokens, 0)
    return say(session.lang, "knowledge.context_line", n=len(grounding.used),
               tokens=grounding.tokens, cost=billing.format_usd(cost))


def search_text(ctx: AppContext, session: Session, library: Library, query: str, k: int = 3
                ) -> str:
    """The search tool's result, in the session's language: the best passages by words and by
    meaning (as a turn searches), with their file and section."""
    hits = library.index.search(query, k, near(ctx, session, library, query))
    if not hits:
        return say(session.lang, "knowledge.nothing_found")
    return "\n\n".join(f"[{h.passage.label}] {h.passage.text}" for h in hits)
