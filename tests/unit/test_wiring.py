"""The wiring between Rasa's configuration files, the project's packages, the image and the docs.

Rasa loads some classes by dotted path (custom NLU components in config.yml, the tracker and lock stores
in endpoints.yml, the REST channel in credentials.yml). A path that does not import is found only when
a server starts, and the image (deploy/Dockerfile) must contain every package those classes come from,
and every project package they import in turn. Secrets (deploy/*.env) must stay out of git and out of
the image's build context. Every repository path the docs, comments and docstrings name exists, and no
code outside tests/ imports from tests/.
"""

from __future__ import annotations

import ast
import fnmatch
import functools
import importlib
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List, Set, Tuple

import pytest
import yaml

from ops import settings

ROOT = settings.ROOT
DOCKERFILE = ROOT / "deploy" / "Dockerfile"
DOCKERIGNORE = ROOT / "deploy" / "Dockerfile.dockerignore"
# The values the image runs with: the production example over the embedded defaults.
PRODUCTION_ENV: Dict[str, str] = {
    **settings.read_env_file(),
    **settings.read_env_file(ROOT / "deploy" / "production.env.example"),
}


def dotted_paths() -> List[str]:
    """Every class Rasa loads by module path from config.yml, endpoints.yml and credentials.yml."""
    config = yaml.safe_load((ROOT / "config.yml").read_text())
    names = [c["name"] for c in (config.get("pipeline") or []) + (config.get("policies") or [])]
    endpoints = settings.read_endpoints(settings.ENDPOINTS, PRODUCTION_ENV)
    names += [
        str((section or {}).get("type", ""))
        for section in endpoints.values()
        if isinstance(section, dict)
    ]
    names += list(yaml.safe_load((ROOT / "credentials.yml").read_text()) or {})
    return sorted({n for n in names if "." in n})


def copied_sources() -> List[str]:
    """The source paths of the Dockerfile's COPY instructions from the build context."""
    sources: List[str] = []
    for line in DOCKERFILE.read_text().splitlines():
        parts = line.split()
        if not parts or parts[0].upper() != "COPY" or any(p.startswith("--from") for p in parts):
            continue
        sources += [p.rstrip("/") or "." for p in parts[1:-1] if not p.startswith("--")]
    return sources


def is_copied(relative: str) -> bool:
    return any(src in (".", relative) or relative.startswith(src + "/") for src in copied_sources())


@functools.lru_cache(maxsize=None)
def rasa_process(paths: Tuple[str, ...]) -> Dict[str, Any]:
    """What a fresh interpreter that imports Rasa, then `paths`, as `rasa run` does, has loaded (the
    test process has imported more): the project's files, and whether the speed-up is installed."""
    code = (
        "import importlib, json, sys\n"
        "import rasa.core.agent\n"
        f"for p in {list(paths)!r}:\n"
        "    importlib.import_module(p.rpartition('.')[0])\n"
        "import plugins.speedups\n"
        "print(json.dumps({'files': [getattr(m, '__file__', None) for m in list(sys.modules.values())],\n"
        "                  'speedups': plugins.speedups._installed}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={
            "PYTHONPATH": str(ROOT),
            "PATH": "/usr/bin:/bin",
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
            "RASA_TELEMETRY_ENABLED": "false",
        },
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.splitlines()[-1])


def project_modules_loaded_by(paths: List[str]) -> Set[str]:
    files = [Path(f) for f in rasa_process(tuple(paths))["files"] if f]
    return {
        str(f.relative_to(ROOT)) for f in files if f.is_relative_to(ROOT) and ".venv" not in f.parts
    }


def test_the_configuration_names_custom_classes() -> None:
    paths = dotted_paths()
    for expected in (
        "plugins.synonym_entities.SynonymEntityExtractor",
        "safety.component.SafetyOverride",
        settings.STRICT_TRACKER_STORE,
        settings.ATOMIC_LOCK_STORE,
        "plugins.channel.rest.ClinicRestInput",
    ):
        assert expected in paths, paths


