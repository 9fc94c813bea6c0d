"""PostgreSQL must not write the assistant's failing statements (they carry message text) to its log:
the preflight sets log_min_error_statement for the assistant's role in its database."""

from __future__ import annotations

from ops import preflight
from tests.production import helpers


def test_preflight_stops_postgresql_logging_failing_statements(pg_database: str) -> None:
    env = {
        "TRACKER_DIALECT": "postgresql",
        "TRACKER_DB": pg_database,
        "TRACKER_STORE_URL": f"postgresql://postgres@127.0.0.1:5432/{pg_database}",
        "CLINIC_ALLOW_PLACEHOLDERS": "1",  # the repository's demo content (issue 11)
    }
    report = preflight.run(env=env, quiet=True)
    assert not report.problems, report.problems
    conn = helpers.pg_connect(pg_database)  # a new connection, as Rasa's pool opens them
    try:
        with conn.cursor() as cur:
            cur.execute("SHOW log_min_error_statement")
            assert cur.fetchone()[0] == "panic"
    finally:
        conn.close()
    other = helpers.pg_connect("postgres")  # only the assistant's database is affected
    try:
        with other.cursor() as cur:
            cur.execute("SHOW log_min_error_statement")
            assert cur.fetchone()[0] != "panic"
    finally:
        other.close()
