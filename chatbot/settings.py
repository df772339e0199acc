"""Settings read once per process from the environment (and a `.env` file loaded by entry points)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from dotenv import load_dotenv

from chatbot.errors import ConfigError
from chatbot.i18n import Msg, say

# Where requests go: the embedded llama.cpp server, OpenAI itself, or any OpenAI-compatible URL.
BackendKind = Literal["local", "openai", "compatible"]
BACKEND_KINDS: tuple[BackendKind, ...] = ("local", "openai", "compatible")
BACKENDS = ("local", "openai")  # what CHATBOT_BACKEND takes; "compatible" follows from a base URL


def as_backend_kind(text: str) -> BackendKind | None:
    """`text` as a backend kind, or None when it names none (typed input, a table cell)."""
    return next((kind for kind in BACKEND_KINDS if kind == text), None)
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")
TRUE = ("1", "true", "yes", "on")
HOST_HEADERS = ("OpenAI-Organization", "OpenAI-Project")


def load_env_file(environ: Mapping[str, str] | None = None) -> Path | None:
    """Load `.env`, or the file named by CHATBOT_ENV_FILE (the course keeps its key in `ap.env`).

    Real environment variables win over the file, as python-dotenv does by default.
    """
    environ = os.environ if environ is None else environ
    name = environ.get("CHATBOT_ENV_FILE", ".env")
    path = Path(name).expanduser()
    if not path.is_file():
        if "CHATBOT_ENV_FILE" in environ:
            raise ConfigError.keyed("settings.no_env_file", "settings.check_env_file", name=name)
        return None
    load_dotenv(path, override=False)
    return path


def _env_int(environ: Mapping[str, str], key: str, default: int, low: int, high: int,
             problems: list[Msg]) -> int:
    raw = environ.get(key, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        problems.append(Msg("settings.not_whole", key=key, value=repr(raw)))
        return default
    if not low <= value <= high:
        problems.append(Msg("settings.out_of_range", key=key, value=value, low=low, high=high))
        return default
    return value


def _env_float(environ: Mapping[str, str], key: str, default: float | None, low: float,
               high: float, problems: list[Msg]) -> float | None:
    raw = environ.get(key, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        problems.append(Msg("settings.not_a_number", key=key, value=repr(raw)))
        return default
    if not low <= value <= high:
        problems.append(Msg("settings.out_of_range", key=key, value=value, low=low, high=high))
        return default
    return value


def _switch(env: Mapping[str, str], key: str, default: bool, problems: list[Msg]) -> bool:
    raw = env.get(key, "").strip().lower()
    if not raw:
        return default
    if raw in TRUE:
        return True
    if raw in ("0", "off", "false", "no"):
        return False
    problems.append(Msg("settings.on_or_off", key=key, value=repr(raw)))
    return default


@dataclass(frozen=True)
class Settings:
    openai_api_key: str | None = field(default=None, repr=False)
    openai_base_url: str | None = None
    backend: BackendKind = "local"
    model: str | None = None
    timeout: float = 60.0
    max_retries: int = 2
    local_model_path: Path | None = None
    local_threads: int = 0
    local_ctx: int = 4096  # tokens of context each student gets on the embedded model
    local_port: int = 0
    local_slots: int = 16  # students the embedded model answers at once; more wait in line
    local_training: bool = True  # fine-tuning on this machine (CPU- and memory-heavy)
    llama_server: Path | None = None  # a prebuilt llama-server to run; None: look for one
    engine_build: bool = True  # no engine anywhere but a compiler: build it in the background
    cache_dir: Path = field(default_factory=lambda: Path("~/.cache/chatbot-lab").expanduser())
    prices: str | None = None
    budget_usd: float | None = None
    telegram_token: str | None = field(default=None, repr=False)
    telegram_base_url: str | None = None
    telegram_allowed_users: frozenset[int] = frozenset()
    telegram_public: bool = False
    knowledge: tuple[Path, ...] = ()  # the host's documents the Telegram bot answers from
    # Hosting: policy for a public deployment (a Space), not another code path.
    hosted: bool = False
    daily_budget_usd: float | None = None
    db_path: Path | None = None  # None: chatbot.sqlite3 in cache_dir
    allowed_base_urls: tuple[str, ...] = ()
    server_name: str = "127.0.0.1"
    # Headers the SDK adds from the environment (OPENAI_ORG_ID, OPENAI_PROJECT_ID,
    # OPENAI_CUSTOM_HEADERS): the host's, never sent with a visitor's key or URL.
    host_headers: tuple[str, ...] = HOST_HEADERS
    # Limits, with defaults that fit a 2-core Space.
    max_upload_mb: int = 20
    queue_size: int = 64
    concurrency: int = 8
    # Model calls at once when the default backend is remote (OpenAI, a compatible server):
    # waiting on a server costs no CPU here, so a class is not held to the 2-core limit above.
    remote_concurrency: int = 32
    client_cache: int = 64
    max_line_kb: int = 1024

    @property
    def key_for_openai(self) -> str | None:
        """The host's key for api.openai.com itself: none when it belongs to the host's base URL
        (a proxy, a compatible server), so choosing "OpenAI" never carries it elsewhere."""
        return None if self.openai_base_url else self.openai_api_key

    @property
    def database(self) -> Path:
        return self.db_path or self.cache_dir / "chatbot.sqlite3"

    def session_budget(self, requested: float | None) -> float | None:
        """In hosted mode CHATBOT_BUDGET_USD is a ceiling a visitor can lower, not raise or clear;
        on one's own machine the session's choice stands."""
        if not self.hosted or self.budget_usd is None:
            return requested
        return self.budget_usd if requested is None else min(requested, self.budget_usd)

    @property
    def public_listener(self) -> bool:
        """Anyone on the network can reach the app, so a typed URL could aim at the host's LAN."""
        return self.server_name not in LOOPBACK_NAMES

    def start_warnings(self, lang: str) -> list[str]:
        """What the person starting the app must know before anyone else reaches it."""
        if not self.public_listener or self.hosted or not self.openai_api_key:
            return []
        return [say(lang, "settings.public_listener", host=self.server_name)]

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Every problem is named at once, so a student fixes their `.env` in one go."""
        env = os.environ if environ is None else environ
        problems: list[Msg] = []
        key = env.get("OPENAI_API_KEY", "").strip() or None
        base_url = env.get("OPENAI_BASE_URL", "").strip() or None
        if base_url and not base_url.startswith(("http://", "https://")):
            problems.append(Msg("settings.http_url", key="OPENAI_BASE_URL", value=repr(base_url)))
        db = env.get("CHATBOT_DB", "").strip()
        hosted = bool(env.get("SPACE_ID", "").strip()) or env.get(
            "CHATBOT_HOSTED", "").strip().lower() in TRUE
        settings = cls(
            openai_api_key=key,
            openai_base_url=base_url.rstrip("/") if base_url else None,
            backend=_backend(env, bool(key or base_url), problems),
            model=env.get("CHATBOT_MODEL", "").strip() or None,
            timeout=_env_float(env, "CHATBOT_TIMEOUT", 60.0, 1.0, 3600.0, problems) or 60.0,
            max_retries=_env_int(env, "CHATBOT_MAX_RETRIES", 2, 0, 10, problems),
            local_model_path=_local_model(env, problems),
            local_threads=_env_int(env, "CHATBOT_LOCAL_THREADS", 0, 0, 256, problems),
            local_ctx=_env_int(env, "CHATBOT_LOCAL_CTX", 4096, 512, 32768, problems),
            local_port=_env_int(env, "CHATBOT_LOCAL_PORT", 0, 0, 65535, problems),
            local_slots=_env_int(env, "CHATBOT_LOCAL_SLOTS", 16, 1, 64, problems),
            # Off on a public host unless the host turns it on: it takes ~11 GB and the CPU.
            local_training=_switch(env, "CHATBOT_LOCAL_TRAINING", not hosted, problems),
            llama_server=_path(env, "CHATBOT_LLAMA_SERVER"),
            # On a Space too: its image has a compiler, requirements.txt no engine (docs/install.md).
            engine_build=_switch(env, "CHATBOT_ENGINE_BUILD", True, problems),
            cache_dir=Path(env.get("CHATBOT_CACHE_DIR", "~/.cache/chatbot-lab")).expanduser(),
            prices=env.get("CHATBOT_PRICES", "").strip() or None,
            budget_usd=_env_float(env, "CHATBOT_BUDGET_USD", None, 0.0, 1e6, problems),
            telegram_token=env.get("TELEGRAM_BOT_TOKEN", "").strip() or None,
            telegram_base_url=env.get("TELEGRAM_API_BASE_URL", "").strip() or None,
            telegram_allowed_users=_user_ids(env, problems),
            telegram_public=env.get("TELEGRAM_PUBLIC", "").strip().lower() in TRUE,
            knowledge=tuple(Path(part.strip()).expanduser() for part in
                            env.get("CHATBOT_KNOWLEDGE", "").split(",") if part.strip()),
            hosted=hosted,
            daily_budget_usd=_env_float(env, "CHATBOT_DAILY_BUDGET_USD", None, 0.0, 1e6, problems),
            db_path=Path(db).expanduser() if db else None,
            allowed_base_urls=_base_urls(env, problems),
            server_name=env.get("GRADIO_SERVER_NAME", "").strip() or "127.0.0.1",
            host_headers=HOST_HEADERS + tuple(
                line.split(":", 1)[0].strip()
                for line in env.get("OPENAI_CUSTOM_HEADERS", "").split("\n") if ":" in line),
            max_upload_mb=_env_int(env, "CHATBOT_MAX_UPLOAD_MB", 20, 1, 10_000, problems),
            queue_size=_env_int(env, "CHATBOT_QUEUE_SIZE", 64, 1, 100_000, problems),
            concurrency=_env_int(env, "CHATBOT_CONCURRENCY", 8, 1, 1024, problems),
            remote_concurrency=_env_int(env, "CHATBOT_REMOTE_CONCURRENCY", 32, 1, 1024,
                                        problems),
            client_cache=_env_int(env, "CHATBOT_CLIENT_CACHE", 64, 1, 100_000, problems),
            max_line_kb=_env_int(env, "CHATBOT_MAX_LINE_KB", 1024, 1, 1_000_000, problems),
        )
        if problems:
            raise ConfigError.keyed("settings.invalid", problems=problems)
        return settings


def _backend(env: Mapping[str, str], has_openai: bool, problems: list[Msg]) -> BackendKind:
    """CHATBOT_BACKEND if valid; else OpenAI when a key or base URL is set, the embedded model if not."""
    text = env.get("CHATBOT_BACKEND", "").strip().lower()
    backend = as_backend_kind(text) if text in BACKENDS else None
    if text and backend is None:
        problems.append(Msg("settings.backend_kind", value=repr(text)))
    if backend is None:
        backend = "openai" if has_openai else "local"
    if backend == "openai" and not has_openai:
        problems.append(Msg("settings.openai_without_key"))
    return backend


def _path(env: Mapping[str, str], name: str) -> Path | None:
    value = env.get(name, "").strip()
    return Path(value).expanduser() if value else None


def _local_model(env: Mapping[str, str], problems: list[Msg]) -> Path | None:
    local_model = env.get("CHATBOT_LOCAL_MODEL", "").strip()
    path = Path(local_model).expanduser() if local_model else None
    if path is not None and not path.is_file():
        problems.append(Msg("settings.no_such_file", key="CHATBOT_LOCAL_MODEL",
                            value=repr(local_model)))
    return path


def _user_ids(env: Mapping[str, str], problems: list[Msg]) -> frozenset[int]:
    allowed: set[int] = set()
    for part in env.get("TELEGRAM_ALLOWED_USERS", "").replace(";", ",").split(","):
        if part.strip():
            try:
                allowed.add(int(part))
            except ValueError:
                problems.append(Msg("settings.not_an_id", value=repr(part.strip())))
    return frozenset(allowed)


def _base_urls(env: Mapping[str, str], problems: list[Msg]) -> tuple[str, ...]:
    urls = tuple(u.strip().rstrip("/") for u in
                 env.get("CHATBOT_ALLOWED_BASE_URLS", "").replace(";", ",").split(",")
                 if u.strip())
    problems += [Msg("settings.http_url", key="CHATBOT_ALLOWED_BASE_URLS", value=repr(u))
                 for u in urls if not u.startswith(("http://", "https://"))]
    return urls
