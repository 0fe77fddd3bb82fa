#!/usr/bin/env bash
# Set everything up and run the bundled demo: writes maps/demo.html and the demo tables.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/nexus-zones run configs/demo.yaml "$@"
