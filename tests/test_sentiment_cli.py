"""`python -m chatbot sentiment …` as a user runs it, against the fake OpenAI server."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.fakes.openai_server import FakeOpenAI

ROOT = Path(__file__).resolve().parent.parent


def answer(body: dict[str, Any]) -> str:
    tweet = body["messages"][-1]["content"].lower()
    return "negative" if "odio" in tweet else "positive" if "love" in tweet else "neutral"


FAKE_OPTIONS = {"reply": answer}  # for conftest's `module_fake`


def run_cli(module_fake: FakeOpenAI, *args: str | Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OPENAI_BASE_URL": module_fake.base_url,
           "OPENAI_API_KEY": "sk-test-0000", "CHATBOT_LANG": "es"}  # the CLI follows its locale
    proc = subprocess.run([sys.executable, "-m", "chatbot", "sentiment", *map(str, args)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def test_classify_prints_the_label_and_how_it_decided(module_fake: FakeOpenAI) -> None:
    proc = run_cli(module_fake, "classify", "Odio los lunes")
    assert proc.returncode == 0
    assert "negativo" in proc.stdout and "Calibrado" in proc.stdout


def test_batch_writes_a_new_csv_and_never_the_input(module_fake: FakeOpenAI, tmp_path: Path) -> None:
    source = tmp_path / "tweets.csv"
    source.write_text("text\nI love it\nOdio esperar\nEl tren sale a las 9\n", encoding="utf-8")
    out = tmp_path / "labelled.csv"
    proc = run_cli(module_fake, "batch", source, "--output", out, "--no-calibration")
    assert proc.returncode == 0 and "written" in proc.stdout
    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["text"], r["label"]) for r in rows] == [
        ("I love it", "positive"), ("Odio esperar", "negative"),
        ("El tren sale a las 9", "neutral")]
    same = run_cli(module_fake, "batch", source, "--output", source)
    assert same.returncode == 2 and "no puede ser el fichero de entrada" in same.stderr


def test_a_method_that_needs_a_pool_says_so(module_fake: FakeOpenAI) -> None:
    proc = run_cli(module_fake, "classify", "hola", "--method", "similar")
    assert proc.returncode == 2 and "needs a pool" in proc.stderr
