"""The rendered nginx config, run by real nginx: X-Forwarded-For is believed from the trusted proxy
range only, so that patients behind a TLS terminator get one rate-limit bucket each; the connection cap
per client; the global cap. The upstream is a small HTTP server standing in for Rasa: GET answers at
once, POST after 3 s (an instance busy with a message)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator, List

import pytest
import requests

from ops.launcher import free_port
from ops.nginx import NginxConfig
from tests.production.helpers import client

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
pytestmark = pytest.mark.skipif(
    not Path(NGINX).exists(), reason="nginx is not installed (make services)"
)
PROXY = "127.0.0.2"
BURST = 3


class Upstream(BaseHTTPRequestHandler):
    def _answer(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"[]")

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._answer()

    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        time.sleep(3)
        self._answer()

    def log_message(self, *args: object) -> None:
        pass


class Nginx:
    def __init__(self, tmp: Path) -> None:
        self.upstream = ThreadingHTTPServer(("127.0.0.1", 0), Upstream)
        threading.Thread(target=self.upstream.serve_forever, daemon=True).start()
        self.port = free_port()
        self.cfg = NginxConfig(
            rasa_servers=[f"127.0.0.1:{self.upstream.server_address[1]}"],
            listen=f"127.0.0.1:{self.port}",
            run_dir=tmp,
            log_dir=tmp,
            trusted_proxies=[f"{PROXY}/32"],
            rate="1r/m",
            burst=BURST,
            conn_per_client=2,
            read_timeout="5s",
        )
        conf = self.cfg.write()
        self.proc = subprocess.Popen(
            [NGINX, "-p", str(tmp), "-c", str(conf), "-e", str(tmp / "e.log"), "-g", "daemon off;"],
            start_new_session=True,
        )
        self.log = tmp / "nginx-access.log"
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), 1).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("nginx did not start")

    def url(self, path: str = "/webhooks/rest/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)
        self.upstream.shutdown()
        self.upstream.server_close()


@pytest.fixture
def nginx(tmp_path: Path) -> Iterator[Nginx]:
    n = Nginx(tmp_path)
    try:
        yield n
    finally:
        n.stop()


def statuses(ip: str, url: str, n: int, forwarded_for: str = "") -> List[int]:
    session = client(ip)
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    return [session.get(url, headers=headers, timeout=10).status_code for _ in range(n)]


def test_behind_the_trusted_proxy_each_patient_has_a_bucket(nginx: Nginx) -> None:
    # 200 = served, 429 = rate-limited.
    assert statuses(PROXY, nginx.url(), BURST + 2, "203.0.113.7")[-1] == 429
    assert statuses(PROXY, nginx.url(), 1, "203.0.113.8") == [
        200
    ], "another patient behind the proxy"
    log = nginx.log.read_text()
    assert "203.0.113.8 " in log and f"{PROXY} " not in log


def test_ipv6_patients_are_keyed_by_their_64(nginx: Nginx) -> None:
    # One household or phone network hands out many addresses in one /64: they share one bucket,
    # else an IPv6 client would get a fresh bucket per address; another /64 is another patient.
    assert statuses(PROXY, nginx.url(), BURST + 2, "2001:db8:0:1::7")[-1] == 429
    assert statuses(PROXY, nginx.url(), 1, "2001:db8:0:1:ffff::8") == [429], "same /64"
    assert statuses(PROXY, nginx.url(), 1, "2001:db8:0:2::7") == [200], "another /64"


def test_forwarded_for_from_an_untrusted_client_is_ignored(nginx: Nginx) -> None:
    assert statuses("127.0.0.3", nginx.url(), BURST + 2, "203.0.113.9")[-1] == 429
    # A new forged address does not buy a new bucket.
    assert statuses("127.0.0.3", nginx.url(), 1, "203.0.113.10") == [429]
    assert "127.0.0.3 " in nginx.log.read_text() and "203.0.113.9" not in nginx.log.read_text()


def test_open_requests_per_client_are_capped(nginx: Nginx) -> None:
    session_ip = "127.0.0.4"

    def post() -> int:
        try:
            return (
                client(session_ip)
                .post(nginx.url("/webhooks/rest/webhook"), json={}, timeout=15)
                .status_code
            )
        except requests.RequestException:
            return 0

    with ThreadPoolExecutor(3) as pool:
        results = list(pool.map(lambda _: post(), range(3)))
    assert results.count(429) >= 1, results  # two wait on the busy upstream, the third is refused


def test_upstream_keepalive_closes_before_sanic(nginx: Nginx) -> None:
    text = nginx.cfg.render()
    assert "keepalive_timeout 4s;" in text.split("upstream rasa", 1)[1].split("}", 1)[0]
