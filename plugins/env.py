"""Numeric settings the plugins read from the Rasa process's environment (seconds, timeouts).

The plugins run inside `rasa run`, whose environment the launcher (ops/launcher.py) or the image sets;
they never read env files. Operator commands read the same values through ops/settings.py, which
re-exports these helpers, so one parser and one set of defaults serve both.
"""

from __future__ import annotations

import os
from typing import Any, Dict, Mapping, Optional


class ConfigError(RuntimeError):
    """A setting is missing or wrong. The message says which and what to do."""


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


# ---- per-patient locks (plugins/lock_store.py)

# How long a ticket lives without renewal. The instance holding (or waiting on) a ticket renews it
# every TICKET_LEASE_SECONDS / 5 from a thread of its own, so only a dead (or frozen) instance's ticket
# lapses: the patient's next message waits at most about this long after a crash. TICKET_LOCK_LIFETIME
# (Rasa's, default 60 s) stays the cap for a live instance that hangs.
DEFAULT_TICKET_LEASE_SECONDS = 5.0


def ticket_lease_seconds(env: Optional[Mapping[str, str]] = None) -> float:
    return seconds(
        os.environ if env is None else env, "TICKET_LEASE_SECONDS", DEFAULT_TICKET_LEASE_SECONDS
    )


# ---- PostgreSQL connections of the tracker store (plugins/tracker_store.py)

# A half-open connection (failover, partition: packets dropped, no reset) would otherwise block a Rasa
# process on a socket for the kernel's retransmission time, many minutes. Defaults, each overridable:
POSTGRES_CONNECTION_DEFAULTS = {
    "TRACKER_CONNECT_TIMEOUT": 5.0,  # s: a server that does not answer a new connection
    "TRACKER_TCP_USER_TIMEOUT": 10.0,  # s: data sent but not acknowledged -> the connection is dropped
    "TRACKER_KEEPALIVE_IDLE": 10.0,  # s idle before the first keepalive probe
    "TRACKER_KEEPALIVE_INTERVAL": 3.0,  # s between probes
    "TRACKER_KEEPALIVE_COUNT": 3.0,  # unanswered probes -> the idle connection is dropped
    "TRACKER_STATEMENT_TIMEOUT": 10.0,  # s: the server cancels a statement that runs longer
}


def postgresql_connect_args(env: Optional[Mapping[str, str]] = None) -> Dict[str, Any]:
    """psycopg2/libpq connection arguments for the tracker store's engine (`connect_args`)."""
    env = os.environ if env is None else env
    value = {
        name: seconds(env, name, default) for name, default in POSTGRES_CONNECTION_DEFAULTS.items()
    }
    return {
        "connect_timeout": max(1, int(value["TRACKER_CONNECT_TIMEOUT"])),
        "keepalives": 1,
        "keepalives_idle": max(1, int(value["TRACKER_KEEPALIVE_IDLE"])),
        "keepalives_interval": max(1, int(value["TRACKER_KEEPALIVE_INTERVAL"])),
        "keepalives_count": max(1, int(value["TRACKER_KEEPALIVE_COUNT"])),
        "tcp_user_timeout": int(value["TRACKER_TCP_USER_TIMEOUT"] * 1000),
        "options": f"-c statement_timeout={int(value['TRACKER_STATEMENT_TIMEOUT'] * 1000)}",
    }
