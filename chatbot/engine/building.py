"""Building llama.cpp from the app, in the background, where a compiler exists and no engine does.

requirements.txt leaves the engine out so that it never fails on a machine without a compiler
(pip installs nothing when one requirement fails to build). So `python app.py` runs
`pip install -r requirements-engine.txt` itself: the page answers at once on any other backend,
the status line shows the build's progress, and pip's wheel cache makes the next install
instant. A failed pip run leaves the environment as it was.
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

# The build's steps, which pip shows with -v: Ninja's "[120/268] …", Make's "[ 45%] …".
_STEP = re.compile(rb"\[(\d+)/(\d+)\]|\[\s*(\d+)%\]")


def _which(env: str, names: tuple[str, ...]) -> bool:
    """CC / CXX when set (as CMake reads them), else any usual compiler name on PATH."""
    chosen = os.environ.get(env, "").split()
    return bool(shutil.which(chosen[0])) if chosen else any(shutil.which(n) for n in names)


def compiler_found() -> bool:
    """A C and a C++ compiler CMake would find (on Windows, Visual Studio's or one on PATH)."""
    if sys.platform == "win32":
        vswhere = Path(os.environ.get("PROGRAMFILES(X86)", r"C:\Program Files (x86)"),
                       "Microsoft Visual Studio", "Installer", "vswhere.exe")
        return vswhere.is_file() or _which("CXX", ("cl", "g++", "clang++"))
    return _which("CC", ("cc", "gcc", "clang")) and _which("CXX", ("c++", "g++", "clang++"))


def _end(proc: subprocess.Popen[bytes]) -> None:
    """pip and the compilers under it (a session of their own on POSIX)."""
    if proc.poll() is None:
        if hasattr(os, "killpg"):
            os.killpg(proc.pid, signal.SIGTERM)
        else:
            proc.terminate()


class EngineBuild:
    """One `pip install -r requirements-engine.txt`, its log and its progress."""

    def __init__(self, requirements: Path, log_path: Path) -> None:
        self.requirements = requirements
        self.log_path = log_path
        self.error: str | None = None
        self.running = False
        self._started = time.monotonic()

    def command(self) -> list[str]:
        return [sys.executable, "-m", "pip", "install", "-v", "--disable-pip-version-check",
                "--progress-bar", "off", "-r", str(self.requirements)]

    def run(self) -> None:
        """Blocks for the build (minutes); sets `error` if pip failed."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self.running, self._started = True, time.monotonic()
        try:
            with self.log_path.open("wb") as log:
                proc = subprocess.Popen(self.command(), stdout=log, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL, start_new_session=True)
                # Ends with the app: pip stopped mid-build installs nothing, so nothing is half.
                atexit.register(_end, proc)
                code = proc.wait()
                atexit.unregister(_end)
            if code:
                tail = self.log_path.read_bytes()[-400:].decode(errors="replace").strip()
                self.error = f"pip ({code}), log: {self.log_path}: …{tail}"
        finally:
            self.running = False

    @property
    def progress(self) -> str:
        """Minutes so far and the build's last step as a percentage, from the log's tail."""
        minutes = int((time.monotonic() - self._started) // 60)
        try:
            with self.log_path.open("rb") as log:
                log.seek(max(0, self.log_path.stat().st_size - 16384))
                found = _STEP.findall(log.read())
        except OSError:
            found = []
        if not found:
            return f"{minutes} min"
        step, total, percent = found[-1]
        done = int(step) * 100 // int(total) if total else int(percent)
        return f"{minutes} min, {done} %"
