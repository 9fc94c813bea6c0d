"""Operational commands for running the assistant in production (docs/production.md).

    python -m ops.preflight      check PostgreSQL / the database / Redis before Rasa starts (exit 1 if not)
    python -m ops.purge          delete conversations older than N days from the tracker store
    python -m ops.cluster        N Rasa servers + M action servers behind nginx on one port (8088)

`plugins.tracker_store.StrictSQLTrackerStore` is the tracker store endpoints.yml should name: Rasa's own SQL
store carries on with an in-memory store when the database is unreachable or missing, which loses
conversations without telling anyone (RasaHQ/rasa#3243, #8267); this one fails loudly instead.
"""
