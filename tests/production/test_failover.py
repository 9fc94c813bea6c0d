"""A Rasa server of the cluster killed (SIGKILL) between two messages of a conversation. It restarts
in the background while the next modules run; test_scale_out.py checks that it continues the same
conversation."""
from __future__ import annotations

from ops.cluster import Cluster
from tests.production import helpers
from tests.production.conftest import KILLED, PENDING, Background, new_sender
from tests.production.helpers import Patient, topics


def test_rasa_killed_mid_conversation_the_conversation_continues(cluster: Cluster, pg_database: str) -> None:
    """SIGKILL one of the two Rasa servers between two messages of a conversation: nginx retries the
    refused connection on the other one (the patient notices nothing) and the conversation goes on
    from PostgreSQL. The killed server restarts in the background; test_scale_out.py checks that it
    continues the same conversation."""
    patient = Patient(cluster.webhook, new_sender("kill"))
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
