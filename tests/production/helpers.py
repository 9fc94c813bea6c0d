"""Helpers for the production tests: clients with their own source IP (nginx rate-limits per client
IP, and every address in 127.0.0.0/8 is this machine), tracker events read straight from PostgreSQL,
nginx's access log, listening sockets, and the local services."""

from __future__ import annotations

import itertools
import json
import os
import socket
import subprocess
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import psycopg2
import redis
import requests
from requests.adapters import HTTPAdapter

from actions.content import load
from tests.conftest import kinds, texts  # noqa: F401  (re-exported for the production tests)

CONTENT = load()
PHONE = CONTENT.clinic.phone
PG = dict(host="127.0.0.1", port=5432, user="postgres")
REDIS = dict(host="127.0.0.1", port=6379)
PG_VERSION = sorted(os.listdir("/etc/postgresql"))[-1] if os.path.isdir("/etc/postgresql") else "15"
PG_START = ["pg_ctlcluster", "--skip-systemctl-redirect", PG_VERSION, "main", "start"]
PG_STOP = ["pg_ctlcluster", "--skip-systemctl-redirect", PG_VERSION, "main", "stop", "-m", "fast"]
REDIS_START = [
    "redis-server",
    "--daemonize",
    "yes",
    "--bind",
    "127.0.0.1",
    "-::1",
    "--port",
    "6379",
    "--save",
    "",
    "--appendonly",
    "no",
    "--dir",
    "/var/lib/redis",
    "--logfile",
    "/var/log/redis/ci.log",
]

_ips = itertools.count(10)


def new_ip() -> str:
    """A fresh client address (127.0.1.x): each test's patients get their own rate-limit bucket, as
    real patients on their own connections would."""
    n = next(_ips)
    return f"127.0.{1 + n // 250}.{1 + n % 250}"


class _SourceAddressAdapter(HTTPAdapter):
    def __init__(self, ip: str, **kwargs: Any) -> None:
        self._ip = ip
        super().__init__(**kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = (self._ip, 0)
        super().init_poolmanager(*args, **kwargs)


def client(ip: Optional[str] = None) -> requests.Session:
    session = requests.Session()
    adapter = _SourceAddressAdapter(ip or new_ip())
    session.mount("http://", adapter)
    return session


class Patient:
    """One patient talking through a URL (the load balancer, or one instance) from their own IP."""

    def __init__(self, webhook: str, sender: str, ip: Optional[str] = None) -> None:
        self.webhook, self.sender = webhook, sender
        self.session = client(ip)

    def post(self, text: str, timeout: float = 90) -> requests.Response:
        return self.session.post(
            self.webhook, json={"sender": self.sender, "message": text}, timeout=timeout
        )

    def say(self, text: str, timeout: float = 90) -> List[Dict[str, Any]]:
        r = self.post(text, timeout)
        assert r.status_code == 200, (r.status_code, r.text[:300])
        return r.json()


def topics(messages: Sequence[Dict[str, Any]]) -> List[str]:
    return [
        (m.get("custom") or {}).get("topic")
        for m in messages
        if (m.get("custom") or {}).get("topic")
    ]


def is_clinic_error(messages: Sequence[Dict[str, Any]]) -> bool:
    """The channel's own reply when the assistant could not answer: kind error, the clinic's phone."""
    return "error" in kinds(messages) and PHONE in texts(messages)


# ---- PostgreSQL
def pg_connect(dbname: str) -> "psycopg2.extensions.connection":
    conn = psycopg2.connect(dbname=dbname, connect_timeout=10, **PG)
    conn.autocommit = True
    return conn


def events(
    dbname: str, sender: str
) -> List[Tuple[str, Optional[str], Optional[str], Dict[str, Any]]]:
    """(type, action or intent, text, data) of a conversation, in stored order."""
    with pg_connect(dbname) as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT type_name, action_name, intent_name, data FROM events WHERE sender_id = %s "
            "ORDER BY id",
            (sender,),
        )
        rows = cur.fetchall()
    conn.close()
    return [(t, a or i, json.loads(d).get("text"), json.loads(d)) for t, a, i, d in rows]


def user_turns(
    evts: Sequence[Tuple[str, Optional[str], Optional[str], Dict[str, Any]]],
) -> List[List[tuple]]:
    """Splits events into turns: each starts at a `user` event."""
    turns: List[List[tuple]] = []
    for e in evts:
        if e[0] == "user":
            turns.append([e])
        elif turns:
            turns[-1].append(e)
    return turns


