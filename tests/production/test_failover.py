"""A Rasa server of the cluster killed (SIGKILL) between two messages of a conversation: the other one
carries on; restarted, the killed one continues the same conversation (both here: no other module
depends on this one)."""

from __future__ import annotations

import pytest

from ops.cluster import Cluster
from tests.production import helpers
from tests.production.conftest import KILLED, PENDING, Background, new_sender
from tests.production.helpers import Patient, topics


def test_rasa_killed_mid_conversation_the_conversation_continues(
    cluster: Cluster, pg_database: str
) -> None:
    """SIGKILL one of the two Rasa servers between two messages of a conversation: nginx retries the
    refused connection on the other one (the patient notices nothing) and the conversation goes on
    from PostgreSQL. The killed server restarts in the background; the next test checks that it continues
    the same conversation."""
    patient = Patient(cluster.webhook, new_sender())
    assert topics(patient.say("what is an aura?"))[:1] == ["aura"]
    victim = cluster.procs["rasa-0"]
    cluster.stop_rasa(0, kill=True)
    assert victim.returncode == -9
    since = helpers.log_size(cluster.nginx_access_log)
    assert topics(patient.say("how long does it last?"))[:1] == ["aura_duration"]
    assert topics(patient.say("what are the warning signs before a migraine"))[:1] == ["prodrome"]
    tried = helpers.upstream_lists(helpers.access_lines_after(cluster.nginx_access_log, since, 2))
    survivor = f"127.0.0.1:{cluster.rasa_ports[1]}"
    assert [t[-1] for t in tried] == [survivor, survivor], tried
    PENDING["cluster-restart"] = Background(lambda: cluster.start_rasa([0], preflight=False))
    KILLED["cluster"] = patient.sender


def test_restarted_cluster_server_continues_the_conversation(
    cluster: Cluster, pg_database: str
) -> None:
    if "cluster" not in KILLED:
        pytest.skip("the kill above did not run")
    PENDING.pop("cluster-restart").get()
    direct = Patient(cluster.rasa_url(0) + "/webhooks/rest/webhook", KILLED["cluster"])
    assert topics(direct.say("when do they start?"))[:1] == ["prodrome_timing"]
    helpers.assert_well_formed(
        helpers.events(pg_database, KILLED["cluster"]),
        [
            "what is an aura?",
            "how long does it last?",
            "what are the warning signs before a migraine",
            "when do they start?",
        ],
    )
