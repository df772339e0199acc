"""The Fine-tuning tab: its handlers on their own, then every api_name through gradio_client."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import gradio as gr
import pytest
from gradio_client import Client, handle_file

from chatbot.context import AppContext, Session
from chatbot.errors import InvalidInput
from chatbot.settings import Settings
from chatbot.ui import finetune as ui
from tests.fakes.openai_server import FakeOpenAI

DATA = Path(__file__).parent / "data" / "finetune"


FAKE_OPTIONS = {"ft_step_seconds": 0.02, "strict_models": False}  # for conftest's `fake`


@pytest.fixture
def ctx(fake: FakeOpenAI, tmp_path: Path) -> AppContext:
    """Its own cache: jobs a bench or an earlier run left on this machine stay out of the list."""
    settings = Settings.from_env({"CHATBOT_BACKEND": "openai", "OPENAI_BASE_URL": fake.base_url,
                                  "OPENAI_API_KEY": "sk-test-ui",
                                  "CHATBOT_CACHE_DIR": str(tmp_path / "cache")})
    return AppContext.create(settings, embedded=False)


@pytest.fixture
def work(tmp_path: Path) -> Path:
    for f in DATA.iterdir():
        shutil.copy(f, tmp_path / f.name)
    return tmp_path


def test_validate_view_reports_lines_and_cost(ctx: AppContext, work: Path) -> None:
    seen: list[float] = []
    summary, rows, cost, bars = ui.validate_view(ctx, "en", str(work / "chat_broken.jsonl"),
                                                 "gpt-4o-mini", None, seen.append)
    assert "❌ **14 errors** · 2 warnings" in summary and rows[1][:3] == [2, "error", "invalid_json"]
    assert rows[1][3].startswith("Invalid JSON") and "Epochs" in cost
    assert bars[bars.columns[1]].sum() == 2
    summary, rows, cost, _ = ui.validate_view(ctx, "es", str(work / "chat_broken.jsonl"),
                                              "gpt-4o-mini", None)
    assert "❌ **14 errores** · 2 avisos" in summary and rows[1][3].startswith("JSON no válido")
    assert "**Épocas:**" in cost and "Epochs" not in cost
    with pytest.raises(InvalidInput) as err:
        ui.validate_view(ctx, "es", None, "gpt-4o-mini", None)
    assert err.value.said("en") == "Upload a file first."


def test_analyze_proposes_fixes_and_prepare_applies_only_ticked(ctx: AppContext,
                                                                work: Path) -> None:
    src = str(work / "faq_excel.csv")
    options = ("Eres el asistente.", "chat", [], 0.25, 1, "", "", "gpt-4o-mini")
    text, ticked = ui.analyze_view(ctx, "es", src, *options)
    assert ticked == ["drop_invalid"] and "**13** filas · tarea: **generación**" in text
    assert "1 filas no se pueden usar (p. ej. línea " in text
    text, _ = ui.analyze_view(ctx, "en", src, *options)
    assert "**13** rows · task: **generation**" in text and "filas" not in text
    with pytest.raises(InvalidInput):
        ui.prepare_view(ctx, "es", src, *options)
    log, outputs = ui.prepare_view(ctx, "en", src, "Eres el asistente.", "chat", ticked, 0.25, 1,
                                   "", "", "gpt-4o-mini")
    assert [Path(p).name for p in outputs] == ["faq_excel_prepared_train.jsonl",
                                               "faq_excel_prepared_valid.jsonl"]
    assert "Training: **9** · validation: **3**" in log and "Dropped (drop_invalid): 1" in log


def test_job_views_drive_a_job_and_hand_over_the_model(ctx: AppContext, work: Path) -> None:
    session = replace(ctx.new_session(), lang="en")
    job_id, text = ui.create_view(ctx, session, str(work / "chat_valid.jsonl"), None,
                                  "gpt-4o-mini", "aula", 3, 2, None, None, True)
    assert job_id.startswith("ftjob-") and "Validating" in text and "Validando" not in text
    views = list(ui.follow_view(ctx, session, job_id, 1, None))
    status, plot, events, known = views[-1]
    assert "Succeeded" in status and set(plot["metric"]) == {"train loss", "train accuracy"}
    assert known[0] == job_id and events
    again = ui.status_view(ctx, session, job_id, known)
    assert len(again[3][1]) == len(known[1])  # merged by id, nothing doubled
    assert ui.list_view(ctx, session)[0][0] == job_id
    new_session, note = ui.use_model_view(ctx, session, job_id)
    assert new_session.model and ":aula:" in new_session.model and session.model is None
    assert ctx.model_for(new_session) == new_session.model
    assert note == f"✅ Now using `{new_session.model}` in Chat, Playground and Sentiment."


def test_use_model_before_it_exists_and_cancel(ctx: AppContext, fake: FakeOpenAI,
                                               work: Path) -> None:
    fake.ft_step_seconds = 60
    session = ctx.new_session()
    job_id, _ = ui.create_view(ctx, session, str(work / "chat_valid.jsonl"), None,
                               "gpt-4o-mini", "", None, None, None, None, True)
    with pytest.raises(InvalidInput) as err:
        ui.use_model_view(ctx, session, job_id)
    assert err.value.said("es") == "El trabajo está «validating_files»: aún no hay modelo."
    assert "⏹️ Cancelado" in ui.cancel_view(ctx, session, job_id)
    with pytest.raises(InvalidInput):
        ui.status_view(ctx, session, "  ", None)


def test_embedded_session_cannot_create_jobs(ctx: AppContext, fake: FakeOpenAI,
                                             work: Path) -> None:
    local = replace(ctx.new_session(), backend="local")
    with pytest.raises(InvalidInput) as err:
        ui.create_view(ctx, local, str(work / "chat_valid.jsonl"), None, "gpt-4o-mini", "",
                       None, None, None, None, True)
    assert "--backend local" in str(err.value) and fake.requests == []


def test_evaluate_view_side_by_side(ctx: AppContext, fake: FakeOpenAI, work: Path) -> None:
    fake.reply = lambda body: "positive" if body["model"] == "gpt-4o-mini" else "negative"
    summary, labels, conf_a, _, side = ui.evaluate_view(
        ctx, Session(), str(work / "sentiment_eval.csv"), "Clasifica.", "", "", 6, 4,
        "session", "", "", "session", "ft:gpt-4o-mini:org:x:1", "")
    assert "A" in summary and "B" in summary and len(labels) == 6
    assert "**Ejemplos:** 6 · **Etiquetas:**" in summary
    assert list(conf_a.columns) == ["esperado \\ predicho", "negative", "neutral", "positive",
                                    "(otro)"]
    assert list(side.columns) == ["línea", "entrada", "esperado", "A: gpt-4o-mini",
                                  "B: ft:gpt-4o-mini:org:x:1"] and len(side) == 6
    only_a = ui.evaluate_view(ctx, Session(), str(work / "sentiment_eval.csv"), "", "", "", 2, 4,
                              "session", "", "", "session", "", "")
    assert len(only_a[4].columns) == 4 and only_a[3].empty


def test_every_api_name_through_gradio_client(ctx: AppContext, fake: FakeOpenAI,
                                              work: Path) -> None:
    with gr.Blocks() as demo:
        session = gr.State(ctx.new_session())
        ui.build_finetune_tab(ctx, session)
    demo.queue().launch(prevent_thread_lock=True, server_name="127.0.0.1", server_port=None)
    try:
        client = Client(demo.local_url, verbose=False)
        names = set(client.view_api(print_info=False, return_format="dict")["named_endpoints"])
        assert {"/ft_validate", "/ft_prepare", "/ft_evaluate", "/ft_analyze", "/ft_create",
                "/ft_status", "/ft_follow", "/ft_cancel", "/ft_list", "/ft_use_model"} <= names
        summary, problems, *_ = client.predict(handle_file(work / "chat_broken.jsonl"),
                                                    "gpt-4o-mini", None, api_name="/ft_validate")
        assert "❌" in summary and problems["data"][1][:3] == [2, "error", "invalid_json"]
        log, files = client.predict(handle_file(work / "legacy_sentiment.jsonl"), "", "legacy",
                                    ["add_separator"], 0, 42, "", "", "babbage-002",
                                    api_name="/ft_prepare")
        assert "**13**" in log and len(files) == 1
        assert Path(files[0]).read_text(encoding="utf-8").count(" ->\"") == 13
        job_id, _ = client.predict(handle_file(work / "chat_valid.jsonl"), None,
                                      "gpt-4o-mini", "api", None, None, None, None, True,
                                      api_name="/ft_create")
        client.predict(job_id, 1, api_name="/ft_follow")  # the session's State stays server-side
        status, _, _ = client.predict(job_id, api_name="/ft_status")
        assert "✅ Terminado" in status  # the page's session reads Spanish
        session_model_note = client.predict(job_id, api_name="/ft_use_model")
        assert ":api:" in session_model_note
        fake.reply = "positive"
        summary, *_ = client.predict(handle_file(work / "sentiment_eval.csv"), "", "", "", 3, 4,
                                     "session", "", "", "session", "", "",
                                     api_name="/ft_evaluate")
        sent = fake.requests_to("/v1/chat/completions")[-1].json
        assert sent["model"].startswith("ft:gpt-4o-mini") and ":api:" in sent["model"]
        assert "Ejemplos:** 3" in summary
        with pytest.raises(Exception, match=r"Sube un fichero"):
            client.predict(None, "gpt-4o-mini", None, api_name="/ft_validate")
    finally:
        demo.close()
