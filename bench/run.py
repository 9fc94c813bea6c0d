"""Benchmark (not a test): many simultaneous patient conversations through the REST channel, with the
action server in the loop, on the production topology (PostgreSQL + Redis, nginx in front), for one
Rasa instance and for the cluster, side by side with the bare `rasa init` assistant (the peer) on the
same machine and the same stores.

    make bench                                     # ~15 min on 2 cores
    python -m bench.run --rounds 4 --peer-dir /tmp/peer

Design, for a machine shared with other work (load changes minute to minute): every target is started
first, then measured in ROUNDS, each round running every target once in a new random order, so that a
burst of outside load hits all targets alike; figures are over all rounds. Targets:
  ours          the clinic assistant as configured (the plugins package installs plugins.speedups)
  peer          `rasa init --no-prompt`, trained, same PostgreSQL/Redis stores (no custom actions)
each as a 2-instance cluster behind nginx, measured two ways:
  1 instance    straight at Rasa server 0 (nginx adds < 1 ms)
  2 instances   through nginx, round-robin over both
Per target and way: single (one conversation, one message at a time: p50/p95/p99), c20 (20
conversations at once, each patient sending the next message as soon as the reply arrives, closed loop,
no think time: p50/p95/p99, throughput, errors), CPU milliseconds per message of the server processes
(the figure outside load disturbs least), and peak RSS (VmHWM) of every process.
Errors = a non-200 status, an empty reply, or the channel's error reply (kind "error").
Each simulated patient comes from its own loopback address (127.x.y.z), as real patients do, so nginx's
per-IP rate limit applies per patient, not to the whole benchmark. Results: bench/results/ (not
committed).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import platform
import random
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

import aiohttp

from ops import settings
from ops.cluster import Cluster
from ops.launcher import free_port, latest_model

ROOT = settings.ROOT
RESULTS = ROOT / "bench" / "results"

OURS = [
    [
        "hello",
        "what is an aura?",
        "how long does it last?",
        "what are the warning signs before a migraine",
        "when do they start?",
        "thanks",
    ],
    [
        "what are ketamine infusions",
        "how does ketamine help migraines",
        "what are the side effects of ketamine",
        "how much does it cost?",
        "can I talk to a person",
        "bye",
    ],
    [
        "hi",
        "what can you do?",
        "what happens during an infusion session",
        "how quickly does ketamine work",
        "is it right for me?",
        "thank you",
    ],
    [
        "why do i feel so wiped out the day after a migraine",
        "how often do migraines happen",
        "what symptoms do you get during a migraine",
        "is tingling in my arm an aura thing?",
        "ok",
        "goodbye",
    ],
]
PEER = [
    ["hello", "I am sad", "yes", "bye"],
    ["hi", "great", "are you a bot?", "goodbye"],
    ["hey", "very bad", "no", "bye"],
    ["good morning", "I am feeling very good", "are you a human?", "see you later"],
]


def percentile(values: Sequence[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


@dataclass
class Series:
    """Accumulated over rounds: latencies (ms), wall time of the loaded runs, errors, CPU."""

    latencies_ms: List[float] = field(default_factory=list)
    messages: int = 0
    errors: int = 0
    wall_s: float = 0.0
    cpu_s: float = 0.0
    error_samples: List[str] = field(default_factory=list)

    def summary(self) -> Dict[str, Any]:
        lat = self.latencies_ms
        return {
            "messages": self.messages,
            "errors": self.errors,
            "p50_ms": round(percentile(lat, 50), 1),
            "p95_ms": round(percentile(lat, 95), 1),
            "p99_ms": round(percentile(lat, 99), 1),
            "throughput_msg_s": round(self.messages / self.wall_s, 2) if self.wall_s else None,
            "cpu_ms_per_msg": round(1000 * self.cpu_s / self.messages, 1)
            if self.messages
            else None,
            "error_samples": self.error_samples[:3],
        }


_ip_counter = itertools.count(1)


def next_ip() -> str:
    n = next(_ip_counter)
    return f"127.{100 + (n // 62500) % 100}.{(n // 250) % 250}.{1 + n % 250}"


async def conversation(
    url: str, script: Sequence[str], series: Series, budget: List[int], ours: bool
) -> None:
    connector = aiohttp.TCPConnector(local_addr=(next_ip(), 0), limit=1)
    sender = str(uuid.uuid4())
    async with aiohttp.ClientSession(
        connector=connector, timeout=aiohttp.ClientTimeout(total=120)
    ) as session:
        for text in script:
            if budget[0] <= 0:
                return
            budget[0] -= 1
            started = time.perf_counter()
            error = ""
            try:
                async with session.post(url, json={"sender": sender, "message": text}) as r:
                    body = await r.read()
                    if r.status != 200:
                        error = f"HTTP {r.status}: {body[:120]!r}"
                    else:
                        messages = json.loads(body)
                        if not messages:
                            error = "empty reply"
                        elif ours and any(
                            (m.get("custom") or {}).get("kind") == "error" for m in messages
                        ):
                            error = "channel error reply (the assistant could not answer)"
            except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as e:
                error = f"{type(e).__name__}: {e}"
            series.latencies_ms.append((time.perf_counter() - started) * 1000)
            series.messages += 1
            if error:
                series.errors += 1
                series.error_samples.append(error)


async def drive(
    url: str,
    scripts: Sequence[Sequence[str]],
    concurrency: int,
    messages: int,
    series: Series,
    ours: bool,
) -> float:
    """Sends `messages` messages with `concurrency` patients at once; returns the wall time."""
    budget = [messages]
    pool = itertools.cycle(scripts)

    async def worker() -> None:
        while budget[0] > 0:
            await conversation(url, next(pool), series, budget, ours)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - started


def cpu_seconds(pids: Sequence[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
            for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
                total += cpu_seconds([int(child)])
        except (OSError, IndexError, ValueError):
            pass
    return total


def memory_mb(pid: int) -> Dict[str, float]:
    out: Dict[str, float] = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(("VmHWM:", "VmRSS:")):
                out[line.split(":")[0]] = round(int(line.split()[1]) / 1024, 1)
        for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():  # nginx workers
            for k, v in memory_mb(int(child)).items():
                out[k] = round(out.get(k, 0) + v, 1)
    except (OSError, ValueError):
        pass
    return out


def service_pids() -> List[int]:
    """PostgreSQL and Redis server processes: their CPU is part of a message's cost (shared by all
    targets, so only reported, not attributed)."""
    pids = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                if (d / "comm").read_text().strip().startswith(("postgres", "redis-server")):
                    pids.append(int(d.name))
            except OSError:
                pass
    return pids


@dataclass
class Target:
    name: str
    ours: bool
    cluster: Optional[Cluster] = None
    series: Dict[str, Series] = field(default_factory=dict)  # "<way>/<mode>" -> Series


def make_cluster(target: Target, env: Dict[str, str], peer_dir: Path) -> Cluster:
    ports = [free_port(), free_port()]
    if target.ours:
        return Cluster(
            rasa_ports=ports,
            action_ports=[free_port()],
            lb_port=free_port(),
            env=env,
            name=f"bench-{target.name}",
            model=latest_model(),
        )
    models = sorted((peer_dir / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        raise SystemExit(
            f"no model in {peer_dir}/models: rasa init --no-prompt --init-dir {peer_dir}"
        )
    return Cluster(
        rasa_ports=ports,
        action_count=0,
        lb_port=free_port(),
        env=env,
        name=f"bench-{target.name}",
        project_dir=peer_dir,
        credentials="credentials.yml",
        model=models[-1],
        run_preflight=False,
    )


def measure_round(target: Target, args: argparse.Namespace) -> None:
    cluster = target.cluster
    assert cluster is not None
    scripts = OURS if target.ours else PEER
    ways = {
        "1 instance": (cluster.rasa_url(0) + "/webhooks/rest/webhook", ["rasa-0", "actions-0"]),
        "2 instances": (cluster.webhook, ["rasa-0", "rasa-1", "actions-0", "nginx"]),
    }
    for way, (url, names) in ways.items():
        pids = [cluster.procs[n].pid for n in names if n in cluster.procs]
        for mode, concurrency, messages in (
            ("single", 1, args.single_messages),
            (f"c{args.concurrency}", args.concurrency, args.concurrent_messages),
        ):
            series = target.series.setdefault(f"{way}/{mode}", Series())
            before = cpu_seconds(pids)
            series.wall_s += asyncio.run(
                drive(url, scripts, concurrency, messages, series, target.ours)
            )
            series.cpu_s += cpu_seconds(pids) - before


def machine() -> Dict[str, Any]:
    cpu = ""
    try:
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    except (OSError, StopIteration):
        pass
    return {"cpus": os.cpu_count(), "cpu": cpu, "python": platform.python_version()}


def report(targets: List[Target], args: argparse.Namespace) -> List[str]:
    lines = []
    header = (
        f"{'target':<15} {'way':<12} {'mode':<6} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
        f"{'msg/s':>7} {'errors':>6} {'CPU ms/msg':>10}"
    )
    lines.append(header)
    for t in targets:
        for key, series in t.series.items():
            way, mode = key.split("/")
            s = series.summary()
            lines.append(
                f"{t.name:<15} {way:<12} {mode:<6} {s['messages']:>5} {s['p50_ms']:>8} {s['p95_ms']:>8} "
                f"{s['p99_ms']:>8} {s['throughput_msg_s'] if mode != 'single' else '':>7} {s['errors']:>6} "
                f"{s['cpu_ms_per_msg']:>10}"
            )
    return lines


def ratios(targets: Dict[str, Target], concurrency: int) -> List[str]:
    c = f"c{concurrency}"
    out = []

    def s(t: str, key: str) -> Dict[str, Any]:
        return targets[t].series[key].summary()

    if "ours" in targets and "peer" in targets:
        for way in ("1 instance", "2 instances"):
            o1, p1 = s("ours", f"{way}/single"), s("peer", f"{way}/single")
            o2, p2 = s("ours", f"{way}/{c}"), s("peer", f"{way}/{c}")
            out.append(
                f"ours / peer, {way}: single p50 x{o1['p50_ms'] / p1['p50_ms']:.2f}, {c} p95 "
                f"x{o2['p95_ms'] / p2['p95_ms']:.2f}, throughput x{o2['throughput_msg_s'] / p2['throughput_msg_s']:.2f}, "
                f"CPU/msg x{o2['cpu_ms_per_msg'] / p2['cpu_ms_per_msg']:.2f}"
            )
    for t in targets:
        one, two = s(t, f"1 instance/{c}"), s(t, f"2 instances/{c}")
        out.append(
            f"{t}: throughput 2 instances / 1 instance x{two['throughput_msg_s'] / one['throughput_msg_s']:.2f} "
            f"({one['throughput_msg_s']} -> {two['throughput_msg_s']} msg/s)"
        )
    return out


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--targets", default="ours,peer")
    parser.add_argument("--peer-dir", default=os.environ.get("BENCH_PEER_DIR", "/tmp/peer"))
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--single-messages", type=int, default=15, help="per round and way")
    parser.add_argument("--concurrent-messages", type=int, default=100, help="per round and way")
    args = parser.parse_args(argv)

    import psycopg2
    import redis

    database = f"clinic_bench_{uuid.uuid4().hex[:6]}"
    conn = psycopg2.connect(host="127.0.0.1", user="postgres", dbname="postgres")
    conn.autocommit = True
    conn.cursor().execute(f'CREATE DATABASE "{database}"')
    redis_db = next(n for n in range(15, 1, -1) if redis.StrictRedis(db=n).dbsize() == 0)
    env = {
        "TRACKER_DIALECT": "postgresql",
        "TRACKER_STORE_URL": f"postgresql://postgres@127.0.0.1:5432/{database}",
        "TRACKER_DB": database,
        "LOCK_STORE_TYPE": settings.ATOMIC_LOCK_STORE,
        "REDIS_HOST": "127.0.0.1",
        "REDIS_PORT": "6379",
        "REDIS_LOCK_DB": str(redis_db),
        "CORS_ORIGINS": "http://localhost:8080",
        "CLINIC_ENDPOINTS": str(settings.ENDPOINTS),
        "RASA_AUTH_TOKEN": "",
    }
    known = {"ours": Target("ours", True), "peer": Target("peer", False)}
    targets = {name: known[name] for name in (t.strip() for t in args.targets.split(",")) if name}
    meta: Dict[str, Any] = {
        "machine": machine(),
        "started": time.strftime("%Y-%m-%d %H:%M:%S"),
        "settings": vars(args),
        "load_avg": [],
    }
    print(f"bench: {meta['machine']}, load average {os.getloadavg()}", flush=True)
    try:
        started = time.monotonic()
        for t in targets.values():
            t.cluster = make_cluster(t, env, Path(args.peer_dir))
        with ThreadPoolExecutor(len(targets)) as pool:  # all load at once: the slowest part
            for t, _ in zip(
                targets.values(),
                pool.map(lambda t: t.cluster.start(), targets.values()),
                strict=True,
            ):
                print(
                    f"  {t.name}: 2 Rasa servers{' + 1 action server' if t.ours else ''} + nginx up "
                    f"({time.monotonic() - started:.0f}s), model {t.cluster.model.name}",
                    flush=True,
                )
        for t in targets.values():  # warm-up: each process's first messages are slow (TensorFlow)
            asyncio.run(drive(t.cluster.webhook, OURS if t.ours else PEER, 4, 24, Series(), t.ours))
        svc = service_pids()
        svc_before = cpu_seconds(svc)
        for r in range(args.rounds):
            order = list(targets.values())
            random.shuffle(order)
            meta["load_avg"].append(round(os.getloadavg()[0], 2))
            print(
                f"  round {r + 1}/{args.rounds}: {', '.join(t.name for t in order)} "
                f"(load average {os.getloadavg()[0]:.2f})",
                flush=True,
            )
            for t in order:
                measure_round(t, args)
        meta["postgres_redis_cpu_s"] = round(cpu_seconds(svc) - svc_before, 1)
        memory = {
            t.name: {n: memory_mb(p.pid) for n, p in t.cluster.procs.items()}
            for t in targets.values()
        }
    finally:
        for t in targets.values():
            if t.cluster:
                t.cluster.stop()
        conn.cursor().execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        conn.close()
        r = redis.StrictRedis(db=redis_db)
        for key in r.scan_iter("clinic:*"):
            r.delete(key)
    lines = report(list(targets.values()), args)
    lines += ["", "peak RSS (MB) per process:"]
    for name, procs in memory.items():
        lines.append(f"  {name}: " + ", ".join(f"{n} {m.get('VmHWM')}" for n, m in procs.items()))
    lines += ["", "ratios:"] + [f"  {x}" for x in ratios(targets, args.concurrency)]
    lines += [
        "",
        f"load average per round: {meta['load_avg']}; PostgreSQL + Redis CPU during the rounds: "
        f"{meta['postgres_redis_cpu_s']} s",
    ]
    print("\n" + "\n".join(lines))
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"bench-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(
        json.dumps(
            {
                **meta,
                "results": {
                    t.name: {k: s.summary() for k, s in t.series.items()} for t in targets.values()
                },
                "memory_mb": memory,
                "report": lines,
            },
            indent=2,
        )
    )
    print(f"\nwritten: {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
