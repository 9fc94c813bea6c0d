"""The staff tools against the REAL assistant (ops/launcher.py: Rasa server + action server, nothing mocked):

- an answer text edit is live within seconds of publishing it (staff/content_release.py), without
  retraining; a saved edit is a draft until then; a broken edit is refused and the published text stays;
- `make review` on a real tracker store filled by real conversations: fallbacks, out of scope, clinician
  escalations, a crisis message; no sender ids, no times, no phone numbers / e-mails / names / dates;
- add-examples takes the lines staff approve in that review file;
- the guide's worked example (a new topic) is trained, published to the running server with PUT /model
  while patients keep chatting (every request 200), and answered.

One stack for the whole module; the worked example trains in the background meanwhile (with 40% of
config.yml's epochs; the model is kept in artifacts/staff/ and reused while its inputs are unchanged).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import subprocess
import threading
import time
import uuid
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

import pytest
import requests
import yaml

import ops.launcher
from ops.launcher import LOG_DIR, ROOT, VENV_BIN, Stack, start_stack
from staff import add_examples, content_release, publish, review
from staff.yaml_lines import normalise, training_examples
from tests.conftest import copy_project, kinds, release_store, texts
from tests.staff import worked_example as wx

TOKEN = "staff-tools-test-token"
ARTIFACTS = ROOT / "artifacts" / "staff"
TIMINGS = ARTIFACTS / "timings.json"
EPOCH_FRACTION = 0.4  # of config.yml's epochs, for the worked example's model (see Training)
LIVE_WITHIN = 5.0  # seconds: an answer edit must be live within this
SECRET_SENDERS = tuple(str(uuid.uuid4()) for _ in range(3))  # the only ids the REST channel accepts


def record(name: str, seconds: float) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    data = json.loads(TIMINGS.read_text()) if TIMINGS.exists() else {}
    data[name] = round(seconds, 2)
    TIMINGS.write_text(json.dumps(data, indent=2, sort_keys=True))
    print(f"{name}: {seconds:.2f}s")


# ---------------------------------------------------------------- the worked example's model


class Training:
    """Trains the guide's worked example (a copy of the project plus the new topic) in the background;
    reuses the model from a previous run when the training data is the same."""

    def __init__(self, base: Path) -> None:
        self.project = copy_project(base / "worked-example")
        wx.apply(self.project)
        # The project's config with fewer epochs (EPOCH_FRACTION): this model proves the guide's steps
        # give a model that knows the new question and can be published; accuracy is tests/nlu's job.
        config = yaml.safe_load((ROOT / "config.yml").read_text())
        for part in config.get("pipeline", []) + config.get("policies", []):
            if "epochs" in part:
                part["epochs"] = max(1, round(part["epochs"] * EPOCH_FRACTION))
        self.config = self.project / "config.yml"
        self.config.write_text(yaml.safe_dump(config, sort_keys=False))
        digest = hashlib.sha256()
        for path in sorted(
            [self.project / "domain.yml", self.config, *(self.project / "data").rglob("*.yml")]
        ):
            digest.update(path.name.encode() + path.read_bytes())
        self.model = ARTIFACTS / f"worked-example-{digest.hexdigest()[:12]}.tar.gz"
        self.proc: Optional[subprocess.Popen] = None
        self.log = LOG_DIR / "staff-worked-example-train.log"
        self.started = time.monotonic()
        if not self.model.exists():
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            LOG_DIR.mkdir(parents=True, exist_ok=True)
            for old in ARTIFACTS.glob("worked-example-*.tar.gz"):
                old.unlink()
            env = {
                **os.environ,
                "PYTHONPATH": str(ROOT),
                "RASA_TELEMETRY_ENABLED": "false",
                "TF_CPP_MIN_LOG_LEVEL": "2",
                "RASA_CACHE_DIRECTORY": str(base / "rasa-cache"),
            }
            with open(self.log, "wb") as log:
                self.proc = subprocess.Popen(
                    [
                        str(VENV_BIN / "rasa"),
                        "train",
                        "--domain",
                        str(self.project / "domain.yml"),
                        "--data",
                        str(self.project / "data"),
                        "--config",
                        str(self.config),
                        "--out",
                        str(base / "models"),
                        "--fixed-model-name",
                        "worked-example",
                    ],
                    cwd=ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            self.out = base / "models" / "worked-example.tar.gz"

    def wait(self, timeout: float = 900) -> Path:
        if self.proc is not None:
            try:
                code = self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.stop()
                raise
            assert code == 0, f"training the worked example failed; see {self.log}"
            record("train_worked_example_full", time.monotonic() - self.started)
            shutil.move(str(self.out), self.model)
            self.proc = None
        return self.model

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, 15)
            self.proc.wait(timeout=30)


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("staff-live")


@pytest.fixture(scope="module")
def training(base: Path) -> Iterator[Training]:
    t = Training(base)
    yield t
    t.stop()


@pytest.fixture(scope="module")
def content_dir(base: Path) -> Path:
    d = base / "content"
    shutil.copytree(ROOT / "content", d)
    return d


@pytest.fixture(scope="module")
def tracker_db(base: Path) -> Path:
    return base / "tracker.db"


@pytest.fixture(scope="module")
def releases(base: Path) -> Path:
    """The stack's own release store: empty, so the launcher publishes content_dir as its first release."""
    return base / "releases"


