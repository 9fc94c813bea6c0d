"""The Rasa servers killed (SIGKILL) in test_6_faults.py (cluster, PostgreSQL) and test_7_embedded.py
(SQLite) have restarted in the background meanwhile: each continues its conversation with context."""
from __future__ import annotations

import pytest

from ops.cluster import Cluster
from tests.production import helpers
from tests.production.conftest import PENDING
from tests.production.helpers import Patient, topics
from tests.production.test_6_faults import KILLED
from tests.stack import Stack


def test_restarted_cluster_server_continues_the_conversation(cluster: Cluster, pg_database: str) -> None:
    if "cluster" not in KILLED:
        pytest.skip("test_6_faults.py::test_rasa_killed_mid_conversation did not run")
    PENDING.pop("cluster-restart").get()
    direct = Patient(cluster.rasa_url(0) + "/webhooks/rest/webhook", KILLED["cluster"])
    assert topics(direct.say("when do they start?"))[:1] == ["prodrome_timing"]
    helpers.assert_well_formed(helpers.events(pg_database, KILLED["cluster"]), [
        "what is an aura?", "how long does it last?", "what are the warning signs before a migraine",
        "when do they start?"])


def test_restarted_sqlite_server_continues_the_conversation(embedded: Stack) -> None:
    if "embedded" not in KILLED:
        pytest.skip("test_7_embedded.py::test_sqlite_rasa_killed_mid_conversation did not run")
    PENDING.pop("embedded-restart").get()
    patient = Patient(embedded.webhook, KILLED["embedded"])
    assert topics(patient.say("how long does it last?"))[:1] == ["aura_duration"]
