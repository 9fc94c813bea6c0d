"""Benchmark (not a test, asserts nothing): patients' reply times before, during and after a publish.

    python -m bench.publish_traffic                       # starts its own assistant on free ports
    python -m bench.publish_traffic --url http://127.0.0.1:5005 [--url ...]   # a running one (API on)
    python -m bench.publish_traffic --model models/<file>.tar.gz --baseline 30 --after 30

Steady traffic as the widget sends it: one message a second, each from a new conversation (a random
UUID v4 sender), POST /webhooks/rest/webhook, each in its own thread (a slow reply does not delay the
next message, as it would not for real patients). After a warm-up (the server's first messages, one at
a time, not counted), three phases: a baseline, then a publish (staff/publish.py
to every given server in turn, PUT /model), then the same time after it. By default the model
published is a copy of the newest model with a new model id (`reidentified_copy`: same content, so
the swap is visible in GET /status); --model publishes a given file.

For each phase (by the time a message was sent): messages, p50 / p95 / max reply time, errors (not
200, an empty reply, the channel's error reply, or no answer), and how many took longer than the
widget waits (15 s). `--traffic-url` sends the traffic elsewhere (the cluster's nginx). The token
comes from RASA_AUTH_TOKEN (set one when this starts its own assistant: it picks one itself).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import tarfile
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import requests

from ops.launcher import Stack, latest_model, start_stack
from staff import publish

WIDGET_WAIT = 15.0  # seconds: the widget shows an error after this
WARM_UP_ROUNDS = 2  # of MESSAGES, one at a time, before the baseline
MESSAGES = (
    "what is an aura?",
    "what are the warning signs before a migraine",
    "how long does a migraine last",
    "what is ketamine",
    "hello",
)


def reidentified_copy(model: Path, dest: Path) -> Path:
    """A copy of `model` whose metadata.json carries a new model id: the same trained content, a
    different model as far as GET /status is concerned (a publish that shows)."""
    with tarfile.open(model, "r:gz") as src, tarfile.open(dest, "w:gz", compresslevel=1) as out:
        for member in src:
            data = src.extractfile(member) if member.isfile() else None
            if member.name.lstrip("./") == "metadata.json" and data is not None:
                meta = json.load(data)
                meta["model_id"] = uuid.uuid4().hex
                raw = json.dumps(meta).encode()
                member.size = len(raw)
                out.addfile(member, io.BytesIO(raw))
            else:
                out.addfile(member, data)
    return dest


@dataclass
class Sample:
    sent: float
    seconds: float
    ok: bool


@dataclass
class Traffic:
    webhook: str
    samples: List[Sample] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    threads: List[threading.Thread] = field(default_factory=list)

    def one(self, text: str) -> None:
        sent = time.monotonic()
        try:
            r = requests.post(
                self.webhook, json={"sender": str(uuid.uuid4()), "message": text}, timeout=120
            )
            body = r.json() if r.status_code == 200 else []
            ok = bool(body) and all((m.get("custom") or {}).get("kind") != "error" for m in body)
        except (requests.RequestException, ValueError):
            ok = False
        self.samples.append(Sample(sent, time.monotonic() - sent, ok))

    def run(self) -> None:
        start, i = time.monotonic(), 0
        while not self.stop.is_set():
            t = threading.Thread(target=self.one, args=(MESSAGES[i % len(MESSAGES)],), daemon=True)
            t.start()
            self.threads.append(t)
            i += 1
            self.stop.wait(max(0.0, start + i - time.monotonic()))

    def join(self) -> None:
        for t in self.threads:
            t.join(timeout=130)


def summary(samples: Sequence[Sample]) -> Dict[str, float]:
    times = sorted(s.seconds for s in samples)
    if not times:
        return {"n": 0}
    p95 = times[min(len(times) - 1, max(0, round(0.95 * len(times)) - 1))]
    return {
        "n": len(times),
        "p50_ms": round(1000 * statistics.median(times)),
        "p95_ms": round(1000 * p95),
        "max_ms": round(1000 * times[-1]),
        "errors": sum(not s.ok for s in samples),
        "over_widget_wait": sum(s.seconds > WIDGET_WAIT for s in samples),
    }


def main(argv: Optional[Sequence[str]] = None) -> int:
    ap = argparse.ArgumentParser(description="Reply times before, during and after a publish.")
    ap.add_argument("--url", action="append", help="a running Rasa server (repeat for a cluster)")
    ap.add_argument("--traffic-url", help="where patients' messages go (default: the first --url)")
    ap.add_argument("--model", type=Path, help="the model to publish (default: newest, new id)")
    ap.add_argument("--baseline", type=float, default=30.0, help="seconds before the publish")
    ap.add_argument("--after", type=float, default=30.0, help="seconds after the publish")
    args = ap.parse_args(argv)

    stack: Optional[Stack] = None
    token = os.environ.get("RASA_AUTH_TOKEN") or ""
    urls: List[str] = args.url or []
    if not urls:
        token = token or uuid.uuid4().hex
        print("publish_traffic: starting an assistant on free ports ...", flush=True)
        stack = start_stack(rasa_args=("--enable-api", "--auth-token", token))
        urls = [stack.rasa_url]
    traffic_base = (args.traffic_url or urls[0]).rstrip("/")
    tmp = Path(tempfile.mkdtemp(prefix="publish-traffic-"))
    try:
        model = args.model or reidentified_copy(latest_model(), tmp / "republished.tar.gz")
        traffic = Traffic(f"{traffic_base}/webhooks/rest/webhook")
        # A server's first messages pay for its warm-up (content, first inference): not the baseline.
        for text in MESSAGES * WARM_UP_ROUNDS:
            traffic.one(text)
        traffic.samples.clear()
        sender = threading.Thread(target=traffic.run, daemon=True)
        sender.start()
        time.sleep(args.baseline)
        t_publish = time.monotonic()
        outcome = "ok"
        try:
            publish.publish_all(model, urls, token)
        except publish.PublishError as e:
            outcome = f"FAILED: {e}"
        t_live = time.monotonic()
        time.sleep(args.after)
        traffic.stop.set()
        sender.join()
        traffic.join()
    finally:
        if stack is not None:
            stack.stop()
    phases = {
        "baseline": [s for s in traffic.samples if s.sent < t_publish],
        "during publish": [s for s in traffic.samples if t_publish <= s.sent < t_live],
        "after": [s for s in traffic.samples if s.sent >= t_live],
    }
    print(f"\npublish of {model.name} to {', '.join(urls)}: {t_live - t_publish:.1f}s, {outcome}")
    print(f"traffic: 1 message/s, new conversation each, to {traffic_base}")
    print(f"{'phase':<16}{'n':>5}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'errors':>8}{'>15 s':>7}")
    for name, samples in phases.items():
        s = summary(samples)
        print(
            f"{name:<16}{s['n']:>5}{s.get('p50_ms', '-'):>9}{s.get('p95_ms', '-'):>9}"
            f"{s.get('max_ms', '-'):>9}{s.get('errors', '-'):>8}{s.get('over_widget_wait', '-'):>7}"
        )
    print(json.dumps({name: summary(samples) for name, samples in phases.items()}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