def test_every_dotted_path_is_a_plugin_or_the_safety_layer() -> None:
    """One home per process: what `rasa run` loads by dotted path lives in plugins/ (safety/ apart)."""
    assert {p.split(".", 1)[0] for p in dotted_paths()} == {"plugins", "safety"}


@pytest.mark.parametrize("path", dotted_paths())
def test_every_dotted_path_imports(path: str) -> None:
    module, _, name = path.rpartition(".")
    assert (
        getattr(importlib.import_module(module), name, None) is not None
    ), f"{path} does not import"


@pytest.mark.parametrize("path", dotted_paths())
def test_the_image_copies_the_package_of_every_dotted_path(path: str) -> None:
    package = path.split(".", 1)[0]
    assert is_copied(package) or is_copied(
        package + ".py"
    ), f"deploy/Dockerfile does not COPY {package}/, so Rasa in the image cannot load {path}"


def test_the_image_copies_every_project_module_those_classes_import() -> None:
    loaded = project_modules_loaded_by(dotted_paths())
    assert any(f.startswith("plugins/channel/") for f in loaded), loaded
    missing = sorted(f for f in loaded if not is_copied(f))
    assert not missing, f"deploy/Dockerfile does not copy {missing}"


# The env files without secrets that the repository holds: the embedded defaults and the local cluster's.
SECRET_FREE_ENV_FILES = {"deploy/defaults.env", "deploy/local-cluster.env"}


