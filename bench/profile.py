"""Where the time of one message goes (run before tuning anything).

Loads the trained model in this process exactly as `rasa run` does (same endpoints: the strict
PostgreSQL tracker store, the Redis lock store, the real action server started on a free port), sends
the benchmark's conversations one message at a time, and times:
- every node of Rasa's prediction graph (NLU components: SpacyNLP, featurizers, DIET...; policies:
  TEDPolicy, RulePolicy, MemoizationPolicy; the safety override), summed per message;
- the action server round trip (RemoteAction.run), the tracker store (retrieve/save) and the lock store;
- the rest (Rasa's processor, events, the graph runner itself) as the remainder.
Then a cProfile of the same messages, top functions by own time and by cumulative time.

    python -m bench.profile [--messages 120]

Output on stdout and in bench/results/profile-*.txt (not committed). Needs PostgreSQL and Redis.
"""
from __future__ import annotations

import argparse
import asyncio
import collections
import cProfile
import functools
import io
import itertools
import os
import pstats
import subprocess
import sys
import time
import uuid
from typing import Any, Callable, Dict, List, Optional

from bench.run import OURS
from ops import settings
from tests.stack import VENV_BIN, free_port, latest_model, stop_process, wait_http

ROOT = settings.ROOT
RESULTS = ROOT / "bench" / "results"

TIMES: Dict[str, float] = collections.defaultdict(float)
CALLS: Dict[str, int] = collections.defaultdict(int)


def timed_sync(label: Callable[..., str], fn: Callable) -> Callable:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            key = label(*args)
            TIMES[key] += time.perf_counter() - started
            CALLS[key] += 1
    return wrapper


def timed_async(label: str, fn: Callable) -> Callable:
    @functools.wraps(fn)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return await fn(*args, **kwargs)
        finally:
            TIMES[label] += time.perf_counter() - started
            CALLS[label] += 1
    return wrapper


def instrument() -> None:
    from rasa.core.actions.action import RemoteAction
    from rasa.engine.graph import GraphNode

    from ops.lock_store import AtomicRedisLockStore
    from ops.tracker_store import StrictSQLTrackerStore

    GraphNode.__call__ = timed_sync(lambda node, *a: f"graph: {node._node_name}", GraphNode.__call__)
    RemoteAction.run = timed_async("action server round trip (HTTP)", RemoteAction.run)
    StrictSQLTrackerStore.retrieve = timed_async("tracker store: retrieve (PostgreSQL)", StrictSQLTrackerStore.retrieve)
    StrictSQLTrackerStore.save = timed_async("tracker store: save (PostgreSQL)", StrictSQLTrackerStore.save)
    for name in ("get_lock", "_transact"):
        setattr(AtomicRedisLockStore, name, timed_sync(lambda *a: "lock store (Redis)", getattr(AtomicRedisLockStore, name)))


