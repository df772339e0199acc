#!/usr/bin/env bash
# Every check, fastest failure first: lint (ruff), types (mypy, configured in pyproject.toml), the
# layering contract (tests/test_layers.py: layers, features' public faces, no cycle, sizes), then
# the test suite. Any failure fails the run; pytest's exit code 5 (no tests collected) included.
# Extra arguments go to pytest (e.g. `bash tests/check.sh -x -k chat`).
set -euo pipefail
cd "$(dirname "$0")/.."
ruff check .
mypy
python -m pytest -q tests/test_layers.py
python -m pytest "$@"
