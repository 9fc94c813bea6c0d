"""plugins/model_swap.py and the server list of staff/publish.py, without a server (the real server:
tests/e2e/test_publish_swap.py)."""

from __future__ import annotations

import asyncio
import io
import json
import subprocess
import sys
import tarfile
from http import HTTPStatus
from pathlib import Path
from typing import Iterator

import pytest

from ops.settings import ROOT
from plugins import model_swap
from staff.publish import server_urls, split_urls


def fake_model(path: Path, model_id: str) -> Path:
    """A .tar.gz with a metadata.json, as Rasa packs one (no components: not loadable)."""
    with tarfile.open(path, "w:gz") as tar:
        raw = json.dumps({"model_id": model_id}).encode()
        info = tarfile.TarInfo("metadata.json")
        info.size = len(raw)
        tar.addfile(info, io.BytesIO(raw))
    return path


@pytest.fixture()
def installed() -> Iterator[None]:
    import rasa.server

    was = model_swap._installed
    model_swap.install()
    assert rasa.server._load_agent is model_swap.load_agent_off_loop
    yield
    if not was:
        model_swap.uninstall()


def in_a_fresh_process(code: str) -> str:
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "TF_CPP_MIN_LOG_LEVEL": "2"}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, env=env, timeout=300
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout.split()[-1]


def test_a_rasa_server_process_gets_it_and_training_does_not() -> None:
    # `rasa run`: the server module is loaded first, then the channel named in credentials.yml.
    run = "import rasa.core.run, plugins.channel.rest, rasa.server\nprint(rasa.server._load_agent.__module__)"
    assert in_a_fresh_process(run) == "plugins.model_swap"
    # `rasa train` loads the synonym extractor (config.yml) and no HTTP server: nothing to patch.
    train = "import rasa.core.agent, plugins.synonym_entities, sys\nprint('plugins.model_swap' in sys.modules)"
    assert in_a_fresh_process(train) == "False"


def test_the_model_id_is_read_from_the_file_and_a_broken_file_is_refused(tmp_path: Path) -> None:
    assert model_swap.file_model_id(str(fake_model(tmp_path / "m.tar.gz", "abc123"))) == "abc123"
    whole = (tmp_path / "m.tar.gz").read_bytes()
    (tmp_path / "cut.tar.gz").write_bytes(whole[: len(whole) // 2])
    for broken in ("cut.tar.gz", "missing.tar.gz"):
        with pytest.raises(model_swap.ModelRejected) as e:
            model_swap.file_model_id(str(tmp_path / broken))
        assert e.value.status == HTTPStatus.BAD_REQUEST


def test_a_second_load_is_refused_with_409_and_a_missing_file_with_400(
    installed: None, tmp_path: Path
) -> None:
    from rasa.server import ErrorResponse

    model_swap._loading = str(tmp_path / "first.tar.gz")
    try:
        with pytest.raises(ErrorResponse) as e:
            asyncio.run(model_swap.load_agent_off_loop(str(fake_model(tmp_path / "b.tar.gz", "b"))))
        assert (
            e.value.status == HTTPStatus.CONFLICT
            and "first.tar.gz" in e.value.error_info["message"]
        )
    finally:
        model_swap._loading = None
    with pytest.raises(ErrorResponse) as e:
        asyncio.run(model_swap.load_agent_off_loop(str(tmp_path / "missing.tar.gz")))
    assert e.value.status == HTTPStatus.BAD_REQUEST
    assert model_swap.loading() is None, "a refused request must not hold the guard"


def test_a_failed_load_answers_with_an_error_and_releases_the_guard(
    installed: None, tmp_path: Path
) -> None:
    from rasa.server import ErrorResponse

    not_loadable = fake_model(tmp_path / "empty.tar.gz", "x")  # metadata only: Rasa cannot load it
    with pytest.raises(ErrorResponse) as e:
        asyncio.run(model_swap.load_agent_off_loop(str(not_loadable)))
    assert e.value.status >= 400 and "running model stays" in e.value.error_info["message"]
    assert model_swap.loading() is None


def test_server_urls_come_from_url_then_rasa_urls_then_rasa_url() -> None:
    a, b = "http://127.0.0.1:5101", "http://127.0.0.1:5102"
    assert split_urls([f"{a},{b}/", a]) == [a, b]
    assert server_urls([a, b], {"RASA_URLS": "x"}) == [a, b]
    assert server_urls(None, {"RASA_URLS": f"{a} {b}", "RASA_URL": "y"}) == [a, b]
    assert server_urls(None, {"RASA_URL": a}) == [a]
    assert server_urls(None, {}) == ["http://localhost:5005"]
