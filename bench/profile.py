"""Where the time of one message goes (run before tuning anything).

Loads the trained model in this process exactly as `rasa run` does (same endpoints: the strict
PostgreSQL tracker store, the atomic Redis lock store, the real action server started on a free port),
sends the benchmark's conversations one message at a time, and times, in wall-clock AND in CPU time of
this process (the CPU figure is the one other work on a shared machine disturbs least):
- every node of Rasa's prediction graph (NLU: SpacyNLP, featurizers, DIET...; the policies of
  config.yml; the safety override), summed per message;
- the action server round trip (RemoteAction.run: serialise the tracker, HTTP, validate the response),
  the tracker store (retrieve/save) and the lock store;
- the rest (Rasa's processor, events, the graph runner itself) as the remainder.
Then a cProfile of the same messages, top functions by own time and by cumulative time.

    python -m bench.profile                 # as the assistant runs (the plugins package installs plugins.speedups)
    python -m bench.profile --compare       # A/B, interleaved blocks: Rasa 3.6.21 as shipped / with plugins.speedups

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
import logging
import os
import pstats
import statistics
import sys
import time
import uuid
from typing import Any, Callable, Dict, List, Optional, Tuple

from bench.run import OURS
from ops import launcher, settings
from ops.launcher import free_port, latest_model, stop_process, wait_http

ROOT = settings.ROOT
RESULTS = ROOT / "bench" / "results"

WALL: Dict[str, float] = collections.defaultdict(float)
CPU: Dict[str, float] = collections.defaultdict(float)
CALLS: Dict[str, int] = collections.defaultdict(int)


def _record(key: str, wall: float, cpu: float) -> None:
    WALL[key] += wall
    CPU[key] += cpu
    CALLS[key] += 1


def timed_sync(label: Callable[..., str], fn: Callable) -> Callable:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        w, c = time.perf_counter(), time.process_time()
        try:
            return fn(*args, **kwargs)
        finally:
            _record(label(*args), time.perf_counter() - w, time.process_time() - c)

    return wrapper


def timed_async(label: str, fn: Callable) -> Callable:
    @functools.wraps(fn)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        w, c = time.perf_counter(), time.process_time()
        try:
            return await fn(*args, **kwargs)
        finally:
            _record(label, time.perf_counter() - w, time.process_time() - c)

    return wrapper


def instrument() -> None:
    from rasa.core.actions.action import RemoteAction
    from rasa.engine.graph import GraphNode

    from plugins.lock_store import AtomicRedisLockStore
    from plugins.tracker_store import StrictSQLTrackerStore

    GraphNode.__call__ = timed_sync(
        lambda node, *a: f"graph: {node._node_name}", GraphNode.__call__
    )
    RemoteAction.run = timed_async("action server round trip", RemoteAction.run)
    StrictSQLTrackerStore.retrieve = timed_async(
        "tracker store: retrieve (PostgreSQL)", StrictSQLTrackerStore.retrieve
    )
    StrictSQLTrackerStore.save = timed_async(
        "tracker store: save (PostgreSQL)", StrictSQLTrackerStore.save
    )
    for name in ("get_lock", "_transact"):
        setattr(
            AtomicRedisLockStore,
            name,
            timed_sync(lambda *a: "lock store (Redis)", getattr(AtomicRedisLockStore, name)),
        )


async def run_messages(agent: Any, n: int) -> List[Tuple[float, float]]:
    """(wall, cpu) seconds per message."""
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

    out: List[Tuple[float, float]] = []
    scripts = itertools.cycle(OURS)
    while len(out) < n:
        sender = str(uuid.uuid4())
        for text in next(scripts):
            w, c = time.perf_counter(), time.process_time()
            await agent.handle_message(UserMessage(text, CollectingOutputChannel(), sender))
            out.append((time.perf_counter() - w, time.process_time() - c))
            if len(out) >= n:
                break
    return out


def stage_table(
    out: Callable[[str], None],
    per_msg: List[Tuple[float, float]],
    wall: Dict[str, float],
    cpu: Dict[str, float],
    calls: Dict[str, int],
) -> None:
    n = len(per_msg)
    total_w = sum(w for w, _ in per_msg)
    total_c = sum(c for _, c in per_msg)
    walls = sorted(w for w, _ in per_msg)
    out(
        f"{n} messages, in-process (no HTTP in front): wall mean {1000 * total_w / n:.1f} ms "
        f"(p50 {1000 * walls[n // 2]:.1f}, p95 {1000 * walls[int(n * 0.95)]:.1f}); CPU of the Rasa process "
        f"{1000 * total_c / n:.1f} ms per message"
    )
    out(
        f"\n{'stage':<52} {'wall ms/msg':>11} {'CPU ms/msg':>10} {'share(wall)':>11} {'calls/msg':>9}"
    )
    acc_w = acc_c = graph_w = graph_c = 0.0
    for key, seconds in sorted(wall.items(), key=lambda kv: -kv[1]):
        acc_w += seconds
        acc_c += cpu[key]
        if key.startswith("graph: "):
            graph_w += seconds
            graph_c += cpu[key]
        out(
            f"{key[:52]:<52} {1000 * seconds / n:>11.2f} {1000 * cpu[key] / n:>10.2f} "
            f"{100 * seconds / total_w:>10.1f}% {calls[key] / n:>9.2f}"
        )
    out(
        f"{'(rest: processor, events, graph runner)':<52} {1000 * (total_w - acc_w) / n:>11.2f} "
        f"{1000 * (total_c - acc_c) / n:>10.2f} {100 * (total_w - acc_w) / total_w:>10.1f}%"
    )
    out(
        f"{'= all graph nodes (NLU + policies)':<52} {1000 * graph_w / n:>11.2f} {1000 * graph_c / n:>10.2f} "
        f"{100 * graph_w / total_w:>10.1f}%"
    )


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Where the time of one message goes.")
    parser.add_argument("--messages", type=int, default=120)
    parser.add_argument(
        "--compare",
        action="store_true",
        help="interleaved A/B blocks: Rasa as shipped / with plugins.speedups (as the assistant runs)",
    )
    args = parser.parse_args(argv)

    import psycopg2
    import redis

    database = f"clinic_profile_{uuid.uuid4().hex[:6]}"
    admin = psycopg2.connect(host="127.0.0.1", user="postgres", dbname="postgres")
    admin.autocommit = True
    admin.cursor().execute(f'CREATE DATABASE "{database}"')
    redis_db = next(n for n in range(15, 1, -1) if redis.StrictRedis(db=n).dbsize() == 0)
    action_port = free_port()
    env = {
        "TRACKER_DIALECT": "postgresql",
        "TRACKER_STORE_URL": f"postgresql://postgres@127.0.0.1:5432/{database}",
        "TRACKER_DB": database,
        "LOCK_STORE_TYPE": settings.ATOMIC_LOCK_STORE,
        "REDIS_HOST": "127.0.0.1",
        "REDIS_PORT": "6379",
        "REDIS_LOCK_DB": str(redis_db),
        "ACTION_SERVER_URL": f"http://127.0.0.1:{action_port}/webhook",
    }
    os.environ.update({**settings.read_env_file(), **env, **launcher.PROCESS_ENV})
    RESULTS.mkdir(parents=True, exist_ok=True)
    actions = launcher.spawn(
        launcher.actions_command(action_port),
        {**os.environ, **launcher.actions_env()},
        RESULTS / "profile-actions.log",
    )
    lines: List[str] = []

    def out(line: str = "") -> None:
        print(line, flush=True)
        lines.append(line)

    try:
        wait_http(f"http://127.0.0.1:{action_port}/health", 300, actions)
        from rasa.core.actions.action import RemoteAction
        from rasa.core.agent import load_agent
        from rasa.core.utils import AvailableEndpoints
        from rasa.utils.log_utils import configure_structlog

        configure_structlog(
            logging.INFO
        )  # as `rasa run` does: no debug lines (they quote messages)

        import plugins.speedups

        endpoints = AvailableEndpoints.read_endpoints(str(settings.ENDPOINTS))
        model = latest_model()
        started = time.perf_counter()
        agent = asyncio.run(load_agent(model_path=str(model), endpoints=endpoints))
        out(
            f"model {model.name} loaded in {time.perf_counter() - started:.1f}s; machine: {os.cpu_count()} CPUs, "
            f"load average {os.getloadavg()[0]:.2f}"
        )
        instrument()
        plugins.speedups.install()  # already installed by the plugins package when it was imported
        fast = RemoteAction._validate_action_result
        original = plugins.speedups.rasa_validate_action_result

        def use(speedups: bool) -> None:
            RemoteAction._validate_action_result = fast if speedups else original

        async def session() -> Dict[str, Any]:
            use(False)
            await run_messages(agent, 20)  # warm-up
            results: Dict[str, Any] = {}
            variants = [False, True] if args.compare else [True]
            acc = {
                v: {
                    "msgs": [],
                    "wall": collections.Counter(),
                    "cpu": collections.Counter(),
                    "calls": collections.Counter(),
                }
                for v in variants
            }
            block = 10
            for _ in range(max(1, args.messages // block)):
                for v in variants:  # interleaved, so that load changes hit both alike
                    use(v)
                    WALL.clear(), CPU.clear(), CALLS.clear()
                    acc[v]["msgs"] += await run_messages(agent, block)
                    (
                        acc[v]["wall"].update(WALL),
                        acc[v]["cpu"].update(CPU),
                        acc[v]["calls"].update(CALLS),
                    )
            results["acc"] = acc
            use(True)
            profiler = cProfile.Profile()
            profiler.enable()
            await run_messages(agent, args.messages // 2)
            profiler.disable()
            results["profiler"] = profiler
            return results

        result = asyncio.run(session())
        for v, data in result["acc"].items():
            out("")
            out(
                "=== with plugins.speedups (prebuilt response validator) ==="
                if v
                else "=== Rasa 3.6.21 as is ==="
            )
            stage_table(out, data["msgs"], data["wall"], data["cpu"], data["calls"])
        if args.compare:
            base, fast_ = (result["acc"][v]["msgs"] for v in (False, True))
            out("")
            out(
                f"plugins.speedups: CPU per message {1000 * statistics.fmean(c for _, c in base):.1f} -> "
                f"{1000 * statistics.fmean(c for _, c in fast_):.1f} ms; wall p50 "
                f"{1000 * statistics.median(w for w, _ in base):.1f} -> {1000 * statistics.median(w for w, _ in fast_):.1f} ms"
            )
        stream = io.StringIO()
        stats = pstats.Stats(result["profiler"], stream=stream)
        stats.sort_stats("tottime").print_stats(25)
        stats.sort_stats("cumulative").print_stats(40)
        out("\ncProfile (as the assistant runs, with plugins.speedups; same conversations):")
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
