"""Loads the staff-editable content (content/answers.yml, content/clinic.yml), validates it, and serves
the published version of it.

The files under content/ are drafts: staff edit them, `make release` (staff/content_release.py) checks
them and copies them to a new numbered version in the release store, and switches the store's CURRENT
pointer. The running processes (action servers, and the REST channel's safety replies) serve the version
CURRENT names, never the drafts: ContentStore.get looks at the pointer about once a second, so every
process that reads the same store switches to the same version within a couple of seconds.

Validation is strict and its messages are written for clinic staff: a file that does not pass is never
published.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import re
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import yaml

from actions.topics import REQUIRED_TOPICS

logger = logging.getLogger(__name__)

PROJECT_DIR = Path(__file__).resolve().parent.parent
CONTENT_DIR = Path(os.environ.get("CLINIC_CONTENT_DIR", PROJECT_DIR / "content"))

MAX_BUBBLE_CHARS = 320
# A reply is at most this many chat bubbles on a phone; the rest waits behind "Tell me more".
MAX_BUBBLES = 3
PLACEHOLDER_MARK = "REPLACE-ME"
CONTENT_FILES = ("answers.yml", "clinic.yml")
# What a release holds: the texts the assistant sends (the call-back form's included).
RELEASE_FILES = (*CONTENT_FILES, "callback.yml")
# The release store (staff/content_release.py writes it, ContentStore reads it): one folder per version,
# history.jsonl, and the CURRENT pointer. Every process that serves patients must read the same one.
RELEASES_ENV = "CLINIC_CONTENT_RELEASES"
DEFAULT_RELEASES = PROJECT_DIR / ".releases" / "content"
POINTER = "CURRENT"
# Set to 1 only for a demo or a test run: the production preflight then warns about placeholders in
# content/clinic.yml instead of refusing to start (ops/preflight.py).
ALLOW_PLACEHOLDERS_ENV = "CLINIC_ALLOW_PLACEHOLDERS"

REQUIRED_REPLIES: Tuple[str, ...] = (
    "greet",
    "capabilities",
    "out_of_scope",
    "fallback",
    "affirm",
    "clinician",
    "error",
    "too_long",
    "emergency",
    "crisis",
    "urgent_check",
    "aura_warning",
    "more_done",
)
REQUIRED_REASONS: Tuple[str, ...] = (
    "ask_personal_advice",
    "ask_cost",
    "ask_booking",
    "request_human",
)
CLINIC_FIELDS: Tuple[str, ...] = ("name", "phone", "phone_tel", "hours", "booking_url")
SESSION_FIELDS: Tuple[str, ...] = ("length", "eating", "driving")
EMERGENCY_FIELDS: Tuple[str, ...] = ("number", "crisis_line", "crisis_name")
TEMPLATE_FIELDS = (
    "clinic_name",
    "phone",
    "phone_tel",
    "hours",
    "booking_url",
    "emergency_number",
    "crisis_line",
    "crisis_name",
    "session_length",
    "session_eating",
    "session_driving",
)
# What a session instruction says while the clinic has not filled it in: never a dead end.
SESSION_FALLBACK = "Ask our team on {phone} ({hours})."
PROVENANCE_FIELDS = ("source_section", "reviewer_role", "last_reviewed")
_TEMPLATE_FIELD = re.compile(r"{([^{}]*)}")
_TEL = re.compile(r"^\+?[0-9]{2,15}$")


class ContentError(ValueError):
    """A content file is missing, is not valid YAML, or breaks a rule. The message says what to fix."""


@dataclass(frozen=True)
class Provenance:
    """Where a text comes from and who checked it when. `reviewer_role` may be missing (`make check`
    warns); `source` never is (the loader refuses the text)."""

    source: str
    reviewer_role: Optional[str]
    reviewed: dt.date


@dataclass(frozen=True)
class Topic:
    id: str
    title: str
    source_section: str
    last_reviewed: dt.date
    messages: Tuple[str, ...]
    details: Mapping[str, str] = field(default_factory=dict)
    more: Tuple[str, ...] = ()
    warning: Optional[str] = None
    reviewer_role: Optional[str] = None
    detail_sources: Mapping[str, Provenance] = field(default_factory=dict)

    @property
    def provenance(self) -> Provenance:
        return Provenance(self.source_section, self.reviewer_role, self.last_reviewed)

    @property
    def body(self) -> Tuple[str, ...]:
        """Everything the topic can say, in order: the answer, then what "Tell me more" adds."""
        return self.messages + self.more


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
    session: Mapping[str, str] = field(default_factory=dict)
    # Field names (clinic.name, session.length...) whose value is still a REPLACE-ME placeholder.
    placeholder_fields: Tuple[str, ...] = ()

    def fields(self) -> Dict[str, str]:
        values = {
            "clinic_name": self.name,
            "phone": self.phone,
            "phone_tel": self.phone_tel,
            "hours": self.hours,
            "booking_url": self.booking_url,
            "emergency_number": self.emergency_number,
            "crisis_line": self.crisis_line,
            "crisis_name": self.crisis_name,
        }
        fallback = SESSION_FALLBACK.format(**values)
        for name in SESSION_FIELDS:
            value = self.session.get(name, "")
            placeholder = f"session.{name}" in self.placeholder_fields or not value
            values[f"session_{name}"] = fallback if placeholder else value
        return values

    def placeholders(self) -> List[str]:
        """Names of the fields still holding a REPLACE-ME placeholder."""
        return list(self.placeholder_fields)


@dataclass(frozen=True)
class Content:
    topics: Mapping[str, Topic]
    replies: Mapping[str, Tuple[str, ...]]
    escalation_reasons: Mapping[str, Tuple[str, ...]]
    clinic: Clinic
    sources: Mapping[str, Provenance] = field(default_factory=dict)  # "reply:<key>", "reason:<key>"
    version: str = ""

    def symptom_owner(self, symptom: str) -> Optional[str]:
        """The topic whose details name this symptom (e.g. tingling -> aura)."""
        for topic in self.topics.values():
            if symptom in topic.details:
                return topic.id
        return None

    def reply(self, key: str) -> List[str]:
        """A reply with the clinic's details filled in."""
        return [fill(text, self.clinic) for text in self.replies[key]]

    def reason(self, key: str) -> List[str]:
        """An escalation reason's reply with the clinic's details filled in."""
        return [fill(text, self.clinic) for text in self.escalation_reasons[key]]

    def texts(self) -> List[Tuple[str, Tuple[str, ...], Provenance]]:
        """Every patient-facing text with its provenance: (label, bubbles, provenance). Labels read
        "topic aura", "topic aura (more)", "topic aura, detail tingling", "reply greet", "reason ask_cost"."""
        out: List[Tuple[str, Tuple[str, ...], Provenance]] = []
        for t in self.topics.values():
            out.append((f"topic {t.id}", t.messages, t.provenance))
            if t.more:
                out.append((f"topic {t.id} (more)", t.more, t.provenance))
            for symptom, text in t.details.items():
                provenance = t.detail_sources.get(symptom, t.provenance)
                out.append((f"topic {t.id}, detail {symptom}", (text,), provenance))
        for key, texts in self.replies.items():
            out.append((f"reply {key}", texts, self.sources[f"reply:{key}"]))
        for key, texts in self.escalation_reasons.items():
            out.append((f"reason {key}", texts, self.sources[f"reason:{key}"]))
        return out


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
        raise ContentError(
            f"{where} must be a list of named entries (name: value), not {type(value).__name__}."
        )
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
                + ", ".join("{" + f + "}" for f in TEMPLATE_FIELDS)
                + "."
            )


