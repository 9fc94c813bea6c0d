"""The one launcher of the assistant's processes: `make run`, `make shell`, `make interactive`, the
tests, the cluster (ops/cluster.py) and the benchmark (bench/) all start Rasa and the action server
through the command lines and the environment built here.

    python -m ops.launcher run           # make run: action server 5055, Rasa 5005, demo site 8080
    python -m ops.launcher shell         # make shell: `rasa shell` on 5006 (action server if absent)
    python -m ops.launcher interactive   # make interactive: `rasa interactive` on 5007 (idem)
    python -m ops.launcher exec CMD ...  # the Makefile's rasa commands: CMD with the same environment
    python -m ops.launcher serve         # the image's Rasa server: the preflight, then `rasa run`
    python -m ops.launcher actions       # the image's action server

For the tests (a real assistant on free ports, nothing mocked):

    from ops.launcher import start_stack
    stack = start_stack(cors_origins=["http://localhost:8123"])
    stack.say(str(uuid.uuid4()), "what is an aura?")   # -> list of bot messages (dicts)
    stack.stop_actions(); stack.start_actions()  # fault tests
    stack.stop_rasa(); stack.start_rasa()
    stack.stop()

Everything binds to loopback unless told otherwise (CLINIC_BIND=0.0.0.0 make run, e.g. to reach it from
another machine on a trusted network): patients reach production through nginx only. The action server
always binds to loopback. Rasa's HTTP API (models, trackers) is enabled only with RASA_AUTH_TOKEN, and
then requires it. Logs of test and cluster processes go to artifacts/logs/.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence

import requests

from ops import settings

ROOT = settings.ROOT
VENV_BIN = ROOT / ".venv" / "bin"
# The project's virtualenv on a development machine; the image installs Rasa on the PATH.
RASA = str(VENV_BIN / "rasa") if (VENV_BIN / "rasa").exists() else "rasa"
LOG_DIR = ROOT / "artifacts" / "logs"
LOOPBACK = "127.0.0.1"
ACTIONS_PORT, RASA_PORT, SHELL_PORT, INTERACTIVE_PORT, SITE_PORT = 5055, 5005, 5006, 5007, 8080
# Loading a model takes ~30 s on an idle 2-core machine, minutes while other work trains; a loaded CI
# machine can set CLINIC_TEST_START_TIMEOUT (seconds).
RASA_START_TIMEOUT = float(os.environ.get("CLINIC_TEST_START_TIMEOUT", "300"))
ACTIONS_START_TIMEOUT = 90.0
# What every process of the project runs with (the Makefile exports the same).
PROCESS_ENV = {
    "PYTHONPATH": str(ROOT),
    "RASA_TELEMETRY_ENABLED": "false",
    "TF_CPP_MIN_LOG_LEVEL": "2",
    "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
    "PYTHONDONTWRITEBYTECODE": "1",
}


# ---------------------------------------------------------------- command lines (the only copies)


def actions_command(port: int = ACTIONS_PORT) -> List[str]:
    """The action server. Run it with actions_env(): rasa-sdk binds to SANIC_HOST."""
    return [RASA, "run", "actions", "--port", str(port), "--actions", "actions"]


def actions_env() -> Dict[str, str]:
    """The action server is never exposed: loopback only."""
    return {"SANIC_HOST": LOOPBACK}


def rasa_command(
    port: int = RASA_PORT,
    *,
    model: Optional[Path] = None,
    interface: str = LOOPBACK,
    endpoints: str = "endpoints.yml",
    credentials: str = "credentials.yml",
    cors: Sequence[str] = (),
    auth_token: str = "",
    extra: Sequence[str] = (),
) -> List[str]:
    """`rasa run` with the REST channel (credentials.yml) and the stores (endpoints.yml)."""
    args = [RASA, "run", "--interface", interface, "--port", str(port)]
    if model is not None:
        args += ["--model", str(model)]
    args += ["--credentials", credentials, "--endpoints", endpoints]
    if cors:
        args += ["--cors", *cors]
    if auth_token:  # Rasa's HTTP API (trackers, models) exists only with a token, and requires it
        args += ["--enable-api", "--auth-token", auth_token]
    return [*args, *extra]


def process_env(overrides: Optional[Mapping[str, str]] = None) -> Dict[str, str]:
    """The environment over deploy/defaults.env (values already set win, as in the Makefile), the
    project's Python settings, then `overrides`."""
    return {**settings.effective_env(), **PROCESS_ENV, **(overrides or {})}


