"""The messages of the call-back form, built from callback.yml of the content release being served
(actions/content.py; the draft is content/callback.yml) in the REST channel's format
(actions/messages.py). `custom.kind` is "callback"; `custom.field` names the question being asked, and
`custom.input` tells the widget which keyboard and label to use (docs/widget.md)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Optional

import yaml

from actions import callback_buttons as cb
from actions.content import Content
from actions.messages import Message, call_link, message

DRAFT = Path(__file__).resolve().parent.parent / "content" / "callback.yml"
KIND = "callback"
# The input label announced by the widget while a question is asked (an <input> needs a name).
INPUT_LABELS = {"name": "Your first name (optional)", "phone": "Your phone number"}


@lru_cache(maxsize=8)
def _texts(path: Path) -> Dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _path(content: Content) -> Path:
    """The release's own callback.yml (released and checked with the answers), else the draft."""
    if content.folder is not None and (content.folder / "callback.yml").is_file():
        return content.folder / "callback.yml"
    return DRAFT


def text(key: str, content: Content, **extra: Any) -> Any:
    data = _texts(_path(content))
    fields = {**content.clinic.fields(), "expect": data["expect"], **extra}
    value = data["texts"][key]
    return (
        [v.format(**fields) for v in value] if isinstance(value, list) else value.format(**fields)
    )


def buttons(choices: Dict[str, str]) -> List[Dict[str, str]]:
    return [{"title": title, "payload": cb.choice(key)} for key, title in choices.items()]


CANCEL_BUTTON = {"title": "Cancel", "payload": cb.CANCEL}


def ask(field: str, content: Content, retention_days: float = 30) -> List[Message]:
    """The question for one form field (name, phone, time, reason, consent)."""
    extra: Dict[str, Any] = {"field": field}
    if field in INPUT_LABELS:
        extra.update(input="tel" if field == "phone" else "text", label=INPUT_LABELS[field])
    if field == "name":
        return [
            message(
                text("ask_name", content),
                KIND,
                [{"title": "Skip", "payload": cb.SKIP}, CANCEL_BUTTON],
                **extra,
            )
        ]
    if field == "phone":
        return [message(text("ask_phone", content), KIND, [CANCEL_BUTTON], **extra)]
    if field == "time":
        return [
            message(
                text("ask_time", content), KIND, buttons(cb.BEST_TIMES) + [CANCEL_BUTTON], **extra
            )
        ]
    if field == "reason":
        return [
            message(
                text("ask_reason", content), KIND, buttons(cb.REASONS) + [CANCEL_BUTTON], **extra
            )
        ]
    days = f"{retention_days:g}"
    return [
        message(
            text("ask_consent", content, retention_days=days), KIND, buttons(cb.CONSENT), **extra
        )
    ]


def note(key: str, content: Content) -> Message:
    return message(text(key, content), KIND)


def start(content: Content) -> List[Message]:
    return [note("start", content)]


def confirmed(content: Content) -> List[Message]:
    c = content.clinic
    return [
        message(
            t,
            "callback_confirmed",
            call=call_link(f"Call {c.emergency_number}", c.emergency_number),
        )
        for t in text("confirmed", content)
    ]


def ended(key: str, content: Content, call: Optional[bool] = True) -> List[Message]:
    c = content.clinic
    extra = {"call": call_link(f"Call {c.phone}", c.phone_tel)} if call else {}
    return [message(text(key, content), "callback_ended", **extra)]
