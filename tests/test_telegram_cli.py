"""`python -m chatbot telegram` as a user runs it: a subprocess, configured by the environment."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.telegram_server import FakeTelegram

ROOT = Path(__file__).resolve().parent.parent


def bot_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """No .env of the developer's: the run happens in an empty directory."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "OPENAI_"))}
    env |= {"PYTHONPATH": str(ROOT), "CHATBOT_ENV_FILE": str(tmp_path / "none.env"),
            "CHATBOT_LANG": "es", **extra}  # the bot's own language: these tests read Spanish
    (tmp_path / "none.env").write_text("")
    return env


def run_cli(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "chatbot", "telegram", *args], cwd=tmp_path,
                          env=bot_env(tmp_path, **env), capture_output=True, text=True,
                          timeout=120)


def test_missing_token_is_named_with_the_fix_and_exits_2(tmp_path: Path) -> None:
    done = run_cli(tmp_path)
    assert done.returncode == 2
    assert "TELEGRAM_BOT_TOKEN" in done.stderr and "@BotFather" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def test_a_rejected_token_or_an_unreachable_server_exits_2_without_traceback(
        tmp_path: Path) -> None:
    with FakeTelegram() as telegram:
        done = run_cli(tmp_path, TELEGRAM_BOT_TOKEN="999:wrong-token", TELEGRAM_PUBLIC="1",
                       TELEGRAM_API_BASE_URL=telegram.base_url, CHATBOT_BACKEND="local")
    assert done.returncode == 2
    assert "rechazó el token." in done.stderr and "Traceback" not in done.stderr
    [error] = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
    assert "rejected" not in error and " / " not in error  # one language
    assert "999:wrong-token" not in done.stderr
    done = run_cli(tmp_path, TELEGRAM_BOT_TOKEN="1:x", CHATBOT_BACKEND="local",
                   TELEGRAM_ALLOWED_USERS="7", TELEGRAM_API_BASE_URL="http://127.0.0.1:9/bot")
    assert done.returncode == 2
    assert "No puedo conectar con la API de Telegram" in done.stderr
    assert "Traceback" not in done.stderr


def test_without_an_allow_list_it_refuses_to_start(tmp_path: Path) -> None:
    with FakeTelegram() as telegram:
        done = run_cli(tmp_path, TELEGRAM_BOT_TOKEN=telegram.token, CHATBOT_BACKEND="local",
                       TELEGRAM_API_BASE_URL=telegram.base_url)
        assert telegram.calls_to("getMe") == []  # refused before any request
    assert done.returncode == 2
    assert "TELEGRAM_ALLOWED_USERS" in done.stderr and "TELEGRAM_PUBLIC=1" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_knowledge_file_that_is_not_there_stops_the_bot_before_it_serves(
        tmp_path: Path) -> None:
    with FakeTelegram() as telegram:
        done = run_cli(tmp_path, "--knowledge", "faq-perdida.md", TELEGRAM_BOT_TOKEN=telegram.token,
                       TELEGRAM_API_BASE_URL=telegram.base_url, CHATBOT_BACKEND="local",
                       TELEGRAM_PUBLIC="1", CHATBOT_LANG="en")
        assert telegram.calls_to("getMe") == []
    assert done.returncode == 2
    assert "Cannot load the bot's documents" in done.stderr and "faq-perdida.md" in done.stderr
    assert "Traceback" not in done.stderr and "No puedo" not in done.stderr


@pytest.fixture
def fakes() -> Iterator[tuple[FakeTelegram, FakeOpenAI]]:
    with FakeTelegram() as telegram, FakeOpenAI() as openai_fake:
        yield telegram, openai_fake


def test_the_command_serves_until_interrupted_and_never_logs_the_token(
        tmp_path: Path, fakes: tuple[FakeTelegram, FakeOpenAI]) -> None:
    telegram, openai_fake = fakes
    env = bot_env(tmp_path, TELEGRAM_BOT_TOKEN=telegram.token,
                  TELEGRAM_API_BASE_URL=telegram.base_url, OPENAI_API_KEY="sk-test-cli-0000",
                  OPENAI_BASE_URL=openai_fake.base_url, CHATBOT_MODEL="gpt-4o-mini",
                  TELEGRAM_ALLOWED_USERS="7")
    log = tmp_path / "bot.log"
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "chatbot", "telegram", "--persona",
                                 "tutor", "--max-tokens", "32", "-v"], cwd=tmp_path, env=env,
                                stdout=out, stderr=subprocess.STDOUT, text=True)
    try:
        telegram.user_says(7, "/start")
        telegram.user_says(7, "hola")
        telegram.wait_for(lambda: proc.poll() is not None
                          or telegram.texts(7)[-1:] == ["echo: hola"], timeout=90)
        assert proc.poll() is None, log.read_text()
    finally:
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=60)
    output = log.read_text()
    assert code == 0, output
    assert telegram.texts(7)[0].startswith("Hola, soy Profe Python")
    assert openai_fake.requests_to("/v1/chat/completions")[0].json["max_tokens"] == 32
    assert "getUpdates" in output  # debug logging on, so request URLs were logged...
    assert telegram.token not in output  # ...with the token redacted
    assert "Traceback" not in output
