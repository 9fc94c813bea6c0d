"""The wiring between Rasa's configuration files, the project's packages and the image.

Rasa loads some classes by dotted path (custom NLU components in config.yml, the tracker and lock stores
in endpoints.yml, the REST channel in credentials.yml). A path that does not import is found only when
a server starts, and the image (deploy/Dockerfile) must contain every package those classes come from,
and every project package they import in turn. Secrets (deploy/*.env) must stay out of git and out of
the image's build context.
"""
from __future__ import annotations

import fnmatch
import importlib
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Set

import pytest
import yaml

from ops import settings

ROOT = settings.ROOT
DOCKERFILE = ROOT / "deploy" / "Dockerfile"
DOCKERIGNORE = ROOT / "deploy" / "Dockerfile.dockerignore"
# The values the image runs with: the production example over the embedded defaults.
PRODUCTION_ENV: Dict[str, str] = {**settings.read_env_file(),
                                  **settings.read_env_file(ROOT / "deploy" / "production.env.example")}


def dotted_paths() -> List[str]:
    """Every class Rasa loads by module path from config.yml, endpoints.yml and credentials.yml."""
    config = yaml.safe_load((ROOT / "config.yml").read_text())
    names = [c["name"] for c in (config.get("pipeline") or []) + (config.get("policies") or [])]
    endpoints = settings.read_endpoints(settings.ENDPOINTS, PRODUCTION_ENV)
    names += [str((section or {}).get("type", "")) for section in endpoints.values() if isinstance(section, dict)]
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


def project_modules_loaded_by(paths: List[str]) -> Set[str]:
    """Files of the project that importing `paths` loads, in a fresh interpreter (the test process has
    imported more)."""
    code = ("import importlib, json, sys\n"
            f"for p in {paths!r}:\n"
            "    importlib.import_module(p.rpartition('.')[0])\n"
            "print(json.dumps([getattr(m, '__file__', None) for m in list(sys.modules.values())]))\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300,
                         env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "TF_CPP_MIN_LOG_LEVEL": "2",
                              "SQLALCHEMY_SILENCE_UBER_WARNING": "1", "RASA_TELEMETRY_ENABLED": "false"})
    assert out.returncode == 0, out.stderr[-2000:]
    files = [Path(f) for f in json.loads(out.stdout.splitlines()[-1]) if f]
    return {str(f.relative_to(ROOT)) for f in files if f.is_relative_to(ROOT) and ".venv" not in f.parts}


def test_the_configuration_names_custom_classes() -> None:
    paths = dotted_paths()
    for expected in ("components.synonym_entities.SynonymEntityExtractor", "safety.component.SafetyOverride",
                     settings.STRICT_TRACKER_STORE, settings.ATOMIC_LOCK_STORE, "channels.rest.ClinicRestInput"):
        assert expected in paths, paths


@pytest.mark.parametrize("path", dotted_paths())
def test_every_dotted_path_imports(path: str) -> None:
    module, _, name = path.rpartition(".")
    assert getattr(importlib.import_module(module), name, None) is not None, f"{path} does not import"


@pytest.mark.parametrize("path", dotted_paths())
def test_the_image_copies_the_package_of_every_dotted_path(path: str) -> None:
    package = path.split(".", 1)[0]
    assert is_copied(package) or is_copied(package + ".py"), (
        f"deploy/Dockerfile does not COPY {package}/, so Rasa in the image cannot load {path}")


def test_the_image_copies_every_project_module_those_classes_import() -> None:
    loaded = project_modules_loaded_by(dotted_paths())
    assert any(f.startswith("ops/") for f in loaded), loaded
    missing = sorted(f for f in loaded if not is_copied(f))
    assert not missing, f"deploy/Dockerfile does not copy {missing}"


def test_no_filled_in_env_file_is_tracked() -> None:
    tracked = subprocess.run(["git", "ls-files", "deploy"], cwd=ROOT, capture_output=True, text=True,
                             check=True).stdout.split()
    env_files = [f for f in tracked if re.search(r"\.env$", f)]
    assert not env_files, f"tracked env files under deploy/ (only *.env.example may be): {env_files}"


def test_git_ignores_filled_in_env_files_but_not_the_examples() -> None:
    def ignored(path: str) -> bool:
        return subprocess.run(["git", "check-ignore", "-q", "--no-index", path], cwd=ROOT).returncode == 0

    assert ignored("deploy/production.env") and ignored("deploy/staging.env")
    assert not ignored("deploy/production.env.example")


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


def test_the_image_copies_nothing_from_deploy_nor_the_whole_context() -> None:
    sources = copied_sources()
    assert "." not in sources and not any(s == "deploy" or s.startswith("deploy/") for s in sources), sources
