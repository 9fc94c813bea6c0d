"""No message text in the logs. This module drives, itself, every path that could log a message's text
with MARKER inside it: normal answers, a red flag, an over-long message, a malformed body, a payload
with an entity, and the action server down; then every log the session's processes wrote (Rasa, action
servers, nginx, PostgreSQL's and Redis's server logs) is searched for it. Run with the whole suite, the
search also covers the paths the other modules drive (PostgreSQL and Redis down, the SQLite stack); it
relies on none of them. The logs are at INFO (Rasa's default), which the test checks too, so the search
means something."""

from __future__ import annotations

import glob
from pathlib import Path
from typing import List

from ops.cluster import Cluster
from ops.launcher import LOG_DIR
from plugins.channel.rest import MAX_MESSAGE_CHARS
from tests.production.conftest import MARKER, SESSION, STARTED, new_sender
from tests.production.helpers import Patient

SERVER_LOGS = ["/var/log/postgresql/*.log", "/var/log/redis/*.log"]


def session_logs(cluster: Cluster) -> List[Path]:
    files = list(cluster.log_dir.glob("*.log"))
    # ops/launcher.py (test_embedded_store) writes <name>-<port>.log straight into artifacts/logs
    files += [p for p in LOG_DIR.glob("*.log") if p.stat().st_mtime >= STARTED - 5]
    for pattern in SERVER_LOGS:
        files += [Path(p) for p in glob.glob(pattern)]
    return files


def test_no_message_text_in_any_log(cluster: Cluster) -> None:
    patient = Patient(cluster.webhook, new_sender())
    for text in (
        f"what is an aura? {MARKER}",
        f"I want to die {MARKER}",
        f"{MARKER} my face is drooping",
        f'/ask_aura{{"subject": "{MARKER}"}}',
        f"{MARKER} " + "aura " * MAX_MESSAGE_CHARS,
    ):
        patient.say(text)
    malformed = patient.session.post(
        cluster.webhook,
        data=f'{{"sender": "{patient.sender}", "message": {MARKER}',
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    assert malformed.status_code == 400, malformed.status_code
    cluster.stop_actions()
    try:
        patient.say(f"how long does an aura last? {MARKER}")
    finally:
        cluster.start_actions()
    files = session_logs(cluster)
    assert any("rasa-" in f.name for f in files) and any("actions-" in f.name for f in files)
    rasa_log = "\n".join(f.read_text(errors="replace") for f in files if f.name.startswith("rasa-"))
    assert " INFO " in rasa_log, "the Rasa logs should be at INFO for this check to mean anything"
    hits = []
    for f in files:
        try:
            data = f.read_bytes()
        except OSError:
            continue
        if MARKER.encode() in data or SESSION.encode() + b"mrk" in data:
            for n, line in enumerate(data.splitlines(), 1):
                if MARKER.encode() in line:
                    hits.append(f"{f}:{n}: {line[:200]!r}")
    assert not hits, "message text found in logs:\n" + "\n".join(hits[:20])
