"""Checks, before Rasa starts, that the tracker store and the lock store named by endpoints.yml (with the
environment's values) are reachable and usable. Prints what it checked; on any problem it prints
PREFLIGHT FAILED with what to do, and exits 1, so that the launcher (ops.cluster, a container's
entrypoint, an init container) never starts Rasa on a store it cannot use.

Why: Rasa 3.6 starts anyway when the SQL database is unreachable or missing and keeps conversations in
memory only (RasaHQ/rasa#3243, #8267; observed here, docs/production.md), and with in-memory locks on
several instances it loses events. Those are silent; this is not.

    python -m ops.preflight                      # the embedded defaults or whatever the environment says
    python -m ops.preflight --instances 2        # also: several instances need PostgreSQL and Redis
    python -m ops.preflight --create-database    # create the PostgreSQL database if missing (provisioning)
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import socket
import sys
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional
from urllib.parse import urlsplit

from ops import settings
from ops.settings import ConfigError, LockStoreSettings, TrackerStoreSettings

TCP_TIMEOUT = 3.0
PRIVATE_ERROR_STATEMENT_LEVEL = "panic"


class Report:
    def __init__(self, quiet: bool = False) -> None:
        self.problems: List[str] = []
        self.warnings: List[str] = []
        self.quiet = quiet

    def ok(self, what: str) -> None:
        if not self.quiet:
            print(f"preflight: ok    {what}")

    def fail(self, what: str) -> None:
        self.problems.append(what)
        print(f"preflight: FAIL  {what}", file=sys.stderr)

    def warn(self, what: str) -> None:
        self.warnings.append(what)
        print(f"preflight: WARN  {what}", file=sys.stderr)


def tcp_reachable(host: str, port: int) -> Optional[str]:
    """None if a TCP connection opens, else why not."""
    try:
        with socket.create_connection((host, port), timeout=TCP_TIMEOUT):
            return None
    except OSError as e:
        return e.strerror or type(e).__name__


def check_tracker_type(
    ts: TrackerStoreSettings, endpoints: Mapping[str, Any], report: Report
) -> None:
    kind = ts.type
    if not kind or kind.lower() in ("in_memory", "inmemory"):
        report.fail(
            "tracker_store: no SQL tracker store configured: conversations would live in memory only "
            "and be lost at every restart."
        )
        return
    if kind.lower() == "sql":
        report.warn(
            f"tracker_store.type is SQL: Rasa's own SQL store silently continues in memory when the "
            f"database is down (RasaHQ/rasa#3243). Use type: {settings.STRICT_TRACKER_STORE}."
        )
        return
    if "." not in kind:
        report.fail(
            f"tracker_store.type '{kind}' is not supported here (use {settings.STRICT_TRACKER_STORE})."
        )
        return
    # Rasa falls back to an in-memory store, with only a warning, when this import fails.
    module, _, name = kind.rpartition(".")
    try:
        import importlib

        cls = getattr(importlib.import_module(module), name)
    except Exception as e:  # noqa: BLE001 - any import problem is a configuration problem
        report.fail(
            f"tracker_store.type '{kind}' cannot be imported ({type(e).__name__}: {e}); Rasa would "
            f"silently use an in-memory store. Is PYTHONPATH the project folder?"
        )
        return
    report.ok(f"tracker store class {cls.__module__}.{cls.__name__} imports")


def check_db_name(ts: TrackerStoreSettings, endpoints: Mapping[str, Any], report: Report) -> None:
    """With a full URL, Rasa ignores `db`: a TRACKER_DB that names another database is a trap."""
    section = endpoints.get("tracker_store") or {}
    db = str(section.get("db") or "")
    url = str(section.get("url") or "")
    if "://" not in url or not db:
        return
    url_db = ts.sqlite_path if not ts.is_postgresql else ts.database
    same = (
        (str(url_db) == str(settings.ROOT / db) or str(url_db) == db)
        if not ts.is_postgresql
        else url_db == db
    )
    if not same:
        report.fail(
            f"TRACKER_DB='{db}' but TRACKER_STORE_URL names database '{url_db}'. Rasa uses the URL's "
            f"and ignores TRACKER_DB: make them the same so nobody reads the wrong database."
        )


def check_postgresql(ts: TrackerStoreSettings, report: Report, create: bool) -> None:
    where = f"PostgreSQL at {ts.host}:{ts.port}"
    why = tcp_reachable(ts.host, ts.port)
    if why:
        report.fail(
            f"{where} is unreachable ({why}). Start it (make services) or fix TRACKER_STORE_URL "
            f"({ts.redacted()})."
        )
        return
    import psycopg2
    import psycopg2.errors

    parts = urlsplit(ts.url)
    kwargs: Dict[str, Any] = dict(
        host=ts.host,
        port=ts.port,
        user=parts.username or None,
        password=parts.password or None,
        connect_timeout=int(TCP_TIMEOUT) + 2,
    )
    try:
        conn = psycopg2.connect(dbname=ts.database, **kwargs)
    except psycopg2.OperationalError as e:
        message = str(e).strip().splitlines()[-1] if str(e).strip() else type(e).__name__
        if "does not exist" in message and f'"{ts.database}"' in message:
            if create:
                create_database(ts, kwargs, report)
                return check_postgresql(ts, report, create=False)
            report.fail(
                f"database '{ts.database}' does not exist on {where}. Rasa would NOT use it: it would "
                f"keep conversations in memory. Create it: createdb -h {ts.host} -p {ts.port} "
                f"{'-U ' + parts.username + ' ' if parts.username else ''}{ts.database} "
                f"(or python -m ops.preflight --create-database)."
            )
        else:
            report.fail(f"cannot connect to database '{ts.database}' on {where}: {message}")
        return
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("SELECT pg_is_in_recovery()")
            if cur.fetchone()[0]:
                report.fail(
                    f"{where} is a read-only replica (in recovery): point TRACKER_STORE_URL at the primary."
                )
                return
            cur.execute("SELECT to_regclass('public.events') IS NOT NULL")
            if cur.fetchone()[0]:
                cur.execute(
                    "SELECT has_table_privilege(current_user, 'public.events', 'SELECT,INSERT,DELETE')"
                )
                if not cur.fetchone()[0]:
                    report.fail(
                        f"the database user may not SELECT/INSERT/DELETE table events in '{ts.database}'."
                    )
                    return
            else:
                cur.execute("SELECT has_schema_privilege(current_user, 'public', 'CREATE')")
                if not cur.fetchone()[0]:
                    report.fail(
                        f"table events does not exist in '{ts.database}' and the user may not create it."
                    )
                    return
            quiet_error_statements(cur, ts, report)
        report.ok(f"tracker store: database '{ts.database}' on {where}")
    finally:
        conn.close()


def quiet_error_statements(cur: Any, ts: TrackerStoreSettings, report: Report) -> None:
    """PostgreSQL logs the statement that caused an error (log_min_error_statement = error), and the
    assistant's statements carry the patient's message text. For the assistant's role in its database,
    only a PANIC logs its statement. Needs a superuser (local, compose); a managed database without one:
    set it in the provider's console or as the admin (docs/production.md), and this check warns."""
    from psycopg2 import errors, sql

    cur.execute("SHOW log_min_error_statement")
    if cur.fetchone()[0] == PRIVATE_ERROR_STATEMENT_LEVEL:
        report.ok(
            "PostgreSQL does not log failing statements of this role (log_min_error_statement)"
        )
        return
    try:
        cur.execute(
            sql.SQL(
                "ALTER ROLE CURRENT_USER IN DATABASE {} SET log_min_error_statement = {}"
            ).format(sql.Identifier(ts.database), sql.Literal(PRIVATE_ERROR_STATEMENT_LEVEL))
        )
        report.ok(
            "set log_min_error_statement = panic for this role in this database (new connections)"
        )
    except errors.InsufficientPrivilege:
        report.warn(
            "PostgreSQL logs failing statements, with message text: as an admin run ALTER ROLE <role> "
            f"IN DATABASE {ts.database} SET log_min_error_statement = panic (docs/production.md)."
        )


