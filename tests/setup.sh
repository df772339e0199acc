#!/usr/bin/env bash
# Installs what the test suite needs on a fresh machine: the app's, the engine's and the test
# tools' pip packages, and Debian's chromium for the browser tests (Playwright drives it; it
# downloads none).
set -euo pipefail
cd "$(dirname "$0")/.."
# The engine is built from source (a compiler is needed here, as on any machine that runs the
# whole suite); one pip run, so a failed build installs nothing rather than half.
python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt \
  -r requirements-engine.txt
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
chromium --version
