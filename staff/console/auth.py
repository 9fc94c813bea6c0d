"""Who may use the staff console, and proof that a form was sent by the console's own page.

- The console is off unless CLINIC_STAFF_PASSWORD or CLINIC_STAFF_TOKEN is set (`secrets_from_env`);
  either one is accepted at the login form, compared in constant time.
- A login gives a server-side session: a random id in an HttpOnly, SameSite=Strict cookie, ended after
  a period without use. The session holds the staff member's name, which every change is recorded with.
- Every form POST carries the session's CSRF token (a hidden field); the login form, sent before there is
  a session, carries a token that must match a short-lived cookie set with the form.
- Repeated wrong passwords from one address are refused for a while (`Throttle`).

Pure Python, no web framework: tests/staff/console/test_auth.py tests it on its own.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Mapping, Optional, Tuple

PASSWORD_ENV = "CLINIC_STAFF_PASSWORD"
TOKEN_ENV = "CLINIC_STAFF_TOKEN"
# A short shared password is guessed in minutes by anyone who can reach the port.
MIN_SECRET_CHARS = 12
MAX_NAME_CHARS = 60


class ConsoleOff(RuntimeError):
    """Neither a staff password nor a token is configured: the console must not start."""


class WeakSecret(ValueError):
    """A configured password or token is too short to protect the console."""


@dataclass(frozen=True)
class Secrets:
    """The accepted staff secrets (a password, a token, or both)."""

    values: Tuple[str, ...]

    def check(self, given: str) -> bool:
        """True when `given` is one of the secrets. Every secret is compared, in constant time, so the
        time taken says nothing about which one nearly matched."""
        given_b = given.encode("utf-8")
        ok = False
        for value in self.values:
            ok |= hmac.compare_digest(given_b, value.encode("utf-8"))
        return ok and bool(given)


def secrets_from_env(env: Mapping[str, str]) -> Secrets:
    values = []
    for name in (PASSWORD_ENV, TOKEN_ENV):
        value = (env.get(name) or "").strip()
        if not value:
            continue
        if len(value) < MIN_SECRET_CHARS:
            raise WeakSecret(
                f"{name} is shorter than {MIN_SECRET_CHARS} characters; choose a longer one."
            )
        values.append(value)
    if not values:
        raise ConsoleOff(
            f"The staff console is off: set {PASSWORD_ENV} (or {TOKEN_ENV}) to turn it on "
            "(docs/staff-guide.md, section 0)."
        )
    return Secrets(tuple(values))


def clean_name(raw: str) -> Optional[str]:
    """The name staff type at login, as recorded with their changes: one line of printable text, or
    None when it is empty or too long."""
    name = " ".join("".join(ch for ch in raw if ch.isprintable()).split())
    if not name or len(name) > MAX_NAME_CHARS:
        return None
    return name


def new_token() -> str:
    return secrets.token_urlsafe(32)


def same_token(expected: str, given: Optional[str]) -> bool:
    """A CSRF check: the form's token equals the one issued, compared in constant time."""
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8"))


@dataclass
class Session:
    id: str
    who: str
    csrf: str
    last_seen: float
    flashes: List[Tuple[str, str]] = field(default_factory=list)  # (kind, text) for the next page

    def flash(self, kind: str, text: str) -> None:
        self.flashes.append((kind, text))

    def take_flashes(self) -> List[Tuple[str, str]]:
        out, self.flashes = self.flashes, []
        return out


class Sessions:
    """Server-side sessions, in memory: a restart of the console logs everyone out, which is safe. The
    console runs as one process, so one table is enough."""

    def __init__(self, idle_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.idle_seconds = idle_seconds
        self._clock = clock
        self._by_id: Dict[str, Session] = {}
        self._lock = threading.Lock()

    def create(self, who: str) -> Session:
        session = Session(new_token(), who, new_token(), self._clock())
        with self._lock:
            self._by_id[session.id] = session
        return session

    def get(self, session_id: Optional[str]) -> Optional[Session]:
        """The live session with this id (its idle time restarts), or None when unknown or expired."""
        if not session_id:
            return None
        now = self._clock()
        with self._lock:
            session = self._by_id.get(session_id)
            if session is None:
                return None
            if now - session.last_seen > self.idle_seconds:
                del self._by_id[session_id]
                return None
            session.last_seen = now
            return session

    def end(self, session_id: Optional[str]) -> None:
        with self._lock:
            self._by_id.pop(session_id or "", None)


class Throttle:
    """After `limit` wrong passwords from one address within `window` seconds, that address is refused
    until the window has passed since its first failure."""

    def __init__(
        self, limit: int = 10, window: float = 600.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit, self.window, self._clock = limit, window, clock
        self._failures: Dict[str, List[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, client: str) -> List[float]:
        now = self._clock()
        recent = [t for t in self._failures.get(client, []) if now - t < self.window]
        self._failures[client] = recent
        return recent

    def allowed(self, client: str) -> bool:
        with self._lock:
            return len(self._recent(client)) < self.limit

    def failed(self, client: str) -> None:
        with self._lock:
            self._recent(client).append(self._clock())

    def succeeded(self, client: str) -> None:
        with self._lock:
            self._failures.pop(client, None)
