#!/usr/bin/env bash
# Set everything up (tool, test tools, Debian's chromium and nodejs) and run the whole test suite.
# pytest runs everything: the Python tests, the browser tests, and Node's tests of the page's scoring
# kernel (tests/page/test_kernel.py writes the golden cases from the model, then runs `node --test tests/page/`),
# so the closing line is pytest's and the exit code fails if either side fails.
# pytest-xdist runs one worker per core (NEXUS_ZONES_TEST_WORKERS to choose: a number, or 0 for none),
# each test file whole on one worker, so a file's module fixtures run once and the session's shared
# runs (tests/conftest.py) once per worker.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
exec .venv/bin/python -m pytest -n "${NEXUS_ZONES_TEST_WORKERS:-auto}" --dist loadfile "$@"
