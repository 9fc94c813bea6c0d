"""Property test: whatever arrives at the REST channel (malformed JSON, wrong types, huge or odd Unicode,
raw bytes), the answer is 200, 400 or 413 with a JSON body, never a 500, and the server stays up.

Sent straight to one Rasa instance (the channel is what is under test; nginx's rate limit would
otherwise answer most of them), then a few through nginx."""

from __future__ import annotations

import json

import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ops.cluster import Cluster
from tests.fuzz_bodies import bodies, check
from tests.production import helpers
from tests.production.conftest import new_sender


def test_rest_channel_never_fails_on_junk(cluster: Cluster) -> None:
    url = cluster.rasa_url(1) + "/webhooks/rest/webhook"  # instance 0 is restarting (test_4)
    session = requests.Session()

    @settings(
        max_examples=70,
        deadline=None,
        database=None,
        derandomize=False,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
        ],
    )
    @given(
        body=bodies(),
        content_type=st.sampled_from(
            ["application/json", "text/plain", "", "application/x-www-form-urlencoded"]
        ),
    )
    def post(body: bytes, content_type: str) -> None:
        headers = {"Content-Type": content_type} if content_type else {}
        check(session.post(url, data=body, headers=headers, timeout=120))

    post()
    assert requests.get(cluster.rasa_url(1) + "/webhooks/rest/", timeout=30).status_code == 200
    patient = helpers.Patient(cluster.webhook, new_sender())
    assert helpers.topics(patient.say("what is an aura?"))[:1] == ["aura"]


def test_odd_unicode_through_nginx(cluster: Cluster) -> None:
    patient = helpers.Patient(cluster.webhook, new_sender())
    for text in [
        "\u0000",
        "\ud800",
        "🤕🤕🤕 what is an aura",
        "e\u0301" * 300,
        "\u202e" + "x" * 900,
        "ｗｈａｔ　ｉｓ　ａｎ　ａｕｒａ",
    ]:
        body = json.dumps({"sender": patient.sender, "message": text}).encode()
        r = patient.session.post(
            cluster.webhook, data=body, headers={"Content-Type": "application/json"}, timeout=120
        )
        check(r)
