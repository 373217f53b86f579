#!/usr/bin/env bash
# Sends one SMS to the running assistant as Twilio would: a form-encoded webhook signed
# with X-Twilio-Signature (the token from var/local-secrets.env or the environment).
#   scripts/sms.sh "hvordan søger jeg su" [+4520304050]
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${TWILIO_AUTH_TOKEN:-}" ] && [ -f var/local-secrets.env ]; then
  TWILIO_AUTH_TOKEN="$(sed -n 's/^TWILIO_AUTH_TOKEN=//p' var/local-secrets.env)"
fi
export TWILIO_AUTH_TOKEN
exec .venv/bin/python - "${1:?usage: scripts/sms.sh TEXT [FROM]}" "${2:-+4520304050}" \
  "${SMS_WEBHOOK_URL:-http://127.0.0.1:${RASA_PORT:-5005}/webhooks/sms/webhook}" <<'PY'
import os, sys, uuid
import requests
from twilio.request_validator import RequestValidator

text, sender, url = sys.argv[1:4]
form = {"MessageSid": "SM" + uuid.uuid4().hex, "AccountSid": os.environ.get("TWILIO_ACCOUNT_SID", "AClocal"),
        "From": sender, "To": os.environ.get("TWILIO_FROM_NUMBER", "+4570000000"), "Body": text}
signature = RequestValidator(os.environ["TWILIO_AUTH_TOKEN"]).compute_signature(url, form)
reply = requests.post(url, data=form, headers={"X-Twilio-Signature": signature}, timeout=60)
print(reply.status_code, reply.text)
PY
