# Sourced by `make run`, `make shell` and `make desk-admin`: the environment of a local run.
# Local secrets are made once in var/local-secrets.env (git-ignored, mode 600); a value
# already set in the environment wins. Production sets every secret in the environment.
export RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2 SQLALCHEMY_SILENCE_UBER_WARNING=1
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
mkdir -p var logs

random_secret() { .venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(48))'; }
LOCAL_SECRETS=var/local-secrets.env
(umask 077; touch "$LOCAL_SECRETS")
for name in WIDGET_SESSION_SECRET SMS_SENDER_KEY TWILIO_AUTH_TOKEN DESK_SECRET_KEY DESK_RASA_TOKEN; do
  if ! grep -q "^$name=" "$LOCAL_SECRETS"; then
    printf '%s=%s\n' "$name" "$(random_secret)" >> "$LOCAL_SECRETS"
  fi
done
while IFS='=' read -r name value; do
  if [ -n "$name" ] && [ -z "${!name:-}" ]; then export "$name=$value"; fi
done < "$LOCAL_SECRETS"

RASA_PORT="${RASA_PORT:-5005}"
export RASA_URL="${RASA_URL:-http://127.0.0.1:$RASA_PORT}"
# The tracker store endpoints.yml names, read by the staff desk for transcripts and retention.
export TRACKER_DATABASE_URL="${TRACKER_DATABASE_URL:-sqlite:///$PWD/var/rasa_tracker.db}"
DESK_PORT="${DESK_PORT:-8090}"