def _bubbles(value: Any, where: str) -> Tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise ContentError(
            f"{where} must be a list of one or more messages, each starting with '- '."
        )
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


def parse_provenance(
    data: Mapping[str, Any], where: str, inherit: Optional[Provenance] = None
) -> Provenance:
    """source_section (required unless inherited), reviewer_role (optional), last_reviewed (a date)."""
    if "source_section" not in data and inherit is None:
        raise ContentError(
            f"{where} has no 'source_section'. Every text needs its source: the page section it comes from, "
            "or a named reference (ICHD-3, the FDA label, NHS...), with reviewer_role and last_reviewed."
        )
    if "source_section" not in data:
        return inherit  # type: ignore[return-value]
    source = _text(data["source_section"], f"{where}, source_section")
    role = data.get("reviewer_role", inherit.reviewer_role if inherit else None)
    role = _text(role, f"{where}, reviewer_role") if role is not None else None
    if "last_reviewed" in data:
        reviewed = _date(data["last_reviewed"], f"{where}, last_reviewed")
    elif inherit is not None:
        reviewed = inherit.reviewed
    else:
        raise ContentError(
            f"{where} has no 'last_reviewed': the date (YYYY-MM-DD) the text was last " "checked."
        )
    return Provenance(source, role, reviewed)


def _limit_bubbles(count: int, where: str) -> None:
    if count > MAX_BUBBLES:
        raise ContentError(
            f"{where} sends {count} messages at once; a reply is at most {MAX_BUBBLES} chat bubbles on a "
            "phone. "
            "Move the rest under 'more:' (sent when the patient taps \"Tell me more\")."
        )


