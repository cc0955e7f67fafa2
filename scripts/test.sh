#!/usr/bin/env bash
# Set everything up, then run the whole test suite (offscreen, CPU only).
set -euo pipefail
cd "$(dirname "$0")/.."
ALBERT_SKIP_APT=1 bash scripts/setup.sh
export QT_QPA_PLATFORM=offscreen
exec .venv/bin/python -m pytest -q "$@"
