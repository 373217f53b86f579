#!/usr/bin/env bash
# Starts the booking service, the outbox relay, the action server and the Rasa server
# (REST channel); Ctrl-C stops them all.
# `scripts/run.sh shell` starts an interactive terminal chat instead of the server.
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2 SQLALCHEMY_SILENCE_UBER_WARNING=1
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
RASA_PORT="${RASA_PORT:-5005}"
ACTIONS_PORT="${ACTIONS_PORT:-5055}"
BOOKING_PORT="${BOOKING_PORT:-5056}"
export BOOKING_URL="${BOOKING_URL:-http://127.0.0.1:$BOOKING_PORT}"
# The action server and the booking service share a bearer token. Without one in the
# environment, each run makes a fresh random token (never written to disk).
export BOOKING_API_TOKEN="${BOOKING_API_TOKEN:-$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(32))')}"
mkdir -p var logs

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

.venv/bin/python -m bot.booking_service serve --host 127.0.0.1 --port "$BOOKING_PORT" >>logs/booking.log 2>&1 &
pids+=($!)
echo "run: booking service on $BOOKING_URL (API docs: $BOOKING_URL/docs, log: logs/booking.log)"
.venv/bin/python -m actions.outbox_relay >>logs/outbox.log 2>&1 &
pids+=($!)

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
