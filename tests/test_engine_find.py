"""Where the embedded default's engine comes from when this environment did not build llama.cpp:
a setting, PATH, a running Ollama or LM Studio, a background build; else a message saying how to
get one. "Not built here" is made real per test: llama_cpp unimportable, PATH without the build."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import openai
import pytest

from chatbot.client import ChatParams
from chatbot.context import AppContext, Session
from chatbot.engine.building import EngineBuild, compiler_found
from chatbot.engine.finding import (
    LMSTUDIO_GET,
    OLLAMA_PULL,
    EngineLocator,
    ExternalEngine,
    KnownServer,
    engine_help,
)
from chatbot.engine.llama_server import EmbeddedServer, ServerConfig
from chatbot.errors import ConfigError
from chatbot.settings import Settings
from tests.conftest import CACHE_DIR, ROOT
from tests.fakes.openai_server import FakeOpenAI

BUILT = EngineLocator(CACHE_DIR).find_binary()  # this machine's engine (built, or on PATH)


@pytest.fixture
def not_built_here(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """As on a machine without a compiler: no llama_cpp, and a PATH with no llama-server."""
    assert BUILT is not None, "the test machine needs an engine: bash tests/setup.sh"
    monkeypatch.setitem(sys.modules, "llama_cpp", None)  # find_spec and import see it missing
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    return empty


@pytest.mark.parametrize(("platform", "command"), [
    ("win32", "winget install llama.cpp"), ("darwin", "brew install llama.cpp"),
    ("linux", "conda install -c conda-forge llama.cpp")])
def test_the_help_names_one_command_per_os_in_each_language(platform: str, command: str) -> None:
    es, en = engine_help(platform).said("es"), engine_help(platform).said("en")
    assert f"`{command}`" in es and f"`{command}`" in en
    assert "Instala el motor" in es and "Get the engine" in en and "Get the engine" not in es
    assert OLLAMA_PULL in es and OLLAMA_PULL in en


def test_no_engine_anywhere_is_a_status_line_saying_how(not_built_here: Path,
                                                        tmp_path: Path) -> None:
    ctx = AppContext.create(Settings(engine_build=False, cache_dir=CACHE_DIR,
                                     db_path=tmp_path / "db.sqlite3"))
    assert ctx.embedded is not None
    ctx.embedded.locator.servers = ()  # whatever this machine runs on Ollama's port
    with pytest.raises(ConfigError, match="llama-server"):
        ctx.embedded.wait_ready(30)
    line = ctx.status_markdown(Session(backend="local"))
    assert "🔴" in line and engine_help().said("es") in line  # the session's language


def test_a_setting_names_the_binary(not_built_here: Path, tmp_path: Path) -> None:
    assert EngineLocator(tmp_path, BUILT).resolve(external=False) == BUILT
    missing = tmp_path / "nowhere" / "llama-server"
    with pytest.raises(ConfigError, match="CHATBOT_LLAMA_SERVER"):
        EngineLocator(tmp_path, missing).resolve(external=False)
    settings = Settings.from_env({"CHATBOT_LLAMA_SERVER": str(BUILT)})
    assert settings.llama_server == BUILT and settings.engine_build
    assert not Settings.from_env({"CHATBOT_ENGINE_BUILD": "0"}).engine_build


def test_a_prebuilt_server_on_path_answers(not_built_here: Path, tmp_path: Path) -> None:
    """The no-compiler road: only a llama-server on PATH (as winget or Homebrew put it)."""
    assert BUILT is not None
    (not_built_here / BUILT.name).symlink_to(BUILT)
    server = EmbeddedServer(ServerConfig(model_path=None, cache_dir=CACHE_DIR, slots=1, ctx=512),
                            EngineLocator(tmp_path, servers=()))
    try:
        sdk = openai.OpenAI(base_url=server.wait_ready(300), api_key="none", max_retries=0)
        answer = sdk.chat.completions.create(
            model=server.model_name, temperature=0, max_tokens=8,
            messages=[{"role": "user", "content": "What is the capital of France? One word."}])
        assert "Paris" in (answer.choices[0].message.content or "")
        assert server.external is None
        assert server.locator.find_binary() == not_built_here / BUILT.name
    finally:
        server.stop()


def test_a_running_server_with_the_model_is_used(not_built_here: Path, tmp_path: Path,
                                                  embedded: EmbeddedServer) -> None:
    """LM Studio lists the model under the embedded name (the session's engine stands in)."""
    studio = KnownServer("LM Studio", embedded.base_url, LMSTUDIO_GET)
    ctx = AppContext.create(Settings(engine_build=False, cache_dir=CACHE_DIR,
                                     db_path=tmp_path / "db.sqlite3"))
    assert ctx.embedded is not None
    ctx.embedded.locator.servers = (studio,)
    ctx.embedded.wait_ready(30)
    assert ctx.embedded.external == ExternalEngine("LM Studio", embedded.base_url)
    session = Session(backend="local")
    backend = ctx.backend_for(session)
    assert (backend.kind, backend.base_url) == ("compatible", embedded.base_url)
    result = ctx.client_for(session).chat(
        [{"role": "user", "content": "What is the capital of France? One word."}],
        ChatParams(ctx.model_for(session), temperature=0, max_tokens=8))
    assert "Paris" in result.text
    assert "LM Studio" in ctx.status_markdown(session)


def test_a_running_server_without_the_model_says_what_to_pull(not_built_here: Path,
                                                              tmp_path: Path) -> None:
    with FakeOpenAI() as fake:  # answers /v1/models with OpenAI's models only
        locator = EngineLocator(tmp_path, servers=(KnownServer("Ollama", fake.base_url,
                                                               OLLAMA_PULL),))
        with pytest.raises(ConfigError) as err:
            locator.resolve(external=True)
    assert "Ollama" in str(err.value) and OLLAMA_PULL in str(err.value)


def test_a_failed_build_is_said_once_and_changes_nothing(not_built_here: Path,
                                                         tmp_path: Path) -> None:
    """pip's own failure (a package no index has), so the environment stays as it was."""
    requirements = tmp_path / "engine.txt"
    requirements.write_text("--no-index\nno-such-engine-i21==1.0\n")
    monkey_path = f"{not_built_here}:/usr/bin:/bin"  # a compiler, still no llama-server
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PATH", monkey_path)
        assert compiler_found()
        locator = EngineLocator(tmp_path, build=True, servers=(), requirements=requirements)
        with pytest.raises(ConfigError, match=r"(?s)La compilación falló: .* / .*The build failed: "):
            locator.resolve(external=True)
        assert locator.build is not None and "no-such-engine-i21" in (locator.build.error or "")
        log = locator.build.log_path.stat().st_mtime
        with pytest.raises(ConfigError):
            locator.resolve(external=True)
        assert locator.build.log_path.stat().st_mtime == log  # not run again


def test_build_progress_reads_cmake(tmp_path: Path) -> None:
    build = EngineBuild(tmp_path / "r.txt", tmp_path / "build.log")
    build.log_path.write_bytes(b"[ 12%] Building C object a.o\n  [ 45%] Building CXX object b.o\n")
    assert build.progress == "0 min, 45 %"  # Make
    with build.log_path.open("ab") as log:
        log.write(b"  [1/268] /usr/bin/g++ -c a.cpp\n  [134/268] /usr/bin/g++ -c b.cpp\n")
    assert build.progress == "0 min, 50 %"  # Ninja, as pip's build runs it


def test_no_compiler_means_no_build(not_built_here: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert not compiler_found()
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    monkeypatch.setenv("CC", "/nowhere/cc")
    assert not compiler_found()


def test_nothing_imports_the_engine_library_at_start_up(tmp_path: Path) -> None:
    """The app builds its whole UI with llama_cpp unimportable, and local fine-tuning says why
    it cannot run and how to get it."""
    code = (
        "import sys; sys.modules['llama_cpp'] = None\n"
        "import app\n"
        "from pathlib import Path\n"
        "from chatbot.errors import ConfigError\n"
        "from chatbot.finetune.on_machine import job\n"
        "try:\n"
        "    job.plan(Path('.'), Path('m.gguf'), Path('t.jsonl'), job.Settings())\n"
        "except ConfigError as exc:\n"
        "    print('REFUSED', exc)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "REFUSED" in done.stdout and "requirements-engine.txt" in done.stdout
