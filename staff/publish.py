"""`make publish`: puts a newly trained model live on a RUNNING assistant, without stopping it and
without holding up a single patient's reply.

    python -m staff.publish [MODEL] [--url http://localhost:5005 [--url ...]] [--server-path PATH]

Uses Rasa's HTTP API, which the server offers only when started with `--enable-api --auth-token ...`
(`make run`, through ops/launcher.py, does so when RASA_AUTH_TOKEN is set); the token is read from RASA_AUTH_TOKEN.
1. reads the new model's id from the model file (metadata.json inside the .tar.gz);
2. GET /status on every server: the model each runs now (all must answer before any is changed);
3. PUT /model {"model_file": ...} on each server in turn: the server loads the new model in the
   background while the old one keeps answering, checks it, then switches over in one step
   (plugins/model_swap.py; conversations and their history are kept: they live in the tracker store,
   not in the model). A server already loading a model refuses with 409;
4. GET /status again: each server must now report the new model's id, or publishing failed.

Servers: every --url (repeat it, or give several separated by commas), else RASA_URLS (separated by
spaces or commas), else RASA_URL, else http://localhost:5005. The local cluster (`make run-cluster`)
runs its Rasa servers on 127.0.0.1:5101, :5102, ... (ops/cluster.py); nginx in front of them passes
only the patients' webhook, so a publish goes to each server, not to nginx:

    RASA_URLS="http://127.0.0.1:5101 http://127.0.0.1:5102" make publish

MODEL defaults to the newest file in models/. The server must be able to read the model file at the
path given: on the same machine that is the file's path; when the server runs in a container, pass
the path inside the container with --server-path (e.g. /app/models/<file>.tar.gz).
Exit code 0 when the new model is live on every server, 1 otherwise (a server where it failed keeps
its previous model; the message says which servers run which model).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tarfile
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence

import requests

from staff.yaml_lines import ROOT

DEFAULT_URL = os.environ.get("RASA_URL", "http://localhost:5005")


def split_urls(values: Sequence[str]) -> List[str]:
    """Server URLs from values that may each hold several, separated by commas or spaces (so that
    `make publish URL=a,b` and RASA_URLS="a b" work), in order, without repeats."""
    urls: List[str] = []
    for value in values:
        for url in re.split(r"[\s,]+", value.strip()):
            url = url.rstrip("/")
            if url and url not in urls:
                urls.append(url)
    return urls


def server_urls(
    given: Optional[Sequence[str]] = None, env: Optional[Dict[str, str]] = None
) -> List[str]:
    """--url values, else RASA_URLS, else RASA_URL, else the local default."""
    env = dict(os.environ) if env is None else env
    for source in (given or [], [env.get("RASA_URLS", "")], [env.get("RASA_URL", "")]):
        urls = split_urls(source)
        if urls:
            return urls
    return ["http://localhost:5005"]


class PublishError(RuntimeError):
    """Publishing failed; the message says why in plain words. The old model stays live."""


def newest_model(models_dir: Path = ROOT / "models") -> Path:
    models = sorted(models_dir.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        raise PublishError(f"There is no trained model in {models_dir}: run `make train` first.")
    return models[-1]


def model_id(model: Path) -> str:
    """The id Rasa gives a model when it is trained (GET /status reports it as model_id)."""
    try:
        with tarfile.open(model, "r:gz") as tar:
            for member in tar.getmembers():
                if (
                    member.name.lstrip("./") == "metadata.json"
                ):  # the model's own, not a component's
                    f = tar.extractfile(member)
                    if f is not None:
                        return str(json.load(f)["model_id"])
    except (tarfile.TarError, OSError, KeyError, ValueError) as e:
        raise PublishError(f"{model} is not a readable Rasa model ({e}).") from e
    raise PublishError(f"{model} is not a Rasa model (no metadata.json inside).")


class Server:
    def __init__(self, url: str, token: Optional[str], timeout: float = 600.0) -> None:
        self.url = url.rstrip("/")
        self.params = {"token": token} if token else {}
        self.timeout = timeout

    def _call(self, method: str, path: str, **kw: Any) -> requests.Response:
        try:
            r = requests.request(method, self.url + path, params=self.params, **kw)
        except requests.ConnectionError as e:
            raise PublishError(
                f"No assistant answers at {self.url}. Is it running (`make run`)?"
            ) from e
        except requests.Timeout as e:
            raise PublishError(f"The assistant at {self.url} did not answer in time.") from e
        if r.status_code in (401, 403):
            raise PublishError(
                "The assistant refused the token: set RASA_AUTH_TOKEN to the token the server was "
                "started with."
            )
        if r.status_code == 409 and method == "PUT":
            raise PublishError(
                f"The assistant at {self.url} is already loading a model (another publish is under "
                "way); its current model keeps answering. Run `make publish` again when that is done."
            )
        if r.status_code in (404, 405):
            raise PublishError(
                f"The assistant at {self.url} does not offer its model API. Start it with "
                "RASA_AUTH_TOKEN set (`make run` then adds --enable-api --auth-token)."
            )
        return r

    def status(self) -> Dict[str, Any]:
        r = self._call("GET", "/status", timeout=30)
        if r.status_code != 200:
            raise PublishError(f"GET /status answered {r.status_code}: {r.text[:300]}")
        return r.json()

    def load(self, model_file: str) -> None:
        r = self._call("PUT", "/model", json={"model_file": model_file}, timeout=self.timeout)
        if r.status_code != 204:
            try:
                reason = r.json().get("message") or r.text
            except ValueError:
                reason = r.text
            raise PublishError(
                f"The assistant could not load the model (HTTP {r.status_code}): {reason[:500]}. "
                "The previous model is still live."
            )


def publish(
    model: Path,
    url: str = DEFAULT_URL,
    token: Optional[str] = None,
    server_path: Optional[str] = None,
    log=print,
) -> Dict[str, Any]:
    model = Path(model).resolve()
    if not model.exists():
        raise PublishError(f"{model} does not exist.")
    new_id = model_id(model)
    server = Server(url, token)
    before = server.status()
    if before.get("model_id") == new_id:
        log(f"publish: {model.name} is already live on {url} (model id {new_id}); nothing to do.")
        return {"changed": False, "model_id": new_id, "before": before, "seconds": 0.0}
    log(
        f"publish: {url} runs {Path(str(before.get('model_file') or '?')).name} (model id {before.get('model_id')}); "
        f"loading {model.name} (model id {new_id}). The assistant keeps answering meanwhile."
    )
    start = time.monotonic()
    server.load(server_path or str(model))
    seconds = time.monotonic() - start
    after = server.status()
    if after.get("model_id") != new_id:
        raise PublishError(
            f"After loading, the assistant reports model id {after.get('model_id')}, not {new_id}: "
            "the new model is NOT live."
        )
    log(f"publish: done in {seconds:.0f}s. {url} now runs {model.name} (model id {new_id}).")
    return {
        "changed": True,
        "model_id": new_id,
        "before": before,
        "after": after,
        "seconds": seconds,
    }


def publish_all(
    model: Path,
    urls: Sequence[str],
    token: Optional[str] = None,
    server_path: Optional[str] = None,
    log: Callable[[str], Any] = print,
) -> List[Dict[str, Any]]:
    """Publishes to each server in turn (a cluster's instances). Every server must answer GET /status
    with the token before any of them is changed; a failure stops there and says which servers run
    the new model and which still run their previous one."""
    model = Path(model).resolve()
    if not model.exists():
        raise PublishError(f"{model} does not exist.")
    model_id(model)  # a broken file is refused before any server is asked
    for url in urls:
        Server(url, token).status()
    outcomes: List[Dict[str, Any]] = []
    for n, url in enumerate(urls):
        try:
            outcomes.append(publish(model, url, token, server_path, log))
        except PublishError as e:
            if len(urls) == 1:
                raise
            done = list(urls[:n])
            raise PublishError(
                f"{e} Servers now running {model.name}: {', '.join(done) or 'none'}; still running "
                f"their previous model: {', '.join(urls[n:])}. Fix the cause and publish again (the "
                "servers already done are skipped)."
            ) from None
    if len(urls) > 1:
        log(f"publish: {model.name} is live on all {len(urls)} servers.")
    return outcomes


def main(argv: Optional[Sequence[str]] = None) -> int:
    ap = argparse.ArgumentParser(description="Put a trained model live on the running assistant.")
    ap.add_argument(
        "model", nargs="?", type=Path, help="model file (default: the newest in models/)"
    )
    ap.add_argument(
        "--url",
        action="append",
        help="a Rasa server; repeat it (or separate with commas) for each server of a cluster "
        "(default: RASA_URLS, else RASA_URL, else http://localhost:5005)",
    )
    ap.add_argument(
        "--server-path", help="the model's path as the server sees it (container deployments)"
    )
    args = ap.parse_args(argv)
    token = os.environ.get("RASA_AUTH_TOKEN")
    try:
        if not token:
            raise PublishError(
                "RASA_AUTH_TOKEN is not set. Set it to the token the assistant was started with "
                "(the server offers its model API only when started with a token)."
            )
        publish_all(args.model or newest_model(), server_urls(args.url), token, args.server_path)
    except PublishError as e:
        print(f"publish: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
