#!/usr/bin/env bash
# `make shell`: talk to the assistant in the terminal with `rasa shell` (port 5006, so it can run beside
# `make run`). Starts an action server on 5055 unless one is already answering there.
set -euo pipefail
cd "$(dirname "$0")/.."
started=""
if ! curl -sf http://127.0.0.1:5055/health >/dev/null 2>&1; then
  SANIC_HOST=127.0.0.1 .venv/bin/rasa run actions --port 5055 --actions actions --quiet &
  started=$!
  trap 'kill $started 2>/dev/null || true' EXIT
  for _ in $(seq 60); do curl -sf http://127.0.0.1:5055/health >/dev/null 2>&1 && break; sleep 1; done
fi
.venv/bin/rasa shell --port 5006 --endpoints endpoints.yml
