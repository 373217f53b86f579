#!/usr/bin/env bash
# Starts the action server and the Rasa server (REST channel); Ctrl-C stops both.
# `scripts/run.sh shell` starts an interactive terminal chat instead of the server.
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2 SQLALCHEMY_SILENCE_UBER_WARNING=1
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
RASA_PORT="${RASA_PORT:-5005}"
ACTIONS_PORT="${ACTIONS_PORT:-5055}"
mkdir -p var logs

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

# Only Rasa on this machine may call the action server.
SANIC_HOST=127.0.0.1 .venv/bin/rasa run actions --actions actions --port "$ACTIONS_PORT" >>logs/actions.log 2>&1 &
pids+=($!)
echo "run: action server on http://127.0.0.1:$ACTIONS_PORT (log: logs/actions.log)"

if [ "${1:-}" = "shell" ]; then
  .venv/bin/rasa shell --model models/vejviser.tar.gz --endpoints endpoints.yml
  exit 0
fi

echo "run: Rasa on http://127.0.0.1:$RASA_PORT  (REST: POST /webhooks/rest/webhook)"
.venv/bin/rasa run --model models/vejviser.tar.gz --endpoints endpoints.yml \
  --credentials credentials.yml --port "$RASA_PORT" --interface 127.0.0.1 &
pids+=($!)
wait -n
