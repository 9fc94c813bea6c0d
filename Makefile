# Two commands for a fresh machine: `make run` and `make test`. `make help` lists every target.
# Every Rasa command runs through ops/launcher.py (`exec`), which reads deploy/defaults.env under the
# environment (values already set win): the one settings reader, as `make run` and the tests use it.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PY    := .venv/bin/python
RASA  := $(PY) -m ops.launcher exec .venv/bin/rasa
RUFF  := .venv/bin/ruff
export PYTHONPATH := $(CURDIR)
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export PYTHONDONTWRITEBYTECODE := 1
# apt-get as root, or through sudo when there is one (services, widget-deps).
SUDO := $(shell [ "$$(id -u)" != 0 ] && command -v sudo >/dev/null 2>&1 && echo sudo)
APT_INSTALL := $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends

.PHONY: help setup train model run shell lint format validate test-unit test-conversations test-nlu test-e2e \
        quick test test-all check review callbacks add-examples publish release rollback interactive test-staff console \
        services preflight run-cluster purge bench test-production widget-deps test-widget site

help: ## this list
	@awk 'BEGIN {FS = ":.*## "} /^##@ / {printf "\n%s\n", substr($$0, 5)} \
	  /^[a-zA-Z0-9_-]+:.*## / {printf "  make %-18s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

##@ Develop

setup: ## create .venv and install the pinned packages (only when requirements/lock.txt changed)
	@bash scripts/setup.sh

train: setup ## retrain the model (Rasa's fingerprints: only what changed is retrained)
	$(RASA) train --quiet

