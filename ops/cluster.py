"""The production topology on one machine: N Rasa servers and M action servers behind nginx, sharing
PostgreSQL (conversations) and Redis (per-patient locks).

    make run-cluster                                   # 2 Rasa + 1 action server, nginx on 127.0.0.1:8088
    python -m ops.cluster --rasa 3 --actions 2 --port 8088

                 patients (widget, curl)
                          |
                 nginx 127.0.0.1:8088  (rate limit, 64 KB cap, timeouts; round-robin)
                   /              \\
        Rasa 127.0.0.1:5101   Rasa 127.0.0.1:5102      (loopback only; REST channel, model in memory)
                   \\              /
          action server(s) 127.0.0.1:5201 (.. behind a loopback nginx port when 2+)
                   PostgreSQL 127.0.0.1:5432 (events)   Redis 127.0.0.1:6379 (locks)

Only nginx's port is meant to be reached by patients; Rasa and the action servers bind to loopback.
The stores come from the environment (deploy/production.env.example); the command refuses to start
(preflight, exit 1) when they are unreachable, missing or unsuitable for several instances. Rasa's HTTP
API is enabled only when RASA_AUTH_TOKEN is set, and then requires it.

Processes are started with the command lines of ops/launcher.py, logs in artifacts/logs/.
Ctrl-C stops everything. A Rasa or action server that dies is restarted (after a new preflight).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Sequence

import requests

from ops import launcher, preflight, settings
from ops.launcher import LOG_DIR, latest_model, stop_process, wait_http
from ops.nginx import NginxConfig

ROOT = settings.ROOT
START_TIMEOUT = float(os.environ.get("CLUSTER_START_TIMEOUT", "480"))


class PreflightFailed(RuntimeError):
    pass


@dataclass
class Cluster:
    rasa_count: int = 2
    action_count: int = 1
    lb_port: int = 8088
    rasa_ports: Sequence[int] = ()
    action_ports: Sequence[int] = ()
    actions_lb_port: int = 0
    env: Mapping[str, str] = field(default_factory=dict)  # overrides (stores, CORS_ORIGINS, ...)
    model: Optional[Path] = None
    rate: Optional[str] = None
    burst: Optional[int] = None
    name: str = "cluster"
    project_dir: Path = ROOT  # where Rasa runs (the bench also runs the `rasa init` peer)
    credentials: str = "credentials.yml"
    run_preflight: bool = True
    procs: Dict[str, subprocess.Popen] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.rasa_ports = list(self.rasa_ports) or [5101 + i for i in range(self.rasa_count)]
        if not self.action_ports and self.action_count:
            self.action_ports = [5201 + i for i in range(self.action_count)]
        self.action_ports = list(self.action_ports)
        self.rasa_count, self.action_count = len(self.rasa_ports), len(self.action_ports)
        if self.action_count > 1 and not self.actions_lb_port:
            self.actions_lb_port = 5200
        self.model = Path(self.model) if self.model else latest_model()
        self.run_dir = ROOT / ".rasa" / f"{self.name}-{self.lb_port}"
        self.full_env = self._environment()

    # ---- addresses
    @property
    def lb_url(self) -> str:
        return f"http://127.0.0.1:{self.lb_port}"

    @property
    def webhook(self) -> str:
        return f"{self.lb_url}/webhooks/rest/webhook"

    def rasa_url(self, i: int) -> str:
        return f"http://127.0.0.1:{self.rasa_ports[i]}"

    @property
    def action_server_url(self) -> str:
        if not self.action_count:
            return "http://127.0.0.1:5055/webhook"
        port = self.actions_lb_port if self.action_count > 1 else self.action_ports[0]
        return f"http://127.0.0.1:{port}/webhook"

    @property
    def nginx_access_log(self) -> Path:
        return self.log_dir / "nginx-access.log"

    @property
    def log_dir(self) -> Path:
        return LOG_DIR / f"{self.name}-{self.lb_port}"

    def _environment(self) -> Dict[str, str]:
        return launcher.process_env({**self.env, "ACTION_SERVER_URL": self.action_server_url})

    # ---- processes
    def _spawn(self, name: str, args: List[str], **extra_env: str) -> subprocess.Popen:
        proc = launcher.spawn(
            args, {**self.full_env, **extra_env}, self.log_dir / f"{name}.log", cwd=self.project_dir
        )
        self.procs[name] = proc
        return proc

    def preflight(self) -> None:
        if not self.run_preflight:
            return
        report = preflight.run(instances=self.rasa_count, env=self.full_env, quiet=True)
        if report.problems:
            raise PreflightFailed(
                "PREFLIGHT FAILED, the cluster was not started:\n  - "
                + "\n  - ".join(report.problems)
            )

    def _spawn_actions(self, i: int) -> subprocess.Popen:
        return self._spawn(
            f"actions-{i}", launcher.actions_command(self.action_ports[i]), **launcher.actions_env()
        )

    def _rasa_args(self, i: int) -> List[str]:
        return launcher.rasa_command(
            self.rasa_ports[i],
            model=self.model,
            credentials=self.credentials,
            endpoints=self.full_env.get("CLINIC_ENDPOINTS", "endpoints.yml"),
            cors=self.full_env.get("CORS_ORIGINS", "").split(),
            auth_token=self.full_env.get("RASA_AUTH_TOKEN", ""),
        )

    def _spawn_rasa(self, i: int) -> subprocess.Popen:
        return self._spawn(f"rasa-{i}", self._rasa_args(i))

    def start_actions(self, which: Optional[Sequence[int]] = None) -> None:
        launcher.ensure_content_release(self.full_env)  # a fresh copy has published no answers yet
        which = range(self.action_count) if which is None else which
        procs = {i: self._spawn_actions(i) for i in which}
        for i, proc in procs.items():
            wait_http(f"http://127.0.0.1:{self.action_ports[i]}/health", START_TIMEOUT, proc)

    def stop_actions(self, which: Optional[Sequence[int]] = None, kill: bool = False) -> None:
        for i in range(self.action_count) if which is None else which:
            stop_process(self.procs.pop(f"actions-{i}", None), kill)

    def start_rasa(self, which: Optional[Sequence[int]] = None, preflight: bool = True) -> None:
        """Starts Rasa instances (all at once, then waits for each)."""
        if preflight:
            self.preflight()
        which = range(self.rasa_count) if which is None else which
        procs = {i: self._spawn_rasa(i) for i in which}
        for i, proc in procs.items():
            wait_http(f"{self.rasa_url(i)}/webhooks/rest/", START_TIMEOUT, proc)

    def spawn_rasa(self, i: int) -> subprocess.Popen:
        """Starts instance i without waiting (wait_rasa waits)."""
        return self._spawn_rasa(i)

    def wait_rasa(self, which: Sequence[int]) -> None:
        for i in which:
            wait_http(
                f"{self.rasa_url(i)}/webhooks/rest/", START_TIMEOUT, self.procs.get(f"rasa-{i}")
            )

    def stop_rasa(self, i: int, kill: bool = False) -> None:
        """kill=True: SIGKILL, as a crash or an OOM kill would."""
        stop_process(self.procs.pop(f"rasa-{i}", None), kill)

    def nginx_config(self) -> NginxConfig:
        cfg = NginxConfig(
            rasa_servers=[f"127.0.0.1:{p}" for p in self.rasa_ports],
            listen=f"127.0.0.1:{self.lb_port}",
            run_dir=self.run_dir,
            log_dir=self.log_dir,
            action_servers=[f"127.0.0.1:{p}" for p in self.action_ports]
            if self.action_count > 1
            else (),
            actions_listen=f"127.0.0.1:{self.actions_lb_port}",
        )
        if self.rate:
            cfg.rate = self.rate
        if self.burst is not None:
            cfg.burst = self.burst
        return cfg

    def start_nginx(self) -> None:
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        if not Path(nginx).exists():
            raise RuntimeError(
                "nginx is not installed: make services (apt-get install nginx-light)."
            )
        conf = self.nginx_config().write()
        base = [
            nginx,
            "-p",
            str(self.run_dir),
            "-c",
            str(conf),
            "-e",
            str(self.log_dir / "nginx-error.log"),
        ]
        check = subprocess.run(base + ["-t", "-q"], capture_output=True, text=True)
        if check.returncode != 0:
            raise RuntimeError(f"nginx configuration {conf} is invalid:\n{check.stderr}")
        proc = self._spawn("nginx", base + ["-g", "daemon off;"])
        wait_http(f"{self.lb_url}/webhooks/rest/", 30, proc)

    def stop_nginx(self) -> None:
        stop_process(self.procs.pop("nginx", None))

    def start(self) -> "Cluster":
        self.preflight()
        try:
            self.start_actions()
            self.start_rasa(preflight=False)
            self.start_nginx()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        self.stop_nginx()
        for name in [n for n in self.procs if n.startswith("rasa-")]:
            stop_process(self.procs.pop(name, None))
        for name in [n for n in self.procs if n.startswith("actions-")]:
            stop_process(self.procs.pop(name, None))

    def pids(self) -> Dict[str, int]:
        return {name: p.pid for name, p in self.procs.items() if p.poll() is None}

    # ---- client helpers
    def post(
        self, body: object, timeout: float = 60, url: Optional[str] = None
    ) -> requests.Response:
        return requests.post(url or self.webhook, json=body, timeout=timeout)

    def say(self, sender: str, text: str, timeout: float = 60) -> List[dict]:
        r = self.post({"sender": sender, "message": text}, timeout)
        r.raise_for_status()
        return r.json()

    def supervise(self, stop_event: threading.Event) -> None:
        """Restarts a Rasa or action server that exited (the local stand-in for Kubernetes/compose)."""
        while not stop_event.wait(2):
            for name, proc in list(self.procs.items()):
                if proc.poll() is None or name == "nginx":
                    continue
                print(
                    f"cluster: {name} exited with code {proc.returncode}; restarting (logs: {self.log_dir})",
                    flush=True,
                )
                kind, i = name.rsplit("-", 1)
                try:  # spawned, not waited for: the loop goes on (and Ctrl-C works) while it loads
                    if kind == "rasa":
                        self.preflight()
                        self.spawn_rasa(int(i))
                    else:
                        self._spawn_actions(int(i))
                except Exception as e:  # noqa: BLE001 - keep supervising the others
                    print(f"cluster: restarting {name} failed: {e}", flush=True)
                    time.sleep(10)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="N Rasa servers + M action servers behind nginx.")
    parser.add_argument("--rasa", type=int, default=int(os.environ.get("CLUSTER_RASA", "2")))
    parser.add_argument("--actions", type=int, default=int(os.environ.get("CLUSTER_ACTIONS", "1")))
    parser.add_argument("--port", type=int, default=int(os.environ.get("CLUSTER_PORT", "8088")))
    parser.add_argument(
        "--env-file",
        type=Path,
        help="settings that override the environment (e.g. deploy/local-cluster.env: this "
        "machine's PostgreSQL and Redis)",
    )
    parser.add_argument(
        "--create-database",
        action="store_true",
        help="create the PostgreSQL database if it does not exist (provisioning, explicit)",
    )
    args = parser.parse_args(argv)
    env: Dict[str, str] = settings.read_env_file(args.env_file) if args.env_file else {}
    if args.env_file and not env:
        print(f"cluster: {args.env_file} is missing or empty", file=sys.stderr)
        return 1
    if args.create_database:
        preflight.run(instances=args.rasa, create=True, quiet=True, env={**os.environ, **env})
    cluster = Cluster(rasa_count=args.rasa, action_count=args.actions, lb_port=args.port, env=env)
    stop_event = threading.Event()

    def on_signal(signum: int, _frame: object) -> None:
        stop_event.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    print(
        f"cluster: starting {cluster.rasa_count} Rasa + {cluster.action_count} action server(s), model "
        f"{cluster.model.name}; logs in {cluster.log_dir}",
        flush=True,
    )
    try:
        cluster.start()
    except PreflightFailed as e:
        print(str(e), file=sys.stderr)
        return 1
    except Exception as e:  # noqa: BLE001
        print(f"cluster: could not start: {e}", file=sys.stderr)
        return 1
    print(f"cluster: ready. Patients: POST {cluster.webhook}  (Ctrl-C stops)", flush=True)
    try:
        cluster.supervise(stop_event)
    finally:
        cluster.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
