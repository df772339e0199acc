import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from chatbot import local
from chatbot.errors import ConfigError

from .conftest import CACHE_DIR as CACHE


def test_parts_come_from_the_six_packages_in_order() -> None:
    parts = local.bundled_parts()
    assert len(parts) == 6
    assert [p.parent.parent.name for p in parts] == local.PART_PACKAGES
    assert sum(p.stat().st_size for p in parts) == local.GGUF_SIZE


def test_a_corrupt_model_is_refused_and_removed(tmp_path: Path) -> None:
    target = tmp_path / local.GGUF_FILENAME
    with target.open("wb") as fh:  # right size, wrong bytes (sparse: costs no disk)
        fh.truncate(local.GGUF_SIZE)
    with pytest.raises(ConfigError, match="SHA-256"):
        local.assemble_model(tmp_path)
    assert not target.exists()


def test_the_embedded_server_uses_every_core_and_logprobs(tmp_path: Path) -> None:
    server = local.EmbeddedServer(local.ServerConfig(model_path=tmp_path / "m.gguf",
                                                     cache_dir=tmp_path))
    cmd = server._command(tmp_path / "m.gguf")
    assert cmd[cmd.index("--n_threads") + 1] == str(os.cpu_count())
    assert cmd[cmd.index("--logits_all") + 1] == "True"
    assert cmd[cmd.index("--host") + 1] == "127.0.0.1"
    assert server.model_name == "m"


def test_a_server_that_cannot_start_says_why(tmp_path: Path) -> None:
    bad = tmp_path / "not-a-model.gguf"
    bad.write_bytes(b"this is not a gguf file")
    server = local.EmbeddedServer(local.ServerConfig(model_path=bad, cache_dir=tmp_path)).start()
    with pytest.raises(ConfigError, match=r"llama_cpp\.server exited"):
        server.wait_ready(60)
    assert server.status == "failed"


@pytest.mark.model
def test_no_orphan_server_when_the_app_is_killed(tmp_path: Path) -> None:
    """SIGKILL leaves no chance for atexit: the server must still go down with the app."""
    script = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from chatbot.local import EmbeddedServer, ServerConfig\n"
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
    raise AssertionError(f"llama_cpp.server {server_pid} outlived the killed app")


@pytest.mark.model
def test_a_server_that_crashes_on_this_cpu_says_how_to_rebuild() -> None:
    """A llama.cpp built with instructions the CPU traps (AMX on some VMs) dies with SIGILL on the
    first prompt; the status must say how to fix it, not just an exit code."""
    server = local.EmbeddedServer(local.ServerConfig(None, CACHE)).start()
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