def test_no_filled_in_env_file_is_tracked() -> None:
    tracked = subprocess.run(
        ["git", "ls-files", "deploy"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    env_files = [f for f in tracked if re.search(r"\.env$", f) and f not in SECRET_FREE_ENV_FILES]
    assert (
        not env_files
    ), f"tracked env files under deploy/ (only *.env.example may be): {env_files}"


@pytest.mark.parametrize("path", sorted(SECRET_FREE_ENV_FILES))
def test_the_tracked_env_files_hold_no_secret(path: str) -> None:
    values = settings.read_env_file(ROOT / path)
    assert values, f"{path} is missing or empty"
    secrets = {k: v for k, v in values.items() if re.search(r"PASSWORD|TOKEN|SECRET", k) and v}
    assert not secrets and not any(
        re.search(r"://[^/@]*:[^/@]*@", v) for v in values.values()
    ), path


def test_git_ignores_filled_in_env_files_but_not_the_examples() -> None:
    def ignored(path: str) -> bool:
        return (
            subprocess.run(["git", "check-ignore", "-q", "--no-index", path], cwd=ROOT).returncode
            == 0
        )

    assert ignored("deploy/production.env") and ignored("deploy/staging.env")
    assert not ignored("deploy/production.env.example")
    assert not any(ignored(p) for p in SECRET_FREE_ENV_FILES)


def dockerignored(relative: str) -> bool:
    """Docker's rule: the last matching pattern wins; `!` re-includes."""
    result = False
    for raw in DOCKERIGNORE.read_text().splitlines():
        pattern = raw.strip()
        if not pattern or pattern.startswith("#"):
            continue
        negate = pattern.startswith("!")
        pattern = pattern.lstrip("!").strip("/")
        if fnmatch.fnmatch(relative, pattern) or fnmatch.fnmatch(relative, pattern + "/*"):
            result = not negate
    return result


def test_the_build_context_excludes_filled_in_env_files() -> None:
    assert dockerignored("deploy/production.env") and dockerignored("deploy/staging.env")
    assert not dockerignored("deploy/production.env.example")


def test_the_image_copies_from_deploy_only_the_defaults_nor_the_whole_context() -> None:
    sources = copied_sources()
    from_deploy = [s for s in sources if s == "deploy" or s.startswith("deploy/")]
    assert "." not in sources and from_deploy == ["deploy/defaults.env"], sources
    assert not dockerignored("deploy/defaults.env")


def test_the_image_copies_the_operator_commands_it_runs() -> None:
    """The image's CMD runs `python -m ops.preflight`; compose runs `python -m ops.purge`."""
    assert (
        is_copied("ops/preflight.py") and is_copied("ops/purge.py") and is_copied("ops/settings.py")
    )


# ---------------------------------------------------------------- paths named in docs and code

TRACKED = subprocess.run(
    ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
).stdout.split()
# Top-level folders of the repository; a path starting with one of them is a claim about the tree.
TOP = (
    "actions",
    "plugins",
    "safety",
    "staff",
    "ops",
    "deploy",
    "scripts",
    "bench",
    "widget",
    "docs",
    "requirements",
    "tests",
    "content",
    "data",
    ".ci",
)
PATH = re.compile(r"(?<![\w./-])((?:%s)/[\w./*<>-]*[\w*>])" % "|".join(re.escape(t) for t in TOP))
# Files that exist only on a machine that made them (never in git): filled-in secrets, the benchmark's
# output, what `make interactive` saves.
MADE_LATER = re.compile(
    r"^(deploy/(production|staging)\.env|bench/results(/.*)?|data/(nlu|stories)/interactive\.yml)$"
)
DOC_FILES = [f for f in TRACKED if f.endswith(".md") and not f.startswith("data/")]
CODE_FILES = [
    f
    for f in TRACKED
    if f.endswith(
        (
            ".py",
            ".sh",
            ".yml",
            ".yaml",
            ".env",
            ".example",
            ".template",
            ".conf",
            "Makefile",
            "Dockerfile",
        )
    )
    and not f.startswith(("data/", "tests/nlu/heldout.yml"))
]


def named_paths(files: List[str]) -> List[str]:
    out = []
    for f in files:
        path = ROOT / f
        if not path.exists():  # deleted in the working tree, not yet in git
            continue
        for n, line in enumerate(
            path.read_text(encoding="utf-8", errors="replace").splitlines(), 1
        ):
            out += [f"{f}:{n}: {m.group(1).rstrip('.')}" for m in PATH.finditer(line)]
    return out


def exists(named: str) -> bool:
    if MADE_LATER.match(named):
        return True
    if any(c in named for c in "*<>"):
        return any(ROOT.glob(re.sub(r"<[^>]*>", "*", named)))
    return (ROOT / named).exists()


@pytest.mark.parametrize(
    "files", [DOC_FILES, CODE_FILES], ids=["docs", "code-comments-and-docstrings"]
)
def test_every_repository_path_named_exists(files: List[str]) -> None:
    missing = [ref for ref in named_paths(files) if not exists(ref.rsplit(": ", 1)[1])]
    assert not missing, "paths that do not exist:\n" + "\n".join(missing)


def test_the_path_check_would_catch_a_moved_file() -> None:
    assert (
        not exists("tools/check.py") and not exists("channels/rest.py") and exists("staff/check.py")
    )


def imports_of(path: Path) -> Set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: Set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


def test_no_code_outside_tests_imports_tests() -> None:
    offenders = [
        f
        for f in TRACKED
        if f.endswith(".py")
        and not f.startswith("tests/")
        and (ROOT / f).exists()
        and any(n == "tests" or n.startswith("tests.") for n in imports_of(ROOT / f))
    ]
    assert not offenders, f"production code imports test code: {offenders}"


def test_the_plugins_patch_rasa_only_inside_a_rasa_process() -> None:
    """Operator commands import plugins/env.py without loading Rasa; a Rasa process that imports any
    plugin gets plugins/speedups.py installed."""
    assert rasa_process(tuple(dotted_paths()))[
        "speedups"
    ], "plugins loaded by Rasa did not install it"
    code = (
        "import sys, ops.settings, ops.preflight, ops.purge\n"
        "assert 'rasa' not in sys.modules, 'an operator command loaded Rasa'\n"
        "print('ok')\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    assert out.stdout.strip().endswith("ok"), out.stderr[-2000:]
