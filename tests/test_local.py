import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import openai
import pytest

from chatbot.engine import llama_server
from chatbot.errors import ConfigError

from .conftest import CACHE_DIR as CACHE


def test_parts_come_from_the_six_packages_in_order() -> None:
    parts = llama_server.bundled_parts()
    assert len(parts) == 6
    assert [p.parent.parent.name for p in parts] == llama_server.PART_PACKAGES
    assert sum(p.stat().st_size for p in parts) == llama_server.GGUF_SIZE


def test_a_corrupt_model_is_refused_and_removed(tmp_path: Path) -> None:
    target = tmp_path / llama_server.GGUF_FILENAME
    with target.open("wb") as fh:  # right size, wrong bytes (sparse: costs no disk)
        fh.truncate(llama_server.GGUF_SIZE)
    with pytest.raises(ConfigError, match="SHA-256"):
        llama_server.assemble_model(tmp_path)
    assert not target.exists()


def test_the_embedded_server_serves_a_class_on_every_core(tmp_path: Path) -> None:
    config = llama_server.ServerConfig(model_path=tmp_path / "m.gguf", cache_dir=tmp_path, ctx=3000,
                                slots=12)
    server = llama_server.EmbeddedServer(config)
    cmd = server._command(Path("/bin/llama-server"), tmp_path / "m.gguf")
    assert cmd[cmd.index("--threads") + 1] == str(os.cpu_count())
    assert cmd[cmd.index("--parallel") + 1] == "12"
    assert "--kv-unified" in cmd and cmd[cmd.index("--kv-unified-per-slot") + 1] == "3000"
    assert "--metrics" in cmd  # the status line reads the engine's load there
    assert cmd[cmd.index("--host") + 1] == "127.0.0.1"
    assert server.model_name == "m"


def test_engine_load_comes_from_the_prometheus_gauges() -> None:
    text = ("# HELP llamacpp:requests_processing Number of requests processing.\n"
            "# TYPE llamacpp:requests_processing gauge\n"
            "llamacpp:requests_processing 3\n"
            "llamacpp:requests_deferred 2\n"
            "llamacpp:n_busy_slots_per_decode 2.5\n")
    assert llama_server.parse_load(text, 16) == llama_server.EngineLoad(busy=3, waiting=2, slots=16)
    assert llama_server.parse_load("", 4) == llama_server.EngineLoad(0, 0, 4)


def test_a_server_that_cannot_start_says_why(tmp_path: Path) -> None:
    bad = tmp_path / "not-a-model.gguf"
    bad.write_bytes(b"this is not a gguf file")
    config = llama_server.ServerConfig(model_path=bad, cache_dir=tmp_path)
    server = llama_server.EmbeddedServer(config).start()
    with pytest.raises(ConfigError, match=r"llama-server exited"):
        server.wait_ready(60)
    assert server.status == "failed"


@pytest.mark.model
def test_concurrent_students_all_get_complete_answers(embedded: llama_server.EmbeddedServer) -> None:
    """The old engine cut running streams when a new request came (1 complete answer of 8)."""
    sdk = openai.OpenAI(base_url=embedded.base_url, api_key="sk-no-key-required", max_retries=0)

    def ask(i: int) -> tuple[str, str | None]:
        stream = sdk.chat.completions.create(
            model=embedded.model_name, stream=True, max_tokens=24, temperature=0,
            messages=[{"role": "user", "content": f"Cuenta del {i} al {i + 30}."}])
        text, finish = "", None
        for chunk in stream:
            for c in chunk.choices:
                text += c.delta.content or ""
                finish = c.finish_reason or finish
        return text, finish

    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(ask, range(6)))
    assert all(text.strip() and finish in ("stop", "length") for text, finish in answers), answers
    load = embedded.load()
    assert load is not None and load.slots == embedded.config.slots and load.waiting == 0


@pytest.mark.model
def test_no_orphan_server_when_the_app_is_killed(tmp_path: Path) -> None:
    """SIGKILL leaves no chance for atexit: the server must still go down with the app."""
    script = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from chatbot.engine.llama_server import EmbeddedServer, ServerConfig\n"
        f"s = EmbeddedServer(ServerConfig(None, Path({str(CACHE)!r}))).start()\n"
        "s.wait_ready(300)\n"
        "print(s._proc.pid, flush=True)\n"
        "time.sleep(600)\n"
    )
    app = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                           cwd=Path(__file__).resolve().parent.parent)
    try:
        server_pid = int(app.stdout.readline())
        os.kill(server_pid, 0)  # alive
    finally:
        app.kill()
        app.wait()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            os.kill(server_pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.2)
    raise AssertionError(f"llama-server {server_pid} outlived the killed app")


@pytest.mark.model
def test_a_server_that_crashes_on_this_cpu_says_how_to_rebuild() -> None:
    """A llama.cpp built with instructions the CPU traps (AMX on some VMs) dies with SIGILL on the
    first prompt; the status must say how to fix it, not just an exit code."""
    server = llama_server.EmbeddedServer(llama_server.ServerConfig(None, CACHE)).start()
    try:
        server.wait_ready(300)
        os.kill(server._proc.pid, signal.SIGILL)
        deadline = time.monotonic() + 30
        while server.status != "failed" and time.monotonic() < deadline:
            time.sleep(0.1)
        with pytest.raises(ConfigError, match="--force-reinstall"):
            server.wait_ready(1)
    finally:
        server.stop()


def test_stopping_removes_the_servers_own_warm_starts_only(tmp_path: Path) -> None:
    server = llama_server.EmbeddedServer(llama_server.ServerConfig(model_path=None,
                                                                   cache_dir=tmp_path))
    server.slot_dir.mkdir()
    other = "prefix-1.bin"
    names = [server.slot_file, *(llama_server.variant_file(server.slot_file, i) for i in (0, 11)),
             other, llama_server.variant_file(other, 0)]
    for name in names:
        (server.slot_dir / name).write_bytes(b"state")
    server.stop()
    assert sorted(p.name for p in server.slot_dir.iterdir()) == ["prefix-1-0.bin", "prefix-1.bin"]
