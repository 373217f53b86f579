#!/usr/bin/env bash
# Creates .venv with the locked dependencies and builds the local Danish spaCy pipeline.
# Idempotent: does nothing when the lock file and the pipeline builder are unchanged.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=.venv
LOCK=requirements.lock
SPACY_DIR=models/spacy/da_vejviser
stamp_of() { cat "$LOCK" scripts/build_spacy_model.py | sha256sum | cut -c1-16; }
STAMP="$VENV/.vejviser-installed-$(stamp_of)"

if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null; then
  PY="$(scripts/find_python310.sh)"
  echo "setup: creating $VENV with $PY"
  rm -rf "$VENV"
  "$PY" -m venv "$VENV"
fi

if [ ! -f "$STAMP" ]; then
  echo "setup: installing locked dependencies (first run takes a few minutes)"
  "$VENV/bin/python" -m pip install --quiet --upgrade pip wheel==0.45.1 setuptools==70.3.0
  "$VENV/bin/python" -m pip install --quiet --no-deps -r "$LOCK"
  "$VENV/bin/python" -m pip check
  rm -f "$SPACY_DIR/config.cfg"
  rm -f "$VENV"/.vejviser-installed-*
  touch "$STAMP"
fi

if [ ! -f "$SPACY_DIR/config.cfg" ]; then
  "$VENV/bin/python" scripts/build_spacy_model.py "$SPACY_DIR"
fi

# The widget's front-end packages (socket.io client; axe-core for the accessibility
# test) from the npm registry, exactly as web/package-lock.json pins them.
WEB_STAMP="web/node_modules/.vejviser-installed-$(sha256sum web/package-lock.json | cut -c1-16)"
if [ ! -f "$WEB_STAMP" ]; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "setup: npm (Node.js 18 or newer) is needed for the chat widget: apt-get install nodejs npm" >&2
    exit 1
  fi
  echo "setup: installing the widget's npm packages (web/package-lock.json)"
  npm ci --prefix web --no-audit --no-fund --loglevel=error
  touch "$WEB_STAMP"
fi
