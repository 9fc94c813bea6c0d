"""Shared fixtures of the staff-tool tests: a throw-away copy of the project's staff-editable files."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.stack import ROOT

# What a staff member edits, and what `make check` reads. The code (actions/, safety/*.py) is not copied:
# the check always uses the project's own code.
COPY = ("data", "content", "domain.yml", "config.yml", "endpoints.yml", "credentials.yml",
        "tests/conversations", "tests/nlu/heldout.yml", "safety/red_flags.yml")


def copy_project(dest: Path) -> Path:
    for rel in COPY:
        src = ROOT / rel
        if not src.exists():
            continue
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(src, target)
    return dest


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    """A copy of the project's data, content, domain, config and tests, to break on purpose."""
    return copy_project(tmp_path / "project")


def replace(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{path}: '{old}' not found"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def line_of(path: Path, needle: str) -> int:
    for n, line in enumerate(path.read_text(encoding="utf-8").split("\n"), 1):
        if needle in line:
            return n
    raise AssertionError(f"{path}: '{needle}' not found")