@pytest.fixture(scope="module")
def stack(
    request: pytest.FixtureRequest, content_dir: Path, releases: Path, tracker_db: Path
) -> Iterator[Stack]:
    # On a loaded machine (2 cores shared with trainings) Rasa can take minutes to load a model.
    timeout = ops.launcher.RASA_START_TIMEOUT
    ops.launcher.RASA_START_TIMEOUT = max(timeout, 480.0)
    env = {"CLINIC_CONTENT_DIR": str(content_dir), "CLINIC_CONTENT_RELEASES": str(releases)}
    try:
        s = start_stack(
            env=env, tracker_db=tracker_db, rasa_args=("--enable-api", "--auth-token", TOKEN)
        )
    finally:
        ops.launcher.RASA_START_TIMEOUT = timeout
    if any("publish" in item.name for item in request.session.items):
        request.getfixturevalue("training")  # trains while the other tests run
    try:
        yield s
    finally:
        s.stop()


def first_answer(stack: Stack, payload: str = "/ask_aura") -> str:
    # A new conversation each time, as each patient is: one sender asking 50 times in a row builds a
    # tracker the action server refuses (SANIC_REQUEST_MAX_SIZE applies to it too).
    msgs = stack.say(str(uuid.uuid4()), payload)
    assert "answer" in kinds(msgs), msgs
    # The topic's own first bubble: a safety warning (custom.note "safety", e.g. the aura warning)
    # comes before it and is not what staff edit here.
    body = [m for m in msgs if (m.get("custom") or {}).get("note") != "safety"]
    return body[0]["text"]


def wait_for(stack: Stack, expected: str, timeout: float) -> Optional[float]:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if first_answer(stack) == expected:
            return time.monotonic() - start
        time.sleep(0.1)
    return None


def set_aura_first_message(content_dir: Path, text: str) -> None:
    path = content_dir / "answers.yml"
    data = path.read_text()
    new, n = re.subn(
        r'(\n  aura:\n(?:    .*\n)*?    messages:\n      - )"[^\n]*"',
        lambda m: m.group(1) + json.dumps(text),
        data,
        count=1,
    )
    assert n == 1
    path.write_text(new)


# ---------------------------------------------------------------- content edits, published


def publish_drafts(releases: Path, content_dir: Path) -> content_release.Release:
    """`make release`, into the stack's own store."""
    with release_store(releases):
        return content_release.publish("staff test", content_dir)


