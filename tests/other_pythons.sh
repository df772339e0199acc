#!/usr/bin/env bash
# The app on other Pythons (arguments: minor versions, e.g. `3.12 3.13`), each in a fresh venv under
# .venvs/ from pyenv's newest patch release of it: requirements.txt and the test tools only, so
# nothing is compiled and llama_cpp is not importable there (the start-up path must not need it).
# The engine is the llama-server that tests/setup.sh built in the current environment, put on PATH
# like a prebuilt one (winget, Homebrew, conda-forge). Extra tests: PYTESTS="tests/test_x.py …".
set -euo pipefail
cd "$(dirname "$0")/.."
server=$(python -c "from chatbot.engine.finding import EngineLocator; from pathlib import Path; \
print(EngineLocator(Path('.')).find_binary() or '')")
[ -n "$server" ] || { echo "no llama-server: run tests/setup.sh first" >&2; exit 1; }
tests=${PYTESTS:-"tests/test_app_api.py tests/test_client_embedded.py tests/test_client_errors.py \
tests/test_client_finetune_api.py tests/test_client_reasoning.py tests/test_local.py \
tests/test_engine_find.py tests/test_settings.py tests/test_sentiment_tab.py"}
for minor in "$@"; do
  patch=$(pyenv versions --bare | grep -E "^${minor//./\\.}\.[0-9]+$" | sort -t. -k3 -n | tail -1)
  [ -n "$patch" ] || { echo "pyenv has no Python $minor" >&2; exit 1; }
  venv=".venvs/py$minor"
  "$(pyenv root)/versions/$patch/bin/python" -m venv --clear "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
  echo "== Python $patch: $tests"
  # shellcheck disable=SC2086  # the list is word-split on purpose
  PATH="$(dirname "$server"):$PATH" "$venv/bin/python" -m pytest -q $tests
done
