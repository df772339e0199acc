"""One tweet or a batch, by the chosen method, for the tab and the command line alike.

What a method needs (a calibration, a pool's vectors, a fitted probe) is resolved once per click
or batch and kept: calibrations, facts about a model, per process (`AppContext.priors`, bounded)
and in the returned dict for the session; a pool's vectors and the classifier fitted on them in
the session's own `Fitted` cache, bounded by bytes and dropped with the session.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass, replace
from typing import Any

from chatbot.client import Backend, LLMClient, Usage
from chatbot.context import AppContext, Session
from chatbot.errors import ChatbotError, InvalidInput
from chatbot.i18n import Msg
from chatbot.policy.lru import ByteLRU
from chatbot.sentiment.calibration import Calibration
from chatbot.sentiment.classify import Step, Verdict, calibration_for, classify
from chatbot.sentiment.embeddings_classifier import (
    PoolVectors,
    Probe,
    classify_embedded,
    embed_pool,
    embedding_model,
    fit_probe,
    shipped_probe,
)
from chatbot.sentiment.inputs import gather, read_upload
from chatbot.sentiment.pool import LexicalIndex, Pool, examples_for
from chatbot.sentiment.prompt import Prompt, parse_prompt
from chatbot.sentiment.words import fit_words

AUTO, PROMPT, SIMILAR, EMBEDDINGS = "auto", "prompt", "similar", "embeddings"
METHODS = (AUTO, PROMPT, SIMILAR, EMBEDDINGS)  # each named by sentiment.method_<method>
DEFAULT_METHOD = AUTO
Cache = dict[str, Any]
Fitted = MutableMapping[str, Any]  # a session's pool vectors and fitted probes
SESSION_BYTES = 160 * 1024 * 1024  # what one session's Fitted cache may hold


def new_fitted() -> Fitted:
    """An empty per-session cache; the least recently used pool's vectors go first."""
    return ByteLRU(SESSION_BYTES)


def resolve(method: str, backend: Backend, model: str) -> str:
    """`auto` is the embeddings classifier where one was fitted and shipped for this model (it
    measured best on the validation split), else the few-shot prompt, which needs no pool."""
    if method != AUTO:
        return method
    probe = shipped_probe(backend, embedding_model(backend, model))
    return EMBEDDINGS if probe is not None else PROMPT


def method_for(ctx: AppContext, session: Session, method: str) -> str:
    """`method` with `auto` made concrete for this session's backend and model."""
    return resolve(method, Backend(ctx.backend_kind(session)), ctx.model_for(session))


@dataclass(frozen=True)
class Plan:
    """Everything one click needs, resolved before the first tweet is sent."""

    client: LLMClient
    model: str
    method: str
    prompt: Prompt
    calibration: Calibration | None = None
    measured: Calibration | None = None  # measured just now: its one-off cost is shown
    pool: Pool | None = None
    lexical: LexicalIndex | None = None
    probe: Probe | None = None
    vectors: PoolVectors | None = None
    embedded_now: bool = False  # the pool was embedded for this click: its cost is shown

    def run(self, tweet: str) -> Verdict:
        if self.method == EMBEDDINGS and self.probe is not None:
            return classify_embedded(self.client, embedding_model(self.client.backend, self.model),
                                     self.probe, tweet, self.vectors)
        examples = None
        if self.method == SIMILAR and self.pool is not None and self.lexical is not None:
            examples = examples_for(self.pool, self.lexical.similarities(tweet))
        return classify(self.client, self.model, self.prompt, tweet, self.calibration, examples)

    @property
    def setup_cost(self) -> tuple[Usage, float | None, int]:
        """Tokens, dollars and calls spent before the first tweet (calibration, pool vectors)."""
        usage, calls = Usage(), 0
        cost: float | None = 0.0
        for part in (self.measured, self.vectors if self.embedded_now else None):
            if part is not None:
                usage, calls = usage + part.usage, calls + part.calls
                cost = None if cost is None or part.cost_usd is None else cost + part.cost_usd
        return usage, cost, calls


def _need_pool(pool: Pool | None, method: str) -> Pool:
    if pool is None:
        raise InvalidInput.keyed("sentiment.needs_pool", "sentiment.upload_pool",
                                 method=Msg(f"sentiment.method_{method}"))
    return pool