def watch_unchanged(stack: Stack, live: str, seconds: float = 3.5) -> None:
    """The text patients get stays `live` for longer than the pointer check interval (1 s)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert first_answer(stack) == live
        time.sleep(0.25)


def test_answer_text_edit_is_live_within_seconds(
    stack: Stack, content_dir: Path, releases: Path
) -> None:
    original = first_answer(stack)
    edited = f"An aura is a warning sign of sorts (edited {time.time():.0f})."
    set_aura_first_message(content_dir, edited)
    watch_unchanged(stack, original)  # saved is a draft: not served
    publish_drafts(releases, content_dir)
    took = wait_for(stack, edited, timeout=15)
    assert took is not None, "the published answer did not go live within 15 s"
    record("answer_edit_to_live", took)
    assert took < LIVE_WITHIN, f"edit took {took:.1f}s to go live"
    set_aura_first_message(content_dir, original)
    publish_drafts(releases, content_dir)
    assert wait_for(stack, original, timeout=15) is not None


def test_broken_edit_is_refused_and_the_previous_text_stays(
    stack: Stack, content_dir: Path, releases: Path
) -> None:
    path = content_dir / "answers.yml"
    good = path.read_text()
    live = first_answer(stack)
    broken_yaml = good.replace("    title: Auras\n", "    title: Auras: the basics\n", 1)
    too_long = json.dumps("An aura is " + "very " * 80 + "long.")
    broken_rule = re.sub(
        r'(\n  aura:\n(?:    .*\n)*?    messages:\n      - )"[^\n]*"',
        lambda m: m.group(1) + too_long,
        good,
        count=1,
    )
    for broken in (broken_yaml, broken_rule):
        assert broken != good
        path.write_text(broken)
        with pytest.raises(content_release.PublishRefused) as refused:
            publish_drafts(releases, content_dir)
        assert [(p.file, bool(p.line)) for p in refused.value.problems] == [
            ("content/answers.yml", True)
        ]
        watch_unchanged(stack, live)
    path.write_text(good.replace(live, live + " (fixed)", 1) if live in good else good)
    publish_drafts(releases, content_dir)
    if live in good:
        assert wait_for(stack, live + " (fixed)", timeout=15) is not None
    path.write_text(good)
    publish_drafts(releases, content_dir)
    assert wait_for(stack, live, timeout=15) is not None


def test_new_topic_text_goes_live_before_the_model_knows_the_question(
    stack: Stack, content_dir: Path, releases: Path
) -> None:
    """Step 3 of the worked example (the answer) is published at once without disturbing the other
    answers; the question comes with the new model (test_published_model_answers_the_new_topic)."""
    before = first_answer(stack)
    wx.apply_step(content_dir.parent, wx.CONTENT)
    release = publish_drafts(releases, content_dir)
    version = f"{release.version}-{release.fingerprint}"
    deadline = time.monotonic() + 15
    while served_version(stack) != version and time.monotonic() < deadline:
        time.sleep(0.1)
    assert served_version(stack) == version
    assert first_answer(stack) == before


def served_version(stack: Stack) -> str:
    msgs = stack.say(str(uuid.uuid4()), "/ask_aura")
    return (msgs[-1].get("custom") or {}).get("content_version", "")


# ---------------------------------------------------------------- review of real conversations

CONVERSATIONS: List[Tuple[str, List[str]]] = [
    (
        SECRET_SENDERS[0],
        [
            "hi",
            "what is an aura",
            "qwpoeiru zxmvnb asdlkfj",
            "what's the weather going to be like in Paris tomorrow",
            "my name is John Smith and my phone is 555-123-4567, can I take ketamine with my sertraline",
        ],
    ),
    (
        SECRET_SENDERS[1],
        [
            "how much does an infusion cost with my insurance",
            "I was born on 03/14/1975, email me at jane.doe@example.com about my results please",
            "i want to kill myself",
            "who won the football game last night",
        ],
    ),
    (
        SECRET_SENDERS[2],
        [
            "blorf snizzle wop",
            "can i talk to a real person",
            "thank you",
        ],
    ),
]
IDENTIFIERS = (
    "John",
    "Smith",
    "555-123-4567",
    "5551234567",
    "jane.doe",
    "example.com",
    "03/14/1975",
    "1975",
    "kill myself",
)


@pytest.fixture(scope="module")
def reviewed(stack: Stack, tracker_db: Path, base: Path) -> Dict[str, Any]:
    replies: Dict[str, List[Dict[str, Any]]] = {}
    for sender, messages in CONVERSATIONS:
        for text in messages:
            replies[text] = stack.say(sender, text)
    trackers = {}
    for sender, _ in CONVERSATIONS:
        r = requests.get(
            f"{stack.rasa_url}/conversations/{sender}/tracker", params={"token": TOKEN}, timeout=30
        )
        r.raise_for_status()
        trackers[sender] = r.json()
    out = base / "review-out"
    start = time.monotonic()
    md, yml, meta = review.build(
        f"sqlite:///{tracker_db}",
        since=dt.date.today() - dt.timedelta(days=1),
        threshold=0.6,
        out_dir=out,
    )
    record("review_run", time.monotonic() - start)
    return {
        "replies": replies,
        "trackers": trackers,
        "md": md,
        "yml": yml,
        "meta": meta,
        "md_text": md.read_text(),
        "yml_text": yml.read_text(),
        "data": yaml.safe_load(yml.read_text()),
    }


def parsed_turns(trackers: Dict[str, Any]) -> List[Dict[str, Any]]:
    """(text, intent, confidence, actions) of every patient message, from Rasa's own tracker API."""
    out = []
    for tracker in trackers.values():
        turn = None
        for e in tracker["events"]:
            if e["event"] == "user":
                turn = {
                    "text": e["text"],
                    "intent": e["parse_data"]["intent"]["name"],
                    "confidence": e["parse_data"]["intent"].get("confidence") or 0,
                    "actions": [],
                }
                out.append(turn)
            elif e["event"] == "action" and turn is not None and e["name"] != "action_listen":
                turn["actions"].append(e["name"])
    return out


