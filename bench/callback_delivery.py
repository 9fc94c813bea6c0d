"""Measures call-back delivery: from the moment a request is stored (the patient's confirmation is sent
right after) to its arrival at a local receiver, with the delivery worker as the action server runs it
(a thread, woken when a request is stored). Also the time after a receiver outage ends until a retried
request arrives.

    python -m bench.callback_delivery                      # SQLite, 30 requests
    python -m bench.callback_delivery --postgresql         # the local PostgreSQL (a scratch database)

Prints a JSON summary (seconds); docs/production.md quotes it.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import threading
import time
import uuid
from typing import Dict, List

from actions import delivery, outbox
from actions.callback_config import CallbackSettings
from ops.callback_receiver import Receiver

SECRET = "bench-callback-secret-0123456789"


def arrival(rx: Receiver, rid: str, timeout: float = 60) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for p in list(rx.posts):
            if p["valid"] and p["headers"].get("Idempotency-Key") == rid:
                return p["at"]
        time.sleep(0.002)
    raise TimeoutError(rid)


def run(url: str, n: int) -> Dict[str, float]:
    eng = outbox.engine(url)
    rx = Receiver(SECRET).start()
    cfg = CallbackSettings(
        webhook_url=rx.url,
        webhook_secret=SECRET,
        webhook_timeout=10,
        max_attempts=8,
        retry_base=2,
        retry_max=600,
        poll=2,
        default_region="US",
        retention_days=30,
        held_hours=24,
    )
    worker = delivery.Worker(cfg, eng)
    delivery._worker = worker
    threading.Thread(target=worker.run, daemon=True).start()
    lat: List[float] = []
    try:
        for i in range(n):
            t0 = time.time()
            rid = outbox.store(outbox.hold(f"+1201555{1000 + i}", eng), None, "any", "booking", eng)
            delivery.wake()
            lat.append(arrival(rx, rid) - t0)
            time.sleep(0.05)
        rx.stop()  # an outage: the next request fails, then the receiver comes back
        rid = outbox.store(outbox.hold("+12015559999", eng), None, "any", "booking", eng)
        delivery.wake()
        time.sleep(0.5)
        rx.start()
        back = time.time()
        after_outage = arrival(rx, rid) - back
    finally:
        worker.stop()
        rx.stop()
    lat.sort()
    return {
        "requests": n,
        "p50": round(statistics.median(lat), 3),
        "p95": round(lat[int(0.95 * (n - 1))], 3),
        "max": round(lat[-1], 3),
        "after_outage_ends": round(after_outage, 3),
    }


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--postgresql", action="store_true")
    p.add_argument("-n", type=int, default=30)
    args = p.parse_args()
    if args.postgresql:
        import psycopg2

        name = f"clinic_bench_{uuid.uuid4().hex[:8]}"
        conn = psycopg2.connect(host="127.0.0.1", user="postgres", dbname="postgres")
        conn.autocommit = True
        conn.cursor().execute(f"CREATE DATABASE {name}")
        try:
            result = run(f"postgresql://postgres@127.0.0.1:5432/{name}", args.n)
        finally:
            outbox._engines.popitem()[1].dispose()
            conn.cursor().execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            conn.close()
    else:
        result = run(f"sqlite:///{tempfile.mkdtemp()}/bench.db", args.n)
    print(json.dumps({"database": "postgresql" if args.postgresql else "sqlite", **result}))


if __name__ == "__main__":
    main()
