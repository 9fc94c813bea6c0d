"""Scale-out: 2 Rasa servers behind nginx (round-robin), conversations in PostgreSQL, per-patient locks in
Redis. A patient's messages land on different instances and the
conversation keeps its context; no event is lost, duplicated, reordered or interleaved, even with two
messages from one patient at once; the API is off and everything but nginx is on loopback."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Dict, List

import pytest
import redis
import requests

from ops.cluster import Cluster
from tests.production import helpers
from tests.production.conftest import new_sender
from tests.production.helpers import Patient, topics

FOLLOW_UPS = [
    ("what is an aura?", "aura"),
    ("how long does it last?", "aura_duration"),
    ("what are the warning signs before a migraine", "prodrome"),
    ("when do they start?", "prodrome_timing"),
]


def test_a_patients_messages_go_to_different_instances_and_keep_their_context(
    cluster: Cluster, pg_database: str
) -> None:
    patient = Patient(cluster.webhook, new_sender())
    since = helpers.log_size(cluster.nginx_access_log)
    for text, topic in FOLLOW_UPS:
        reply = patient.say(text)
        assert topics(reply)[:1] == [topic], (text, reply)
    used = helpers.upstreams(
        helpers.access_lines_after(cluster.nginx_access_log, since, len(FOLLOW_UPS))
    )
    assert len(used) == len(FOLLOW_UPS)
    assert (
        len(set(used)) == 2
    ), f"round-robin should spread one patient's messages over both instances: {used}"
    helpers.assert_well_formed(
        helpers.events(pg_database, patient.sender), [t for t, _ in FOLLOW_UPS]
    )


def test_many_patients_at_once_lose_nothing(cluster: Cluster, pg_database: str) -> None:
    patients = [Patient(cluster.webhook, new_sender()) for _ in range(6)]

    def converse(p: Patient) -> List[str]:
        got = []
        for text, _ in FOLLOW_UPS:
            got.append((topics(p.say(text)) or [""])[0])
        return got

    with ThreadPoolExecutor(len(patients)) as pool:
        results = list(pool.map(converse, patients))
    for p, got in zip(patients, results, strict=True):
        assert got == [t for _, t in FOLLOW_UPS], (p.sender, got)
        helpers.assert_well_formed(
            helpers.events(pg_database, p.sender), [t for t, _ in FOLLOW_UPS]
        )


def send_pair_at_once(
    cluster: Cluster, r: "redis.StrictRedis", patient: Patient, pair: List[str]
) -> Dict[str, object]:
    """Sends two messages from one patient at the same instant; watches Redis for the patient's lock."""
    key = f"clinic:lock:{patient.sender}"
    seen_lock, done = threading.Event(), threading.Event()

    def watch() -> None:
        while not done.is_set():
            if r.exists(key):
                seen_lock.set()
            time.sleep(0.005)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    since = helpers.log_size(cluster.nginx_access_log)
    barrier = threading.Barrier(2)

    def send(text: str) -> int:
        barrier.wait()
        return patient.post(text).status_code

    try:
        with ThreadPoolExecutor(2) as pool:
            statuses = list(pool.map(send, pair))
    finally:
        done.set()
        watcher.join(5)
    return {
        "statuses": statuses,
        "seen_lock": seen_lock.is_set(),
        "lock_left": bool(r.exists(key)),
        "upstreams": helpers.upstreams(
            helpers.access_lines_after(cluster.nginx_access_log, since, 2)
        ),
    }


def test_two_messages_from_one_patient_at_once_are_serialised_by_the_redis_lock(
    cluster: Cluster, pg_database: str, redis_db: int
) -> None:
    r = redis.StrictRedis(db=redis_db, socket_timeout=5, **helpers.REDIS)
    first, pair = "what is an aura?", ["what is a prodrome?", "what are ketamine infusions"]
    for _ in range(3):
        patient = Patient(cluster.webhook, new_sender())
        patient.say(first)
        got = send_pair_at_once(cluster, r, patient, pair)
        assert got["statuses"] == [200, 200]
        assert (
            len(set(got["upstreams"])) == 2
        ), f"the two messages should reach both instances: {got}"
        assert got["seen_lock"], "no Redis lock was seen while the two messages were handled"
        assert not got["lock_left"], "the lock must be released"
        evts = helpers.events(pg_database, patient.sender)
        stored = [t[0][2] for t in helpers.user_turns(evts)]
        assert stored[0] == first and sorted(stored[1:]) == sorted(pair), stored
        helpers.assert_well_formed(evts, stored)


