"""The tab's answers as its widgets show them: one tweet, or a batch with its CSV (no Gradio)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import pandas as pd

from chatbot.context import AppContext, Session
from chatbot.i18n import DEFAULT, say
from chatbot.sentiment.classify import Step, clean_tweet
from chatbot.sentiment.inputs import read_upload
from chatbot.sentiment.labels import LABELS, Source
from chatbot.sentiment.pool import Pool, parse_pool
from chatbot.sentiment.render import (
    counts_markdown,
    headers,
    label_value,
    table,
    usage_line,
    verdict_markdown,
    write_csv,
)
from chatbot.sentiment.service import (
    DEFAULT_METHOD,
    Cache,
    Fitted,
    Plan,
    classify_batch,
    plan,
)


def load_pool(path: str | None, lang: str = DEFAULT) -> tuple[Pool | None, str]:
    """The uploaded pool, parsed, and a line about it. The pool lives in the session that
    uploaded it (the tab's state), never in the process: it goes when the session ends."""
    if not path:
        return None, ""
    data, name = read_upload(path)
    pool = parse_pool(data, name)
    counts = " · ".join(f"{label} {pool.labels.count(label)}" for label in LABELS)
    skipped = say(lang, "sentiment.pool_skipped", n=pool.skipped) if pool.skipped else ""
    return pool, f"**{pool.name}:** {len(pool.texts)} tweets ({counts}){skipped}"


def source_of(setup: Plan) -> Source | None:
    if setup.probe is not None:
        return setup.probe.source
    return setup.calibration.source if setup.calibration is not None else None


def classify_one(ctx: AppContext, session: Session, cache: Mapping[str, Any], tweet: str,
                 prompt_text: str, use_calibration: bool, method: str = DEFAULT_METHOD,
                 pool: Pool | None = None, step: Step | None = None,
                 fitted: Fitted | None = None
                 ) -> tuple[dict[str, float] | str, str, str, Cache]:
    clean_tweet(tweet)  # an empty tweet costs nothing, not a calibration
    setup, merged = plan(ctx, session, cache, prompt_text, use_calibration, method,
                         pool, step, fitted)
    v = setup.run(tweet)
    line = usage_line(v.usage, add_costs([setup.setup_cost[1], v.cost_usd]), v.latency_s, v.calls,
                      setup.setup_cost, session.ledger.summary(session.lang), session.lang)
    return (label_value(v, session.lang),
            verdict_markdown(v, use_calibration, source_of(setup), session.lang), line, merged)


def classify_many(ctx: AppContext, session: Session, cache: Mapping[str, Any], paste: str,
                  upload: str | None, prompt_text: str, use_calibration: bool,
                  method: str = DEFAULT_METHOD, pool: Pool | None = None,
                  step: Step | None = None, progress: Step | None = None,
                  fitted: Fitted | None = None,
                  ) -> Iterator[tuple[list[list[str]], str, str, str, str | None, Cache]]:
    """Yields the growing table, so a long batch shows progress, and at the end its CSV."""
    steps = classify_batch(ctx, session, cache, paste, upload, prompt_text, use_calibration,
                           method, pool, step, progress, fitted)
    for setup, verdicts, notices, total, merged, done in steps:
        usage = sum((v.usage for v in verdicts), start=setup.setup_cost[0])
        cost = add_costs([setup.setup_cost[1], *(v.cost_usd for v in verdicts)])
        line = usage_line(usage, cost, sum(v.latency_s for v in verdicts),
                          sum(v.calls for v in verdicts), setup.setup_cost,
                          session.ledger.summary(session.lang), session.lang)
        csv_path = None
        if done and verdicts:
            out = ctx.workdirs.fresh() / "sentiment.csv"
            csv_path = str(write_csv(verdicts, out))
        rows = pd.DataFrame(table(verdicts, session.lang), columns=headers(session.lang))
        yield (rows, counts_markdown(verdicts, total, session.lang),
               "\n\n".join(n.said(session.lang) for n in notices), line, csv_path, merged)


def add_costs(costs: Sequence[float | None]) -> float | None:
    """A sum that stays unknown (None) if any part is unknown."""
    return None if any(c is None for c in costs) else sum(c for c in costs if c is not None)
