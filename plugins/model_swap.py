"""Publishing a model without freezing replies (issue 14): PUT /model loads off the event loop.

Rasa 3.6.21's `PUT /model` route awaits `rasa.server._load_agent`, which builds the new Agent and loads
its model (unpacking, spaCy vectors, TensorFlow graphs) on the server's event loop: every patient's
message waits until the load is over, about a minute on a busy machine. The route then swaps
`app.ctx.agent` for the new agent.

`install()` replaces `rasa.server._load_agent` (the route looks it up at call time) with
`load_agent_off_loop`, which:
- refuses a second load while one is running: 409, the first one carries on;
- refuses a missing or unreadable model file before anything is loaded: 400;
- loads the new agent in a worker thread, with its own tracker store (as Rasa builds one) and the
  running agent's lock store (per-patient locks hold across the swap), so the running agent keeps
  answering on the event loop meanwhile;
- checks the new agent before handing it over: it is ready, its model id is the one in the file's
  metadata.json, and it parses a test message to an intent (which also warms it up, so the first
  patient after the swap does not pay for it); a failure is a 500 with a JSON reason, and nothing is
  swapped.
The route's own `app.ctx.agent = new_agent` is then the one reference swap: messages already being
answered finish on the old agent, the next ones go to the new one. A publish whose client goes away
swaps nothing (the load finishes in the background and is dropped).

Loads from a model server or remote storage go to Rasa's own loader (this project loads files only),
still one at a time. plugins/__init__.py installs this in a Rasa server process, guarded by the Rasa
version it was written for (MODEL_SWAP_FOR_RASA).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import logging
import sys
import tarfile
import time
from http import HTTPStatus
from pathlib import Path
from typing import Any, Optional, Text

logger = logging.getLogger(__name__)

# A fixed, non-patient text the new model must parse before it goes live.
CHECK_MESSAGE = "hello"
# While a model loads, the loading thread holds the GIL most of the time; the event loop gets it back
# only after the interpreter's switch interval, after every select() of every message. A short
# interval while loading gives patients' messages the GIL sooner, for a slightly slower load.
LOADING_SWITCH_INTERVAL = 0.0005

_installed = False
# Rasa's own function, kept by install() for uninstall() and for model server / remote storage loads.
rasa_load_agent: Any = None
# The model file being loaded, or None. Set and cleared on the event loop: no await between the check
# and the set, so two requests cannot both pass.
_loading: Optional[str] = None
_executor: Optional[concurrent.futures.ThreadPoolExecutor] = None


class ModelRejected(Exception):
    """The model file cannot go live; `status` is the HTTP status to answer with."""

    def __init__(self, status: HTTPStatus, reason: str, message: str) -> None:
        super().__init__(message)
        self.status, self.reason, self.message = status, reason, message


def loading() -> Optional[str]:
    """The model file being loaded right now, if any."""
    return _loading


def file_model_id(model_path: Text) -> str:
    """The model id written in the model file's own metadata.json (what GET /status reports)."""
    try:
        with tarfile.open(model_path, "r:gz") as tar:
            for member in tar:
                if member.name.lstrip("./") == "metadata.json":
                    f = tar.extractfile(member)
                    if f is not None:
                        return str(json.load(f)["model_id"])
    except (tarfile.TarError, OSError, EOFError, KeyError, ValueError) as e:
        raise ModelRejected(
            HTTPStatus.BAD_REQUEST,
            "BadRequest",
            f"'{model_path}' is not a readable Rasa model ({type(e).__name__}).",
        ) from None
    raise ModelRejected(
        HTTPStatus.BAD_REQUEST, "BadRequest", f"'{model_path}' has no metadata.json: not a model."
    )


def _running_lock_store() -> Any:
    """The lock store of the agent answering now (None when there is no server app or agent)."""
    from sanic import Sanic

    try:
        app = Sanic.get_app("rasa_server")
    except Exception:  # noqa: BLE001 - no Rasa server app in this process
        return None
    agent = getattr(app.ctx, "agent", None)
    return getattr(agent, "lock_store", None)


