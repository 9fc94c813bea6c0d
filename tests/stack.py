"""Starts the REAL assistant for tests: the action server and the Rasa server (REST channel) as
separate processes, on free ports, with the latest trained model and the project's own
credentials.yml and endpoints.yml. Nothing is mocked.

    from tests.stack import start_stack
    stack = start_stack(cors_origins=["http://localhost:8123"])
    stack.say("patient-1", "what is an aura?")   # -> list of bot messages (dicts)
    stack.stop_actions(); stack.start_actions()  # fault tests
    stack.stop_rasa(); stack.start_rasa()
    stack.stop()

Logs of each process go to artifacts/logs/<name>-<port>.log.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence

import requests

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
LOG_DIR = ROOT / "artifacts" / "logs"
# Loading a model takes ~30 s on an idle 2-core machine, minutes while other work trains; a loaded CI
# machine can set CLINIC_TEST_START_TIMEOUT (seconds).
RASA_START_TIMEOUT = float(os.environ.get("CLINIC_TEST_START_TIMEOUT", "300"))
ACTIONS_START_TIMEOUT = 90.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def latest_model() -> Path:
    models = sorted((ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        raise RuntimeError("No trained model in models/: run `make train` first.")
    return models[-1]


def default_env() -> Dict[str, str]:
    """config/defaults.env, as `make run` uses it."""
    env: Dict[str, str] = {}
    for line in (ROOT / "config" / "defaults.env").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            env[key.strip()] = value.strip()
    return env


def wait_http(url: str, timeout: float, proc: Optional[subprocess.Popen] = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process for {url} exited with code {proc.returncode}; see {LOG_DIR}")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"{url} did not come up within {timeout:.0f}s; see {LOG_DIR}")


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
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def action_url(self) -> str:
        return f"http://127.0.0.1:{self.action_port}"

    @property
    def webhook(self) -> str:
        return f"{self.rasa_url}/webhooks/rest/webhook"

    def _spawn(self, name: str, args: List[str], port: int, **extra_env: str) -> subprocess.Popen:
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        with open(LOG_DIR / f"{name}-{port}.log", "ab") as log:
            proc = subprocess.Popen(args, cwd=ROOT, env={**self.env, **extra_env}, stdout=log,
                                    stderr=subprocess.STDOUT, start_new_session=True)
        self.procs[name] = proc
        return proc

    def start_actions(self) -> None:
        # rasa-sdk binds to SANIC_HOST: loopback only, the action server is never exposed.
        proc = self._spawn("actions", [str(VENV_BIN / "rasa"), "run", "actions", "--port", str(self.action_port),
                                        "--actions", "actions"], self.action_port, SANIC_HOST="127.0.0.1")
        wait_http(f"{self.action_url}/health", ACTIONS_START_TIMEOUT, proc)

    def stop_actions(self, kill: bool = False) -> None:
        stop_process(self.procs.pop("actions", None), kill)

    def start_rasa(self) -> None:
        args = [str(VENV_BIN / "rasa"), "run", "--port", str(self.rasa_port), "--model", str(self.model),
                "--credentials", "credentials.yml", "--endpoints", "endpoints.yml", *self.rasa_args]
        if self.cors_origins:
            args += ["--cors", *self.cors_origins]
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


def start_stack(cors_origins: Sequence[str] = (), env: Optional[Mapping[str, str]] = None,
                tracker_db: Optional[Path] = None, with_actions: bool = True,
                rasa_args: Sequence[str] = ()) -> Stack:
    """Starts action server + Rasa server. `env` overrides config/defaults.env (e.g. a PostgreSQL
    tracker store); by default conversations go to a fresh SQLite file."""
    rasa_port, action_port = free_port(), free_port()
    full_env = {**os.environ, **default_env()}
    db = tracker_db or Path(tempfile.mkdtemp(prefix="clinic-tracker-")) / "tracker.db"
    full_env.update({
        "PYTHONPATH": str(ROOT), "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2",
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
        "ACTION_SERVER_URL": f"http://127.0.0.1:{action_port}/webhook",
        "TRACKER_STORE_URL": f"sqlite:///{db}", "TRACKER_DB": str(db),
    })
    full_env.update(env or {})
    stack = Stack(rasa_port=rasa_port, action_port=action_port, env=full_env, model=latest_model(),
                  cors_origins=tuple(cors_origins), rasa_args=tuple(rasa_args))
    try:
        if with_actions:
            stack.start_actions()
        stack.start_rasa()
    except Exception:
        stack.stop()
        raise
    return stack


def kinds(messages: List[Dict[str, Any]]) -> List[str]:
    return [(m.get("custom") or {}).get("kind", "") for m in messages]


def texts(messages: List[Dict[str, Any]]) -> str:
    return "\n".join(m.get("text", "") for m in messages)
