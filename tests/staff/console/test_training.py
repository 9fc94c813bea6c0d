"""Training from the console (staff/console/training.py): the estimate from recorded durations, the
progress it shows, and a real background process followed from start to its record. The process is a
stand-in for Rasa that writes Rasa's own progress lines, so the test takes a second, not minutes."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import List

from staff.console import training

FAKE_RASA = (
    "import os, sys, time\n"
    "print(\"INFO rasa.engine.training.hooks - Starting to train component 'WhitespaceTokenizer'.\", flush=True)\n"
    "print(\"INFO rasa.engine.training.hooks - Finished training component 'WhitespaceTokenizer'.\", flush=True)\n"
    "print(\"INFO rasa.engine.training.hooks - Starting to train component 'DIETClassifier'.\", flush=True)\n"
    "while not os.path.exists(sys.argv[2]):\n"  # waits until the test lets it finish
    "    time.sleep(0.05)\n"
    "sys.exit(int(sys.argv[1]))\n"
)


def test_the_estimate_is_the_median_of_the_last_trainings() -> None:
    assert training.estimate([]) == training.FIRST_GUESS_SECONDS
    assert training.estimate([100.0, 400.0, 120.0]) == 120.0
    assert training.estimate([900.0, 100.0, 110.0, 120.0, 130.0, 140.0]) == 120.0  # the last five


def test_progress_never_claims_done_before_the_end() -> None:
    assert training.progress(30, 120) == {"fraction": 0.25, "left": 90}
    assert training.progress(500, 120) == {"fraction": 0.99, "left": 0}
    assert training.say_seconds(75) == "1 min 15 s" and training.say_seconds(42) == "42 s"


def wait_until(check, limit: float = 60.0) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError("the training did not get there")


def test_a_training_runs_in_the_background_and_is_recorded(tmp_path: Path) -> None:
    script = tmp_path / "fake_rasa.py"
    script.write_text(FAKE_RASA)
    codes: List[str] = ["0"]
    go = tmp_path / "go"

    def command() -> List[str]:
        return [sys.executable, str(script), codes[0], str(go)]

    trainer = training.Trainer(tmp_path, tmp_path, command=command)
    (tmp_path / training.RECORD).write_text(
        json.dumps({"seconds": 200, "ok": True})
        + "\n"
        + json.dumps({"seconds": 5, "ok": False})
        + "\n"
    )
    assert trainer.status()["state"] == "idle"
    assert trainer.status()["expected"] == "3 min 20 s"  # failed runs do not count
    try:
        assert trainer.start("Nurse Ann")
        assert not trainer.start("Someone else")  # one at a time
        wait_until(lambda: "DIETClassifier" in trainer.status().get("step", ""))
        status = trainer.status()
        assert status["state"] == "running" and status["who"] == "Nurse Ann"
        assert status["step"] == "training DIETClassifier (1 parts done)"
        assert 0 <= status["percent"] < 100
        go.touch()
        wait_until(lambda: trainer.status()["state"] != "running")
        assert trainer.status()["state"] == "done" and trainer.status()["percent"] == 100
        records = [
            json.loads(line) for line in (tmp_path / training.RECORD).read_text().splitlines()
        ]
        assert records[-1]["ok"] is True and records[-1]["who"] == "Nurse Ann"

        codes[0] = "1"
        assert trainer.start("Nurse Ann")
        wait_until(lambda: trainer.status()["state"] != "running")
        status = trainer.status()
        assert status["state"] == "failed" and "DIETClassifier" in status["log_tail"]
    finally:
        trainer.stop()
