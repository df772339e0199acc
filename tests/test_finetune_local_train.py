"""Local training end to end, kept small for CI: two examples (one 256-token window), three
steps over it with only the last block trained (about 4 GB and a minute or two of CPU), the
tuned model quantized back, listed, served by the embedded engine and answering.

The full-model run and the style check are in bench/bench_finetune_local.py.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from chatbot.client import ChatParams
from chatbot.context import AppContext
from chatbot.engine import tuned_store
from chatbot.engine.llama_server import LOCAL_MODEL_NAME, assemble_model
from chatbot.errors import InvalidInput
from chatbot.finetune.on_machine import job, train
from chatbot.finetune.on_machine.resources import shortfall
from chatbot.finetune.on_machine.spec import lock_path
from chatbot.models.catalog import Catalog
from chatbot.settings import Settings
from tests.conftest import CACHE_DIR

pytestmark = pytest.mark.model
DATA = Path(__file__).resolve().parent.parent / "bench" / "data" / "style_train.jsonl"
TINY = job.Settings(epochs=3, suffix="ci", seed=3, trainable=r"^(blk\.23\.|output_norm)")


def wait(cache_dir: Path, job_id: str, until: tuple[str, ...], timeout: float = 1200):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        info = job.get_job(cache_dir, job_id, lang="en")
        if info.status in until:
            return info
        time.sleep(1)
    job.cancel(cache_dir, job_id, lang="en")
    raise TimeoutError(f"{job_id} still {info.status} after {timeout} s")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str, Path]]:
    cache = tmp_path_factory.mktemp("ftcache")
    examples = cache / "two.jsonl"
    examples.write_text("".join(DATA.read_text(encoding="utf-8").splitlines(True)[:2]),
                        encoding="utf-8")
    info = job.start(cache, assemble_model(CACHE_DIR), LOCAL_MODEL_NAME, examples, TINY,
                     Catalog.load(), lang="en")
    yield cache, info.id, examples
    job.cancel(cache, info.id, lang="en")


def test_tiny_run_loss_goes_down_and_the_model_is_recorded(trained) -> None:
    cache, job_id, examples = trained
    info = wait(cache, job_id, ("succeeded", "failed", "cancelled"))
    assert info.status == "succeeded", info.error
    said = job.job_events(cache, job_id, lang="es")
    steps = [e.data for e in said if e.data]
    assert said[-1].message == "Modelo listo"
    assert next(e.message for e in said if e.data).startswith("Paso 1/3 (época 1): loss=")
    assert [s["step"] for s in steps] == [1, 2, 3]  # one window, three epochs
    losses = [s["train_loss"] for s in steps]
    assert losses[0] > losses[1] > losses[2], losses  # the same window, each step lower
    assert all(0 < s["train_mean_token_accuracy"] <= 1 for s in steps)
    (model,) = tuned_store.list_models(cache)
    assert model.name == info.fine_tuned_model
    assert model.name.startswith(f"ft:local:{LOCAL_MODEL_NAME}:ci:")
    assert model.manifest["sha256"] == sha256(model.path)
    assert model.manifest["training_sha256"] == sha256(examples)
    assert model.manifest["settings"]["epochs"] == 3
    assert model.manifest["trained_tokens"] == 3 * 256
    assert not list((cache / "finetune-local" / "jobs" / job_id).glob("*.gguf"))  # no scratch
    train.quiet()
    tuned = train.load_model(model.path, vocab_only=True)
    base = train.load_model(assemble_model(CACHE_DIR), vocab_only=True)
    try:  # the base's chat template and context length (the save drops / narrows them)
        for key in ("tokenizer.chat_template", "qwen2.context_length"):
            assert train.meta(tuned, key) == train.meta(base, key)
        assert train.meta(tuned, "qwen2.context_length") == "32768"
    finally:
        train.llama_cpp.llama_model_free(base)
        train.llama_cpp.llama_model_free(tuned)


def test_the_app_lists_the_tuned_model_and_chats_with_it(trained) -> None:
    """Served on demand by the embedded engine, beside the base model, through the real SDK."""
    cache, job_id, _ = trained
    wait(cache, job_id, ("succeeded", "failed", "cancelled"))
    (model,) = tuned_store.list_models(cache)
    ctx = AppContext.create(Settings(cache_dir=cache, timeout=600,  # 2 cores, shared in CI
                                     local_model_path=assemble_model(CACHE_DIR)))
    assert ctx.local_models()[1:] == [model.name]
    session = replace(ctx.new_session(), backend="local", model=model.name)
    try:
        result = ctx.client_for(session).chat(
            [{"role": "user", "content": "¿Qué es un token?"}],
            ChatParams(model=model.name, max_tokens=16, temperature=0))
        assert ctx.tuned is not None and ctx.embedded is not None
        assert ctx.embedded.status == "stopped"  # the base model was not needed
        assert len(result.text.split()) >= 3
        assert "<|im_start|>" not in result.text
    finally:
        if ctx.tuned:
            ctx.tuned.stop()


def test_a_second_training_waits_in_line_and_can_be_cancelled(tmp_path: Path) -> None:
    """While another process holds the machine's training lock, a new job says it waits."""
    examples = tmp_path / "two.jsonl"
    examples.write_text(DATA.read_text(encoding="utf-8").splitlines(True)[0], encoding="utf-8")
    with lock_path().open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        info = job.start(tmp_path, assemble_model(CACHE_DIR), LOCAL_MODEL_NAME, examples,
                         TINY, Catalog.load(), lang="en")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and "queued" not in events(tmp_path, info.id):
            time.sleep(0.5)
        assert job.get_job(tmp_path, info.id, lang="en").status == "queued"
        assert "waiting in line" in events(tmp_path, info.id)
        assert "espero mi turno" in events(tmp_path, info.id, "es")
        assert job.cancel(tmp_path, info.id, lang="en").status == "cancelled"
    assert "started" not in events(tmp_path, info.id)