TOPIC_FIELDS = {
    "title",
    "source_section",
    "reviewer_role",
    "last_reviewed",
    "messages",
    "details",
    "more",
    "warning",
}


def parse_topic(topic_id: str, raw: Any, path: Path) -> Topic:
    where = f"{path}: topic '{topic_id}'"
    data = _mapping(raw, where)
    unknown = set(data) - TOPIC_FIELDS
    if unknown:
        raise ContentError(
            f"{where} has fields I don't know: {', '.join(sorted(unknown))}. " "Check the spelling."
        )
    for required in ("title", "source_section", "last_reviewed", "messages"):
        if required not in data:
            raise ContentError(
                f"{where} has no '{required}'. Every topic needs title, source_section, last_reviewed and messages."
            )
    provenance = parse_provenance(data, where)
    details_raw = _mapping(data.get("details") or {}, f"{where}, details")
    details: Dict[str, str] = {}
    detail_sources: Dict[str, Provenance] = {}
    for symptom, value in details_raw.items():
        dwhere = f"{where}, details '{symptom}'"
        if isinstance(value, dict):
            extra = set(value) - {"text", *PROVENANCE_FIELDS}
            if extra:
                raise ContentError(
                    f"{dwhere} has fields I don't know: {', '.join(sorted(extra))}. Use text "
                    "and source_section."
                )
            details[symptom] = _bubbles([value.get("text")], dwhere)[0]
            detail_sources[symptom] = parse_provenance(value, dwhere, inherit=provenance)
        else:
            details[symptom] = _bubbles([value], dwhere)[0]
    messages = _bubbles(data["messages"], f"{where}, messages")
    more = _bubbles(data["more"], f"{where}, more") if data.get("more") is not None else ()
    warning = (
        _text(data["warning"], f"{where}, warning") if data.get("warning") is not None else None
    )
    _limit_bubbles(
        len(messages) + (1 if warning else 0),
        f"{where}, messages" + (" (with its warning)" if warning else ""),
    )
    return Topic(
        id=topic_id,
        title=_text(data["title"], f"{where}, title"),
        source_section=provenance.source,
        last_reviewed=provenance.reviewed,
        reviewer_role=provenance.reviewer_role,
        messages=messages,
        details=details,
        more=more,
        warning=warning,
        detail_sources=detail_sources,
    )


def _is_placeholder(value: str) -> bool:
    return PLACEHOLDER_MARK.lower() in value.lower()


def _unmarked(value: str) -> str:
    """The value without its REPLACE-ME marker (a placeholder phone_tel must still dial something)."""
    return re.sub(re.escape(PLACEHOLDER_MARK), "", value, flags=re.I).strip()


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def check_phones_agree(phone: str, phone_tel: str, path: Path) -> None:
    """The number patients read and the one the call button dials must be the same: the same digits, or
    the dialled one with a country code in front."""
    shown, dialled = _digits(_unmarked(phone)), _digits(phone_tel)
    if len(shown) < 3 or not (dialled == shown or (len(shown) >= 7 and dialled.endswith(shown))):
        raise ContentError(
            f"{path}: 'phone' ({phone}) and 'phone_tel' ({phone_tel}) are not the same number, so the call "
            "button would dial a different number from the one patients read. Make them the same (phone_tel is "
            "the same number as digits, with an optional + and country code)."
        )


def parse_clinic(raw: Any, path: Path) -> Clinic:
    data = _mapping(raw, str(path))
    clinic = _mapping(data.get("clinic"), f"{path}: 'clinic'")
    emergency = _mapping(data.get("emergency"), f"{path}: 'emergency'")
    session = _mapping(data.get("session") or {}, f"{path}: 'session'")
    values = {f: _text(clinic.get(f), f"{path}: clinic.{f}") for f in CLINIC_FIELDS}
    values.update(
        {f: _text(str(emergency.get(f, "")), f"{path}: emergency.{f}") for f in EMERGENCY_FIELDS}
    )
    sessions = {
        f: _text(session.get(f), f"{path}: session.{f}") for f in SESSION_FIELDS if f in session
    }
    placeholders = [f"clinic.{f}" for f in CLINIC_FIELDS if _is_placeholder(values[f])]
    placeholders += [
        f"session.{f}" for f in SESSION_FIELDS if f not in sessions or _is_placeholder(sessions[f])
    ]
    placeholders += [f"emergency.{f}" for f in EMERGENCY_FIELDS if _is_placeholder(values[f])]
    # A marked phone_tel still has to dial the demo number, so the marker is not part of the link.
    values["phone_tel"] = _unmarked(values["phone_tel"])
    for f in ("phone_tel", "number", "crisis_line"):
        if not _TEL.match(values[f]):
            raise ContentError(
                f"{path}: '{f}' must be digits only (a leading + is allowed), e.g. 911 or +15550100000; it is '{values[f]}'."
            )
    check_phones_agree(values["phone"], values["phone_tel"], path)
    return Clinic(
        name=_unmarked(values["name"]) or values["name"],
        phone=values["phone"],
        phone_tel=values["phone_tel"],
        hours=values["hours"],
        booking_url=values["booking_url"],
        emergency_number=values["number"],
        crisis_line=values["crisis_line"],
        crisis_name=values["crisis_name"],
        session=sessions,
        placeholder_fields=tuple(placeholders),
    )


