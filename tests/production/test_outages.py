"""Faults, each against the running cluster (PostgreSQL + Redis): the action server down, PostgreSQL
down, Redis down (a Rasa server killed mid-conversation: test_failover.py). The patient always gets an answer
or a clear message with the clinic's phone number; nothing is lost or corrupted; service resumes by
itself. The services are restarted in `finally` whatever happens."""

from __future__ import annotations

import time

import pytest

from ops.cluster import Cluster
from tests.production import helpers
from tests.production.conftest import MARKER, new_sender
from tests.production.helpers import Patient, is_clinic_error, topics


def test_action_server_down_gives_the_clinic_phone_and_recovers(cluster: Cluster) -> None:
    patient = Patient(cluster.webhook, new_sender())
    assert topics(patient.say("what is an aura?"))[:1] == ["aura"]
    cluster.stop_actions(kill=True)
    try:
        started = time.monotonic()
        reply = patient.say(f"what are ketamine infusions {MARKER}", timeout=30)
        elapsed = time.monotonic() - started
        assert is_clinic_error(reply), reply
        print(f"action server down: clear reply in {elapsed:.2f}s")
        urgent = patient.say("I think I'm having a stroke, my face is drooping", timeout=30)
        assert "emergency" in helpers.kinds(urgent), urgent
    finally:
        cluster.start_actions()
    assert topics(patient.say("what are ketamine infusions"))[:1] == ["ketamine_what"]


@pytest.mark.destructive
def test_postgresql_down_clear_error_no_corruption_then_resumes(
    cluster: Cluster, pg_database: str
) -> None:
    patient = Patient(cluster.webhook, new_sender())
    assert topics(patient.say("what is an aura?"))[:1] == ["aura"]
    before = helpers.events(pg_database, patient.sender)
    helpers.stop_postgres()
    try:
        for _ in range(2):  # both instances
            reply = patient.say(f"how long does it last? {MARKER}", timeout=60)
            assert is_clinic_error(reply), reply
        for i in range(cluster.rasa_count):
            assert cluster.procs[f"rasa-{i}"].poll() is None, "Rasa must stay up"
    finally:
        helpers.start_postgres()
    # resumes by itself: same context as before the outage, nothing from the outage stored
    assert topics(patient.say("how long does it last?"))[:1] == ["aura_duration"]
    after = helpers.events(pg_database, patient.sender)
    assert after[: len(before)] == before
    helpers.assert_well_formed(after, ["what is an aura?", "how long does it last?"])


@pytest.mark.destructive
def test_redis_down_clear_error_then_resumes(
    cluster: Cluster, pg_database: str, redis_db: int
) -> None:
    patient = Patient(cluster.webhook, new_sender())
    assert topics(patient.say("what is an aura?"))[:1] == ["aura"]
    helpers.stop_redis()
    try:
        for _ in range(2):
            reply = patient.say(f"how long does it last? {MARKER}", timeout=60)
            assert is_clinic_error(reply), reply
    finally:
        helpers.start_redis()
    assert topics(patient.say("how long does it last?"))[:1] == ["aura_duration"]
    helpers.assert_well_formed(
        helpers.events(pg_database, patient.sender), ["what is an aura?", "how long does it last?"]
    )


def test_stores_are_back() -> None:
    assert helpers.pg_up() and helpers.redis_up()
