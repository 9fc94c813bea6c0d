"""Renders deploy/nginx.conf.template for a list of Rasa servers (and, optionally, a loopback load
balancer for several action servers).

    python -m ops.nginx --rasa 10.0.0.11:5005 --rasa 10.0.0.12:5005 --listen 80 \
        --run-dir /var/lib/clinic-nginx --log-dir /var/log/nginx > /etc/nginx/clinic.conf

Settings (flags, else environment, else default): NGINX_RATE (10r/s), NGINX_BURST (30),
NGINX_READ_TIMEOUT (60s), NGINX_TRUSTED_PROXIES (none: space-separated CIDRs of the TLS
terminator / load balancer whose X-Forwarded-For is believed), NGINX_GLOBAL_RATE (100r/s) and
NGINX_GLOBAL_BURST (200) over all clients, NGINX_CONN_PER_CLIENT (10) and NGINX_CONN_TOTAL (500) open
requests. The body cap is Rasa's own, SANIC_REQUEST_MAX_SIZE (bytes, deploy/defaults.env): one setting
for nginx, Sanic and the REST channel.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Mapping, Optional, Sequence

import yaml

from ops import settings
from ops.settings import ROOT

TEMPLATE = ROOT / "deploy" / "nginx.conf.template"


def unavailable_message() -> str:
    """The 503 text, with the clinic's phone number from content/clinic.yml when it can be read."""
    phone, emergency = "", ""
    try:
        data = yaml.safe_load((ROOT / "content" / "clinic.yml").read_text()) or {}
        phone = str((data.get("clinic") or {}).get("phone") or "")
        emergency = str((data.get("emergency") or {}).get("number") or "")
    except (OSError, yaml.YAMLError, AttributeError):
        pass
    text = "The assistant is not available right now."
    text += f" Please call the clinic at {phone}." if phone else " Please call the clinic."
    text += (
        f" In an emergency call {emergency}."
        if emergency
        else " In an emergency call your local emergency number."
    )
    return re.sub(r"['\"\\$;{}]", "", text)


def body_cap(env: Mapping[str, str]) -> str:
    """SANIC_REQUEST_MAX_SIZE (bytes) in nginx's notation: 65536 -> 64k."""
    size = int(env.get("SANIC_REQUEST_MAX_SIZE") or 65536)
    return f"{size // 1024}k" if size % 1024 == 0 else str(size)


