"""Rasa 3.6 starts on an unreachable or missing SQL database and keeps conversations in memory
(RasaHQ/rasa#3243, #8267; docs/production.md shows the observation). The production setup fails loudly
instead: the preflight before Rasa starts, and the strict tracker store inside Rasa."""

from __future__ import annotations

import subprocess
import sys
import time
from typing import Dict

import yaml

from ops import settings
from ops.launcher import latest_model, process_env, rasa_command
from tests.production import helpers
from tests.production.conftest import SESSION

ROOT = settings.ROOT


def run(args, env: Dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        args, cwd=ROOT, env=process_env(env), capture_output=True, text=True, timeout=timeout
    )


def preflight(env: Dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return run([sys.executable, "-m", "ops.preflight", *args], env)


def pg_env(production_env: Dict[str, str], url: str, db: str) -> Dict[str, str]:
    return {**production_env, "TRACKER_STORE_URL": url, "TRACKER_DB": db}


def test_preflight_passes_on_the_production_settings(production_env: Dict[str, str]) -> None:
    result = preflight(production_env, "--instances", "2")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "all checks passed" in result.stdout


def test_unreachable_postgresql_fails_loudly(production_env: Dict[str, str]) -> None:
    env = pg_env(production_env, "postgresql://postgres@127.0.0.1:1/clinic", "clinic")
    result = preflight(env)
    assert result.returncode == 1
    assert (
        "PREFLIGHT FAILED" in result.stderr
        and "PostgreSQL at 127.0.0.1:1 is unreachable" in result.stderr
    )


def test_missing_database_fails_loudly_and_is_not_created(production_env: Dict[str, str]) -> None:
    db = f"clinic_missing_{SESSION}"
    result = preflight(pg_env(production_env, f"postgresql://postgres@127.0.0.1:5432/{db}", db))
    assert result.returncode == 1
    assert f"database '{db}' does not exist" in result.stderr and "createdb" in result.stderr
    with helpers.pg_connect("postgres") as conn, conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (db,))
        assert cur.fetchone() is None, "the preflight must not create a database on its own"
    conn.close()


def test_tracker_db_that_disagrees_with_the_url_fails(production_env: Dict[str, str]) -> None:
    env = {**production_env, "TRACKER_DB": "some_other_db"}
    result = preflight(env)
    assert result.returncode == 1 and "TRACKER_DB='some_other_db'" in result.stderr


def test_unreachable_redis_fails_loudly(production_env: Dict[str, str]) -> None:
    result = preflight({**production_env, "REDIS_PORT": "1"})
    assert result.returncode == 1 and "Redis at 127.0.0.1:1 is unreachable" in result.stderr


def test_several_instances_need_redis_locks_and_postgresql(production_env: Dict[str, str]) -> None:
    result = preflight({**production_env, "LOCK_STORE_TYPE": "in_memory"}, "--instances", "2")
    assert (
        result.returncode == 1 and f"LOCK_STORE_TYPE={settings.ATOMIC_LOCK_STORE}" in result.stderr
    )
    result = preflight({**production_env, "LOCK_STORE_TYPE": "redis"}, "--instances", "2")
    assert result.returncode == 1 and "plain `redis`" in result.stderr
    sqlite = {
        **production_env,
        "TRACKER_DIALECT": "sqlite",
        "TRACKER_STORE_URL": "sqlite:///.rasa/tracker.db",
        "TRACKER_DB": ".rasa/tracker.db",
    }
    result = preflight(sqlite, "--instances", "2")
    assert result.returncode == 1 and "need a shared PostgreSQL" in result.stderr


def test_a_tracker_store_class_that_does_not_import_fails(
    production_env: Dict[str, str], tmp_path
) -> None:
    endpoints = yaml.safe_load(settings.ENDPOINTS.read_text())
    endpoints["tracker_store"]["type"] = "ops.no_such_module.Store"
    path = tmp_path / "endpoints.yml"
    path.write_text(yaml.safe_dump(endpoints))
    result = preflight({**production_env, "CLINIC_ENDPOINTS": str(path)})
    assert result.returncode == 1 and "cannot be imported" in result.stderr


def test_cors_wildcard_fails(production_env: Dict[str, str]) -> None:
    result = preflight({**production_env, "CORS_ORIGINS": "*"})
    assert result.returncode == 1 and "CORS_ORIGINS contains '*'" in result.stderr


def test_the_cluster_launcher_refuses_to_start_rasa(production_env: Dict[str, str]) -> None:
    db = f"clinic_missing_{SESSION}"
    env = pg_env(production_env, f"postgresql://postgres@127.0.0.1:5432/{db}", db)
    env_file = ROOT / ".rasa" / f"test-preflight-{SESSION}.env"
    env_file.parent.mkdir(parents=True, exist_ok=True)
    env_file.write_text("\n".join(f"{k}={v}" for k, v in env.items()) + "\n")
    try:
        started = time.monotonic()
        result = run(
            [sys.executable, "-m", "ops.cluster", "--port", "1", "--env-file", str(env_file)], {}
        )
    finally:
        env_file.unlink()
    assert result.returncode == 1
    assert "PREFLIGHT FAILED" in result.stderr and "does not exist" in result.stderr
    assert time.monotonic() - started < 60, "it must refuse before loading any model"


def test_rasa_itself_exits_on_a_missing_database_with_the_strict_store(
    production_env: Dict[str, str],
) -> None:
    """Defence in depth: started without the preflight, Rasa with the strict store exits with the reason
    instead of answering from memory."""
    db = f"clinic_missing_{SESSION}"
    env = pg_env(production_env, f"postgresql://postgres@127.0.0.1:5432/{db}", db)
    result = run(
        rasa_command(1, model=latest_model(), endpoints=env["CLINIC_ENDPOINTS"]), env, timeout=300
    )
    assert result.returncode != 0
    out = result.stdout + result.stderr
    assert "TrackerStoreStartupError" in out and f'database "{db}" does not exist' in out


def test_endpoints_yml_names_the_strict_tracker_store() -> None:
    """The project's endpoints.yml must name the strict store; Rasa's `type: SQL` keeps answering from
    memory when PostgreSQL is down (docs/production.md, Faults)."""
    data = yaml.safe_load(settings.ENDPOINTS.read_text())
    assert (data.get("tracker_store") or {}).get("type") == settings.STRICT_TRACKER_STORE, (
        f"endpoints.yml: set tracker_store.type to {settings.STRICT_TRACKER_STORE} (the production tests "
        f"ran on a copy that does)"
    )