def prepare_agent(model_path: Text, endpoints: Any, broker: Any, lock_store: Any) -> Any:
    """Builds, loads and checks the new agent. Runs in the worker thread: nothing here may touch the
    running agent or the event loop."""
    from rasa.core.agent import Agent
    from rasa.core.lock_store import LockStore
    from rasa.core.tracker_store import TrackerStore

    expected = file_model_id(model_path)
    started = time.monotonic()
    tracker_store = generator = action_endpoint = http_interpreter = None
    if endpoints is not None:
        tracker_store = TrackerStore.create(endpoints.tracker_store, event_broker=broker)
        if lock_store is None:
            lock_store = LockStore.create(endpoints.lock_store)
        generator, action_endpoint = endpoints.nlg, endpoints.action
        if endpoints.nlu:
            from rasa.core.http_interpreter import RasaNLUHttpInterpreter

            http_interpreter = RasaNLUHttpInterpreter(endpoints.nlu)
    agent = Agent(
        generator=generator,
        tracker_store=tracker_store,
        lock_store=lock_store,
        action_endpoint=action_endpoint,
        http_interpreter=http_interpreter,
    )
    agent.load_model(model_path)
    if not agent.is_ready():
        raise ModelRejected(
            HTTPStatus.INTERNAL_SERVER_ERROR,
            "LoadingError",
            f"'{model_path}' loaded but the agent is not ready.",
        )
    if agent.model_id != expected:
        raise ModelRejected(
            HTTPStatus.INTERNAL_SERVER_ERROR,
            "LoadingError",
            f"'{model_path}' loaded as model id {agent.model_id}, not {expected} as its metadata says.",
        )
    # A loop of this thread's own: the check must not run on the server's loop.
    parsed = asyncio.run(agent.parse_message(CHECK_MESSAGE))
    if not (parsed.get("intent") or {}).get("name"):
        raise ModelRejected(
            HTTPStatus.INTERNAL_SERVER_ERROR,
            "LoadingError",
            f"'{model_path}' loaded but does not parse a test message to an intent.",
        )
    logger.info(
        "model_swap: %s (model id %s) loaded and checked in %.1fs; swapping",
        Path(model_path).name,
        expected,
        time.monotonic() - started,
    )
    return agent


def _error(status: HTTPStatus, reason: str, message: str) -> Exception:
    from rasa.server import ErrorResponse

    return ErrorResponse(status, reason, message)


async def load_agent_off_loop(
    model_path: Optional[Text] = None,
    model_server: Any = None,
    remote_storage: Optional[Text] = None,
    endpoints: Any = None,
) -> Any:
    """In place of rasa.server._load_agent (same signature, same ErrorResponse for a failure)."""
    global _loading, _executor
    if _loading is not None:
        raise _error(
            HTTPStatus.CONFLICT,
            "Conflict",
            f"A model is already being loaded ({Path(_loading).name}); the running model keeps "
            "answering. Publish again when that load is over.",
        )
    if model_server is not None or remote_storage is not None or getattr(endpoints, "model", None):
        _loading = str(model_server or remote_storage or "model server")
        try:
            return await rasa_load_agent(model_path, model_server, remote_storage, endpoints)
        finally:
            _loading = None
    if not model_path or not Path(model_path).is_file():
        raise _error(
            HTTPStatus.BAD_REQUEST,
            "BadRequest",
            f"There is no model file at '{model_path}' on the server; the running model stays.",
        )

    _loading = str(model_path)
    try:
        from rasa.core.brokers.broker import EventBroker

        loop = asyncio.get_running_loop()
        broker = None
        if endpoints is not None:
            broker = await EventBroker.create(endpoints.event_broker, loop=loop)
        if _executor is None:
            _executor = concurrent.futures.ThreadPoolExecutor(1, "model-swap")
        logger.info(
            "model_swap: loading %s in the background; the running model keeps answering",
            Path(model_path).name,
        )
        work = loop.run_in_executor(
            _executor, prepare_agent, str(model_path), endpoints, broker, _running_lock_store()
        )
    except BaseException:
        _loading = None
        raise
    switch_interval = sys.getswitchinterval()
    sys.setswitchinterval(min(switch_interval, LOADING_SWITCH_INTERVAL))

    def done(_: "asyncio.Future[Any]") -> None:
        global _loading
        _loading = None
        sys.setswitchinterval(switch_interval)

    # The guard is released when the thread is done, not when this request is: a client that goes
    # away must not let a second load start beside the first.
    work.add_done_callback(done)
    try:
        return await asyncio.shield(work)
    except ModelRejected as e:
        logger.warning("model_swap: %s The running model stays.", e.message)
        raise _error(e.status, e.reason, f"{e.message} The running model stays.") from None
    except asyncio.CancelledError:
        raise
    except Exception as e:  # noqa: BLE001 - any load failure leaves the running model
        logger.warning(
            "model_swap: loading %s failed (%s: %s); the running model stays",
            Path(model_path).name,
            type(e).__name__,
            str(e).splitlines()[0][:200] if str(e) else "",
        )
        raise _error(
            HTTPStatus.INTERNAL_SERVER_ERROR,
            "LoadingError",
            f"Loading '{model_path}' failed ({type(e).__name__}). The running model stays.",
        ) from None


def install() -> bool:
    """Idempotent. Returns True if the patch is (now) active."""
    global _installed, rasa_load_agent
    if _installed:
        return True
    import rasa.server

    rasa_load_agent = rasa.server._load_agent
    rasa.server._load_agent = load_agent_off_loop
    _installed = True
    logger.debug("plugins.model_swap: PUT /model loads off the event loop")
    return True


def uninstall() -> None:
    """Puts Rasa's own loader back (no-op when not installed)."""
    global _installed
    if not _installed:
        return
    import rasa.server

    rasa.server._load_agent = rasa_load_agent
    _installed = False
