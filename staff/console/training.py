"""Train and publish: `make train`'s command (Rasa's `train` through ops/launcher.py, with the project's
settings) started in the background, its progress and an estimate of the time left from the last
recorded training durations, then the new model put live on the running assistant by staff/publish.py.

One training at a time. The log goes to the console's data folder (git-ignored); each finished training
is recorded there (trainings.jsonl: when, how long, whether it worked, who) for the next estimate.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Optional

from sanic import Blueprint, Request, response
from sanic.response import HTTPResponse

from ops import launcher
from staff import publish as model_publish
from staff.console.web import back, record, render, who

bp = Blueprint("training")
RECORD = "trainings.jsonl"
# Without any recorded training: what the staff guide states for a busy 2-core machine.
FIRST_GUESS_SECONDS = 300.0
RECENT = 5
_STEP = re.compile(r"Starting to train component '([^']+)'")
_DONE = re.compile(r"(?:Finished training component|Restored component) '([^']+)'")


def train_command() -> List[str]:
    """`make train`: Rasa's train, run by the launcher with the project's environment."""
    return [sys.executable, "-m", "ops.launcher", "exec", launcher.RASA, "train"]


@dataclass
class Run:
    started: float  # time.time()
    who: str
    log: str
    seconds: Optional[float] = None
    ok: Optional[bool] = None


def estimate(durations: List[float]) -> float:
    """Seconds a training is expected to take: the median of the last few that worked (a busy machine
    makes one slow run; the median ignores it), or the guide's figure when there is none."""
    recent = [d for d in durations if d > 0][-RECENT:]
    return float(statistics.median(recent)) if recent else FIRST_GUESS_SECONDS


def progress(elapsed: float, expected: float) -> Dict[str, float]:
    """Fraction done (never 1 before the end) and seconds left (0 once over the estimate)."""
    fraction = min(elapsed / expected, 0.99) if expected > 0 else 0.0
    return {"fraction": round(fraction, 3), "left": max(0.0, expected - elapsed)}


def say_seconds(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    return f"{seconds // 60} min {seconds % 60:02d} s"


class Trainer:
    def __init__(
        self,
        root: Path,
        data_dir: Path,
        command: Callable[[], List[str]] = train_command,
    ) -> None:
        self.root, self.data_dir, self.command = root, data_dir, command
        self.proc: Optional[subprocess.Popen] = None
        self.run: Optional[Run] = None
        self._lock = threading.Lock()
        self.publishing: Optional[str] = None  # who is publishing a model now
        self.published: Optional[str] = None  # the last outcome, in words

    @property
    def record_path(self) -> Path:
        return self.data_dir / RECORD

    def durations(self) -> List[float]:
        if not self.record_path.exists():
            return []
        out = []
        for line in self.record_path.read_text(encoding="utf-8").splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if entry.get("ok"):
                out.append(float(entry.get("seconds") or 0))
        return out

    def start(self, by: str) -> bool:
        """Starts a training; False when one is running already."""
        with self._lock:
            if self.proc is not None and self.proc.poll() is None:
                return False
            stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%d-%H%M%S")
            log = self.data_dir / f"train-{stamp}.log"
            self.run = Run(time.time(), by, str(log))
            env = launcher.process_env({"PYTHONPATH": str(launcher.ROOT)})
            self.proc = launcher.spawn(self.command(), env, log, cwd=self.root)
            return True

    def _finish(self) -> None:
        """Records a training that has ended (once)."""
        run, proc = self.run, self.proc
        if run is None or proc is None or run.ok is not None or proc.poll() is None:
            return
        run.seconds = time.time() - run.started
        run.ok = proc.returncode == 0
        with open(self.record_path, "a", encoding="utf-8") as f:
            f.write(
                json.dumps(
                    {
                        "when": dt.datetime.fromtimestamp(run.started, dt.timezone.utc).isoformat(
                            timespec="seconds"
                        ),
                        "seconds": round(run.seconds, 1),
                        "ok": run.ok,
                        "who": run.who,
                    }
                )
                + "\n"
            )

    def step(self) -> str:
        """What Rasa is training now, from its log (component names, no patient data)."""
        if self.run is None:
            return ""
        try:
            text = Path(self.run.log).read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        started = _STEP.findall(text)
        done = _DONE.findall(text)
        if not started:
            return "preparing the training data"
        return f"training {started[-1]} ({len(done)} parts done)"

    def status(self) -> Dict[str, object]:
        with self._lock:
            self._finish()
            expected = estimate(self.durations())
            out: Dict[str, object] = {
                "state": "idle",
                "expected": say_seconds(expected),
                "publishing": bool(self.publishing),
                "published": self.published or "",
            }
            if self.run is None:
                return out
            run = self.run
            if run.ok is None:
                elapsed = time.time() - run.started
                p = progress(elapsed, expected)
                over = elapsed > expected
                out.update(
                    state="running",
                    who=run.who,
                    elapsed=say_seconds(elapsed),
                    fraction=p["fraction"],
                    percent=int(p["fraction"] * 100),
                    left=("a little longer than usual" if over else say_seconds(p["left"])),
                    step=self.step(),
                )
            else:
                out.update(
                    state="done" if run.ok else "failed",
                    who=run.who,
                    took=say_seconds(run.seconds or 0),
                    fraction=1.0 if run.ok else 0.0,
                    percent=100 if run.ok else 0,
                    log_tail=self.log_tail() if not run.ok else "",
                )
            return out

    def log_tail(self, lines: int = 12) -> str:
        if self.run is None:
            return ""
        try:
            text = Path(self.run.log).read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        launcher.stop_process(self.proc)

    def publish_model(self, by: str, url: str, token: str, done: Callable[[str], None]) -> bool:
        """Puts the newest model live in a background thread (loading takes a while); `done` gets the
        outcome in words. False when a publish is already under way."""
        with self._lock:
            if self.publishing:
                return False
            self.publishing = by

        def work() -> None:
            try:
                model = model_publish.newest_model(self.root / "models")
                result = model_publish.publish(model, url, token or None, log=lambda _m: None)
                outcome = (
                    f"{model.name} is live (it was already)."
                    if not result.get("changed")
                    else f"{model.name} is live, loaded in {say_seconds(result['seconds'])}."
                )
            except model_publish.PublishError as e:
                outcome = f"Not published: {e}"
            with self._lock:
                self.publishing, self.published = None, outcome
            done(outcome)

        threading.Thread(target=work, daemon=True).start()
        return True


def trainer(request: Request) -> Trainer:
    return request.app.ctx.trainer


@bp.get("/train")
async def page(request: Request) -> HTTPResponse:
    return render(request, "train.html", title="Train", status_=trainer(request).status())


@bp.get("/train/status.json")
async def status(request: Request) -> HTTPResponse:
    return response.json(trainer(request).status(), headers={"Cache-Control": "no-store"})


@bp.post("/train")
async def start(request: Request) -> HTTPResponse:
    if not trainer(request).start(who(request)):
        return back(request, "/train", "error", "A training is running already.")
    record(request, "train", "model")
    return back(request, "/train", "ok", "Training started.")


@bp.post("/train/publish")
async def publish(request: Request) -> HTTPResponse:
    cfg = request.app.ctx.config
    audit = request.app.ctx.audit
    by = who(request)

    def done(outcome: str) -> None:
        audit.record(by, "publish model", "model", outcome)

    if not trainer(request).publish_model(by, cfg.rasa_url, cfg.rasa_token, done):
        return back(request, "/train", "error", "A model is being published already.")
    return back(
        request, "/train", "ok", "Publishing the newest model: this page shows when it is live."
    )
