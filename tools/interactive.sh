#!/usr/bin/env bash
# `make interactive`: Rasa's interactive learning (docs/staff-guide.md, "Interactive learning") with the
# newest model, on port 5007 so it can run beside `make run`. Starts an action server on 5055 unless one
# already answers there. Practice conversations are kept in memory only (tools/interactive_endpoints.yml).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/actions_if_absent.sh
source scripts/actions_if_absent.sh
echo "When you save at the end, answer the three questions like this:"
echo "  stories -> data/stories/interactive.yml   NLU -> data/nlu/interactive.yml   domain -> /tmp/interactive-domain.yml"
echo "then run: make check"
.venv/bin/rasa interactive --model models --endpoints tools/interactive_endpoints.yml --port 5007 \
  --skip-visualization
