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
from tests.production import helpers
from tests.production.conftest import new_sender

ODD_TEXT = st.text(
    alphabet=st.characters(min_codepoint=0, max_codepoint=0x10FFFF, blacklist_categories=()),
    max_size=400,
)
HUGE_TEXT = st.builds(
    lambda ch, n: ch * n,
    st.characters(min_codepoint=0, max_codepoint=0x10FFFF),
    st.integers(900, 40_000),
)
SPECIAL = st.sampled_from(
    [
        "",
        " ",
        "\u0000",
        "\ufeff",
        "\u202e/ask_aura",
        "🤕" * 300,
        "e\u0301" * 500,
        "/restart",
        '/greet{"x": 1}',
        '/ask_aura{"subject": "' + "a" * 500 + '"}',
        "\ud800",
        "\udfff\ud800",
        "<script>alert(1)</script>",
        "' OR 1=1 --",
        "{{7*7}}",
        "%s%s%s%n",
        "\r\n\r\nHTTP/1.1 200",
    ]
)
JSON_SCALAR = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | ODD_TEXT
)
JSON_VALUE = st.recursive(
    JSON_SCALAR,
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
SENDER = st.one_of(st.text(min_size=1, max_size=140), st.just(new_sender("fuzz")), JSON_VALUE)
MESSAGE = st.one_of(ODD_TEXT, HUGE_TEXT, SPECIAL, JSON_VALUE)


def bodies() -> st.SearchStrategy[bytes]:
    as_json = lambda v: json.dumps(v, allow_nan=True).encode("utf-8", "surrogatepass")  # noqa: E731
    shaped = st.fixed_dictionaries(
        {"sender": SENDER, "message": MESSAGE}, optional={"metadata": JSON_VALUE}
    )
    return st.one_of(
        shaped.map(as_json),
        JSON_VALUE.map(as_json),
        st.binary(max_size=2000),
        st.builds(
            lambda b, cut: b[:cut], shaped.map(as_json), st.integers(0, 200)
        ),  # truncated JSON
        ODD_TEXT.map(lambda t: t.encode("utf-8", "surrogatepass")),
    )


def check(response: requests.Response) -> None:
    # 429: one conversation's rate limit (the fuzzer reuses one valid sender)
    assert response.status_code in (200, 400, 413, 429), (response.status_code, response.text[:300])
    if response.status_code == 413 and "json" not in response.headers.get("content-type", ""):
        return  # Sanic's own size check answers in the request's content type (text/plain here)
    body = response.json()
    if response.status_code == 200:
        assert isinstance(body, list) and body, body
        assert all(isinstance(m, dict) and m.get("text") or m.get("custom") for m in body), body
    elif response.status_code in (400, 429):
        assert "error" in body  # the channel's own JSON error
    # 413: the channel's JSON error or Sanic's own ({"description": "Request Entity Too Large", ...})


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
    patient = helpers.Patient(cluster.webhook, new_sender("after-fuzz"))
    assert helpers.topics(patient.say("what is an aura?"))[:1] == ["aura"]


def test_odd_unicode_through_nginx(cluster: Cluster) -> None:
    patient = helpers.Patient(cluster.webhook, new_sender("uni"))
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
