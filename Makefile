# Two commands for a fresh machine: `make run` and `make test`. See README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PY    := .venv/bin/python
RASA  := .venv/bin/rasa
export PYTHONPATH := $(CURDIR)
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export PYTHONDONTWRITEBYTECODE := 1
# Embedded defaults (SQLite tracker store, in-memory locks); values already in the environment win.
$(foreach v,$(shell sed -n 's/^\([A-Z_][A-Z0-9_]*\)=.*/\1/p' config/defaults.env),$(eval $(v) ?= $(shell sed -n 's/^$(v)=//p' config/defaults.env)))
export $(shell sed -n 's/^\([A-Z_][A-Z0-9_]*\)=.*/\1/p' config/defaults.env)

# Extra test targets added by mk/*.mk fragments (widget, production, staff tools).
EXTRA_TESTS :=
-include mk/*.mk

.PHONY: help setup train model run shell test test-all validate test-unit test-conversations test-nlu test-e2e

help:
	@echo "make run     set up, train if needed, start the assistant (5005), action server (5055), demo site (8080)"
	@echo "make test    set up as needed and run every test"
	@echo "make train   retrain the model (only what changed is retrained)"
	@echo "make check   check staff edits (YAML, training data, content, safety rules) before training"
	@echo "make callbacks  call-back requests left in the chat: list, HANDLED=<id>, REQUEUE=<id> (docs/staff-guide.md)"

setup:
	@bash scripts/setup.sh

# Trains only when training data, domain or config changed since the last model (Rasa's fingerprints).
train: setup
	$(RASA) train --quiet

model: setup
	@ls models/*.tar.gz >/dev/null 2>&1 || $(RASA) train --quiet

run: model
	@bash scripts/run.sh

validate: setup
	$(RASA) data validate --fail-on-warnings

test-unit: setup
	$(PY) -m pytest tests/unit tests/safety -q

test-conversations: model
	$(RASA) test core --stories tests/conversations --fail-on-prediction-errors --out results/conversations

test-nlu: model
	$(PY) -m pytest tests/nlu -q

test-e2e: model
	$(PY) -m pytest tests/e2e -q

# The gate (.ci/run): data validation, unit tests, conversation tests (any failed story fails),
# held-out NLU accuracy >= 0.90, end-to-end against the real servers, then the area suites added by
# mk/*.mk: production (PostgreSQL, Redis, nginx), staff tools, the widget in Chromium.
test: validate test-unit test-conversations test-nlu test-e2e $(EXTRA_TESTS)
	@echo "make test: all passed"

test-all: test

# Chat in the terminal (uses the action server of `make run` if it is up, else starts one).
shell: model
	@bash scripts/shell.sh
