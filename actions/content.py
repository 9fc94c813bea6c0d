"""Loads the staff-editable content (content/answers.yml, content/clinic.yml), validates it, and keeps
the running process current when staff edit it.

Validation is strict and its messages are written for clinic staff: a file that does not pass is never
used. At start-up that stops the process with the message; later, a broken edit is logged and the last
good version stays live (ContentStore.get).
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Tuple

import yaml

from actions.topics import REQUIRED_TOPICS

logger = logging.getLogger(__name__)

PROJECT_DIR = Path(__file__).resolve().parent.parent
CONTENT_DIR = Path(os.environ.get("CLINIC_CONTENT_DIR", PROJECT_DIR / "content"))

MAX_BUBBLE_CHARS = 320
PLACEHOLDER_MARK = "REPLACE-ME"

REQUIRED_REPLIES: Tuple[str, ...] = (
    "greet", "capabilities", "out_of_scope", "fallback", "affirm", "clinician", "error", "too_long",
    "emergency", "crisis", "urgent_check",
)
REQUIRED_REASONS: Tuple[str, ...] = (
    "ask_personal_advice", "ask_cost", "ask_booking", "request_human", "ketamine_duration",
)
CLINIC_FIELDS: Tuple[str, ...] = ("name", "phone", "phone_tel", "hours", "booking_url")
EMERGENCY_FIELDS: Tuple[str, ...] = ("number", "crisis_line", "crisis_name")
TEMPLATE_FIELDS = ("clinic_name", "phone", "phone_tel", "hours", "booking_url", "emergency_number",
                   "crisis_line", "crisis_name")
_TEMPLATE_FIELD = re.compile(r"{([^{}]*)}")
_TEL = re.compile(r"^\+?[0-9]{2,15}$")


class ContentError(ValueError):
    """A content file is missing, is not valid YAML, or breaks a rule. The message says what to fix."""


@dataclass(frozen=True)
class Topic:
    id: str
    title: str
    source_section: str
    last_reviewed: dt.date
    messages: Tuple[str, ...]
    details: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Clinic:
    name: str
    phone: str
    phone_tel: str
    hours: str
    booking_url: str
    emergency_number: str
    crisis_line: str
    crisis_name: str

    def fields(self) -> Dict[str, str]:
        return {
            "clinic_name": self.name, "phone": self.phone, "phone_tel": self.phone_tel,
            "hours": self.hours, "booking_url": self.booking_url,
            "emergency_number": self.emergency_number, "crisis_line": self.crisis_line,
            "crisis_name": self.crisis_name,
        }

    def placeholders(self) -> List[str]:
        """Names of the fields still holding a REPLACE-ME placeholder."""
        return [k for k, v in self.fields().items() if PLACEHOLDER_MARK.lower() in v.lower()]


@dataclass(frozen=True)
class Content:
    topics: Mapping[str, Topic]
    replies: Mapping[str, Tuple[str, ...]]
    escalation_reasons: Mapping[str, str]
    clinic: Clinic

    def symptom_owner(self, symptom: str) -> Optional[str]:
        """The topic whose details name this symptom (e.g. tingling -> aura)."""
        for topic in self.topics.values():
            if symptom in topic.details:
                return topic.id
        return None

    def reply(self, key: str) -> List[str]:
        """A reply with the clinic's details filled in."""
        return [fill(text, self.clinic) for text in self.replies[key]]


def fill(text: str, clinic: Clinic) -> str:
    return text.format(**clinic.fields())


# ---------------------------------------------------------------- parsing and validation


