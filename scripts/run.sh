#!/usr/bin/env bash
# Starts the booking service, the outbox relay, the action server and the Rasa server
# (REST channel); Ctrl-C stops them all.
# `scripts/run.sh shell` starts an interactive terminal chat instead of the server.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/local_env.sh
ACTIONS_PORT="${ACTIONS_PORT:-5055}"
BOOKING_PORT="${BOOKING_PORT:-5056}"
export BOOKING_URL="${BOOKING_URL:-http://127.0.0.1:$BOOKING_PORT}"
DEMO_PORT="${DEMO_PORT:-8080}"
export BOOKING_API_TOKEN="${BOOKING_API_TOKEN:-$(random_secret)}"
# SMS: without a real gateway configured, answers go to a local stand-in for Twilio's
# API (bot/services/sms_gateway/server.py); see what was sent at http://127.0.0.1:$SMS_GATEWAY_PORT/messages
SMS_GATEWAY_PORT="${SMS_GATEWAY_PORT:-5057}"
if [ -z "${TWILIO_API_URL:-}" ]; then
  export TWILIO_API_URL="http://127.0.0.1:$SMS_GATEWAY_PORT" LOCAL_SMS_GATEWAY=1
  export TWILIO_ACCOUNT_SID="${TWILIO_ACCOUNT_SID:-AClocal}" TWILIO_FROM_NUMBER="${TWILIO_FROM_NUMBER:-+4570000000}"
fi
# The sites that may embed the widget: here the demo page.
export WIDGET_ALLOWED_ORIGINS="${WIDGET_ALLOWED_ORIGINS:-http://127.0.0.1:$DEMO_PORT,http://localhost:$DEMO_PORT}"

# Nothing starts on an invalid municipality profile ($VEJVISER_PROFILE): one line says what is wrong.
.venv/bin/python -m bot.core.profile --current >/dev/null

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

.venv/bin/python -m bot.services.booking serve --host 127.0.0.1 --port "$BOOKING_PORT" >>logs/booking.log 2>&1 &
pids+=($!)
echo "run: booking service on $BOOKING_URL (API docs: $BOOKING_URL/docs, log: logs/booking.log)"
.venv/bin/python -m bot.services.outbox_relay >>logs/outbox.log 2>&1 &
pids+=($!)

# Only Rasa on this machine may call the action server.
.venv/bin/python -m actions.server --host 127.0.0.1 --port "$ACTIONS_PORT" >>logs/actions.log 2>&1 &
pids+=($!)
echo "run: action server on http://127.0.0.1:$ACTIONS_PORT (log: logs/actions.log)"

if [ "${1:-}" = "shell" ]; then
  .venv/bin/rasa shell --model models/vejviser.tar.gz --endpoints endpoints.yml
  exit 0
fi

if [ -n "${LOCAL_SMS_GATEWAY:-}" ]; then
  .venv/bin/python -m bot.services.sms_gateway --port "$SMS_GATEWAY_PORT" >>logs/sms-gateway.log 2>&1 &
  pids+=($!)
  echo "run: local SMS gateway on $TWILIO_API_URL (sent SMS: $TWILIO_API_URL/messages; scripts/sms.sh sends one)"
fi
.venv/bin/python -m bot.services.demo_site --port "$DEMO_PORT" --assistant-url "http://127.0.0.1:$RASA_PORT" >>logs/demo.log 2>&1 &
pids+=($!)

# Migrate once before the desk's server and worker start (both would race on a new database).
.venv/bin/python -m bot.services.desk migrate --no-input >>logs/desk.log 2>&1
.venv/bin/python -m bot.services.desk serve --host 127.0.0.1 --port "$DESK_PORT" >>logs/desk.log 2>&1 &
pids+=($!)
.venv/bin/python -m bot.services.desk worker >>logs/desk-worker.log 2>&1 &
pids+=($!)
echo "run: staff desk on http://127.0.0.1:$DESK_PORT/ (first account: make desk-admin; log: logs/desk.log)"

echo "run: Rasa on http://127.0.0.1:$RASA_PORT  (REST: POST /webhooks/rest/webhook, SMS: POST /webhooks/sms/webhook)"
echo "run: chat widget demo page on http://127.0.0.1:$DEMO_PORT/"
.venv/bin/rasa run --model models/vejviser.tar.gz --endpoints endpoints.yml \
  --credentials credentials.yml --port "$RASA_PORT" --interface 127.0.0.1 &
pids+=($!)
wait -n
