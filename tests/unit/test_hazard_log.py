"""The hazard log (docs/hazard-log.md) and the tests must agree: every test it names exists."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from ops.settings import ROOT

LOG = ROOT / "docs" / "hazard-log.md"
REF = re.compile(r"`(tests/[\w/]+\.(?:py|yml))(?:::(\w+))?`")


def function_names(path: Path) -> set:
    tree = ast.parse(path.read_text())
    return {
        n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
    }


def test_every_test_named_in_the_hazard_log_exists() -> None:
    refs = REF.findall(LOG.read_text())
    assert len(refs) >= 20
    for file, func in refs:
        path = ROOT / file
        assert path.exists(), f"hazard log names {file}, which does not exist"
        if func:
            assert func in function_names(
                path
            ), f"hazard log names {file}::{func}, which does not exist"


def test_every_hazard_has_a_control_and_a_test() -> None:
    rows = [line for line in LOG.read_text().splitlines() if line.startswith("| HAZ-")]
    assert len(rows) >= 10
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert len(cells) == 7 and all(cells), row