def read_yaml(path: Path) -> Any:
    """Reads a YAML file; a syntax error names the file, line and column."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as e:
        raise ContentError(f"{path}: the file is missing.") from e
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(e, "problem", None) or str(e)
        raise ContentError(
            f"{path}:{where}: this is not valid YAML ({problem}). Check the indentation and that "
            "texts containing a colon are in quotes."
        ) from e


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise ContentError(f"{where} must be a list of named entries (name: value), not {type(value).__name__}.")
    return value


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ContentError(f"{where} must be some text in quotes; it is missing or empty.")
    return value.strip()


def _check_template(text: str, where: str) -> None:
    for name in _TEMPLATE_FIELD.findall(text):
        if name not in TEMPLATE_FIELDS:
            raise ContentError(
                f"{where}: {{{name}}} is not a field I can fill in. Use one of: "
                + ", ".join("{" + f + "}" for f in TEMPLATE_FIELDS) + "."
            )


def _bubbles(value: Any, where: str) -> Tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise ContentError(f"{where} must be a list of one or more messages, each starting with '- '.")
    out = []
    for i, item in enumerate(value, 1):
        text = _text(item, f"{where}, message {i}")
        if len(text) > MAX_BUBBLE_CHARS:
            raise ContentError(
                f"{where}, message {i} is {len(text)} characters long; keep each message under "
                f"{MAX_BUBBLE_CHARS} so it fits a chat bubble (split it into two messages)."
            )
        _check_template(text, f"{where}, message {i}")
        out.append(text)
    return tuple(out)


def _date(value: Any, where: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as e:
        raise ContentError(f"{where} must be a date written YYYY-MM-DD, e.g. 2026-11-25.") from e


def parse_topic(topic_id: str, raw: Any, path: Path) -> Topic:
    where = f"{path}: topic '{topic_id}'"
    data = _mapping(raw, where)
    unknown = set(data) - {"title", "source_section", "last_reviewed", "messages", "details"}
    if unknown:
        raise ContentError(f"{where} has fields I don't know: {', '.join(sorted(unknown))}. Check the spelling.")
    for required in ("title", "source_section", "last_reviewed", "messages"):
        if required not in data:
            raise ContentError(f"{where} has no '{required}'. Every topic needs title, source_section, last_reviewed and messages.")
    details = _mapping(data.get("details") or {}, f"{where}, details")
    return Topic(
        id=topic_id,
        title=_text(data["title"], f"{where}, title"),
        source_section=_text(data["source_section"], f"{where}, source_section"),
        last_reviewed=_date(data["last_reviewed"], f"{where}, last_reviewed"),
        messages=_bubbles(data["messages"], f"{where}, messages"),
        details={k: _bubbles([v], f"{where}, details '{k}'")[0] for k, v in details.items()},
    )


def parse_clinic(raw: Any, path: Path) -> Clinic:
    data = _mapping(raw, str(path))
    clinic = _mapping(data.get("clinic"), f"{path}: 'clinic'")
    emergency = _mapping(data.get("emergency"), f"{path}: 'emergency'")
    values = {f: _text(clinic.get(f), f"{path}: clinic.{f}") for f in CLINIC_FIELDS}
    values.update({f: _text(str(emergency.get(f, "")), f"{path}: emergency.{f}") for f in EMERGENCY_FIELDS})
    for f in ("phone_tel", "number", "crisis_line"):
        if not _TEL.match(values[f]):
            raise ContentError(f"{path}: '{f}' must be digits only (a leading + is allowed), e.g. 911 or +15550100000; it is '{values[f]}'.")
    return Clinic(
        name=values["name"], phone=values["phone"], phone_tel=values["phone_tel"], hours=values["hours"],
        booking_url=values["booking_url"], emergency_number=values["number"],
        crisis_line=values["crisis_line"], crisis_name=values["crisis_name"],
    )


def parse_content(raw: Any, clinic: Clinic, path: Path) -> Content:
    data = _mapping(raw, str(path))
    topics_raw = _mapping(data.get("topics"), f"{path}: 'topics'")
    topics = {tid: parse_topic(tid, t, path) for tid, t in topics_raw.items()}
    missing = [t for t in REQUIRED_TOPICS if t not in topics]
    if missing:
        raise ContentError(f"{path}: these topics are missing and the assistant needs them: {', '.join(missing)}.")
    seen: Dict[str, str] = {}
    for topic in topics.values():
        for symptom in topic.details:
            if symptom in seen:
                raise ContentError(f"{path}: the detail '{symptom}' is under both '{seen[symptom]}' and '{topic.id}'; keep it under one topic.")
            seen[symptom] = topic.id
    replies_raw = _mapping(data.get("replies"), f"{path}: 'replies'")
    replies = {k: _bubbles(v, f"{path}: reply '{k}'") for k, v in replies_raw.items()}
    missing = [r for r in REQUIRED_REPLIES if r not in replies]
    if missing:
        raise ContentError(f"{path}: these replies are missing: {', '.join(missing)}.")
    reasons_raw = _mapping(data.get("escalation_reasons"), f"{path}: 'escalation_reasons'")
    reasons = {k: _bubbles([v], f"{path}: escalation_reasons '{k}'")[0] for k, v in reasons_raw.items()}
    missing = [r for r in REQUIRED_REASONS if r not in reasons]
    if missing:
        raise ContentError(f"{path}: these escalation_reasons are missing: {', '.join(missing)}.")
    return Content(topics=topics, replies=replies, escalation_reasons=reasons, clinic=clinic)


def load(content_dir: Path = CONTENT_DIR) -> Content:
    """Reads and validates both files. Raises ContentError with a message meant for staff."""
    clinic_path = content_dir / "clinic.yml"
    answers_path = content_dir / "answers.yml"
    clinic = parse_clinic(read_yaml(clinic_path), clinic_path)
    return parse_content(read_yaml(answers_path), clinic, answers_path)


# ---------------------------------------------------------------- live reload


class ContentStore:
    """The content in use by this process. `get()` is cheap: it looks at the files' modification
    times at most every `check_every` seconds and reloads them when they changed. A reload that fails
    validation is logged and ignored, so the last good content stays live."""

    def __init__(self, content_dir: Path = CONTENT_DIR, check_every: float = 1.0) -> None:
        self._dir = Path(content_dir)
        self._check_every = check_every
        self._lock = threading.Lock()
        self._stamp = self._file_stamp()
        self._content = load(self._dir)
        self._checked_at = time.monotonic()
        self.last_error: Optional[str] = None
        for name in self._content.clinic.placeholders():
            logger.warning("content/clinic.yml: '%s' is still a REPLACE-ME placeholder; put the clinic's real details in before going live.", name)

    def _file_stamp(self) -> Tuple[float, ...]:
        return tuple((self._dir / f).stat().st_mtime_ns if (self._dir / f).exists() else 0.0
                     for f in ("answers.yml", "clinic.yml"))

    def get(self) -> Content:
        now = time.monotonic()
        if now - self._checked_at >= self._check_every:
            with self._lock:
                self._checked_at = now
                stamp = self._file_stamp()
                if stamp != self._stamp:
                    self._stamp = stamp
                    self.reload()
        return self._content

    def reload(self) -> bool:
        """Loads the files now. Returns True if the new content is live."""
        try:
            self._content = load(self._dir)
        except ContentError as e:
            self.last_error = str(e)
            logger.error("Content edit NOT applied, the previous content stays live: %s", e)
            return False
        self.last_error = None
        logger.info("Content reloaded from %s", self._dir)
        return True


_store: Optional[ContentStore] = None
_store_lock = threading.Lock()


def store() -> ContentStore:
    """The process-wide store, created on first use (at action server start-up, see actions/answers.py)."""
    global _store
    with _store_lock:
        if _store is None:
            _store = ContentStore()
        return _store
