#!/usr/bin/env bash
# Creates .venv with Python 3.10 (Rasa 3.6 supports 3.8-3.10 only) and installs the pinned packages.
# Idempotent: does nothing when the lock file has not changed since the last successful run.
set -euo pipefail
cd "$(dirname "$0")/.."

find_python() {
  local c
  for c in "${PYTHON:-}" python3.10 "$(command -v pyenv >/dev/null 2>&1 && pyenv root)/versions/"3.10*/bin/python3.10 \
           "$HOME/.pyenv/versions/"3.10*/bin/python3.10 /root/.pyenv/versions/3.10*/bin/python3.10; do
    [ -n "$c" ] || continue
    if command -v "$c" >/dev/null 2>&1 || [ -x "$c" ]; then
      if "$c" -c 'import sys; sys.exit(0 if sys.version_info[:2] in [(3,8),(3,9),(3,10)] else 1)' 2>/dev/null; then
        echo "$c"; return 0
      fi
    fi
  done
  return 1
}

stamp_src=$(cat requirements/lock.txt requirements/vectors.txt requirements/encoder.txt scripts/setup.sh \
  scripts/build_spacy.py scripts/build_encoder.py | sha256sum | cut -c1-16)
stamp=".venv/.setup-$stamp_src"
if [ -f "$stamp" ] && [ -d .build/spacy/en_clinic ] && [ -f .build/encoder/model.safetensors ]; then
  exit 0
fi

PY=$(find_python) || { echo "setup: no Python 3.8-3.10 found (Rasa 3.6 needs one). Install 3.10 with pyenv, or set PYTHON=/path/to/python3.10" >&2; exit 1; }
echo "setup: using $PY ($("$PY" --version))"
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade "pip==24.0"
.venv/bin/python -m pip install -q -r requirements/lock.txt
.venv/bin/python -m pip install -q --no-deps --ignore-requires-python -r requirements/vectors.txt
.venv/bin/python -m pip check
.venv/bin/python scripts/build_spacy.py
.venv/bin/python scripts/build_encoder.py
rm -f .venv/.setup-*
touch "$stamp"
echo "setup: ready"
