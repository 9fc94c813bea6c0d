"""The console's record of every change: who, when, what. One JSON object a line, appended, never
rewritten (the file is opened in append mode only), in the console's data folder (git-ignored).

No patient text is written here: a question approved from the review queue is recorded by its intent
and count, not its words (the words are in the training data, under version control).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import List

AUDIT_FILE = "audit.jsonl"


@dataclass(frozen=True)
class Entry:
    when: str  # UTC, ISO 8601, to the second
    who: str
    action: str
    target: str
    detail: str = ""


def private_dir(path: Path) -> Path:
    """The console's data folder: owner-only, and ignored by git from the inside too (a copy of the
    project elsewhere keeps it out of commits)."""
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o700)
    ignore = path / ".gitignore"
    if not ignore.exists():
        ignore.write_text(
            "# The staff console's audit record and training logs: never commit.\n*\n"
        )
    return path


class AuditLog:
    def __init__(self, data_dir: Path) -> None:
        self.path = private_dir(data_dir) / AUDIT_FILE
        self._lock = threading.Lock()

    def record(self, who: str, action: str, target: str, detail: str = "") -> Entry:
        entry = Entry(
            dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            who,
            action,
            target,
            detail,
        )
        line = json.dumps(entry.__dict__, ensure_ascii=False) + "\n"
        with self._lock:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, line.encode("utf-8"))
                os.fsync(fd)
            finally:
                os.close(fd)
        return entry

    def latest(self, limit: int = 50) -> List[Entry]:
        """The newest entries first."""
        if not self.path.exists():
            return []
        lines = self.path.read_text(encoding="utf-8").splitlines()[-limit:]
        out = []
        for line in reversed(lines):
            try:
                out.append(Entry(**json.loads(line)))
            except (ValueError, TypeError):
                continue
        return out