def _probe(known: Fitted, client: LLMClient, model: str, pool: Pool | None,
           step: Step | None) -> tuple[Probe, PoolVectors | None, bool]:
    """The shipped probe (embedded model), or one fitted now on the pool's embeddings."""
    emb_model = embedding_model(client.backend, model)
    key = f"vectors\x1f{client.backend.kind}\x1f{client.backend.base_url}\x1f{emb_model}"
    vectors, fresh = None, False
    if pool is not None:
        # Kept in the session that uploaded the pool, within its byte budget.
        key += f"\x1f{pool.name}\x1f{hash(pool)}"
        vectors = known.get(key)
        if vectors is None:
            vectors, fresh = embed_pool(client, emb_model, pool, step), True
            known[key] = vectors
    probe = shipped_probe(client.backend, emb_model)
    if probe is None:
        pool = _need_pool(pool, EMBEDDINGS)
        assert vectors is not None
        probe = known.get(key + "\x1fprobe")
        if probe is None:  # fitted once per pool, like its vectors
            source = Msg("sentiment.fitted_now", name=pool.name)
            probe = replace(fit_probe(vectors.matrix, pool.labels, source),
                            words=fit_words(pool.texts, pool.labels, source))
            known[key + "\x1fprobe"] = probe
    return probe, vectors, fresh


def build_plan(client: LLMClient, model: str, known: MutableMapping[str, Any], prompt_text: str,
               use_calibration: bool, method: str = DEFAULT_METHOD, pool: Pool | None = None,
               step: Step | None = None, fitted: Fitted | None = None) -> tuple[Plan, Cache]:
    """What `method` needs, from `known` (calibrations, process-wide, added to) and `fitted`
    (the session's vectors and probes; a throwaway one when None), or made now.

    Returns the plan and the calibrations to keep in the session.
    """
    if method not in METHODS:
        raise InvalidInput.keyed("sentiment.unknown_method", method=repr(method),
                                 methods=", ".join(METHODS))
    method = resolve(method, client.backend, model)
    prompt = parse_prompt(prompt_text)
    lexical = LexicalIndex(_need_pool(pool, method).texts) if method == SIMILAR else None
    if method == EMBEDDINGS:
        probe, vectors, fresh = _probe(new_fitted() if fitted is None else fitted, client,
                                       model, pool, step)
        return Plan(client, model, method, prompt, pool=pool, probe=probe, vectors=vectors,
                    embedded_now=fresh), {}
    calibration = measured = None
    kept: Cache = {}
    if use_calibration:
        calibration, kept, fresh = calibration_for(client, model, prompt_text, prompt, known,
                                                   step)
        measured = calibration if fresh else None
        known.update(kept)
    return Plan(client, model, method, prompt, calibration, measured, pool, lexical), kept


def plan(ctx: AppContext, session: Session, cache: Mapping[str, Any], prompt_text: str,
         use_calibration: bool, method: str = DEFAULT_METHOD, pool: Pool | None = None,
         step: Step | None = None, fitted: Fitted | None = None) -> tuple[Plan, Cache]:
    """The plan for this session's backend and model; returns it and the cache to keep."""
    # A calibration describes the model, not the student: one measured in any session serves all.
    known = ctx.priors
    for key, value in (cache or {}).items():
        known.setdefault(key, value)
    ctx.capabilities_for(session)  # a compatible server is probed once: logprobs or JSON?
    method = method_for(ctx, session, method)
    client = ctx.embeddings_client(session) if method == EMBEDDINGS else ctx.client_for(session)
    setup, kept = build_plan(client, ctx.model_for(session), known, prompt_text,
                             use_calibration, method, pool, step, fitted)
    return setup, {**(cache or {}), **kept}


def classify_batch(ctx: AppContext, session: Session, cache: Mapping[str, Any], paste: str,
                   upload: str | None, prompt_text: str, use_calibration: bool,
                   method: str = DEFAULT_METHOD, pool: Pool | None = None,
                   step: Step | None = None,
                   progress: Callable[[int, int], None] | None = None,
                   fitted: Fitted | None = None,
                   ) -> Iterator[tuple[Plan, list[Verdict], list[Msg], int, Cache, bool]]:
    """Yields the growing list of verdicts (with the notices, the batch size, the cache to keep
    and whether it is the last step); stops early, keeping them, on a backend error."""
    data, name = read_upload(upload) if upload else (None, "CSV")
    batch = gather(paste, data, name)
    setup, merged = plan(ctx, session, cache, prompt_text, use_calibration, method, pool, step,
                         fitted)
    notices = list(batch.notices)
    verdicts: list[Verdict] = []
    total = len(batch.tweets)
    for tweet in batch.tweets:
        if progress is not None:
            progress(len(verdicts), total)
        try:
            verdicts.append(setup.run(tweet))
        except ChatbotError as exc:
            if not verdicts:
                raise
            notices.append(Msg("sentiment.stopped_at", n=len(verdicts) + 1, why=exc))
            break
        yield setup, list(verdicts), list(notices), total, merged, False
    # `setup.method` is `auto` resolved: the embeddings classifier calibrates nothing.
    if use_calibration and setup.method != EMBEDDINGS and (
            setup.calibration is None or setup.calibration.weights is None):
        notices.append(Msg("sentiment.bias_not_measured"))
    yield setup, verdicts, notices, total, merged, True