def events(cache: Path, job_id: str, lang: str = "en") -> str:
    return json.dumps([e.message for e in job.job_events(cache, job_id, lang=lang)] +
                      [e["event"] for e in tuned_store.read_events(
                          tuned_store.job_dir(cache, job_id))])


def test_bad_settings_and_files_are_refused_before_anything_runs(tmp_path: Path) -> None:
    base = assemble_model(CACHE_DIR)
    with pytest.raises(InvalidInput) as err:
        job.start(tmp_path, base, LOCAL_MODEL_NAME, DATA, job.Settings(ctx=300), Catalog.load(),
                  lang="en")
    assert err.value.said("en") == ("Impossible parameters: context: a multiple of 256 between "
                                    "256 and 2048.")
    assert err.value.said("es") == ("Parámetros imposibles: contexto: múltiplo de 256 entre 256 "
                                    "y 2048.")
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"messages": [{"role": "user"}]}\n', encoding="utf-8")
    with pytest.raises(InvalidInput):
        job.start(tmp_path, base, LOCAL_MODEL_NAME, broken, job.Settings(), Catalog.load(),
                  lang="en")
    assert not (tmp_path / "finetune-local" / "jobs").exists()


def test_short_memory_or_disk_is_a_clear_refusal(tmp_path: Path) -> None:
    assert shortfall(1, 1, tmp_path) is None
    memory = shortfall(1 << 50, 1, tmp_path)
    assert memory and "free memory" in memory.said("en") and "SGD" in memory.said("en")
    assert memory.said("es").startswith("No hay recursos para entrenar: memoria libre ")
    disk = shortfall(1, 1 << 60, tmp_path)
    assert disk and "free disk" in disk.said("en") and "disco libre" in disk.said("es")


def test_the_plan_counts_tokens_before_starting(tmp_path: Path) -> None:
    plan = job.plan(tmp_path, assemble_model(CACHE_DIR), DATA, job.Settings(epochs=2))
    assert plan.examples == 20 and plan.longest > 40
    assert plan.tokens == plan.windows * 256 * 2
    assert plan.seconds > plan.tokens / 1000 and not plan.measured
    assert "min" in plan.markdown("en") and "20 examples → " in plan.markdown("en")
    assert "20 ejemplos → " in plan.markdown("es") and "Tiempo estimado" in plan.markdown("es")
