#!/usr/bin/env bash
# `make run`: the action server (5055), the assistant with its REST channel (5005) and the demo clinic
# site with the widget (8080), on the embedded defaults. Ctrl-C stops all three.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .rasa logs
pids=()
stop() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap stop EXIT INT TERM

# Everything binds to loopback unless told otherwise (CLINIC_BIND=0.0.0.0 make run, e.g. to reach it from
# another machine on a trusted network): patients reach production through nginx only.
bind="${CLINIC_BIND:-127.0.0.1}"
SANIC_HOST=127.0.0.1 .venv/bin/rasa run actions --port 5055 --actions actions &
pids+=($!)
# Rasa's HTTP API (models, trackers) stays off unless RASA_AUTH_TOKEN is set.
api=()
if [ -n "${RASA_AUTH_TOKEN:-}" ]; then api=(--enable-api --auth-token "$RASA_AUTH_TOKEN"); fi
# shellcheck disable=SC2086
.venv/bin/rasa run --interface "$bind" --port 5005 --credentials credentials.yml --endpoints endpoints.yml \
  --cors ${CORS_ORIGINS:-http://localhost:8080} "${api[@]}" &
pids+=($!)
if [ -f widget/serve.py ]; then
  WIDGET_HOST="$bind" .venv/bin/python widget/serve.py 8080 &
  pids+=($!)
fi
echo "Starting ($bind): assistant http://localhost:5005 (POST /webhooks/rest/webhook), actions :5055, demo site http://localhost:8080"
wait -n "${pids[@]}"
