"""The doors, through nginx: only the REST channel is public, CORS for the configured origin only, size
caps, malformed bodies, per-client rate limit. (Rasa's API off on every instance and everything but
nginx on loopback: test_scale_out.py, once both instances are up again.)"""

from __future__ import annotations

import http.client
import json
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import requests

from ops.cluster import Cluster
from tests.production import helpers
from tests.production.conftest import MARKER, ORIGIN, new_sender
from tests.production.helpers import Patient, kinds, texts


def test_only_the_rest_channel_is_public(cluster: Cluster) -> None:
    assert requests.get(cluster.lb_url + "/", timeout=30).status_code == 404
    assert requests.get(cluster.lb_url + "/version", timeout=30).status_code == 404
    assert requests.get(cluster.lb_url + "/webhooks/rest/", timeout=30).status_code == 200


def test_cors_allows_the_configured_origin_only(cluster: Cluster) -> None:
    def preflight(origin: str) -> requests.Response:
        return requests.options(
            cluster.webhook,
            timeout=30,
            headers={
                "Origin": origin,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type",
            },
        )

    allowed = preflight(ORIGIN)
    assert allowed.headers.get("Access-Control-Allow-Origin") == ORIGIN
    denied = preflight("https://evil.example")
    assert "Access-Control-Allow-Origin" not in denied.headers
    r = requests.post(
        cluster.webhook,
        json={"sender": new_sender(), "message": "hi"},
        headers={"Origin": "https://evil.example"},
        timeout=60,
    )
    assert r.headers.get("Access-Control-Allow-Origin") in (None, "")
    assert "*" not in (allowed.headers.get("Access-Control-Allow-Origin") or "")


def test_oversized_body_gets_413_at_nginx_and_at_rasa(cluster: Cluster) -> None:
    body = json.dumps({"sender": new_sender(), "message": MARKER + "x" * 70_000})
    session = helpers.client()
    at_lb = session.post(
        cluster.webhook, data=body, headers={"Content-Type": "application/json"}, timeout=60
    )
    assert at_lb.status_code == 413 and "error" in at_lb.json()
    direct = requests.post(
        cluster.rasa_url(1) + "/webhooks/rest/webhook",
        data=body,
        headers={"Content-Type": "application/json"},
        timeout=60,
    )
    assert direct.status_code == 413


def test_over_long_message_gets_a_friendly_reply(cluster: Cluster) -> None:
    patient = Patient(cluster.webhook, new_sender())
    reply = patient.say(f"{MARKER} " + "tell me about migraines " * 60)
    assert reply and "too long" in texts(reply).lower(), reply
    urgent = patient.say(
        "I have the worst headache of my life and my face is drooping " * 20 + MARKER
    )
    assert "emergency" in kinds(urgent), urgent


def test_malformed_body_gets_400(cluster: Cluster) -> None:
    session = helpers.client()
    for body in (b"{not json", b'{"sender": 5, "message": "hi"}', b"[]", f'"{MARKER}"'.encode()):
        r = session.post(
            cluster.webhook, data=body, headers={"Content-Type": "application/json"}, timeout=60
        )
        assert r.status_code == 400 and "error" in r.json(), (body, r.status_code)


def test_rate_limit_per_client_ip(cluster: Cluster) -> None:
    noisy, quiet = helpers.new_ip(), helpers.new_ip()

    def hit(ip: str) -> int:
        conn = http.client.HTTPConnection(
            "127.0.0.1", cluster.lb_port, timeout=30, source_address=(ip, 0)
        )
        try:
            conn.request("GET", "/webhooks/rest/")
            response = conn.getresponse()
            response.read()
            return response.status
        finally:
            conn.close()

    with ThreadPoolExecutor(16) as pool:
        statuses = Counter(pool.map(hit, [noisy] * 150))
    assert statuses[429] > 0, statuses
    assert set(statuses) <= {200, 429}, statuses
    assert hit(quiet) == 200, "another client must not be limited by the noisy one"
    limited = helpers.client(noisy).get(cluster.lb_url + "/webhooks/rest/", timeout=30)
    if limited.status_code == 429:
        assert "error" in limited.json()