def _sourced_texts(raw: Any, where: str) -> Tuple[Tuple[str, ...], Provenance]:
    """A reply or an escalation reason: its messages with source_section, reviewer_role, last_reviewed."""
    if not isinstance(raw, dict):
        raise ContentError(
            f"{where} has no 'source_section'. Every text needs its source, reviewer_role and last_reviewed, "
            'written like a topic:\n    source_section: "..."\n    reviewer_role: "..."\n'
            '    last_reviewed: YYYY-MM-DD\n    messages:\n      - "..."'
        )
    unknown = set(raw) - {"messages", *PROVENANCE_FIELDS}
    if unknown:
        raise ContentError(
            f"{where} has fields I don't know: {', '.join(sorted(unknown))}. " "Check the spelling."
        )
    provenance = parse_provenance(raw, where)
    texts = _bubbles(raw.get("messages"), f"{where}, messages")
    _limit_bubbles(len(texts), where)
    return texts, provenance


def parse_content(raw: Any, clinic: Clinic, path: Path, version: str = "") -> Content:
    data = _mapping(raw, str(path))
    topics_raw = _mapping(data.get("topics"), f"{path}: 'topics'")
    topics = {tid: parse_topic(tid, t, path) for tid, t in topics_raw.items()}
    missing = [t for t in REQUIRED_TOPICS if t not in topics]
    if missing:
        raise ContentError(
            f"{path}: these topics are missing and the assistant needs them: {', '.join(missing)}."
        )
    seen: Dict[str, str] = {}
    for topic in topics.values():
        for symptom in topic.details:
            if symptom in seen:
                raise ContentError(
                    f"{path}: the detail '{symptom}' is under both '{seen[symptom]}' and '{topic.id}'; keep it under one topic."
                )
            seen[symptom] = topic.id
    sources: Dict[str, Provenance] = {}
    replies_raw = _mapping(data.get("replies"), f"{path}: 'replies'")
    replies: Dict[str, Tuple[str, ...]] = {}
    for key, value in replies_raw.items():
        replies[key], sources[f"reply:{key}"] = _sourced_texts(value, f"{path}: reply '{key}'")
    missing = [r for r in REQUIRED_REPLIES if r not in replies]
    if missing:
        raise ContentError(f"{path}: these replies are missing: {', '.join(missing)}.")
    for topic in topics.values():
        if topic.warning and topic.warning not in replies:
            raise ContentError(
                f"{path}: topic '{topic.id}' has the warning '{topic.warning}', which is not a "
                f"reply under replies. Use one of: {', '.join(sorted(replies))}."
            )
    reasons_raw = _mapping(data.get("escalation_reasons"), f"{path}: 'escalation_reasons'")
    reasons: Dict[str, Tuple[str, ...]] = {}
    for key, value in reasons_raw.items():
        reasons[key], sources[f"reason:{key}"] = _sourced_texts(
            value, f"{path}: escalation_reasons '{key}'"
        )
    missing = [r for r in REQUIRED_REASONS if r not in reasons]
    if missing:
        raise ContentError(f"{path}: these escalation_reasons are missing: {', '.join(missing)}.")
    return Content(
        topics=topics,
        replies=replies,
        escalation_reasons=reasons,
        clinic=clinic,
        sources=sources,
        version=version,
    )


def content_version(content_dir: Path, files: Sequence[str] = CONTENT_FILES) -> str:
    """A short hash of the content files: served with every message and kept in the tracker, so a
    transcript can be tied to the exact text the patient read (`git log -S` finds the version)."""
    h = hashlib.sha256()
    for name in files:
        path = content_dir / name
        h.update(name.encode() + b"\0" + (path.read_bytes() if path.exists() else b"") + b"\0")
    return h.hexdigest()[:12]


