#!/usr/bin/env bash
# `make shell`: talk to the assistant in the terminal with `rasa shell` (port 5006, so it can run beside
# `make run`). Starts an action server on 5055 unless one is already answering there.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/actions_if_absent.sh
source scripts/actions_if_absent.sh
.venv/bin/rasa shell --port 5006 --endpoints endpoints.yml