def test_review_has_no_patient_identifiers(reviewed: Dict[str, Any]) -> None:
    for name in ("md_text", "yml_text"):
        text = reviewed[name]
        for sender in SECRET_SENDERS:
            assert sender not in text and sender.split("-")[0] not in text
        for ident in IDENTIFIERS:
            assert ident not in text, f"{ident!r} found in the review {name}"
        assert not re.search(r"\d{1,2}:\d{2}", text), "a time of day in the review"
    assert "<name>" in reviewed["yml_text"] and "<phone>" in reviewed["yml_text"]
    assert "<email>" in reviewed["yml_text"] and "<date>" in reviewed["yml_text"]


def test_review_lists_what_was_not_answered_well(reviewed: Dict[str, Any]) -> None:
    data, counts = reviewed["data"], reviewed["data"]["counts"]
    listed = {normalise(line["text"]) for g in data["groups"] for line in g["lines"]}
    vocab = review.vocabulary()
    expected = {
        "not_understood": 0,
        "out_of_scope": 0,
        "sent_to_a_clinician": 0,
        "safety_replies": 0,
    }
    for turn in parsed_turns(reviewed["trackers"]):
        acts = set(turn["actions"])
        if turn["intent"] in ("emergency", "self_harm"):
            expected["safety_replies"] += 1
            continue
        if turn["intent"] == "nlu_fallback" or "action_fallback" in acts:
            expected["not_understood"] += 1
        elif turn["intent"] == "out_of_scope" or "action_out_of_scope" in acts:
            expected["out_of_scope"] += 1
        elif "action_contact_clinician" in acts:
            expected["sent_to_a_clinician"] += 1
        else:
            if turn["confidence"] >= 0.6:
                assert (
                    normalise(review.scrub(turn["text"], vocab)) not in listed
                ), f"{turn['text']!r} was answered well"
            continue
        assert normalise(review.scrub(turn["text"], vocab)) in listed, f"{turn['text']!r} missing"
    for key, n in expected.items():
        assert counts[key] == n, (key, counts, expected)
    # The conversations above are built to produce each kind at least once.
    assert counts["not_understood"] + counts["out_of_scope"] >= 3
    assert counts["sent_to_a_clinician"] >= 2 and counts["safety_replies"] == 1
    assert reviewed["meta"]["conversations"] == len(CONVERSATIONS)
    md = reviewed["md_text"]
    assert "| not understood:" in md and "emergency or crisis reply (not quoted) | 1 |" in md
    day = dt.date.today().isoformat()
    assert reviewed["md"].name == f"review-{day}.md" and reviewed["yml"].name == f"review-{day}.yml"


