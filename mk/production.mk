# Production topology (docs/production.md): PostgreSQL + Redis + nginx + N Rasa servers.
# Included by the main Makefile, which defines PY, RASA, exports PYTHONPATH and config/defaults.env.

.PHONY: services preflight run-cluster purge bench test-production

CLUSTER_ENV ?= config/local-cluster.env
RETENTION_DAYS ?= $(or $(CLINIC_RETENTION_DAYS),30)

# Starts this machine's PostgreSQL (127.0.0.1:5432) and Redis (127.0.0.1:6379) if they are not running,
# installing them (and nginx, and iptables for the half-open connection test) with apt-get if they are
# absent. Idempotent.
services:
	@command -v pg_ctlcluster >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; }
	@command -v redis-server >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server; }
	@command -v nginx >/dev/null 2>&1 || test -x /usr/sbin/nginx || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light; }
	@command -v iptables >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq iptables; }   # test_8_half_open_db drops packets
	@$(PY) -c "import socket; socket.create_connection(('127.0.0.1', 5432), 2)" 2>/dev/null \
	  || pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql | sort | tail -1) main start
	@$(PY) -c "import socket; socket.create_connection(('127.0.0.1', 6379), 2)" 2>/dev/null \
	  || { mkdir -p /var/lib/redis /var/log/redis; redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log; }
	@for i in $$(seq 1 30); do \
	  $(PY) -c "import psycopg2, redis; psycopg2.connect(host='127.0.0.1', user='postgres', dbname='postgres', connect_timeout=2).close(); redis.StrictRedis(socket_timeout=2).ping()" 2>/dev/null && break; \
	  sleep 1; done
	@$(PY) -c "import psycopg2, redis; psycopg2.connect(host='127.0.0.1', user='postgres', dbname='postgres', connect_timeout=2).close(); redis.StrictRedis(socket_timeout=2).ping()" \
	  && echo "services: PostgreSQL 127.0.0.1:5432, Redis 127.0.0.1:6379, nginx $$(nginx -v 2>&1 | sed 's/.*\///') ready"

# Checks the stores of the environment (config/defaults.env unless overridden) before Rasa starts.
preflight: setup
	$(PY) -m ops.preflight

# 2 Rasa servers + 1 action server behind nginx on http://127.0.0.1:8088 (CLUSTER_PORT), on this
# machine's PostgreSQL (database clinic, created if missing) and Redis. `make run` (5005) is unchanged.
run-cluster: services model
	$(PY) -m ops.cluster --env-file $(CLUSTER_ENV) --create-database

# Deletes conversations with no activity for RETENTION_DAYS (default 30) from the tracker store of the
# environment. For the local cluster: make purge CLUSTER=1
purge: setup
	$(PY) -m ops.purge --days $(RETENTION_DAYS)
ifdef CLUSTER
purge: export TRACKER_DIALECT := postgresql
purge: export TRACKER_STORE_URL := $(shell sed -n 's/^TRACKER_STORE_URL=//p' $(CLUSTER_ENV))
purge: export TRACKER_DB := $(shell sed -n 's/^TRACKER_DB=//p' $(CLUSTER_ENV))
endif

# The benchmark (not a test): ours vs the bare `rasa init` peer (created and trained in BENCH_PEER_DIR,
# outside the repository, the first time), 1 and 2 instances. Prints and writes bench/results/.
BENCH_PEER_DIR ?= /tmp/clinic-bench-peer
bench: services model
	@test -n "$$(ls $(BENCH_PEER_DIR)/models/*.tar.gz 2>/dev/null)" || { mkdir -p $(BENCH_PEER_DIR) && \
	  $(RASA) init --no-prompt --init-dir $(BENCH_PEER_DIR) >$(BENCH_PEER_DIR)/init.log 2>&1; }
	$(PY) -m bench.run --peer-dir $(BENCH_PEER_DIR)
	$(PY) -m bench.profile --compare

# Scale-out, fault and door tests against real PostgreSQL, Redis and nginx (2½ min on 2 idle cores).
test-production: services model
	$(PY) -m pytest tests/production -q -p no:cacheprovider

EXTRA_TESTS += test-production
