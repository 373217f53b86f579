#!/usr/bin/env bash
# Trains models/vejviser.tar.gz only when something that shapes the model changed.
# Rasa's own fingerprint does not see our NLU component code, hence this stamp.
set -euo pipefail
cd "$(dirname "$0")/.."

MODEL=models/vejviser.tar.gz
STAMP_FILE=models/.vejviser-model-stamp
inputs_hash() {
  # The files come from config.yml's own component paths (scripts/model_inputs.py).
  .venv/bin/python scripts/model_inputs.py | tr '\n' '\0' | xargs -0 sha256sum | sha256sum | cut -c1-16
}
want="$(inputs_hash)"
if [ -f "$MODEL" ] && [ -f "$STAMP_FILE" ] && [ "$(cat "$STAMP_FILE")" = "$want" ]; then
  echo "train: model is up to date ($MODEL)"
  exit 0
fi
echo "train: training $MODEL (data, domain, config or NLU code changed)"
.venv/bin/rasa train --force --fixed-model-name vejviser --out models --quiet
echo "$want" > "$STAMP_FILE"
