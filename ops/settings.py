"""Reads the settings the operational commands share with Rasa: endpoints.yml, with Rasa's `${VAR}`
substitution, from the environment, falling back to config/defaults.env for variables that are not set
(exactly what the Makefile does: values already in the environment win).

Nothing here imports Rasa, so the preflight and the purge start in about a second.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Mapping, Optional
from urllib.parse import quote, urlsplit

import yaml

ROOT = Path(__file__).resolve().parent.parent
DEFAULTS_ENV = ROOT / "config" / "defaults.env"
ENDPOINTS = ROOT / "endpoints.yml"
STRICT_TRACKER_STORE = "ops.tracker_store.StrictSQLTrackerStore"
ATOMIC_LOCK_STORE = "ops.lock_store.AtomicRedisLockStore"

_VAR = re.compile(r"\$\{([^}]+)\}")


class ConfigError(RuntimeError):
    """A setting is missing or wrong. The message says which and what to do."""


def read_env_file(path: Path = DEFAULTS_ENV) -> Dict[str, str]:
    env: Dict[str, str] = {}
    if not path.exists():
        return env
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            env[key.strip()] = value.strip()
    return env


def effective_env(env: Optional[Mapping[str, str]] = None) -> Dict[str, str]:
    """config/defaults.env overlaid with the environment (the environment wins)."""
    return {**read_env_file(), **(os.environ if env is None else env)}


def _substitute(value: Any, env: Mapping[str, str], where: str) -> Any:
    if isinstance(value, dict):
        return {k: _substitute(v, env, f"{where}.{k}") for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, env, where) for v in value]
    if isinstance(value, str):
        def repl(m: "re.Match[str]") -> str:
            name = m.group(1)
            if name not in env:
                raise ConfigError(f"{where} uses ${{{name}}}, which is not set. Set it in the environment "
                                  f"(deploy/production.env.example lists every variable).")
            return env[name]
        return _VAR.sub(repl, value)
    return value


def read_endpoints(path: Optional[Path] = None, env: Optional[Mapping[str, str]] = None) -> Dict[str, Any]:
    full_env = effective_env(env)
    path = Path(path or full_env.get("CLINIC_ENDPOINTS") or ENDPOINTS)
    if not path.is_absolute():
        path = ROOT / path
    if not path.exists():
        raise ConfigError(f"{path} does not exist.")
    raw = yaml.safe_load(path.read_text()) or {}
    return _substitute(raw, full_env, path.name)


@dataclass
class TrackerStoreSettings:
    type: str
    url: str                 # SQLAlchemy URL, e.g. postgresql://user@host:5432/clinic or sqlite:///.rasa/tracker.db

    @property
    def dialect(self) -> str:
        return self.url.split(":", 1)[0].split("+", 1)[0]

    @property
    def is_postgresql(self) -> bool:
        return self.dialect in ("postgresql", "postgres")

    @property
    def sqlite_path(self) -> Path:
        """The database file of a sqlite:/// URL, relative paths taken from the project folder (where
        Rasa runs)."""
        p = Path(self.url.split(":///", 1)[1]) if ":///" in self.url else Path(self.url)
        return p if p.is_absolute() else ROOT / p

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or "localhost"

    @property
    def port(self) -> int:
        return urlsplit(self.url).port or 5432

    @property
    def database(self) -> str:
        return urlsplit(self.url).path.lstrip("/")

    def redacted(self) -> str:
        """The URL without its password, for messages and logs."""
        parts = urlsplit(self.url)
        if parts.password:
            netloc = f"{parts.username}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
            return parts._replace(netloc=netloc).geturl()
        return self.url


def tracker_store(endpoints: Mapping[str, Any]) -> TrackerStoreSettings:
    """The tracker store's URL built the way Rasa's SQLTrackerStore.get_db_url builds it: a `url` that
    contains `://` is used as is, else dialect://username:password@url:port/db."""
    section = dict(endpoints.get("tracker_store") or {})
    kind = str(section.get("type") or "")
    url = str(section.get("url") or "")
    if "://" not in url:
        dialect = section.get("dialect") or "sqlite"
        db = section.get("db") or "rasa.db"
        if dialect == "sqlite":
            url = f"sqlite:///{db}"
        else:
            auth = ""
            if section.get("username"):
                auth = quote(str(section["username"]))
                if section.get("password"):
                    auth += ":" + quote(str(section["password"]))
                auth += "@"
            port = f":{section['port']}" if section.get("port") else ""
            url = f"{dialect}://{auth}{url or 'localhost'}{port}/{db}"
    return TrackerStoreSettings(type=kind, url=url)


@dataclass
class LockStoreSettings:
    type: str
    host: str
    port: int
    db: int
    password: Optional[str]
    key_prefix: str

    @property
    def is_redis(self) -> bool:
        return self.type in ("redis", ATOMIC_LOCK_STORE)


