"""docs/staff-guide.md shows exactly the worked example the tests run, and only commands that exist."""

from __future__ import annotations

import re
import subprocess

from ops.settings import ROOT
from tests.staff import worked_example as wx

GUIDE = ROOT / "docs" / "staff-guide.md"


def test_the_guide_shows_the_worked_example_the_tests_run() -> None:
    text = GUIDE.read_text()
    for step in wx.STEPS:
        snippet = step.snippet.strip("\n")
        assert (
            snippet in text
        ), f"the guide's snippet for {step.file} differs from tests/staff/worked_example.py"
        assert f"`{step.file}`" in text


def test_every_make_command_in_the_guide_exists() -> None:
    text = GUIDE.read_text()
    targets = set(re.findall(r"\bmake ([a-z][a-z-]+)", text))
    assert {"check", "train", "publish", "review", "add-examples", "interactive"} <= targets
    for target in sorted(targets):
        proc = subprocess.run(
            ["make", "-n", target, "FILE=x"], cwd=ROOT, capture_output=True, text=True
        )
        assert proc.returncode == 0, f"make {target}: {proc.stderr}"


def test_the_guide_has_its_measured_times() -> None:
    assert "{{" not in GUIDE.read_text(), "a measured time is missing in the guide"
