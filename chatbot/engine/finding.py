"""Where the embedded default's engine comes from, since llama.cpp has no binary wheel on PyPI and
most students' Windows laptops have no compiler to build one.

In order: a `llama-server` named by CHATBOT_LLAMA_SERVER; the one requirements-engine.txt built
into this environment; one on PATH (winget, Homebrew, conda-forge, a distribution); a running
Ollama or LM Studio on its usual port serving the embedded model's name; else a build of
requirements-engine.txt in the background when a compiler is found (`building.py`); else a
message saying, for this operating system, the one command that gets an engine.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import json
import shutil
import sys
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from chatbot.engine.building import EngineBuild, compiler_found
from chatbot.engine.embedded_model import LOCAL_MODEL_NAME
from chatbot.errors import ConfigError
from chatbot.i18n import Msg

SERVER_BINARY = "llama-server.exe" if sys.platform == "win32" else "llama-server"
ENGINE_REQUIREMENTS = Path(__file__).resolve().parents[2] / "requirements-engine.txt"

# The one command per operating system that installs a prebuilt llama.cpp with `llama-server`.
GET_ENGINE = {
    "win32": "winget install llama.cpp",
    "darwin": "brew install llama.cpp",
    "linux": "conda install -c conda-forge llama.cpp",
}
OLLAMA_PULL = (f"ollama pull qwen2.5-coder:0.5b && "
               f"ollama cp qwen2.5-coder:0.5b {LOCAL_MODEL_NAME}")
LMSTUDIO_GET = "lms get qwen2.5-coder-0.5b-instruct"


@dataclass(frozen=True)
class KnownServer:
    """A local OpenAI-compatible server a student may already run, and how to give it our model."""

    name: str
    base_url: str
    get_model: str


KNOWN_SERVERS = (
    KnownServer("Ollama", "http://127.0.0.1:11434/v1", OLLAMA_PULL),
    KnownServer("LM Studio", "http://127.0.0.1:1234/v1", LMSTUDIO_GET),
)


@dataclass(frozen=True)
class ExternalEngine:
    """A running server that already serves the embedded model under its name."""

    name: str
    base_url: str


def engine_help(platform: str = sys.platform) -> Msg:
    """The one command for this operating system, said in the reader's language."""
    key = next((k for k in GET_ENGINE if platform.startswith(k)), "linux")
    conda = "`conda install -c conda-forge llama.cpp`"
    also = Msg("engine.with_anaconda", cmd=conda) if key != "linux" else ""
    return Msg("engine.help", cmd=GET_ENGINE[key], also=also, pull=OLLAMA_PULL)


def fits(model_id: str) -> bool:
    """Ollama lists tags (`name:latest`); LM Studio lists the bare identifier."""
    return model_id.lower().removesuffix(":latest") == LOCAL_MODEL_NAME


def served_models(server: KnownServer, timeout: float = 1.0) -> list[str] | None:
    """The model ids a server lists, or None when nothing answers there."""
    try:
        with urllib.request.urlopen(f"{server.base_url}/models", timeout=timeout) as resp:
            body = json.loads(resp.read().decode())
    except (urllib.error.URLError, OSError, ValueError):
        return None
    return [str(m.get("id", "")) for m in body.get("data", []) if isinstance(m, dict)]


def find_external(servers: tuple[KnownServer, ...]
                  ) -> tuple[ExternalEngine | None, list[Msg]]:
    """The first server serving the embedded model; else notes on running ones that lack it."""
    notes: list[Msg] = []
    for server in servers:
        models = served_models(server)
        if models is None:
            continue
        if any(fits(m) for m in models):
            return ExternalEngine(server.name, server.base_url), []
        notes.append(Msg("engine.running_without_model", name=server.name, cmd=server.get_model))
    return None, notes


def site_root() -> Path | None:
    """Where llama-cpp-python's build installed its files (`bin/`, `lib/`, `llama_cpp/lib/`)."""
    importlib.invalidate_caches()  # a background build may have installed it since start-up
    spec = importlib.util.find_spec("llama_cpp")
    return Path(spec.origin).parent.parent if spec and spec.origin else None


class EngineLocator:
    """Finds (or builds, once) the engine for every llama-server this app starts."""

    def __init__(self, cache_dir: Path, binary: Path | None = None, *, build: bool = False,
                 servers: tuple[KnownServer, ...] = KNOWN_SERVERS,
                 requirements: Path = ENGINE_REQUIREMENTS) -> None:
        self.binary_setting = binary
        self.servers = servers
        self.build: EngineBuild | None = None
        if build and requirements.is_file():
            self.build = EngineBuild(requirements, cache_dir / "engine-build.log")
        self._lock = threading.Lock()

    def find_binary(self) -> Path | None:
        """The setting, else this environment's build, else PATH."""
        if self.binary_setting is not None:
            if not self.binary_setting.is_file():
                raise ConfigError.keyed("engine.no_such_binary", "engine.hint",
                                        path=self.binary_setting, help=engine_help())
            return self.binary_setting
        root = site_root()
        if root is not None and (root / "bin" / SERVER_BINARY).is_file():
            return root / "bin" / SERVER_BINARY
        found = shutil.which(SERVER_BINARY)
        return Path(found) if found else None

    def resolve(self, *, external: bool) -> Path | ExternalEngine:
        """A binary to run or a server to use (`external`: a running Ollama or LM Studio will do);
        may block for a build's minutes, once per app."""
        with self._lock:
            binary = self.find_binary()
            if binary is not None:
                return binary
            found, notes = find_external(self.servers) if external else (None, [])
            if found is not None:
                return found
            if self.build is not None and self.build.error is None and compiler_found():
                self.build.run()
                binary = self.find_binary()
                if binary is not None:
                    return binary
            said = [Msg("engine.not_installed")]
            if self.build is not None and self.build.error:
                said.append(Msg("engine.build_failed", why=self.build.error))
            if site_root() is not None:  # an older llama-cpp-python, built without the server
                said.append(Msg("engine.rebuild", cmd="`pip install --no-cache-dir "
                                "--force-reinstall --no-deps -r requirements-engine.txt`"))
            said += notes
            said_all = functools.reduce(lambda a, b: Msg("engine.then", first=a, rest=b), said)
            raise ConfigError.keyed("engine.missing", "engine.hint", said=said_all,
                                    help=engine_help())

    @property
    def progress(self) -> str | None:
        """What the status line says while the engine is being built, else None."""
        return self.build.progress if self.build is not None and self.build.running else None
