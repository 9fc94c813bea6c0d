"""The deployment notes stay in step with what the tests run: the compose nginx config is the template's
rendering, the env example names every variable endpoints.yml reads, and the compose file and Helm
values use the strict stores and no wildcard CORS. (Fast: no services.)"""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
import yaml

from ops import settings
from ops.nginx import NginxConfig

DEPLOY = settings.ROOT / "deploy"


def test_compose_nginx_config_is_the_rendered_template() -> None:
    rendered = NginxConfig(
        rasa_servers=["rasa-1:5005", "rasa-2:5005"],
        listen="80",
        run_dir=settings.Path("/var/cache/nginx"),
        log_dir=settings.Path("/var/log/nginx"),
        rate="10r/s",
        burst=30,
        max_body="64k",
        read_timeout="60s",
    ).render()
    assert (DEPLOY / "nginx.compose.conf").read_text() == rendered, (
        "deploy/nginx.compose.conf is stale (template or content/clinic.yml changed): regenerate it with "
        "python -m ops.nginx --rasa rasa-1:5005 --rasa rasa-2:5005 --listen 80 --run-dir /var/cache/nginx "
        "--log-dir /var/log/nginx > deploy/nginx.compose.conf"
    )


@pytest.mark.skipif(
    not shutil.which("nginx") and not settings.Path("/usr/sbin/nginx").exists(), reason="no nginx"
)
def test_rendered_local_config_passes_nginx_t(tmp_path) -> None:
    cfg = NginxConfig(
        rasa_servers=["127.0.0.1:5101", "127.0.0.1:5102"],
        run_dir=tmp_path,
        log_dir=tmp_path,
        action_servers=["127.0.0.1:5201", "127.0.0.1:5202"],
        actions_listen="127.0.0.1:5200",
    )
    conf = cfg.write()
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    result = subprocess.run(
        [nginx, "-t", "-q", "-p", str(tmp_path), "-c", str(conf), "-e", str(tmp_path / "e.log")],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr


def test_env_example_names_every_variable_endpoints_yml_reads() -> None:
    lines = [line.split("#", 1)[0] for line in settings.ENDPOINTS.read_text().splitlines()]
    used = set(re.findall(r"\$\{([A-Z_0-9]+)\}", "\n".join(lines)))
    example = settings.read_env_file(DEPLOY / "production.env.example")
    assert used <= set(example), sorted(used - set(example))
    assert example["LOCK_STORE_TYPE"] == settings.ATOMIC_LOCK_STORE
    assert "*" not in example["CORS_ORIGINS"] and example["RASA_AUTH_TOKEN"] == ""
    local = settings.read_env_file(settings.ROOT / "deploy" / "local-cluster.env")
    assert (
        local["LOCK_STORE_TYPE"] == settings.ATOMIC_LOCK_STORE
        and local["TRACKER_DIALECT"] == "postgresql"
    )


def test_compose_and_helm_use_the_strict_stores() -> None:
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    assert {"rasa-1", "rasa-2", "actions", "nginx", "postgres", "redis", "purge"} <= set(
        compose["services"]
    )
    published = [name for name, svc in compose["services"].items() if svc.get("ports")]
    assert published == ["nginx"], f"only nginx may publish a port: {published}"
    helm = yaml.safe_load((DEPLOY / "helm" / "values.yaml").read_text())
    endpoints = helm["applicationSettings"]["endpoints"]
    assert endpoints["trackerStore"]["type"] == settings.STRICT_TRACKER_STORE
    assert (
        endpoints["lockStore"]["enabled"]
        and endpoints["lockStore"]["type"] == settings.ATOMIC_LOCK_STORE
    )
    assert (
        helm["applicationSettings"]["cors"] != "*"
        and helm["applicationSettings"]["enableAPI"] is False
    )
    assert helm["replicaCount"] >= 2
