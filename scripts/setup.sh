#!/usr/bin/env bash
# Create .venv and install ALBERT Studio with everything it needs. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "creating .venv"
  "$PY" -m venv .venv
fi
VPY=.venv/bin/python
"$VPY" -m pip install -q --upgrade pip >/dev/null
if ! "$VPY" -c "import torch" >/dev/null 2>&1; then
  # A CPU build where there is no NVIDIA GPU keeps the set-up small and fast; a GPU
  # machine gets the default (CUDA) build of the same release.
  echo "installing torch"
  "$VPY" -m pip install -q "torch==2.13.0"
fi
echo "installing albert-studio and its dependencies"
"$VPY" -m pip install -q -e ".[dev]"
# Qt needs these X11 libraries for a real window on Debian/Ubuntu (not for offscreen tests).
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null && [ -z "${CI:-}" ] && [ -z "${ALBERT_SKIP_APT:-}" ]; then
  if ! ldconfig -p 2>/dev/null | grep -q libxcb-cursor.so.0; then
    echo "installing Qt's X11 libraries (apt-get)"
    (apt-get update -qq && apt-get install -y -qq libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0 libxkbcommon-x11-0 libegl1 libgl1 libfontconfig1 libdbus-1-3 >/dev/null) \
      || echo "could not install Qt's X11 libraries; the app will explain what is missing"
  fi
fi
echo "ready: .venv"
