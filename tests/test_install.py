"""requirements.txt installs on the students' machines without a compiler: resolved for Windows
x86-64 and macOS arm64 on every supported Python with source builds disabled (uv does this from
Linux), every pin and dependency must have a wheel there. The engine, which has none, lives in
requirements-engine.txt; resolving it the same way must fail, or this check proves nothing."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PLATFORMS = ("x86_64-pc-windows-msvc", "aarch64-apple-darwin")
PYTHONS = ("3.11", "3.12", "3.13")


def compile_without_builds(requirements: Path, platform: str, python: str,
                           ) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "uv", "pip", "compile", "--quiet", "--no-header", "--no-build",
         "--python-platform", platform, "--python-version", python, str(requirements)],
        capture_output=True, text=True, timeout=300, check=False)


@pytest.mark.parametrize("python", PYTHONS)
@pytest.mark.parametrize("platform", PLATFORMS)
def test_requirements_need_no_compiler(platform: str, python: str) -> None:
    done = compile_without_builds(ROOT / "requirements.txt", platform, python)
    assert done.returncode == 0, done.stderr
    assert re.search(r"^gradio==", done.stdout, re.M)  # the whole app was resolved, not a stub


def test_the_engine_needs_one(tmp_path: Path) -> None:
    """Without the per-line build options pip reads (uv refuses them), the engine's pin alone."""
    pins = set(re.findall(r"^(llama-cpp-python==[^\s;]+)",
                          (ROOT / "requirements-engine.txt").read_text(), re.M))
    assert len(pins) == 1, pins
    engine = tmp_path / "engine.txt"
    engine.write_text(f"{pins.pop()}\n")
    done = compile_without_builds(engine, PLATFORMS[0], PYTHONS[0])
    assert done.returncode != 0
    assert "llama-cpp-python" in done.stderr


def test_requirements_hold_no_engine() -> None:
    """The app's own file never names the engine: one failed build would install nothing."""
    text = (ROOT / "requirements.txt").read_text().lower()
    assert "llama-cpp-python" not in text and "config-settings" not in text
