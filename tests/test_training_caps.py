"""Fine-tuning on the host's key counts its training estimate against the caps, before anything
is uploaded; on a visitor's own key it does not touch the host's daily cap."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from chatbot.context import AppContext
from chatbot.errors import BudgetExceeded
from chatbot.finetune import jobs, stats, validate
from chatbot.money.spending import utc_today
from chatbot.settings import Settings
from tests.fakes.openai_server import FakeOpenAI

DATA = Path(__file__).parent / "data" / "finetune" / "chat_valid.jsonl"
MODEL = "gpt-4o-mini"


def context(fake: FakeOpenAI, daily: float, tmp_path: Path) -> AppContext:
    return AppContext.create(Settings.from_env({
        "OPENAI_API_KEY": "sk-host-train-01", "OPENAI_BASE_URL": fake.base_url,
        "CHATBOT_DAILY_BUDGET_USD": str(daily), "CHATBOT_DB": str(tmp_path / "db.sqlite3"),
        "CHATBOT_CACHE_DIR": str(tmp_path)}), embedded=False)


def estimate(ctx: AppContext) -> float:
    report = validate.validate_file(DATA, ctx.catalog, MODEL)
    usd = stats.training_cost(ctx.catalog, MODEL, report.tokens, limit=report.limit).usd
    assert usd
    return usd


def test_the_training_estimate_is_charged_to_the_daily_cap(fake: FakeOpenAI,
                                                          tmp_path: Path) -> None:
    ctx = context(fake, 1.0, tmp_path)
    session = ctx.new_session()
    jobs.launch(jobs.job_client(ctx, session), jobs.JobRequest(DATA, MODEL))
    assert ctx.store.spent(f"host:{utc_today().isoformat()}") == pytest.approx(estimate(ctx))


def test_a_job_past_the_cap_is_refused_before_upload(fake: FakeOpenAI, tmp_path: Path) -> None:
    ctx = context(fake, 1.0, tmp_path)
    ctx = context(fake, estimate(ctx) / 2, tmp_path)
    with pytest.raises(BudgetExceeded, match="the host's daily cap"):
        jobs.launch(jobs.job_client(ctx, ctx.new_session()), jobs.JobRequest(DATA, MODEL))
    assert not fake.requests_to("/v1/files", "POST")


def test_a_visitors_own_url_and_key_leave_the_host_cap_alone(fake: FakeOpenAI,
                                                            tmp_path: Path) -> None:
    ctx = context(fake, 1e-9, tmp_path)
    visitor = replace(ctx.new_session(), backend="compatible", base_url=fake.base_url,
                      api_key="sk-visitor-train")
    job = jobs.launch(jobs.job_client(ctx, visitor), jobs.JobRequest(DATA, MODEL))
    assert job.id and ctx.store.spent(f"host:{utc_today().isoformat()}") == 0