def test_without_a_shared_lock_two_instances_lose_events(pg_database: str, redis_db: int) -> None:
    """Why a shared lock is required: Rasa's SQL tracker store saves only the events beyond the number
    already stored. Two instances that handle one patient's messages at the same time (in-memory locks
    are per process) both read N events, both append; the second save skips its own events.
    The same sequence with the lock store, one store object per "instance", keeps both turns.
    (Rasa's own classes, in this process.)"""
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, UserUttered

    from plugins.lock_store import AtomicRedisLockStore

    domain = Domain.load("domain.yml")
    store = SQLTrackerStore(
        domain, dialect="postgresql", host=f"postgresql://postgres@127.0.0.1:5432/{pg_database}"
    )

    async def turn(sender: str, text: str, delay: float) -> None:
        tracker = await store.get_or_create_tracker(sender)  # read
        await asyncio.sleep(delay)  # NLU, policies, action server...
        tracker.update(UserUttered(text, {"name": "greet"}))
        tracker.update(ActionExecuted("action_listen"))
        await store.save(tracker)  # write

    async def scenario(sender: str, lock_stores) -> List[str]:
        await store.save(await store.get_or_create_tracker(sender))

        async def handle(text: str, delay: float, lock_store) -> None:
            if lock_store is None:
                await turn(sender, text, delay)
            else:
                async with lock_store.lock(sender, wait_time_in_seconds=0.05):
                    await turn(sender, text, delay)

        await asyncio.gather(
            handle("first", 0.2, lock_stores[0]), handle("second", 0.3, lock_stores[1])
        )
        tracker = await store.retrieve(sender)
        return [e.text for e in tracker.events if isinstance(e, UserUttered)]

    unlocked = asyncio.run(scenario(new_sender(), [None, None]))
    assert unlocked == ["first"], f"expected the race to lose the second message: {unlocked}"

    instances = [
        AtomicRedisLockStore(host="127.0.0.1", port=6379, db=redis_db, key_prefix="clinic")
        for _ in range(2)
    ]
    locked = asyncio.run(scenario(new_sender(), instances))
    assert sorted(locked) == ["first", "second"], locked


def test_rasas_plain_redis_lock_store_gives_two_instances_the_same_ticket(redis_db: int) -> None:
    """Rasa's RedisLockStore.issue_ticket is GET, add a ticket, SET: two instances interleaving those
    steps (what happened in the cluster test before plugins.lock_store) both get ticket 0 and both run.
    The atomic store hands out unique tickets even when 40 "instances" ask at once."""
    from rasa.core.lock_store import RedisLockStore

    from plugins.lock_store import AtomicRedisLockStore

    sender = new_sender()
    a, b = (
        RedisLockStore(host="127.0.0.1", port=6379, db=redis_db, key_prefix="clinic")
        for _ in range(2)
    )
    lock_a, lock_b = (
        a.get_or_create_lock(sender),
        b.get_or_create_lock(sender),
    )  # both read "no lock"
    ticket_a, ticket_b = lock_a.issue_ticket(60), lock_b.issue_ticket(60)
    a.save_lock(lock_a)
    b.save_lock(lock_b)
    assert ticket_a == ticket_b == 0
    assert not a.get_lock(sender).is_locked(ticket_a) and not b.get_lock(sender).is_locked(
        ticket_b
    ), "both instances are served at once"
    a.delete_lock(sender)

    sender = new_sender()
    stores = [
        AtomicRedisLockStore(host="127.0.0.1", port=6379, db=redis_db, key_prefix="clinic")
        for _ in range(40)
    ]
    barrier = threading.Barrier(len(stores))

    def take(store: AtomicRedisLockStore) -> int:
        barrier.wait()
        return store.issue_ticket(sender, 60)

    with ThreadPoolExecutor(len(stores)) as pool:
        tickets = list(pool.map(take, stores))
    assert sorted(tickets) == list(range(len(stores))), sorted(tickets)
    lock = stores[0].get_lock(sender)
    served = [t for t in tickets if not lock.is_locked(t)]
    assert served == [0], f"exactly one instance is served at a time: {served}"
    for t in tickets:
        stores[0].cleanup(sender, t)
    assert stores[0].get_lock(sender) is None


API_PATHS = ["/status", "/conversations/someone/tracker", "/domain", "/model/parse"]


@pytest.mark.parametrize("path", API_PATHS)
def test_rasa_http_api_is_off_without_a_token(cluster: Cluster, path: str) -> None:
    method = requests.post if path == "/model/parse" else requests.get
    for base in (cluster.rasa_url(0), cluster.rasa_url(1), cluster.lb_url):
        kwargs = {"json": {"text": "hi"}} if method is requests.post else {}
        r = method(base + path, timeout=30, **kwargs)
        assert r.status_code == 404, (base, path, r.status_code)


def test_rasa_and_action_servers_listen_on_loopback_only(cluster: Cluster) -> None:
    for port in list(cluster.rasa_ports) + list(cluster.action_ports):
        addresses = helpers.listening_addresses(port)
        assert addresses, f"nothing listens on {port}"
        assert set(addresses) <= {"127.0.0.1", "::1"}, f"port {port} listens on {addresses}"
    ip = helpers.non_loopback_ip()
    if ip:  # from this machine's network address, the action server cannot be reached
        for port in cluster.action_ports:
            with pytest.raises(OSError):
                socket.create_connection((ip, port), timeout=3).close()