def load(content_dir: Path = CONTENT_DIR) -> Content:
    """Reads and validates both files. Raises ContentError with a message meant for staff."""
    content_dir = Path(content_dir)
    clinic_path = content_dir / "clinic.yml"
    answers_path = content_dir / "answers.yml"
    version = content_version(content_dir)
    clinic = parse_clinic(read_yaml(clinic_path), clinic_path)
    return parse_content(read_yaml(answers_path), clinic, answers_path, version)


def go_live_problems(
    content_dir: Path = CONTENT_DIR, env: Optional[Mapping[str, str]] = None
) -> Tuple[List[str], List[str]]:
    """(problems, warnings) for the production preflight: content that does not load, or a clinic value
    still a REPLACE-ME placeholder (a warning instead only when CLINIC_ALLOW_PLACEHOLDERS=1, for demos
    and tests)."""
    env = os.environ if env is None else env
    try:
        content = load(Path(content_dir))
    except ContentError as e:
        return [f"content: {e}"], []
    left = content.clinic.placeholders()
    if not left:
        return [], []
    text = (
        f"content/clinic.yml still has REPLACE-ME placeholders: {', '.join(left)}. Patients would read "
        "(and the call button would dial) made-up details. Put the clinic's real details in."
    )
    if env.get(ALLOW_PLACEHOLDERS_ENV) == "1":
        return [], [f"{text} (allowed here by {ALLOW_PLACEHOLDERS_ENV}=1: never in production)"]
    return [text], []


# ---------------------------------------------------------------- the published version


def releases_dir(env: Optional[Mapping[str, str]] = None) -> Path:
    """The release store of this environment (CLINIC_CONTENT_RELEASES; a relative path is taken from the
    project folder)."""
    env = os.environ if env is None else env
    path = Path(env.get(RELEASES_ENV) or DEFAULT_RELEASES)
    return path if path.is_absolute() else PROJECT_DIR / path


def current_version(releases: Path) -> Optional[str]:
    """The version the store's CURRENT pointer names, or None before the first release."""
    try:
        name = (Path(releases) / POINTER).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return name or None


def load_release(releases: Path, version: str) -> Content:
    """One published version. Its content version names the release and the files' hash, e.g.
    "v3-2e35370a4ec8", so a transcript says which release the patient read."""
    folder = Path(releases) / version
    if not folder.is_dir():
        raise ContentError(f"{folder}: the published version {version} is missing.")
    content = load(folder)
    return replace(content, version=f"{version}-{content_version(folder, RELEASE_FILES)}")


NO_RELEASE = (
    "No content has been published yet in {releases}. Publish the answers first: `make release` "
    "(python -m staff.content_release publish); `make run` and the tests do it on a fresh copy."
)


class ContentStore:
    """The published content this process serves. `get()` is cheap: at most every `check_every` seconds
    it reads the store's CURRENT pointer, and when the pointer names another version it loads that
    version. A version that cannot be loaded (it never should: it was checked when published) is logged
    and the version in use stays live."""

    def __init__(self, releases: Optional[Path] = None, check_every: float = 1.0) -> None:
        self._releases = releases_dir() if releases is None else Path(releases)
        self._check_every = check_every
        self._lock = threading.Lock()
        self.last_error: Optional[str] = None
        version = current_version(self._releases)
        if version is None:
            raise ContentError(NO_RELEASE.format(releases=self._releases))
        self._content = load_release(self._releases, version)
        self._version = version
        self._checked_at = time.monotonic()
        logger.info("Serving content version %s from %s", self._content.version, self._releases)
        for name in self._content.clinic.placeholders():
            logger.warning(
                "content/clinic.yml: '%s' is still a REPLACE-ME placeholder; put the clinic's real details in before going live.",
                name,
            )

    def get(self) -> Content:
        now = time.monotonic()
        if now - self._checked_at >= self._check_every:
            with self._lock:
                self._checked_at = now
                self.reload()
        return self._content

    def reload(self) -> bool:
        """Follows the pointer now. Returns True when the version it names is the one in use."""
        version = current_version(self._releases)
        if version is None or version == self._version:
            return version is not None
        try:
            self._content = load_release(self._releases, version)
        except ContentError as e:
            if self.last_error != str(e):
                logger.error(
                    "Content version %s NOT applied, the version in use stays live: %s", version, e
                )
            self.last_error = str(e)
            return False
        self._version = version
        self.last_error = None
        logger.info("Now serving content version %s", self._content.version)
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
