"""The Fine-tuning tab's "train on this machine" panel through gradio_client: the estimate,
a launch that waits in line behind another training, its status and cancel, and the host's
switch. No training runs here (tests/test_finetune_local_train.py trains)."""

from __future__ import annotations

import fcntl
import time
from collections.abc import Iterator
from pathlib import Path

import gradio as gr
import pytest
from gradio_client import Client, handle_file

from chatbot.context import AppContext
from chatbot.engine.llama_server import assemble_model
from chatbot.errors import InvalidInput
from chatbot.finetune import views as finetune_views
from chatbot.finetune.on_machine import views
from chatbot.finetune.on_machine.spec import lock_path
from chatbot.settings import Settings
from chatbot.ui import finetune as ui
from tests.conftest import CACHE_DIR, FakeFactory
from tests.fakes.clock import ManualClock

pytestmark = pytest.mark.model
DATA = Path(__file__).resolve().parent.parent / "bench" / "data" / "style_train.jsonl"
SETTINGS = (3, 1e-5, 256, "adamw", "ui")  # epochs, learning rate, context, optimizer, suffix
NAMED = {"epochs": 3, "learning_rate": 1e-5, "ctx_tokens": 256, "optimizer": "adamw",
         "suffix": "ui"}


@pytest.fixture
def ctx(tmp_path: Path) -> AppContext:
    return AppContext.create(Settings(cache_dir=tmp_path,
                                      local_model_path=assemble_model(CACHE_DIR)))


@pytest.fixture
def client(ctx: AppContext) -> Iterator[Client]:
    with gr.Blocks() as demo:
        ui.build_finetune_tab(ctx, gr.State(ctx.new_session()))
    demo.queue().launch(prevent_thread_lock=True, server_name="127.0.0.1", server_port=None)
    try:
        yield Client(demo.local_url, verbose=False)
    finally:
        demo.close()


def test_estimate_launch_wait_in_line_and_cancel(client: Client) -> None:
    estimate = client.predict(handle_file(DATA), *SETTINGS, api_name="/ft_local_plan")
    assert "20 ejemplos → " in estimate and "min" in estimate and "GB" in estimate
    assert "examples" not in estimate  # the page's session reads Spanish
    with lock_path().open("a") as held:  # another training holds the machine
        fcntl.flock(held, fcntl.LOCK_EX)
        job_id, status = client.predict(handle_file(DATA), *SETTINGS,
                                        api_name="/ft_local_create")
        assert job_id.startswith("ftjob-local-") and ":ui:" not in status
        for _ in range(120):
            status, _, events = client.predict(job_id, api_name="/ft_status")
            if "espero mi turno" in str(events):
                break
        assert "En cola" in status and "espero mi turno" in str(events)
        jobs = client.predict(api_name="/ft_list")
        assert jobs["data"][0][0] == job_id and jobs["data"][0][1] == "⏳ En cola"
        assert "Cancelado" in client.predict(job_id, api_name="/ft_cancel")


def test_the_list_puts_the_newest_job_first_whoever_runs_it(tmp_path: Path,
                                                           make_fake: FakeFactory) -> None:
    clock = ManualClock()  # OpenAI's clock, which the test moves instead of sleeping
    fake = make_fake(ft_step_seconds=60, strict_models=False, clock=clock)
    with lock_path().open("a") as held:  # the local job waits in line: nothing trains
        fcntl.flock(held, fcntl.LOCK_EX)
        ctx = AppContext.create(Settings(
            backend="openai", openai_base_url=fake.base_url, openai_api_key="sk-test-list",
            cache_dir=tmp_path, local_model_path=assemble_model(CACHE_DIR)), embedded=False)
        session = ctx.new_session()
        here, _ = views.create_view(ctx, session, str(DATA), **NAMED)
        clock.advance(time.time() + 1 - clock())  # OpenAI's job: one whole second later
        there, _ = finetune_views.create_view(ctx, session, str(DATA),
                                              None, "gpt-4o-mini", "", None, 1, None, None, True)
        try:
            assert [row[0] for row in finetune_views.list_view(ctx, session)] == [there, here]
        finally:
            finetune_views.cancel_view(ctx, session, here)


def test_bad_settings_are_refused_plainly(client: Client) -> None:
    with pytest.raises(Exception, match="sufijo: hasta 40 letras"):
        client.predict(handle_file(DATA), 3, 1e-5, 256, "adamw", "no vale!",
                       api_name="/ft_local_plan")


def test_the_host_can_turn_local_training_off(tmp_path: Path) -> None:
    ctx = AppContext.create(Settings(cache_dir=tmp_path, local_training=False,
                                     local_model_path=assemble_model(CACHE_DIR)))
    with pytest.raises(InvalidInput) as err:
        views.create_view(ctx, ctx.new_session(), str(DATA), **NAMED)
    assert err.value.said("en") == ("Local training is turned off on this server. The host can "
                                    "turn it on with CHATBOT_LOCAL_TRAINING=on.")
    assert Settings.from_env({"CHATBOT_LOCAL_TRAINING": "off"}).local_training is False