async def run_messages(agent: Any, n: int) -> List[float]:
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

    durations = []
    scripts = itertools.cycle(OURS)
    done = 0
    while done < n:
        sender = f"profile-{uuid.uuid4().hex[:10]}"
        for text in next(scripts):
            started = time.perf_counter()
            await agent.handle_message(UserMessage(text, CollectingOutputChannel(), sender))
            durations.append(time.perf_counter() - started)
            done += 1
            if done >= n:
                break
    return durations


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Where the time of one message goes.")
    parser.add_argument("--messages", type=int, default=120)
    args = parser.parse_args(argv)

    import psycopg2
    import redis

    database = f"clinic_profile_{uuid.uuid4().hex[:6]}"
    admin = psycopg2.connect(host="127.0.0.1", user="postgres", dbname="postgres")
    admin.autocommit = True
    admin.cursor().execute(f'CREATE DATABASE "{database}"')
    redis_db = next(n for n in range(15, 1, -1) if redis.StrictRedis(db=n).dbsize() == 0)
    action_port = free_port()
    env = {"TRACKER_DIALECT": "postgresql", "TRACKER_STORE_URL": f"postgresql://postgres@127.0.0.1:5432/{database}",
           "TRACKER_DB": database, "LOCK_STORE_TYPE": settings.ATOMIC_LOCK_STORE, "REDIS_HOST": "127.0.0.1", "REDIS_PORT": "6379",
           "REDIS_LOCK_DB": str(redis_db), "ACTION_SERVER_URL": f"http://127.0.0.1:{action_port}/webhook"}
    os.environ.update({**settings.read_env_file(), **env, "PYTHONPATH": str(ROOT),
                       "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"})
    RESULTS.mkdir(parents=True, exist_ok=True)
    log = open(RESULTS / "profile-actions.log", "ab")
    actions = subprocess.Popen([str(VENV_BIN / "rasa"), "run", "actions", "--port", str(action_port), "--actions", "actions"],
                               cwd=ROOT, env={**os.environ, "SANIC_HOST": "127.0.0.1"}, stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True)
    lines: List[str] = []

    def out(line: str = "") -> None:
        print(line, flush=True)
        lines.append(line)

    try:
        wait_http(f"http://127.0.0.1:{action_port}/health", 300, actions)
        from rasa.core.agent import load_agent
        from rasa.core.utils import AvailableEndpoints

        endpoints = AvailableEndpoints.read_endpoints(str(settings.endpoints_with_strict_store(ROOT / ".rasa" / "bench")))
        model = latest_model()
        started = time.perf_counter()
        agent = asyncio.run(load_agent(model_path=str(model), endpoints=endpoints))
        out(f"model {model.name} loaded in {time.perf_counter() - started:.1f}s")
        instrument()

        async def session() -> Dict[str, Any]:
            await run_messages(agent, 20)  # warm-up
            TIMES.clear()
            CALLS.clear()
            durations = await run_messages(agent, args.messages)
            profiler = cProfile.Profile()
            profiler.enable()
            await run_messages(agent, args.messages // 2)
            profiler.disable()
            return {"durations": durations, "profiler": profiler}

        result = asyncio.run(session())
        durations = sorted(result["durations"])
        n = len(durations)
        total = sum(durations)
        out(f"\n{n} messages in-process (no HTTP in front): mean {1000 * total / n:.1f} ms, "
            f"p50 {1000 * durations[n // 2]:.1f} ms, p95 {1000 * durations[int(n * 0.95)]:.1f} ms")
        out(f"\n{'stage':<58} {'ms/msg':>8} {'share':>7} {'calls/msg':>10}")
        accounted = 0.0
        graph_total = 0.0
        for key, seconds in sorted(TIMES.items(), key=lambda kv: -kv[1]):
            accounted += seconds
            if key.startswith("graph: "):
                graph_total += seconds
            out(f"{key[:58]:<58} {1000 * seconds / n:>8.2f} {100 * seconds / total:>6.1f}% {CALLS[key] / n:>10.2f}")
        out(f"{'(rest: processor, events, graph runner, asyncio)':<58} {1000 * (total - accounted) / n:>8.2f} "
            f"{100 * (total - accounted) / total:>6.1f}%")
        out(f"{'all graph nodes (NLU + policies)':<58} {1000 * graph_total / n:>8.2f} {100 * graph_total / total:>6.1f}%")

        stream = io.StringIO()
        stats = pstats.Stats(result["profiler"], stream=stream)
        stats.sort_stats("tottime").print_stats(25)
        stats.sort_stats("cumulative").print_stats(40)
        out("\ncProfile (same messages):")
        out(stream.getvalue())
    finally:
        stop_process(actions)
        admin.cursor().execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        admin.close()
        r = redis.StrictRedis(db=redis_db)
        for key in r.scan_iter("clinic:*"):
            r.delete(key)
    path = RESULTS / f"profile-{time.strftime('%Y%m%d-%H%M%S')}.txt"
    path.write_text("\n".join(lines))
    print(f"written: {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