class ContentNotPublished(RuntimeError):
    """No content is published and the drafts could not be: the message lists why, in plain words."""


def ensure_content_release(env: Mapping[str, str], demo: bool = True) -> None:
    """The action server serves only published content (actions/content.py), and a fresh copy of the
    project has published none: publish the drafts (content/) as the first release, by "setup", with
    the same checks as `make release`. A demo or test start (`demo`) lets the demo clinic details
    (REPLACE-ME) through unless CLINIC_ALLOW_PLACEHOLDERS says otherwise, as the local cluster does."""
    from actions.content import ALLOW_PLACEHOLDERS_ENV, current_version, releases_dir

    store = releases_dir(env)
    if current_version(store) is not None:
        return
    if not (ROOT / "staff" / "content_release.py").exists():
        raise ContentNotPublished(
            f"No content has been published in {store}, and this installation has no staff tools to "
            "publish it: publish into that store from the staff machine first (docs/production.md)."
        )
    run_env = dict(env)
    if demo:
        run_env[ALLOW_PLACEHOLDERS_ENV] = env.get(ALLOW_PLACEHOLDERS_ENV) or "1"
    args = ["-m", "staff.content_release", "publish", "--who", "setup", "--note", "first release"]
    proc = subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=run_env, capture_output=True, text=True
    )
    if proc.returncode != 0:
        raise ContentNotPublished(
            "The answers could not be published, so the assistant cannot start:\n"
            + (proc.stdout + proc.stderr).strip()
        )


def free_port() -> int:
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        return int(s.getsockname()[1])


