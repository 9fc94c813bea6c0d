"""Operator commands (docs/production.md) and the two libraries every command, test and benchmark
shares.

    python -m ops.launcher run|shell|interactive|serve|actions   start the assistant's processes
    python -m ops.preflight      check PostgreSQL / the database / Redis before Rasa starts (exit 1 if not)
    python -m ops.purge          delete conversations older than N days from the tracker store
    python -m ops.cluster        N Rasa servers + M action servers behind nginx on one port (8088)
    python -m ops.nginx          render deploy/nginx.conf.template

ops/settings.py is the one reader of the env files (deploy/defaults.env under the environment) and of
endpoints.yml; ops/launcher.py holds the one Rasa and action-server command line. Nothing here is loaded
by `rasa run` (that is plugins/).
"""
