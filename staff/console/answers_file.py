"""Reads one topic of content/answers.yml into a form, and writes a form back by replacing only the lines
of the fields that changed, so the file's comments, order, blank lines and other topics stay as they
are (staff and `git diff` see exactly what was edited). Line positions come from PyYAML's own parse, as
staff/yaml_lines.py reads them; the result is read back with yaml_lines.load_yaml before it replaces the
file, so a write never leaves a broken file.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import yaml

from staff.yaml_lines import YamlProblem, load_yaml

SCALARS = ("title", "source_section", "reviewer_role", "last_reviewed")
LISTS = ("messages", "more")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass
class TopicForm:
    """What the edit page shows and sends back. Empty bubbles are dropped."""

    topic: str
    title: str = ""
    source_section: str = ""
    reviewer_role: str = ""
    last_reviewed: str = ""
    messages: List[str] = field(default_factory=list)
    more: List[str] = field(default_factory=list)
    warning: Optional[str] = None  # shown, not edited: a safety reply reviewed with the red flags

    def cleaned(self) -> "TopicForm":
        def text(s: str) -> str:
            return "\n".join(line.rstrip() for line in s.replace("\r\n", "\n").split("\n")).strip()

        return TopicForm(
            self.topic,
            " ".join(self.title.split()),
            " ".join(self.source_section.split()),
            " ".join(self.reviewer_role.split()),
            self.last_reviewed.strip(),
            [t for t in (text(m) for m in self.messages) if t],
            [t for t in (text(m) for m in self.more) if t],
            self.warning,
        )


@dataclass(frozen=True)
class Span:
    """Lines (0-based, inclusive) of one field of a topic, and the indentation of its key."""

    first: int
    last: int
    indent: str
    item_indent: str = ""
    items: Tuple[Tuple[int, int], ...] = ()  # each list item's first and last line


def _root_topics(text: str) -> Dict[str, yaml.MappingNode]:
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    if not isinstance(root, yaml.MappingNode):
        return {}
    for key, value in root.value:
        if key.value == "topics" and isinstance(value, yaml.MappingNode):
            return {k.value: v for k, v in value.value if isinstance(v, yaml.MappingNode)}
    return {}


def topic_ids(text: str) -> List[str]:
    return list(_root_topics(text))


def topic_lines(text: str, topic: str) -> Tuple[int, int]:
    """The 1-based first and last line of a topic's block."""
    node = _root_topics(text)[topic]
    return node.start_mark.line, _last_line(node) + 1


def spans(text: str, topic: str) -> Dict[str, Span]:
    """Where each field of the topic is in the file."""
    node = _root_topics(text)[topic]
    lines = text.split("\n")
    out: Dict[str, Span] = {}
    for key, value in node.value:
        indent = " " * key.start_mark.column
        if isinstance(value, yaml.SequenceNode) and value.value:
            items = tuple((v.start_mark.line, _last_line(v)) for v in value.value)
            first_item = lines[items[0][0]]
            item_indent = first_item[: len(first_item) - len(first_item.lstrip())]
            out[key.value] = Span(key.start_mark.line, items[-1][1], indent, item_indent, items)
        else:
            out[key.value] = Span(key.start_mark.line, _last_line(value), indent)
    return out


def _last_line(node: yaml.Node) -> int:
    """The last line (0-based) holding the node's own text. A block collection's end mark is where the
    next token starts (a later line), so its last child's last line is used instead."""
    end = node.end_mark
    if isinstance(node, yaml.ScalarNode):
        block = node.style in ("|", ">")
        return end.line - 1 if block and end.column == 0 else end.line
    if node.flow_style or not node.value:
        return end.line
    last = node.value[-1]
    return _last_line(last[1] if isinstance(node, yaml.MappingNode) else last)


def read_form(text: str, topic: str) -> TopicForm:
    data = yaml.safe_load(text) or {}
    raw = ((data.get("topics") or {}).get(topic)) or {}

    def s(name: str) -> str:
        value = raw.get(name)
        if isinstance(value, (dt.date, dt.datetime)):
            return value.isoformat()[:10]
        return "" if value is None else str(value)

    return TopicForm(
        topic,
        s("title"),
        s("source_section"),
        s("reviewer_role"),
        s("last_reviewed"),
        [str(m) for m in raw.get("messages") or []],
        [str(m) for m in raw.get("more") or []],
        raw.get("warning"),
    )


def _quoted(text: str) -> str:
    """A YAML double-quoted scalar (JSON's string syntax is a subset of it), newlines as \\n."""
    return json.dumps(text, ensure_ascii=False)


def _scalar(name: str, value: str) -> str:
    if name == "last_reviewed" and _DATE.match(value):
        return value
    return _quoted(value)


def apply(text: str, form: TopicForm) -> str:
    """The file's text with the topic's changed fields rewritten; everything else as it was."""
    form = form.cleaned()
    old = read_form(text, form.topic)
    where = spans(text, form.topic)
    lines = text.split("\n")
    edits: List[
        Tuple[int, int, List[str]]
    ] = []  # (first, last inclusive, new lines); last<first: insert
    key_indent = next(iter(where.values())).indent if where else "    "
    for name in SCALARS:
        new, before = getattr(form, name), getattr(old, name)
        if new == before:
            continue
        if name in where:
            span = where[name]
            if not new and name == "reviewer_role":
                edits.append((span.first, span.last, []))
            else:
                edits.append(
                    (span.first, span.last, [f"{span.indent}{name}: {_scalar(name, new)}"])
                )
        elif new:
            after = where.get("source_section") or where.get("title")
            at = (after.last + 1) if after else 0
            edits.append((at, at - 1, [f"{key_indent}{name}: {_scalar(name, new)}"]))
    for name in LISTS:
        new_items, before_items = getattr(form, name), getattr(old, name)
        if new_items == before_items:
            continue
        span = where.get(name)
        item_indent = span.item_indent if span and span.item_indent else key_indent + "  "
        block = [f"{(span.indent if span else key_indent)}{name}:"] + [
            f"{item_indent}- {_quoted(t)}" for t in new_items
        ]
        if span is not None:
            edits.append((span.first, span.last, block if new_items else []))
        elif new_items:
            after = where.get("messages")
            at = (after.last + 1) if after else len(lines)
            edits.append((at, at - 1, block))
    for first, last, new_lines in sorted(edits, key=lambda e: e[0], reverse=True):
        lines[first : last + 1] = new_lines
    return "\n".join(lines)


def write(path: Path, text: str) -> None:
    """Replaces the file atomically, after reading the new text back: a write that would break the file
    raises YamlProblem and leaves the file as it was."""
    fd, tmp = tempfile.mkstemp(prefix=".answers-", suffix=".yml", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        load_yaml(Path(tmp), path.parent)
        os.chmod(tmp, path.stat().st_mode & 0o777 if path.exists() else 0o644)
        os.replace(tmp, path)
    except (YamlProblem, OSError):
        Path(tmp).unlink(missing_ok=True)
        raise


def field_lines(text: str, topic: str) -> Dict[int, str]:
    """1-based line -> the form field it belongs to ("title", "messages-2", "more-1"...), so a problem
    reported on a line is shown next to the right box."""
    out: Dict[int, str] = {}
    for name, span in spans(text, topic).items():
        for line in range(span.first, span.last + 1):
            out[line + 1] = name
        for i, (first, last) in enumerate(span.items, 1):
            for line in range(first, last + 1):
                out[line + 1] = f"{name}-{i}"
    return out
