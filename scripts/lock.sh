#!/usr/bin/env bash
# Re-resolves requirements.in in a throw-away venv and writes requirements.lock.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
"$(scripts/find_python310.sh)" -m venv "$tmp/venv"
"$tmp/venv/bin/pip" install --quiet --upgrade pip wheel==0.45.1 setuptools==70.3.0
"$tmp/venv/bin/pip" install --quiet -r requirements.in
"$tmp/venv/bin/pip" freeze --exclude-editable > requirements.lock
echo "lock: wrote requirements.lock ($(wc -l < requirements.lock) packages)"