def create_database(ts: TrackerStoreSettings, kwargs: Dict[str, Any], report: Report) -> None:
    import psycopg2
    from psycopg2 import sql

    conn = psycopg2.connect(dbname="postgres", **kwargs)
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (ts.database,))
            if not cur.fetchone():
                cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(ts.database)))
                print(f"preflight: created database '{ts.database}' on {ts.host}:{ts.port}")
    finally:
        conn.close()


def check_sqlite(ts: TrackerStoreSettings, report: Report, instances: int) -> None:
    path = ts.sqlite_path
    if instances > 1:
        report.fail(
            f"tracker store is a SQLite file ({path}): {instances} instances need a shared PostgreSQL "
            f"(TRACKER_DIALECT=postgresql, TRACKER_STORE_URL=postgresql://...)."
        )
        return
    if not path.parent.is_dir():
        report.fail(
            f"tracker store: folder {path.parent} does not exist (create it: mkdir -p {path.parent})."
        )
        return
    if not os.access(path.parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        report.fail(f"tracker store: {path} is not writable.")
        return
    report.ok(f"tracker store: SQLite file {path}")


def check_lock_store(ls: LockStoreSettings, report: Report, instances: int) -> None:
    if not ls.is_redis:
        if instances > 1:
            report.fail(
                f"lock store is '{ls.type}' with {instances} instances: two messages from one patient on "
                f"two instances would overwrite each other's events. Set "
                f"LOCK_STORE_TYPE={settings.ATOMIC_LOCK_STORE} (Redis)."
            )
        else:
            report.ok(f"lock store: {ls.type} (one instance)")
        return
    if ls.type == "redis" and instances > 1:
        report.fail(
            f"lock store is Rasa's plain `redis` with {instances} instances: it issues tickets with separate "
            f"GET/SET commands, so two messages from one patient arriving on two instances at the same "
            f"moment both get served and one is lost. Set LOCK_STORE_TYPE={settings.ATOMIC_LOCK_STORE}."
        )
    elif ls.type == settings.ATOMIC_LOCK_STORE:
        try:
            import importlib

            importlib.import_module(ls.type.rpartition(".")[0])
        except Exception as e:  # noqa: BLE001
            report.fail(f"lock store class {ls.type} cannot be imported ({type(e).__name__}: {e}).")
    if ls.key_prefix and not ls.key_prefix.isalnum():
        report.fail(
            f"lock_store.key_prefix '{ls.key_prefix}' is not alphanumeric: Rasa would silently drop it."
        )
    where = f"Redis at {ls.host}:{ls.port}"
    why = tcp_reachable(ls.host, ls.port)
    if why:
        report.fail(
            f"{where} is unreachable ({why}). Start it (make services) or fix REDIS_HOST/REDIS_PORT."
        )
        return
    import redis

    try:
        client = redis.StrictRedis(
            host=ls.host,
            port=ls.port,
            db=ls.db,
            password=ls.password,
            socket_timeout=TCP_TIMEOUT,
            socket_connect_timeout=TCP_TIMEOUT,
        )
        client.ping()
        role = client.info("replication").get("role")
        if role not in (None, "master"):
            report.fail(
                f"{where} is a read-only replica (role {role}): point REDIS_HOST at the primary."
            )
            return
        client.set("clinic:preflight", "1", ex=10)
    except redis.RedisError as e:
        report.fail(f"{where} db {ls.db}: {type(e).__name__}: {e}")
        return
    report.ok(f"lock store: {where} db {ls.db} (key prefix '{ls.key_prefix or 'lock:'}')")


def check_doors(env: Mapping[str, str], endpoints: Mapping[str, Any], report: Report) -> None:
    origins = env.get("CORS_ORIGINS", "")
    if "*" in origins.split():
        report.fail("CORS_ORIGINS contains '*': list the clinic site's origin(s) instead.")
    url = settings.action_server_url(endpoints)
    host = urlsplit(url).hostname or ""
    try:
        if host and not (
            ipaddress.ip_address(host).is_private or ipaddress.ip_address(host).is_loopback
        ):
            report.warn(
                f"ACTION_SERVER_URL points at a public address ({host}): keep the action server on "
                f"loopback or a private network."
            )
    except ValueError:
        pass  # a host name (e.g. a Kubernetes service): private by construction


def run(
    instances: int = 1,
    create: bool = False,
    quiet: bool = False,
    env: Optional[Mapping[str, str]] = None,
) -> Report:
    report = Report(quiet)
    full_env = settings.effective_env(env)
    try:
        endpoints = settings.read_endpoints(env=full_env)
        ts = settings.tracker_store(endpoints)
        ls = settings.lock_store(endpoints)
    except ConfigError as e:
        report.fail(str(e))
        return report
    check_tracker_type(ts, endpoints, report)
    check_db_name(ts, endpoints, report)
    if ts.is_postgresql:
        check_postgresql(ts, report, create)
    elif ts.dialect == "sqlite":
        check_sqlite(ts, report, instances)
    else:
        report.fail(
            f"tracker store dialect '{ts.dialect}' is not supported here (postgresql or sqlite)."
        )
    check_lock_store(ls, report, instances)
    check_doors(full_env, endpoints, report)
    check_content(full_env, report)
    from actions import callback_config  # call-back webhook settings (issue 13)

    callback_config.check(full_env, report)
    return report


def check_content(env: Mapping[str, str], report: Report) -> None:
    """The content loads and content/clinic.yml has no REPLACE-ME placeholder left (issue 11)."""
    from actions.content import CONTENT_DIR, go_live_problems

    problems, warnings = go_live_problems(Path(env.get("CLINIC_CONTENT_DIR") or CONTENT_DIR), env)
    for p in problems:
        report.fail(p)
    for w in warnings:
        report.warn(w)
    if not problems and not warnings:
        report.ok("content: loads, no placeholders left in content/clinic.yml")


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--instances",
        type=int,
        default=1,
        help="number of Rasa instances that will share the stores",
    )
    parser.add_argument(
        "--create-database", action="store_true", help="create the PostgreSQL database if missing"
    )
    parser.add_argument("--quiet", action="store_true", help="print problems only")
    args = parser.parse_args(argv)
    report = run(args.instances, args.create_database, args.quiet)
    if report.problems:
        print("", file=sys.stderr)
        print(
            f"PREFLIGHT FAILED ({len(report.problems)} problem(s)). Rasa must not start until this is fixed:",
            file=sys.stderr,
        )
        for p in report.problems:
            print(f"  - {p}", file=sys.stderr)
        return 1
    if not args.quiet:
        print("preflight: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
