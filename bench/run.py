"""Benchmark (not a test): many simultaneous patient conversations through the REST channel, with the
action server in the loop, on the production topology (PostgreSQL + Redis, nginx in front), for one
Rasa instance and for the cluster, side by side with the bare `rasa init` assistant (the peer) on the
same machine and the same stores.

    make bench                                       # everything (~15-25 min on 2 cores)
    python -m bench.run --targets ours-1,ours-2      # only some targets
    python -m bench.run --peer-dir /tmp/peer         # where `rasa init --no-prompt` was run and trained

For each target it prints and writes to bench/results/ (not committed):
  single   one conversation, one message at a time: p50/p95/p99 latency
  c20      20 conversations at once, each patient sending the next message as soon as the reply
           arrives (closed loop, no think time): p50/p95/p99, throughput (messages/s), errors
  memory   peak RSS (VmHWM) of every server process; CPU seconds per process during the c20 run
Errors = a non-200 status, an empty reply, or the channel's error reply (kind "error").
Each simulated patient comes from its own loopback address (127.0.x.y), as real patients do, so nginx's
per-IP rate limit applies per patient, not to the whole benchmark.
"""
from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import platform
import statistics
import sys
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

import aiohttp

from ops import settings
from ops.cluster import Cluster
from tests.stack import free_port, latest_model

ROOT = settings.ROOT
RESULTS = ROOT / "bench" / "results"

