"""The console's settings, from the environment over deploy/defaults.env (ops/settings.py, the one
settings reader). Every setting is listed with its meaning in deploy/defaults.env."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Optional

from ops import settings
from staff.console.auth import Secrets, secrets_from_env

DEFAULT_PORT = 8090


@dataclass(frozen=True)
class ConsoleConfig:
    root: Path  # the project whose files the console edits
    secrets: Secrets
    bind: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    session_minutes: float = 480.0
    secure_cookie: bool = False
    rasa_url: str = "http://localhost:5005"
    rasa_token: str = ""
    data_dir: Optional[Path] = None

    @property
    def content_dir(self) -> Path:
        return self.root / "content"

    @property
    def private_dir(self) -> Path:
        return self.data_dir or self.root / ".console"


def from_env(env: Optional[Mapping[str, str]] = None) -> ConsoleConfig:
    """Raises auth.ConsoleOff when no staff secret is set, auth.WeakSecret when one is too short."""
    env = settings.effective_env(env)
    root = Path(env.get("CLINIC_CONSOLE_ROOT") or settings.ROOT).resolve()
    data = env.get("CLINIC_CONSOLE_DATA_DIR")
    return ConsoleConfig(
        root=root,
        secrets=secrets_from_env(env),
        bind=env.get("CLINIC_CONSOLE_BIND") or "127.0.0.1",
        port=int(env.get("CLINIC_CONSOLE_PORT") or DEFAULT_PORT),
        session_minutes=float(env.get("CLINIC_CONSOLE_SESSION_MINUTES") or 480),
        secure_cookie=(env.get("CLINIC_CONSOLE_SECURE_COOKIE") or "0") == "1",
        rasa_url=env.get("CLINIC_CONSOLE_RASA_URL") or "http://localhost:5005",
        rasa_token=env.get("RASA_AUTH_TOKEN") or "",
        data_dir=(root / data) if data else None,
    )
