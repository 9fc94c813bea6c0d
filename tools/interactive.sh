#!/usr/bin/env bash
# `make interactive`: Rasa's interactive learning (docs/staff-guide.md, "Interactive learning") with the
# newest model, on port 5007 so it can run beside `make run`. Starts an action server on 5055 unless one
# already answers there. Practice conversations are kept in memory only (tools/interactive_endpoints.yml).
set -euo pipefail
cd "$(dirname "$0")/.."
started=""
if ! curl -sf http://127.0.0.1:5055/health >/dev/null 2>&1; then
  SANIC_HOST=127.0.0.1 .venv/bin/rasa run actions --port 5055 --actions actions --quiet &
  started=$!
  trap 'kill $started 2>/dev/null || true' EXIT
  for _ in $(seq 60); do curl -sf http://127.0.0.1:5055/health >/dev/null 2>&1 && break; sleep 1; done
fi
echo "When you save at the end, answer the three questions like this:"
echo "  stories -> data/stories/interactive.yml   NLU -> data/nlu/interactive.yml   domain -> /tmp/interactive-domain.yml"
echo "then run: make check"
.venv/bin/rasa interactive --model models --endpoints tools/interactive_endpoints.yml --port 5007 \
  --skip-visualization
