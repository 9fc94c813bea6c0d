"""What the fuzzers send to the REST channel (tests/production/test_fuzz.py against the cluster,
tests/e2e/test_fuzz_embedded.py against the embedded stack) and what they accept back: bodies built by
hypothesis over `sender`, `message` and `metadata` (every Unicode category, NUL, lone surrogates,
nesting, sizes, truncated and non-JSON bytes), and a check that the answer is 200, 400, 413 or 429
with a JSON body, never a 5xx."""

from __future__ import annotations

import json
import uuid

import requests
from hypothesis import strategies as st

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
# Mostly valid conversation ids (random UUIDs), so that the message and metadata get past the sender check.
SENDER = st.one_of(
    st.text(min_size=1, max_size=140),
    st.just(str(uuid.uuid4())),
    st.uuids(version=4).map(str),
    JSON_VALUE,
)
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