# Every target that needs a model depends on this. An unchanged `rasa train` still costs about 17 s and
# writes another model file (Rasa's fingerprints skip the training, not the packaging), so the model is
# retrained only when a training input is newer than the newest model; then the fingerprints make
# `rasa train` retrain only what changed.
TRAINING_INPUTS := config.yml domain.yml data plugins/synonym_entities.py safety
model: setup ## train if a training input changed since the newest model (else nothing to do)
	@newest=$$(ls -t models/*.tar.gz 2>/dev/null | head -1); \
	if [ -z "$$newest" ] || [ -n "$$(find $(TRAINING_INPUTS) -type f \( -name '*.yml' -o -name '*.py' \) \
	       -newer "$$newest" | head -1)" ]; then \
	  $(RASA) train --quiet; else echo "model: $$newest is up to date"; fi

run: model ## start the assistant (5005), action server (5055) and demo site (8080); Ctrl-C stops
	@$(PY) -m ops.launcher run

shell: model ## chat in the terminal (rasa shell on 5006; uses the action server of `make run` if up)
	@$(PY) -m ops.launcher shell

lint: setup ## ruff check and ruff format --check
	$(RUFF) check .
	$(RUFF) format --check .

format: setup ## ruff check --fix and ruff format (rewrites files)
	$(RUFF) check --fix .
	$(RUFF) format .

validate: setup ## Rasa's check of the training data and domain
	$(RASA) data validate --fail-on-warnings

test-unit: setup ## unit tests and the safety dev set (no servers)
	$(PY) -m pytest tests/unit tests/safety -q

test-conversations: model ## conversation tests (any failed story fails)
	$(RASA) test core --stories tests/conversations --fail-on-prediction-errors --out results/conversations

test-nlu: model ## held-out NLU accuracy >= 0.90
	$(PY) -m pytest tests/nlu -q

test-e2e: model ## end to end against the real Rasa and action servers
	$(PY) -m pytest tests/e2e -q

# After lint, the three suites run two at a time (-j2, output kept per suite): under 2 minutes on an
# idle 2-core machine with a trained model.
quick: lint model ## the everyday loop: lint, then validate, unit and conversation tests (two at a time)
	@$(MAKE) --no-print-directory -j2 -O validate test-unit test-conversations
	@echo "make quick: all passed"

# The gate (.ci/run): lint, data validation, unit tests, conversation tests, held-out NLU, end-to-end,
# then the staff tools, production (PostgreSQL, Redis, nginx) and the widget in Chromium.
test: lint validate test-unit test-conversations test-nlu test-e2e test-staff test-production test-widget ## every test (the CI gate)
	@echo "make test: all passed"

test-all: test ## same as `make test`

##@ Staff (docs/staff-guide.md)

# Off unless CLINIC_STAFF_PASSWORD or CLINIC_STAFF_TOKEN is set; loopback only unless CLINIC_CONSOLE_BIND
# says otherwise (deploy/defaults.env lists its settings).
console: setup ## the staff console: edit, preview, publish, review, train on http://127.0.0.1:8090
	@$(PY) -m ops.launcher exec $(PY) -m staff.console.app

# Every staff edit checked in seconds (YAML, content, project rules, red-flag phrases), then Rasa's own
# check of the training data (about 20 s). QUICK=1 skips Rasa's check; CHECK_ROOT=dir checks a copy.
# On a problem the summary is the last line: make itself is ended by SIGPIPE, which it does not
# annotate ("make: *** ... Error 1"), so the exit status is 141, not 1 (only when check is the sole goal).
check: setup ## check staff edits before training (QUICK=1 skips Rasa's own check)
	@$(PY) -m staff.check $(if $(QUICK),--quick) $(if $(CHECK_ROOT),--root $(CHECK_ROOT)) || { \
	  $(if $(filter-out check,$(MAKECMDGOALS)),,kill -PIPE $$PPID;) exit 1; }

# DAYS=30 (default) | SINCE=YYYY-MM-DD | ALL=1; THRESHOLD=0.6 (low-confidence limit).
review: setup ## what patients asked: unanswered, unsure, marked not helpful, most asked -> review/out/review-<date>.md and .yml
	@$(PY) -m staff.review $(if $(DAYS),--days $(DAYS)) $(if $(SINCE),--since $(SINCE)) $(if $(ALL),--all) \
	  $(if $(THRESHOLD),--threshold $(THRESHOLD))

# Refuses duplicates and held-out test phrases. DRY=1 only says what it would do.
add-examples: setup ## add the lines marked `add_to: <intent>` in FILE=review/out/review-<date>.yml to data/nlu
	@test -n "$(FILE)" || { echo "Say which review file: make add-examples FILE=review/out/review-<date>.yml"; exit 1; }
	@$(PY) -m staff.add_examples "$(FILE)" $(if $(DRY),--dry-run)

# Needs RASA_AUTH_TOKEN, as the server was started with. URL defaults to http://localhost:5005.
publish: setup ## put the newest model (or MODEL=path) live on the running assistant(s); replies keep flowing
	@$(PY) -m staff.publish $(MODEL) $(if $(URL),--url $(URL)) $(if $(SERVER_PATH),--server-path $(SERVER_PATH))

# The answer texts (content/*.yml) are drafts until released: the same checks as `make check` for them
# (placeholders, notes, quote marks, reading grade...), then a new version every assistant switches to
# within seconds. WHO=your name (default: your login), NOTE="what changed": both kept in the history.
# A refusal's last line is its own message, without make's "Error 1" (as for `make check`).
release: setup ## check the answer drafts in content/ and put them live (WHO=name NOTE="what changed")
	@$(PY) -m staff.content_release publish $(if $(WHO),--who "$(WHO)") $(if $(NOTE),--note "$(NOTE)") || { \
	  $(if $(filter-out release,$(MAKECMDGOALS)),,kill -PIPE $$PPID;) exit 1; }

rollback: setup ## put the previously released answers back live (one step back; WHO=name)
	@$(PY) -m staff.content_release rollback $(if $(WHO),--who "$(WHO)") || { \
	  $(if $(filter-out rollback,$(MAKECMDGOALS)),,kill -PIPE $$PPID;) exit 1; }

interactive: model ## Rasa's interactive learning on 5007 (practice chats are not stored)
	@$(PY) -m ops.launcher interactive

# ALL=1 every status | HANDLED=<id> mark one handled | REQUEUE=<id> send a failed one again |
# REQUEUE_FAILED=1 send every failed one again.
callbacks: setup ## call-back requests patients left in the chat: pending and failed (docs/staff-guide.md)
	@$(PY) -m staff.callbacks $(if $(ALL),--all) $(if $(HANDLED),--handled $(HANDLED)) \
	  $(if $(REQUEUE),--requeue $(REQUEUE)) $(if $(REQUEUE_FAILED),--requeue-failed)

test-staff: model widget-deps ## the staff tools' tests (the console ones in Chromium)
	$(PY) -m pytest tests/staff -q

##@ Production (docs/production.md)

CLUSTER_ENV ?= deploy/local-cluster.env
RETENTION_DAYS ?= $(or $(CLINIC_RETENTION_DAYS),30)

# Installs them (and nginx, and iptables for the half-open connection test) with apt-get if absent.
services: ## start this machine's PostgreSQL (5432) and Redis (6379), installing them if absent
	@command -v pg_ctlcluster >/dev/null 2>&1 || { $(APT_INSTALL) postgresql; }
	@command -v redis-server >/dev/null 2>&1 || { $(APT_INSTALL) redis-server; }
	@command -v nginx >/dev/null 2>&1 || test -x /usr/sbin/nginx || { $(APT_INSTALL) nginx-light; }
	@command -v iptables >/dev/null 2>&1 || test -x /usr/sbin/iptables || { $(APT_INSTALL) iptables; }
	@$(PY) -c "import socket; socket.create_connection(('127.0.0.1', 5432), 2)" 2>/dev/null \
	  || $(SUDO) pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql | sort | tail -1) main start
	@$(PY) -c "import socket; socket.create_connection(('127.0.0.1', 6379), 2)" 2>/dev/null \
	  || { mkdir -p /var/lib/redis /var/log/redis; redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log; }
	@for i in $$(seq 1 30); do \
	  $(PY) -c "import psycopg2, redis; psycopg2.connect(host='127.0.0.1', user='postgres', dbname='postgres', connect_timeout=2).close(); redis.StrictRedis(socket_timeout=2).ping()" 2>/dev/null && break; \
	  sleep 1; done
	@$(PY) -c "import psycopg2, redis; psycopg2.connect(host='127.0.0.1', user='postgres', dbname='postgres', connect_timeout=2).close(); redis.StrictRedis(socket_timeout=2).ping()" \
	  && echo "services: PostgreSQL 127.0.0.1:5432, Redis 127.0.0.1:6379, nginx $$(nginx -v 2>&1 | sed 's/.*\///') ready"

preflight: setup ## check the stores of the environment before Rasa starts (exit 1 if unusable)
	$(PY) -m ops.preflight

run-cluster: services model ## 2 Rasa + 1 action server behind nginx on 127.0.0.1:8088 (PostgreSQL, Redis)
	$(PY) -m ops.cluster --env-file $(CLUSTER_ENV) --create-database

# From the tracker store of the environment; CLUSTER=1: the local cluster's (CLUSTER_ENV).
purge: setup ## delete conversations idle for RETENTION_DAYS (default 30), and old review exports
	$(PY) -m ops.purge --days $(RETENTION_DAYS) $(if $(CLUSTER),--env-file $(CLUSTER_ENV))

# Not a test: ours vs the bare `rasa init` peer (created and trained in BENCH_PEER_DIR, outside the
# repository, the first time), 1 and 2 instances. Prints and writes bench/results/.
BENCH_PEER_DIR ?= /tmp/clinic-bench-peer
bench: services model ## the benchmark: ours vs a bare `rasa init` peer -> bench/results/
	@test -n "$$(ls $(BENCH_PEER_DIR)/models/*.tar.gz 2>/dev/null)" || { mkdir -p $(BENCH_PEER_DIR) && \
	  $(RASA) init --no-prompt --init-dir $(BENCH_PEER_DIR) >$(BENCH_PEER_DIR)/init.log 2>&1; }
	$(PY) -m bench.run --peer-dir $(BENCH_PEER_DIR)
	$(PY) -m bench.profile --compare

test-production: services model ## scale-out, fault and door tests on real PostgreSQL, Redis and nginx
	$(PY) -m pytest tests/production -q -p no:cacheprovider

##@ Widget (docs/widget.md)

CHROMIUM_PACKAGES := chromium fonts-liberation

widget-deps: ## install Debian's Chromium if missing (Playwright's own download is not used)
	@if command -v chromium >/dev/null 2>&1; then \
	  echo "widget-deps: $$(command -v chromium) is installed"; \
	else \
	  echo "widget-deps: installing $(CHROMIUM_PACKAGES) with apt-get"; \
	  $(APT_INSTALL) $(CHROMIUM_PACKAGES); \
	fi

test-widget: model widget-deps ## the widget against the real assistant, in Chromium
	$(PY) -m pytest tests/widget -q

site: setup ## the demo clinic site alone on http://localhost:8080 (`make run` starts it too)
	$(PY) widget/serve.py $${WIDGET_PORT:-8080}