@dataclass
class NginxConfig:
    rasa_servers: Sequence[str]  # host:port
    listen: str = "127.0.0.1:8088"
    run_dir: Path = ROOT / ".rasa" / "nginx"
    log_dir: Path = ROOT / "artifacts" / "logs"
    rate: str = field(default_factory=lambda: os.environ.get("NGINX_RATE", "10r/s"))
    burst: int = field(default_factory=lambda: int(os.environ.get("NGINX_BURST", "30")))
    max_body: str = field(default_factory=lambda: body_cap(settings.effective_env()))
    read_timeout: str = field(default_factory=lambda: os.environ.get("NGINX_READ_TIMEOUT", "60s"))
    trusted_proxies: Sequence[str] = field(
        default_factory=lambda: os.environ.get("NGINX_TRUSTED_PROXIES", "").split()
    )
    global_rate: str = field(default_factory=lambda: os.environ.get("NGINX_GLOBAL_RATE", "100r/s"))
    global_burst: int = field(
        default_factory=lambda: int(os.environ.get("NGINX_GLOBAL_BURST", "200"))
    )
    conn_per_client: int = field(
        default_factory=lambda: int(os.environ.get("NGINX_CONN_PER_CLIENT", "10"))
    )
    conn_total: int = field(default_factory=lambda: int(os.environ.get("NGINX_CONN_TOTAL", "500")))
    worker_processes: int = 1
    action_servers: Sequence[str] = ()  # with 2+: an internal loopback LB for them
    actions_listen: str = ""  # e.g. 127.0.0.1:5054

    def render(self) -> str:
        if not self.rasa_servers:
            raise ValueError("at least one Rasa server is needed")
        for rate in (self.rate, self.global_rate):
            if not re.fullmatch(r"\d+r/[sm]", rate):
                raise ValueError(f"rate must look like 10r/s, not {rate!r}")
        servers = "\n".join(
            f"        server {s} max_fails=1 fail_timeout=5s;" for s in self.rasa_servers
        )
        actions = ""
        if len(self.action_servers) > 1:
            if not self.actions_listen.startswith(("127.", "[::1]", "localhost")):
                raise ValueError("the action servers' load balancer must listen on loopback")
            lines = "\n".join(
                f"        server {s} max_fails=1 fail_timeout=5s;" for s in self.action_servers
            )
            actions = f"""
    # Several action servers: Rasa calls this loopback-only address (ACTION_SERVER_URL); requests are
    # spread round-robin. Not reachable from outside, not rate-limited.
    upstream actions {{
{lines}
        keepalive 16;
    }}
    server {{
        listen {self.actions_listen};
        access_log off;
        location / {{
            proxy_pass http://actions;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_connect_timeout 2s;
            proxy_read_timeout 30s;
            proxy_next_upstream error timeout;
        }}
    }}
"""
        values = {
            "WORKER_PROCESSES": str(self.worker_processes),
            "RUN_DIR": str(self.run_dir),
            "LOG_DIR": str(self.log_dir),
            "RATE": self.rate,
            "BURST": str(self.burst),
            "RASA_SERVERS": servers,
            "LISTEN": self.listen,
            "MAX_BODY": self.max_body,
            "READ_TIMEOUT": self.read_timeout,
            "UNAVAILABLE_MESSAGE": unavailable_message(),
            "ACTIONS_BLOCK": actions,
            "REAL_IP": self.real_ip_block(),
            "GLOBAL_RATE": self.global_rate,
            "GLOBAL_BURST": str(self.global_burst),
            "CONN_PER_CLIENT": str(self.conn_per_client),
            "CONN_TOTAL": str(self.conn_total),
        }
        text = TEMPLATE.read_text()
        for key, value in values.items():
            text = text.replace("{{" + key + "}}", value)
        left = re.findall(r"\{\{[A-Z_]+\}\}", text)
        if left:
            raise ValueError(f"unfilled placeholders in {TEMPLATE.name}: {sorted(set(left))}")
        return text

    def real_ip_block(self) -> str:
        if not self.trusted_proxies:
            return (
                "    # (no trusted proxy: NGINX_TRUSTED_PROXIES is empty, clients connect directly)"
            )
        lines = [
            f"    set_real_ip_from {ipaddress.ip_network(cidr, strict=False)};"
            for cidr in self.trusted_proxies
        ]
        return "\n".join(
            lines
            + [
                "    real_ip_header X-Forwarded-For;",
                "    real_ip_recursive on;   # the last address not in the trusted range",
            ]
        )

    def write(self, path: Optional[Path] = None) -> Path:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        path = path or self.run_dir / "nginx.conf"
        path.write_text(self.render())
        return path


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Render deploy/nginx.conf.template.")
    parser.add_argument(
        "--rasa", action="append", required=True, help="a Rasa server host:port (repeat)"
    )
    parser.add_argument(
        "--actions",
        action="append",
        default=[],
        help="an action server host:port (repeat; 2+ adds a loopback LB)",
    )
    parser.add_argument("--actions-listen", default="127.0.0.1:5054")
    parser.add_argument("--listen", default="127.0.0.1:8088")
    parser.add_argument("--run-dir", default=str(ROOT / ".rasa" / "nginx"))
    parser.add_argument("--log-dir", default=str(ROOT / "artifacts" / "logs"))
    parser.add_argument("--rate")
    parser.add_argument("--burst", type=int)
    args = parser.parse_args(argv)
    cfg = NginxConfig(
        rasa_servers=args.rasa,
        listen=args.listen,
        run_dir=Path(args.run_dir),
        log_dir=Path(args.log_dir),
        action_servers=args.actions,
        actions_listen=args.actions_listen,
    )
    if args.rate:
        cfg.rate = args.rate
    if args.burst is not None:
        cfg.burst = args.burst
    sys.stdout.write(cfg.render())
    return 0


if __name__ == "__main__":
    sys.exit(main())
