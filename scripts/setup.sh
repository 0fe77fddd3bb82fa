#!/usr/bin/env bash
# Create .venv and install nexus_zones into it.
#   bash scripts/setup.sh          # the tool
#   bash scripts/setup.sh --test   # the tool, the test tools, Debian's chromium (browser tests) and nodejs (page kernel tests)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
if [ "${1:-}" = "--test" ]; then
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
  # Playwright drives Debian's chromium (it never downloads a browser of its own); Node's own test
  # runner checks the page's scoring kernel (tests/page, no npm package).
  MISSING=""
  [ -x /usr/bin/chromium ] || MISSING="chromium"
  command -v node >/dev/null || MISSING="$MISSING nodejs"
  if [ -n "$MISSING" ]; then
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $MISSING >/dev/null
  fi
else
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e .
fi
