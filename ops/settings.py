"""Reads the settings the operational commands share with Rasa: endpoints.yml, with Rasa's `${VAR}`
substitution, from the environment, falling back to deploy/defaults.env for variables that are not set
(exactly what the Makefile does: values already in the environment win).

Nothing here imports Rasa, so the preflight and the purge start in about a second.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Mapping, Optional
from urllib.parse import urlsplit

import yaml

from plugins.env import ConfigError, seconds  # noqa: F401  (re-exported: one parser)

ROOT = Path(__file__).resolve().parent.parent
DEFAULTS_ENV = ROOT / "deploy" / "defaults.env"
ENDPOINTS = ROOT / "endpoints.yml"
STRICT_TRACKER_STORE = "plugins.tracker_store.StrictSQLTrackerStore"
ATOMIC_LOCK_STORE = "plugins.lock_store.AtomicRedisLockStore"

_VAR = re.compile(r"\$\{([^}]+)\}")


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
    """deploy/defaults.env overlaid with the environment (the environment wins)."""
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
                raise ConfigError(
                    f"{where} uses ${{{name}}}, which is not set. Set it in the environment "
                    f"(deploy/production.env.example lists every variable)."
                )
            return env[name]

        return _VAR.sub(repl, value)
    return value


def read_endpoints(
    path: Optional[Path] = None, env: Optional[Mapping[str, str]] = None
) -> Dict[str, Any]:
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
    url: (
        str  # SQLAlchemy URL, e.g. postgresql://user@host:5432/clinic or sqlite:///.rasa/tracker.db
    )

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
            netloc = f"{parts.username}:***@{parts.hostname}" + (
                f":{parts.port}" if parts.port else ""
            )
            return parts._replace(netloc=netloc).geturl()
        return self.url


def tracker_store(endpoints: Mapping[str, Any]) -> TrackerStoreSettings:
    """The tracker store's URL built the way Rasa's SQLTrackerStore.get_db_url builds it: a `url` that
    contains `://` is used as is; SQLite is sqlite:///<db>; else dialect://username:password@url:port/db
    (a port in `url` wins). The one builder: the preflight, the purge and `make review` use it."""
    section = dict(endpoints.get("tracker_store") or {})
    kind = str(section.get("type") or "")
    host = str(section.get("url") or "") or None
    if host and "://" in host:
        return TrackerStoreSettings(type=kind, url=host)
    dialect = str(section.get("dialect") or "sqlite")
    db = str(section.get("login_db") or section.get("db") or "rasa.db")
    if dialect == "sqlite":
        return TrackerStoreSettings(type=kind, url=f"sqlite:///{db}")
    from sqlalchemy.engine.url import (
        URL,  # here, not at the top: the commands start fast without it
    )

    port = section.get("port") or None
    if host:
        parsed = urlsplit(f"scheme://{host}")
        port, host = parsed.port or port, parsed.hostname or host
    url = URL.create(
        dialect,
        section.get("username") or None,
        section.get("password") or None,
        host,
        int(port) if port else None,
        database=db,
        query=section.get("query") or {},
    )
    return TrackerStoreSettings(type=kind, url=url.render_as_string(hide_password=False))


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
            raise ConfigError(
                f"lock_store.{key} must be a number, not {value!r} (REDIS_PORT / REDIS_LOCK_DB)."
            ) from None

    return LockStoreSettings(
        type=kind,
        host=str(section.get("url") or "localhost"),
        port=as_int("port", 6379),
        db=as_int("db", 1),
        password=section.get("password") or None,
        key_prefix=str(section.get("key_prefix") or ""),
    )


def action_server_url(endpoints: Mapping[str, Any]) -> str:
    return str((endpoints.get("action_endpoint") or {}).get("url") or "")