OURS = [
    ["hello", "what is an aura?", "how long does it last?", "what are the warning signs before a migraine",
     "when do they start?", "thanks"],
    ["what are ketamine infusions", "how does ketamine help migraines", "what are the side effects of ketamine",
     "how much does it cost?", "can I talk to a person", "bye"],
    ["hi", "what can you do?", "what happens during an infusion session", "how quickly does ketamine work",
     "is it right for me?", "thank you"],
    ["why do i feel so wiped out the day after a migraine", "how often do migraines happen",
     "what symptoms do you get during a migraine", "is tingling in my arm an aura thing?", "ok", "goodbye"],
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
class RunResult:
    name: str
    concurrency: int
    messages: int = 0
    errors: int = 0
    wall_s: float = 0.0
    latencies_ms: List[float] = field(default_factory=list)
    error_samples: List[str] = field(default_factory=list)

    def summary(self) -> Dict[str, Any]:
        lat = self.latencies_ms
        return {"name": self.name, "concurrency": self.concurrency, "messages": self.messages,
                "errors": self.errors, "p50_ms": round(percentile(lat, 50), 1),
                "p95_ms": round(percentile(lat, 95), 1), "p99_ms": round(percentile(lat, 99), 1),
                "mean_ms": round(statistics.fmean(lat), 1) if lat else None,
                "throughput_msg_s": round(self.messages / self.wall_s, 2) if self.wall_s else None,
                "wall_s": round(self.wall_s, 1), "error_samples": self.error_samples[:5]}


_ip_counter = itertools.count(1)


def next_ip() -> str:
    n = next(_ip_counter)
    return f"127.{100 + (n // 62500) % 100}.{(n // 250) % 250}.{1 + n % 250}"


async def conversation(url: str, script: Sequence[str], result: RunResult, stop_at: float, ours: bool) -> None:
    connector = aiohttp.TCPConnector(local_addr=(next_ip(), 0), limit=1)
    sender = f"bench-{uuid.uuid4().hex[:12]}"
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        for text in script:
            if time.monotonic() > stop_at:
                return
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
                        elif ours and any((m.get("custom") or {}).get("kind") == "error" for m in messages):
                            error = "channel error reply (assistant could not answer)"
            except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as e:
                error = f"{type(e).__name__}: {e}"
            elapsed = (time.perf_counter() - started) * 1000
            result.messages += 1
            result.latencies_ms.append(elapsed)
            if error:
                result.errors += 1
                result.error_samples.append(error)


async def drive(url: str, scripts: Sequence[Sequence[str]], concurrency: int, total_messages: int,
                name: str, ours: bool, max_seconds: float = 300) -> RunResult:
    result = RunResult(name=name, concurrency=concurrency)
    stop_at = time.monotonic() + max_seconds
    pool = itertools.cycle(scripts)

    async def worker() -> None:
        while result.messages < total_messages and time.monotonic() < stop_at:
            await conversation(url, next(pool), result, stop_at, ours)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    result.wall_s = time.perf_counter() - started
    return result


def proc_stat(pid: int) -> Dict[str, float]:
    """Peak and current RSS (MB) and CPU seconds of a process, from /proc."""
    out: Dict[str, float] = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(("VmHWM:", "VmRSS:")):
                out[line.split(":")[0]] = int(line.split()[1]) / 1024
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks = os.sysconf("SC_CLK_TCK")
        out["cpu_s"] = (int(fields[11]) + int(fields[12])) / ticks
        children = [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        for child in children:  # nginx workers
            sub = proc_stat(child)
            out["VmHWM"] = out.get("VmHWM", 0) + sub.get("VmHWM", 0)
            out["VmRSS"] = out.get("VmRSS", 0) + sub.get("VmRSS", 0)
            out["cpu_s"] = out.get("cpu_s", 0) + sub.get("cpu_s", 0)
    except (OSError, IndexError, ValueError):
        pass
    return out


def service_pids() -> Dict[str, List[int]]:
    """PostgreSQL and Redis server processes (their CPU is part of the cost of a message)."""
    found: Dict[str, List[int]] = {"postgres": [], "redis": []}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            comm = (d / "comm").read_text().strip()
        except OSError:
            continue
        if comm.startswith("postgres"):
            found["postgres"].append(int(d.name))
        elif comm.startswith("redis-server"):
            found["redis"].append(int(d.name))
    return found


def cpu_of(pids: Sequence[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            pass
    return total


@dataclass
class Target:
    name: str
    rasa: int
    ours: bool
    speedups: bool = False   # ops.speedups installed in the Rasa servers (bench/shim)


def stores_env(database: str, redis_db: int, endpoints: Path) -> Dict[str, str]:
    return {"TRACKER_DIALECT": "postgresql", "TRACKER_STORE_URL": f"postgresql://postgres@127.0.0.1:5432/{database}",
            "TRACKER_DB": database, "LOCK_STORE_TYPE": settings.ATOMIC_LOCK_STORE, "REDIS_HOST": "127.0.0.1", "REDIS_PORT": "6379",
            "REDIS_LOCK_DB": str(redis_db), "CORS_ORIGINS": "http://localhost:8080",
            "CLINIC_ENDPOINTS": str(endpoints), "RASA_AUTH_TOKEN": ""}


def bench_target(target: Target, args: argparse.Namespace, env: Dict[str, str]) -> Dict[str, Any]:
    if target.ours:
        rasa_env = ({"CLINIC_SPEEDUPS": "1", "PYTHONPATH": f"{ROOT / 'bench' / 'shim'}:{ROOT}"}
                    if target.speedups else {})
        cluster = Cluster(rasa_ports=[free_port() for _ in range(target.rasa)], action_ports=[free_port()],
                          lb_port=free_port(), env=env, name=f"bench-{target.name}", model=latest_model(),
                          rasa_env=rasa_env)
    else:
        peer = Path(args.peer_dir)
        models = sorted((peer / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
        if not models:
            raise SystemExit(f"no model in {peer}/models: cd {peer} && rasa init --no-prompt")
        cluster = Cluster(rasa_ports=[free_port() for _ in range(target.rasa)], action_count=0,
                          lb_port=free_port(), env=env, name=f"bench-{target.name}", project_dir=peer,
                          credentials="credentials.yml", model=models[-1], run_preflight=False)
    print(f"\n== {target.name}: {target.rasa} Rasa instance(s){' + 1 action server' if target.ours else ''}"
          f", model {cluster.model.name}", flush=True)
    started = time.monotonic()
    cluster.start()
    print(f"   started in {time.monotonic() - started:.0f}s", flush=True)
    scripts = OURS if target.ours else PEER
    try:
        # warm-up: the first messages of each process load lazily (TensorFlow graphs)
        asyncio.run(drive(cluster.webhook, scripts, 2 * target.rasa, 12 * target.rasa, "warmup", target.ours))
        single = asyncio.run(drive(cluster.webhook, scripts, 1, args.single_messages, "single", target.ours))
        print_row(target.name, single.summary())
        before = {n: proc_stat(p) for n, p in cluster.pids().items()}
        services = service_pids()
        svc_before = {k: cpu_of(v) for k, v in services.items()}
        loaded = asyncio.run(drive(cluster.webhook, scripts, args.concurrency, args.concurrent_messages,
                                   f"c{args.concurrency}", target.ours))
        print_row(target.name, loaded.summary())
        after = {n: proc_stat(p) for n, p in cluster.pids().items()}
        svc_after = {k: cpu_of(v) for k, v in services.items()}
        processes = {}
        for n in after:
            processes[n] = {"peak_rss_mb": round(after[n].get("VmHWM", 0), 1),
                            "rss_mb": round(after[n].get("VmRSS", 0), 1),
                            "cpu_s_during_load": round(after[n].get("cpu_s", 0) - before.get(n, {}).get("cpu_s", 0), 2)}
        for k in services:
            processes[k] = {"cpu_s_during_load": round(svc_after[k] - svc_before[k], 2)}
        rasa_cpu = sum(p["cpu_s_during_load"] for n, p in processes.items() if n.startswith("rasa-"))
        all_cpu = sum(p["cpu_s_during_load"] for p in processes.values())
        cpu = {"rasa_cpu_ms_per_msg": round(1000 * rasa_cpu / max(loaded.messages, 1), 1),
               "all_servers_cpu_ms_per_msg": round(1000 * all_cpu / max(loaded.messages, 1), 1),
               "load_avg_1m": round(os.getloadavg()[0], 2)}
        print(f"   CPU per message (c{args.concurrency}): Rasa {cpu['rasa_cpu_ms_per_msg']} ms, all servers "
              f"{cpu['all_servers_cpu_ms_per_msg']} ms; machine load {cpu['load_avg_1m']}", flush=True)
        for n, p in processes.items():
            print(f"   {n:<12} " + "  ".join(f"{k}={v}" for k, v in p.items()), flush=True)
        return {"target": asdict(target), "single": single.summary(), "loaded": loaded.summary(),
                "processes": processes, "cpu": cpu}
    finally:
        cluster.stop()


def print_row(name: str, s: Dict[str, Any]) -> None:
    print(f"   {s['name']:<7} n={s['messages']:<5} p50={s['p50_ms']:>7} ms  p95={s['p95_ms']:>7} ms  "
          f"p99={s['p99_ms']:>7} ms  throughput={s['throughput_msg_s']:>6} msg/s  errors={s['errors']}"
          + (f"  e.g. {s['error_samples'][0]}" if s["error_samples"] else ""), flush=True)


def machine() -> Dict[str, Any]:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        mem = Path("/proc/meminfo").read_text().splitlines()[0].split(":", 1)[1].strip()
    except OSError:
        pass
    return {"cpus": os.cpu_count(), "cpu": cpu, "memory": mem, "python": platform.python_version(),
            "load_avg_at_start": os.getloadavg()}


def ratios(results: Dict[str, Dict[str, Any]]) -> List[str]:
    """Ours vs the peer, and N instances vs 1. CPU per message is the figure least disturbed by other
    work on a shared machine; latencies and throughput are as measured."""
    lines = []
    pairs = [("ours-1", "peer-1"), ("ours-1+speedups", "peer-1"), ("ours-2", "peer-2"), ("ours-2+speedups", "peer-2")]
    for ours, peer in pairs:
        if ours in results and peer in results:
            o, p = results[ours], results[peer]
            lines.append(
                f"{ours}/{peer}: single p50 x{o['single']['p50_ms'] / p['single']['p50_ms']:.2f}, "
                f"c20 p95 x{o['loaded']['p95_ms'] / p['loaded']['p95_ms']:.2f}, "
                f"throughput x{o['loaded']['throughput_msg_s'] / p['loaded']['throughput_msg_s']:.2f}, "
                f"Rasa CPU/msg x{o['cpu']['rasa_cpu_ms_per_msg'] / p['cpu']['rasa_cpu_ms_per_msg']:.2f}, "
                f"Rasa peak RSS x{o['processes']['rasa-0']['peak_rss_mb'] / p['processes']['rasa-0']['peak_rss_mb']:.2f}")
    for base, more in (("ours-1", "ours-2"), ("ours-1+speedups", "ours-2+speedups"), ("peer-1", "peer-2")):
        if base in results and more in results:
            lines.append(f"{more} vs {base}: throughput x"
                         f"{results[more]['loaded']['throughput_msg_s'] / results[base]['loaded']['throughput_msg_s']:.2f}")
    return lines


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--targets", default="ours-1,ours-1+speedups,ours-2+speedups,peer-1,peer-2,ours-2")
    parser.add_argument("--peer-dir", default=os.environ.get("BENCH_PEER_DIR", "/tmp/peer"))
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--single-messages", type=int, default=60)
    parser.add_argument("--concurrent-messages", type=int, default=400)
    args = parser.parse_args(argv)

    import psycopg2
    import redis

    database = f"clinic_bench_{uuid.uuid4().hex[:6]}"
    conn = psycopg2.connect(host="127.0.0.1", user="postgres", dbname="postgres")
    conn.autocommit = True
    conn.cursor().execute(f'CREATE DATABASE "{database}"')
    redis_db = next(n for n in range(15, 1, -1) if redis.StrictRedis(db=n).dbsize() == 0)
    env = stores_env(database, redis_db, settings.endpoints_with_strict_store(ROOT / ".rasa" / "bench"))
    all_targets = {"ours-1": Target("ours-1", 1, True), "ours-2": Target("ours-2", 2, True),
                   "ours-1+speedups": Target("ours-1+speedups", 1, True, True),
                   "ours-2+speedups": Target("ours-2+speedups", 2, True, True),
                   "peer-1": Target("peer-1", 1, False), "peer-2": Target("peer-2", 2, False)}
    chosen = [all_targets[t.strip()] for t in args.targets.split(",") if t.strip()]
    report: Dict[str, Any] = {"machine": machine(), "started": time.strftime("%Y-%m-%d %H:%M:%S"),
                              "settings": vars(args), "results": {}}
    print(f"bench: {report['machine']}", flush=True)
    try:
        for target in chosen:
            report["results"][target.name] = bench_target(target, args, env)
    finally:
        conn.cursor().execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        conn.close()
        r = redis.StrictRedis(db=redis_db)
        for key in r.scan_iter("clinic:*"):
            r.delete(key)
    report["ratios"] = ratios(report["results"])
    print("\n".join(["", "ratios:"] + [f"  {line}" for line in report["ratios"]]))
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"bench-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(report, indent=2))
    print(f"\nwritten: {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