def test_review_reads_the_tracker_store_configured_for_the_server(
    stack: Stack, tracker_db: Path
) -> None:
    """Without --db-url, review finds the store the way the server does: endpoints.yml + TRACKER_* vars."""
    env = {**os.environ, **stack.env}
    assert review.tracker_db_url(environ=env) == f"sqlite:///{tracker_db}"
    url = review.tracker_db_url(
        environ={
            "TRACKER_DIALECT": "postgresql",
            "TRACKER_STORE_URL": "db.internal:5433",
            "TRACKER_DB": "rasa",
        }
    )
    assert url == "postgresql://db.internal:5433/rasa"


def test_add_examples_takes_the_lines_staff_approve(
    reviewed: Dict[str, Any], tmp_path: Path
) -> None:
    project = copy_project(tmp_path / "project")
    lines = [line for g in reviewed["data"]["groups"] for line in g["lines"]]
    clean = [l for l in lines if "<" not in l["text"]]
    with_placeholder = [l for l in lines if "<" in l["text"]]
    assert clean and with_placeholder
    # Staff mark one clean line for ask_aura (pretend) and one line that still has a placeholder.
    text = reviewed["yml"].read_text()
    marked = mark(text, clean[0]["text"], "ask_capabilities")
    marked = mark(marked, with_placeholder[0]["text"], "ask_personal_advice")
    review_file = tmp_path / "review.yml"
    review_file.write_text(marked)
    first = add_examples.add(review_file, project)
    assert [a.text for a, _ in first.added] == [clean[0]["text"]]
    assert len(first.refused) == 1 and "placeholder" in first.refused[0][1]
    chitchat = [e for e in training_examples(project) if e.text == clean[0]["text"]]
    assert len(chitchat) == 1 and chitchat[0].intent == "ask_capabilities"
    again = add_examples.add(review_file, project)
    assert not again.added and len(again.skipped) == 1


def mark(review_text: str, line_text: str, intent: str) -> str:
    needle = f"      - text: {json.dumps(line_text, ensure_ascii=False)}\n"
    i = review_text.index(needle)
    j = review_text.index("        add_to:", i)
    return review_text[:j] + f"        add_to: {intent}" + review_text[j + len("        add_to:") :]


def test_review_reads_postgresql_too(
    reviewed: Dict[str, Any], tracker_db: Path, base: Path
) -> None:
    """The same real events in a PostgreSQL store (tables made by Rasa's own SQLTrackerStore) give the same
    review. Skipped when no PostgreSQL answers on 127.0.0.1:5432 (`make services` starts one)."""
    psycopg2 = pytest.importorskip("psycopg2")
    try:
        admin = psycopg2.connect(
            dbname="postgres", host="127.0.0.1", port=5432, user="postgres", connect_timeout=3
        )
    except psycopg2.OperationalError:
        pytest.skip("no PostgreSQL on 127.0.0.1:5432 (make services)")
    admin.autocommit = True
    name = f"staff_review_{uuid.uuid4().hex[:8]}"
    with admin.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    try:
        import sqlalchemy as sa
        from rasa.core.tracker_store import SQLTrackerStore

        url = review.tracker_db_url(
            environ={
                "TRACKER_DIALECT": "postgresql",
                "TRACKER_STORE_URL": f"postgresql://postgres@127.0.0.1:5432/{name}",
                "TRACKER_DB": name,
            }
        )
        store = SQLTrackerStore(
            dialect="postgresql", host=url, db=name
        )  # creates Rasa's events table
        rows = (
            sa.create_engine(f"sqlite:///{tracker_db}")
            .connect()
            .execute(
                sa.text(
                    "SELECT sender_id, type_name, timestamp, intent_name, action_name, data FROM events ORDER BY id"
                )
            )
            .fetchall()
        )
        with store.engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name, data) "
                    "VALUES (:s, :t, :ts, :i, :a, :d)"
                ),
                [dict(s=r[0], t=r[1], ts=r[2], i=r[3], a=r[4], d=r[5]) for r in rows],
            )
        store.engine.dispose()
        md, yml, meta = review.build(
            url,
            since=dt.date.today() - dt.timedelta(days=1),
            threshold=0.6,
            out_dir=base / "review-pg",
        )
        assert yml.read_text().replace("review-pg", "review-out") == reviewed["yml_text"]
        assert md.read_text() == reviewed["md_text"]
    finally:
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


