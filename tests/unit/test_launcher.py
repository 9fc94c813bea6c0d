"""ops/launcher.py: the processes `make run` starts and the command lines every launcher uses. Rasa and
the demo site bind to loopback unless CLINIC_BIND says otherwise; the action server always does; Rasa's
HTTP API exists only with a token."""

from __future__ import annotations

from typing import Dict

from ops import launcher
from ops.launcher import Process


def plan(**env: str) -> Dict[str, Process]:
    return {p.name: p for p in launcher.run_plan(launcher.process_env(env))}


def flag(args: list, name: str) -> str:
    return args[args.index(name) + 1]


def test_make_run_binds_rasa_the_site_and_the_actions_to_loopback_by_default() -> None:
    procs = plan(CLINIC_BIND="")
    assert set(procs) == {"actions", "rasa", "site"}
    assert flag(procs["rasa"].args, "--interface") == "127.0.0.1"
    assert procs["site"].env["WIDGET_HOST"] == "127.0.0.1"
    assert procs["actions"].env["SANIC_HOST"] == "127.0.0.1"


def test_clinic_bind_opens_rasa_and_the_site_but_never_the_action_server() -> None:
    procs = plan(CLINIC_BIND="0.0.0.0")
    assert flag(procs["rasa"].args, "--interface") == "0.0.0.0"
    assert procs["site"].env["WIDGET_HOST"] == "0.0.0.0"
    assert procs["actions"].env["SANIC_HOST"] == "127.0.0.1"


def test_the_http_api_needs_a_token() -> None:
    assert "--enable-api" not in plan(RASA_AUTH_TOKEN="")["rasa"].args
    args = plan(RASA_AUTH_TOKEN="s3cret")["rasa"].args
    assert "--enable-api" in args and flag(args, "--auth-token") == "s3cret"


def test_make_run_uses_the_project_configuration_and_cors_origins() -> None:
    args = plan(CORS_ORIGINS="https://a.example https://b.example")["rasa"].args
    assert (
        flag(args, "--credentials") == "credentials.yml"
        and flag(args, "--endpoints") == "endpoints.yml"
    )
    i = args.index("--cors")
    assert args[i + 1 : i + 3] == ["https://a.example", "https://b.example"]


def test_the_environment_has_the_embedded_defaults_under_what_is_set(monkeypatch) -> None:
    monkeypatch.setenv("CLINIC_TURN_TIMEOUT", "7")
    env = launcher.process_env()
    assert env["CLINIC_TURN_TIMEOUT"] == "7"  # the environment wins
    assert env["ACTION_SERVER_URL"] == "http://127.0.0.1:5055/webhook"  # deploy/defaults.env
    assert env["PYTHONPATH"] == str(launcher.ROOT)


def test_one_action_server_command_line() -> None:
    assert launcher.actions_command(5201)[1:] == [
        "run",
        "actions",
        "--port",
        "5201",
        "--actions",
        "actions",
    ]