def lock_store(endpoints: Mapping[str, Any]) -> LockStoreSettings:
    section = dict(endpoints.get("lock_store") or {})
    kind = str(section.get("type") or "in_memory")

    def as_int(key: str, default: int) -> int:
        value = section.get(key)
        if value in (None, ""):
            return default
        try:
            return int(value)
        except (TypeError, ValueError):
            raise ConfigError(f"lock_store.{key} must be a number, not {value!r} (REDIS_PORT / REDIS_LOCK_DB).") from None

    return LockStoreSettings(type=kind, host=str(section.get("url") or "localhost"), port=as_int("port", 6379),
                             db=as_int("db", 1), password=section.get("password") or None,
                             key_prefix=str(section.get("key_prefix") or ""))


def action_server_url(endpoints: Mapping[str, Any]) -> str:
    return str((endpoints.get("action_endpoint") or {}).get("url") or "")


def endpoints_with_strict_store(run_dir: Path) -> Path:
    """endpoints.yml if it already names the strict tracker store, else a copy in `run_dir` that does
    (only the tracker_store type line differs). Used by the tests and the benchmark until endpoints.yml
    itself names it; `python -m ops.preflight` warns about the plain `SQL` type."""
    data = yaml.safe_load(ENDPOINTS.read_text()) or {}
    if (data.get("tracker_store") or {}).get("type") == STRICT_TRACKER_STORE:
        return ENDPOINTS
    run_dir.mkdir(parents=True, exist_ok=True)
    out, in_tracker = [], False
    for line in ENDPOINTS.read_text().splitlines():
        if line.startswith("tracker_store:"):
            in_tracker = True
        elif line and not line.startswith((" ", "#")):
            in_tracker = False
        if in_tracker and line.strip().startswith("type:"):
            line = f"  type: {STRICT_TRACKER_STORE}"
        out.append(line)
    copy = run_dir / "endpoints.yml"
    copy.write_text("\n".join(out) + "\n")
    return copy


def seconds(env: Mapping[str, str], name: str, default: float) -> float:
    """A positive number of seconds from the environment (`default` when unset or empty)."""
    raw = str(env.get(name, "") or "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number of seconds, not {raw!r}.") from None
    if value <= 0:
        raise ConfigError(f"{name} must be more than 0 seconds, not {raw!r}.")
    return value


# ---- per-patient locks (ops/lock_store.py)

# How long a ticket lives without renewal. The instance holding (or waiting on) a ticket renews it
# every TICKET_LEASE_SECONDS / 5 from a thread of its own, so only a dead (or frozen) instance's ticket
# lapses: the patient's next message waits at most about this long after a crash. TICKET_LOCK_LIFETIME
# (Rasa's, default 60 s) stays the cap for a live instance that hangs.
DEFAULT_TICKET_LEASE_SECONDS = 5.0


def ticket_lease_seconds(env: Optional[Mapping[str, str]] = None) -> float:
    return seconds(os.environ if env is None else env, "TICKET_LEASE_SECONDS", DEFAULT_TICKET_LEASE_SECONDS)


# ---- PostgreSQL connections of the tracker store (ops/tracker_store.py)

# A half-open connection (failover, partition: packets dropped, no reset) would otherwise block a Rasa
# process on a socket for the kernel's retransmission time, many minutes. Defaults, each overridable:
POSTGRES_CONNECTION_DEFAULTS = {
    "TRACKER_CONNECT_TIMEOUT": 5.0,       # s: a server that does not answer a new connection
    "TRACKER_TCP_USER_TIMEOUT": 10.0,     # s: data sent but not acknowledged -> the connection is dropped
    "TRACKER_KEEPALIVE_IDLE": 10.0,       # s idle before the first keepalive probe
    "TRACKER_KEEPALIVE_INTERVAL": 3.0,    # s between probes
    "TRACKER_KEEPALIVE_COUNT": 3.0,       # unanswered probes -> the idle connection is dropped
    "TRACKER_STATEMENT_TIMEOUT": 10.0,    # s: the server cancels a statement that runs longer
}


def postgresql_connect_args(env: Optional[Mapping[str, str]] = None) -> Dict[str, Any]:
    """psycopg2/libpq connection arguments for the tracker store's engine (`connect_args`)."""
    env = os.environ if env is None else env
    value = {name: seconds(env, name, default) for name, default in POSTGRES_CONNECTION_DEFAULTS.items()}
    return {
        "connect_timeout": max(1, int(value["TRACKER_CONNECT_TIMEOUT"])),
        "keepalives": 1,
        "keepalives_idle": max(1, int(value["TRACKER_KEEPALIVE_IDLE"])),
        "keepalives_interval": max(1, int(value["TRACKER_KEEPALIVE_INTERVAL"])),
        "keepalives_count": max(1, int(value["TRACKER_KEEPALIVE_COUNT"])),
        "tcp_user_timeout": int(value["TRACKER_TCP_USER_TIMEOUT"] * 1000),
        "options": f"-c statement_timeout={int(value['TRACKER_STATEMENT_TIMEOUT'] * 1000)}",
    }