# ---------------------------------------------------------------- publishing a new model


def test_publish_swaps_the_model_without_failed_requests(stack: Stack, training: Training) -> None:
    model = training.wait()
    before = requests.get(f"{stack.rasa_url}/status", params={"token": TOKEN}, timeout=30).json()
    results: List[Tuple[int, float]] = []
    stop = threading.Event()

    def chat(n: int) -> None:
        # A new conversation every few messages, as many patients are during a publish: one
        # conversation sending back to back would meet the per-conversation rate limit (30 a minute).
        sender = str(uuid.uuid4())
        questions = [
            "what is an aura",
            "/ask_ketamine_what",
            "how long does a migraine last",
            "thanks",
        ]
        i = 0
        while not stop.is_set():
            t0 = time.monotonic()
            try:
                r = requests.post(
                    stack.webhook,
                    json={"sender": sender, "message": questions[i % 4]},
                    timeout=300,
                )
                if i % 4 == 3:
                    sender = str(uuid.uuid4())
                ok = r.status_code == 200 and bool(r.json())
                results.append((r.status_code if ok else -r.status_code, time.monotonic() - t0))
            except requests.RequestException:
                results.append((0, time.monotonic() - t0))
            i += 1

    threads = [threading.Thread(target=chat, args=(n,), daemon=True) for n in range(2)]
    for t in threads:
        t.start()
    time.sleep(2)
    with pytest.raises(publish.PublishError, match="refused the token"):
        publish.publish(model, stack.rasa_url, "wrong-token")
    outcome = publish.publish(model, stack.rasa_url, TOKEN)
    time.sleep(2)
    stop.set()
    for t in threads:
        t.join(timeout=310)
    record("publish_swap", outcome["seconds"])
    record("publish_max_request_latency", max(s for _, s in results))
    assert outcome["changed"] and outcome["model_id"] == publish.model_id(model)
    after = requests.get(f"{stack.rasa_url}/status", params={"token": TOKEN}, timeout=30).json()
    assert after["model_id"] == publish.model_id(model) != before["model_id"]
    assert len(results) >= 10
    failed = [r for r in results if r[0] != 200]
    assert (
        not failed
    ), f"{len(failed)} of {len(results)} requests failed during the swap: {failed[:5]}"
    # Publishing the same model again changes nothing.
    assert publish.publish(model, stack.rasa_url, TOKEN)["changed"] is False


def test_published_model_answers_the_new_topic(stack: Stack, training: Training) -> None:
    """The guide's worked example, end to end: trained, published, asked as a patient would."""
    model = training.wait()
    status = requests.get(f"{stack.rasa_url}/status", params={"token": TOKEN}, timeout=30).json()
    assert status["model_id"] == publish.model_id(model), "run after the publish test"
    # A wording of the examples: this model has few epochs (see Training); how well the assistant
    # generalises to new wordings is measured by tests/nlu with the real model.
    question = wx.NLU.snippet.split("- ")[2].strip()
    parse = requests.post(
        f"{stack.rasa_url}/model/parse",
        params={"token": TOKEN},
        json={"text": question},
        timeout=30,
    ).json()
    assert parse["intent"]["name"] == wx.INTENT, parse["intent"]
    msgs = stack.say(str(uuid.uuid4()), question)
    assert wx.ANSWER_START in texts(msgs)
    # Conversations from before the swap carry on: the tracker store is not part of the model.
    r = requests.get(
        f"{stack.rasa_url}/conversations/{SECRET_SENDERS[0]}/tracker",
        params={"token": TOKEN},
        timeout=30,
    )
    assert any(
        e.get("text") == "what is an aura" for e in r.json()["events"] if e["event"] == "user"
    )
