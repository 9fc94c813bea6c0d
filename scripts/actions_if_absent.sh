# Sourced by scripts/shell.sh and tools/interactive.sh (from the project root): starts an action server on
# 5055 (loopback only) unless one already answers there, and stops it when the calling script exits.
if ! curl -sf http://127.0.0.1:5055/health >/dev/null 2>&1; then
  SANIC_HOST=127.0.0.1 .venv/bin/rasa run actions --port 5055 --actions actions --quiet &
  actions_pid=$!
  trap 'kill $actions_pid 2>/dev/null || true' EXIT
  for _ in $(seq 60); do curl -sf http://127.0.0.1:5055/health >/dev/null 2>&1 && break; sleep 1; done
fi
