#!/usr/bin/env bash
# Set everything up, then open ALBERT Studio on its sample project.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python main.py "$@"
