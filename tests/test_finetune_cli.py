"""`python -m chatbot finetune …` as a student runs it: exit codes, messages, never a traceback."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fakes.openai_server import FakeOpenAI

from .conftest import ROOT

DATA = Path(__file__).parent / "data" / "finetune"


def run_cli(*args: str | Path, env: dict[str, str] | None = None,
            cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """In English unless `env` sets CHATBOT_LANG (the machine's locale must not decide)."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), "CHATBOT_LANG": "en", **(env or {})}
    proc = subprocess.run([sys.executable, "-m", "chatbot", "finetune", *map(str, args)],
                          cwd=cwd, env=full_env, capture_output=True, text=True, timeout=300)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


@pytest.fixture
def work(tmp_path: Path) -> Path:
    for f in DATA.iterdir():
        shutil.copy(f, tmp_path / f.name)
    return tmp_path


FAKE_OPTIONS = {"ft_step_seconds": 0.02}  # for conftest's `fake`


def openai_env(fake: FakeOpenAI) -> dict[str, str]:
    return {"CHATBOT_BACKEND": "openai", "OPENAI_BASE_URL": fake.base_url,
            "OPENAI_API_KEY": "sk-test-cli"}


def test_validate_exit_codes_and_line_numbers(work: Path) -> None:
    bad = run_cli("validate", work / "chat_broken.jsonl")
    assert bad.returncode == 1
    assert "line 2: error [invalid_json]" in bad.stdout
    assert "line 9: warning [duplicate]" in bad.stdout
    good = run_cli("validate", work / "chat_bom_crlf.jsonl")
    assert good.returncode == 0 and "No errors" in good.stdout
    spanish = run_cli("validate", work / "chat_broken.jsonl", env={"CHATBOT_LANG": "es"})
    assert "línea 2: error [invalid_json] JSON no válido" in spanish.stdout
    assert "línea 9: aviso [duplicate] Ejemplo repetido" in spanish.stdout
    assert " / " not in spanish.stdout and "line 2" not in spanish.stdout
    assert "Sin errores" in run_cli("validate", work / "chat_bom_crlf.jsonl",
                                    env={"CHATBOT_LANG": "es"}).stdout


def test_help_is_in_the_cli_s_language() -> None:
    spanish = run_cli("--help", env={"CHATBOT_LANG": "es"}).stdout
    english = run_cli("--help").stdout
    assert "Valida, prepara, estima" in spanish and "Validate," not in spanish
    assert "Validate, prepare, cost" in english and "Valida," not in english
    create = run_cli("create", "--help", env={"CHATBOT_LANG": "es"}).stdout
    assert "dónde entrenar" in create and "where to train" not in create


def test_bad_input_is_a_message_not_a_traceback(work: Path) -> None:
    blob = work / "photo.jsonl"
    blob.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    errors = {}
    for args in (("validate", blob), ("validate", work / "missing.jsonl"),
                 ("prepare", work / "wrong_columns.csv")):
        proc = run_cli(*args)
        assert proc.returncode == 2 and proc.stderr.startswith("error:"), (args, proc.stderr)
        errors[args[0] + " " + Path(args[1]).name] = proc.stderr
    assert "PNG" in errors["validate photo.jsonl"]
    assert "missing.jsonl" in errors["validate missing.jsonl"]
    assert "'id', 'name', 'email'" in errors["prepare wrong_columns.csv"]
    assert errors["validate missing.jsonl"].startswith("error: File not found:")
    spanish = run_cli("validate", work / "missing.jsonl", env={"CHATBOT_LANG": "es"}).stderr
    assert "No encuentro el fichero" in spanish and "not found" not in spanish


def test_prepare_csv_writes_beside_the_input(work: Path) -> None:
    src = work / "faq_excel.csv"
    before = src.read_bytes()
    proc = run_cli("prepare", src, "--system", "Eres el asistente.", "--fix", "drop_invalid",
                   "--valid", "0.25", "--seed", "3")
    assert proc.returncode == 0, proc.stderr
    train, valid = work / "faq_excel_prepared_train.jsonl", work / "faq_excel_prepared_valid.jsonl"
    assert str(train) in proc.stdout and valid.is_file()
    assert len(train.read_text(encoding="utf-8").splitlines()) == 9
    assert src.read_bytes() == before
    analysis = run_cli("prepare", work / "legacy_sentiment.jsonl", "--output", "legacy",
                       "--analyze")
    assert "--fix add_separator" in analysis.stdout and "classification" in analysis.stdout


def test_cost_prints_epochs_and_price(work: Path) -> None:
    proc = run_cli("cost", work / "chat_valid.jsonl", "--model", "gpt-4o-mini")
    assert proc.returncode == 0
    assert "Epochs: 8" in proc.stdout and "$" in proc.stdout


def test_job_created_and_followed_to_success(work: Path, fake: FakeOpenAI) -> None:
    proc = run_cli("create", work / "chat_valid.jsonl", "--suffix", "cli", "--epochs", "2",
                   "--follow", "--interval", "0.05", env=openai_env(fake))
    assert proc.returncode == 0, proc.stderr
    assert "Succeeded" in proc.stdout and ":cli:" in proc.stdout
    listing = run_cli("status", env=openai_env(fake))
    assert "ft:gpt-4o-mini" in listing.stdout


def test_job_failing_on_the_server_exits_1(work: Path, fake: FakeOpenAI) -> None:
    few = work / "few.jsonl"
    few.write_text("\n".join((DATA / "chat_valid.jsonl").read_text(encoding="utf-8")
                             .splitlines()[:3]) + "\n", encoding="utf-8")
    proc = run_cli("create", few, "--no-check", "--follow", "--interval", "0.05",
                   env=openai_env(fake))
    assert proc.returncode == 1 and "Failed" in proc.stdout and "at least 10" in proc.stdout


def test_cancel_and_status(work: Path, fake: FakeOpenAI) -> None:
    fake.ft_step_seconds = 60
    created = run_cli("create", work / "chat_valid.jsonl", env=openai_env(fake))
    job_id = next(w for w in created.stdout.split() if w.startswith("ftjob-"))
    cancelled = run_cli("cancel", job_id, env=openai_env(fake))
    assert cancelled.returncode == 0 and "Cancelled" in cancelled.stdout
    again = run_cli("cancel", job_id, env=openai_env(fake))
    assert again.returncode == 2 and "cannot be cancelled" in again.stderr
    assert "Cancelled" in run_cli("status", job_id, env=openai_env(fake)).stdout


def test_embedded_backend_refuses_jobs_plainly(work: Path) -> None:
    proc = run_cli("create", work / "chat_valid.jsonl", env={"CHATBOT_BACKEND": "local"})
    assert proc.returncode == 2 and "--backend local" in proc.stderr


def test_evaluate_two_models(work: Path, fake: FakeOpenAI) -> None:
    fake.reply = lambda body: "positive" if body["model"] == "base" else "negative"
    fake.strict_models = False
    proc = run_cli("evaluate", work / "sentiment_eval.csv", "--model-a", "base",
                   "--model-b", "tuned", "--max-tokens", "4", env=openai_env(fake))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("accuracy 33%") == 2
    assert "B negative: P=0.33 R=1.00" in proc.stdout and "A positive: P=0.33" in proc.stdout
    assert len(fake.requests_to("/v1/chat/completions")) == 12