def assert_well_formed(evts: Sequence[tuple], sent: Sequence[str]) -> None:
    """Every message sent is stored once, in order, and each turn is complete (the assistant's actions,
    ending by listening) before the next message: nothing lost, duplicated, reordered or interleaved."""
    turns = user_turns(evts)
    assert [t[0][2] for t in turns] == list(sent), [t[0][2] for t in turns]
    for turn in turns:
        names = [e[1] for e in turn if e[0] == "action"]
        assert (
            names and names[-1] == "action_listen"
        ), f"turn for {turn[0][2]!r} is incomplete: {names}"
        assert names.count("action_listen") == 1, f"turn for {turn[0][2]!r} interleaved: {names}"
    starts = [e for e in evts if e[0] == "session_started"]
    assert len(starts) == 1, f"{len(starts)} session starts"


# ---- nginx
def log_size(path: Path) -> int:
    return path.stat().st_size if path.exists() else 0


def access_lines(path: Path, since: int) -> List[str]:
    with open(path, "rb") as f:
        f.seek(since)
        return [line.decode() for line in f.read().splitlines()]


def upstream_lists(lines: Sequence[str], method: str = "POST") -> List[List[str]]:
    """Per request, the Rasa instances nginx tried, in order (more than one when it retried)."""
    out = []
    for line in lines:
        if f'"{method} ' in line and "upstream=" in line:
            field = line.split("upstream=", 1)[1].split(" ut=", 1)[0]
            out.append([a.strip() for a in field.split(",") if a.strip()])
    return out


def upstreams(lines: Sequence[str], method: str = "POST") -> List[str]:
    """Per request, the Rasa instance that answered."""
    return [tried[-1] for tried in upstream_lists(lines, method)]


def access_lines_after(
    path: Path, since: int, requests_expected: int, method: str = "POST", timeout: float = 10
) -> List[str]:
    """nginx writes a request's log line just after the response: wait until they are all there."""
    deadline = time.monotonic() + timeout
    while True:
        lines = access_lines(path, since)
        if len(upstream_lists(lines, method)) >= requests_expected or time.monotonic() > deadline:
            return lines
        time.sleep(0.1)


# ---- sockets
def listening_addresses(port: int) -> List[str]:
    """Local addresses with a listening TCP socket on `port` (from /proc/net/tcp and tcp6)."""
    found = []
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, state = fields[1], fields[3]
            addr_hex, port_hex = local.split(":")
            if state != "0A" or int(port_hex, 16) != port:
                continue
            if width == 8:
                addr = socket.inet_ntop(socket.AF_INET, bytes.fromhex(addr_hex)[::-1])
            else:
                raw = bytes.fromhex(addr_hex)
                addr = socket.inet_ntop(
                    socket.AF_INET6, b"".join(raw[i : i + 4][::-1] for i in range(0, 16, 4))
                )
            found.append(addr)
    return found


def non_loopback_ip() -> Optional[str]:
    """This machine's own address on its network interface, if it has one."""
    try:
        out = subprocess.run(
            ["hostname", "-I"], capture_output=True, text=True, timeout=5
        ).stdout.split()
    except (OSError, subprocess.SubprocessError):
        out = []
    for ip in out:
        if ":" not in ip and not ip.startswith("127."):
            return ip
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("10.255.255.255", 1))
            ip = s.getsockname()[0]
            return None if ip.startswith("127.") else ip
    except OSError:
        return None


# ---- services
def pg_up() -> bool:
    try:
        pg_connect("postgres").close()
        return True
    except psycopg2.Error:
        return False


def redis_up() -> bool:
    try:
        return bool(redis.StrictRedis(socket_timeout=2, socket_connect_timeout=2, **REDIS).ping())
    except redis.RedisError:
        return False


def wait_until(check, timeout: float = 60, interval: float = 0.5) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(interval)
    return False


def start_postgres() -> None:
    if not pg_up():
        subprocess.run(PG_START, check=False, capture_output=True, timeout=60)
        assert wait_until(pg_up, 60), "PostgreSQL did not come back"


def stop_postgres() -> None:
    subprocess.run(PG_STOP, check=True, capture_output=True, timeout=60)


def start_redis() -> None:
    if not redis_up():
        os.makedirs("/var/lib/redis", exist_ok=True)
        os.makedirs("/var/log/redis", exist_ok=True)
        subprocess.run(REDIS_START, check=False, capture_output=True, timeout=30)
        assert wait_until(redis_up, 30), "Redis did not come back"


def stop_redis() -> None:
    try:
        redis.StrictRedis(socket_timeout=5, **REDIS).shutdown(nosave=True)
    except redis.ConnectionError:
        pass  # shutdown closes the connection: expected
    assert wait_until(lambda: not redis_up(), 20), "Redis did not stop"