def latest_model() -> Path:
    models = sorted((ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        raise RuntimeError("No trained model in models/: run `make train` first.")
    return models[-1]


def answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


def wait_http(url: str, timeout: float, proc: Optional[subprocess.Popen] = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(
                f"process for {url} exited with code {proc.returncode}; see {LOG_DIR}"
            )
        if answers(url):
            return
        time.sleep(0.3)
    raise TimeoutError(f"{url} did not come up within {timeout:.0f}s; see {LOG_DIR}")


def spawn(
    args: List[str], env: Mapping[str, str], log: Optional[Path] = None, cwd: Path = ROOT
) -> subprocess.Popen:
    """Starts a process in its own process group (stop_process stops it and its children); output to
    `log` (appended) or to this terminal."""
    if log is None:
        return subprocess.Popen(args, cwd=cwd, env=dict(env), start_new_session=True)
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:
        return subprocess.Popen(
            args,
            cwd=cwd,
            env=dict(env),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop_process(proc: Optional[subprocess.Popen], kill: bool = False) -> None:
    """Stops a process group: SIGTERM (or SIGKILL when kill=True, to simulate a crash)."""
    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGKILL if kill else signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


# ---------------------------------------------------------------- the assistant for tests


@dataclass
class Stack:
    rasa_port: int
    action_port: int
    env: Dict[str, str]
    model: Path
    cors_origins: Sequence[str] = ()
    rasa_args: Sequence[str] = ()
    procs: Dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def rasa_url(self) -> str:
        return f"http://{LOOPBACK}:{self.rasa_port}"

    @property
    def action_url(self) -> str:
        return f"http://{LOOPBACK}:{self.action_port}"

    @property
    def webhook(self) -> str:
        return f"{self.rasa_url}/webhooks/rest/webhook"

    def _spawn(self, name: str, args: List[str], port: int, **extra_env: str) -> subprocess.Popen:
        proc = spawn(args, {**self.env, **extra_env}, LOG_DIR / f"{name}-{port}.log")
        self.procs[name] = proc
        return proc

    def start_actions(self) -> None:
        ensure_content_release(self.env)
        proc = self._spawn(
            "actions", actions_command(self.action_port), self.action_port, **actions_env()
        )
        wait_http(f"{self.action_url}/health", ACTIONS_START_TIMEOUT, proc)

    def stop_actions(self, kill: bool = False) -> None:
        stop_process(self.procs.pop("actions", None), kill)

    def start_rasa(self) -> None:
        args = rasa_command(
            self.rasa_port, model=self.model, cors=self.cors_origins, extra=self.rasa_args
        )
        proc = self._spawn("rasa", args, self.rasa_port)
        wait_http(f"{self.rasa_url}/webhooks/rest/", RASA_START_TIMEOUT, proc)

    def stop_rasa(self, kill: bool = False) -> None:
        stop_process(self.procs.pop("rasa", None), kill)

    def stop(self) -> None:
        self.stop_rasa()
        self.stop_actions()

    def post(self, body: Any, timeout: float = 30) -> requests.Response:
        return requests.post(self.webhook, json=body, timeout=timeout)

    def say(self, sender: str, text: str, timeout: float = 30) -> List[Dict[str, Any]]:
        r = self.post({"sender": sender, "message": text}, timeout)
        r.raise_for_status()
        return r.json()


def start_stack(
    cors_origins: Sequence[str] = (),
    env: Optional[Mapping[str, str]] = None,
    tracker_db: Optional[Path] = None,
    with_actions: bool = True,
    rasa_args: Sequence[str] = (),
) -> Stack:
    """Starts action server + Rasa server on free ports. The embedded defaults (deploy/defaults.env) win
    over this shell's environment, so a test runs the same wherever it is started; `env` overrides them
    (e.g. a PostgreSQL tracker store). By default conversations go to a fresh SQLite file."""
    rasa_port, action_port = free_port(), free_port()
    db = tracker_db or Path(tempfile.mkdtemp(prefix="clinic-tracker-")) / "tracker.db"
    full_env = {
        **os.environ,
        **settings.read_env_file(),
        **PROCESS_ENV,
        "ACTION_SERVER_URL": f"http://{LOOPBACK}:{action_port}/webhook",
        "TRACKER_STORE_URL": f"sqlite:///{db}",
        "TRACKER_DB": str(db),
        **(env or {}),
    }
    stack = Stack(
        rasa_port=rasa_port,
        action_port=action_port,
        env=full_env,
        model=latest_model(),
        cors_origins=tuple(cors_origins),
        rasa_args=tuple(rasa_args),
    )
    try:
        if with_actions:
            stack.start_actions()
        stack.start_rasa()
    except Exception:
        stack.stop()
        raise
    return stack


# ---------------------------------------------------------------- make run / shell / interactive


@dataclass
class Process:
    name: str
    args: List[str]
    env: Dict[str, str]


def run_plan(env: Mapping[str, str]) -> List[Process]:
    """What `make run` starts, in order, on the embedded defaults (or what the environment says)."""
    bind = env.get("CLINIC_BIND") or LOOPBACK
    cors = (env.get("CORS_ORIGINS") or f"http://localhost:{SITE_PORT}").split()
    plan = [
        Process("actions", actions_command(), {**env, **actions_env()}),
        Process(
            "rasa",
            rasa_command(interface=bind, cors=cors, auth_token=env.get("RASA_AUTH_TOKEN", "")),
            dict(env),
        ),
    ]
    site = ROOT / "widget" / "serve.py"
    if site.exists():
        plan.append(
            Process(
                "site",
                [str(VENV_BIN / "python"), str(site), str(SITE_PORT)],
                {**env, "WIDGET_HOST": bind},
            )
        )
    return plan


def _supervise(procs: List[subprocess.Popen]) -> int:
    """Waits until one process exits or Ctrl-C, then stops them all."""
    stopping: List[int] = []
    signal.signal(signal.SIGTERM, lambda signum, _frame: stopping.append(signum))
    try:
        while not stopping and all(p.poll() is None for p in procs):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        for p in procs:
            stop_process(p)
    failed = [p.returncode for p in procs if p.returncode not in (None, 0, -signal.SIGTERM)]
    return failed[0] if failed else 0


def run(env: Optional[Mapping[str, str]] = None) -> int:
    env = process_env(env)
    (ROOT / ".rasa").mkdir(exist_ok=True)
    try:
        ensure_content_release(env)
    except ContentNotPublished as e:
        print(e, file=sys.stderr)
        return 1
    procs = [spawn(p.args, p.env) for p in run_plan(env)]
    bind = env.get("CLINIC_BIND") or LOOPBACK
    print(
        f"Starting ({bind}): assistant http://localhost:{RASA_PORT} (POST /webhooks/rest/webhook), "
        f"actions :{ACTIONS_PORT}, demo site http://localhost:{SITE_PORT}",
        flush=True,
    )
    return _supervise(procs)


def with_action_server(args: List[str], env: Optional[Mapping[str, str]] = None) -> int:
    """Runs `args` in this terminal with an action server on 5055: the one of `make run` if it answers,
    else one started here and stopped afterwards."""
    env = process_env(env)
    actions = None
    if not answers(f"http://{LOOPBACK}:{ACTIONS_PORT}/health"):
        try:
            ensure_content_release(env)
        except ContentNotPublished as e:
            print(e, file=sys.stderr)
            return 1
        actions = spawn(
            [*actions_command(), "--quiet"], {**env, **actions_env()}, LOG_DIR / "actions-shell.log"
        )
        wait_http(f"http://{LOOPBACK}:{ACTIONS_PORT}/health", ACTIONS_START_TIMEOUT, actions)
    try:
        return subprocess.run(args, cwd=ROOT, env=env).returncode
    except KeyboardInterrupt:
        return 130
    finally:
        stop_process(actions)


def shell() -> int:
    return with_action_server(
        [RASA, "shell", "--port", str(SHELL_PORT), "--endpoints", "endpoints.yml"]
    )


def interactive() -> int:
    """Rasa's interactive learning (docs/staff-guide.md): practice conversations stay in memory
    (staff/interactive_endpoints.yml names no tracker store)."""
    print("When you save at the end, answer the three questions like this:")
    print(
        "  stories -> data/stories/interactive.yml   NLU -> data/nlu/interactive.yml   "
        "domain -> /tmp/interactive-domain.yml"
    )
    print("then run: make check", flush=True)
    return with_action_server(
        [
            RASA,
            "interactive",
            "--model",
            "models",
            "--endpoints",
            "staff/interactive_endpoints.yml",
            "--port",
            str(INTERACTIVE_PORT),
            "--skip-visualization",
        ]
    )


def serve(instances: int) -> int:
    """The image's CMD (deploy/Dockerfile): the preflight (exit 1, no Rasa, when a store is unreachable,
    missing or unsuitable for `instances` servers), then Rasa in place of this process. Inside a
    container Rasa listens on every interface of the container's private network (CLINIC_BIND)."""
    from ops import preflight

    code = preflight.main(["--instances", str(instances)])
    if code:
        return code
    env = process_env()
    args = rasa_command(
        int(env.get("RASA_PORT") or RASA_PORT),
        model=Path("models"),
        interface=env.get("CLINIC_BIND") or "0.0.0.0",
        cors=env.get("CORS_ORIGINS", "").split(),
        auth_token=env.get("RASA_AUTH_TOKEN", ""),
    )
    os.execvpe(args[0], args, env)
    return 0  # not reached


def serve_actions() -> int:
    """The image's action server: loopback unless SANIC_HOST says otherwise (a container's private
    network: deploy/docker-compose.yml)."""
    env = {**actions_env(), **process_env()}
    try:
        ensure_content_release(env, demo=False)
    except ContentNotPublished as e:
        print(e, file=sys.stderr)
        return 1
    args = actions_command(int(env.get("ACTIONS_PORT") or ACTIONS_PORT))
    os.execvpe(args[0], args, env)
    return 0  # not reached


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        description="Starts the assistant's processes (make run / shell / interactive)."
    )
    parser.add_argument(
        "command", choices=("run", "shell", "interactive", "exec", "serve", "actions")
    )
    parser.add_argument(
        "args", nargs=argparse.REMAINDER, help="exec: the command and its arguments"
    )
    parser.add_argument(
        "--instances",
        type=int,
        default=int(os.environ.get("RASA_INSTANCES") or 1),
        help="serve: how many Rasa servers share the stores (the preflight checks for it)",
    )
    ns = parser.parse_args(argv)
    if ns.command == "serve":
        return serve(ns.instances)
    if ns.command == "actions":
        return serve_actions()
    if ns.command == "exec":
        if not ns.args:
            parser.error("exec needs a command")
        os.execvpe(
            ns.args[0], ns.args, process_env()
        )  # replaces this process: exit code and signals pass through
    return {"run": run, "shell": shell, "interactive": interactive}[ns.command]()


if __name__ == "__main__":
    sys.exit(main())
