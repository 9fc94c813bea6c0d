"""The Answers pages: every topic, and one topic's edit form with a preview of what the patient will
see (chat bubbles, the clinic's details filled in, exactly as actions/messages.py builds the reply) and
the draft's problems next to the box they are about. "Save draft" writes the working
content/answers.yml; patients read only a published version (staff/console/release.py)."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from sanic import Blueprint, Request
from sanic.exceptions import NotFound
from sanic.response import HTTPResponse

from actions import messages as patient_messages
from actions.content import MAX_BUBBLES, ContentError, Topic, load
from actions.readability import grade
from staff import content_release
from staff.console import answers_file
from staff.console.answers_file import TopicForm
from staff.console.release import where
from staff.console.web import back, form_list, form_value, off_loop, record, render
from staff.yaml_lines import YamlProblem

bp = Blueprint("answers")
# Empty boxes offered under "Tell me more" for adding bubbles.
SPARE_MORE = 2


@dataclass
class Bubble:
    text: str
    buttons: List[str] = field(default_factory=list)
    safety: bool = False


@dataclass
class Preview:
    """What the patient reads: the first reply, then each "Tell me more" part."""

    parts: List[List[Bubble]] = field(default_factory=list)
    grade: Optional[float] = None


@dataclass
class Checked:
    preview: Optional[Preview]
    by_field: Dict[str, List[str]]  # form field -> problems shown next to it
    general: List[str]  # problems of this topic not tied to one box
    elsewhere: List[Tuple[str, str]]  # problems elsewhere in the draft: (where, message)


def answers_path(request: Request) -> Path:
    return request.app.ctx.config.content_dir / "answers.yml"


def _bubbles(msgs: List[Dict[str, Any]]) -> List[Bubble]:
    return [
        Bubble(
            m.get("text", ""),
            [b.get("title", "") for b in m.get("buttons") or []],
            (m.get("custom") or {}).get("note") == "safety",
        )
        for m in msgs
    ]


def preview_of(content: Any, topic: Topic) -> Preview:
    first, offset = patient_messages.topic_answer(content, topic)
    parts = [_bubbles(first)]
    while offset is not None and len(parts) < 10:
        more, offset = patient_messages.more_answer(content, topic, offset)
        parts.append(_bubbles(more))
    return Preview(parts, round(grade(topic.body), 1))


def check(content_dir: Path, text: str, topic: str) -> Checked:
    """Builds the draft `text` of answers.yml next to the working clinic.yml in a scratch folder, loads it
    as the action server would, and runs the publish checks on it."""
    scratch = Path(tempfile.mkdtemp(prefix="console-preview-"))
    try:
        draft = scratch / "content"
        shutil.copytree(content_dir, draft, ignore=shutil.ignore_patterns("answers.yml"))
        (draft / "answers.yml").write_text(text, encoding="utf-8")
        preview: Optional[Preview] = None
        general: List[str] = []
        try:
            content = load(draft)
            preview = preview_of(content, content.topics[topic])
        except ContentError as e:
            general.append(str(e).replace(str(draft) + "/", ""))
        problems = content_release.check_draft(draft)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    lines = answers_file.field_lines(text, topic)
    first, last = answers_file.topic_lines(text, topic)
    by_field: Dict[str, List[str]] = {}
    elsewhere: List[Tuple[str, str]] = []
    for p in problems:
        in_answers = Path(str(p.file)).name == "answers.yml"
        if in_answers and p.line in lines:
            by_field.setdefault(lines[p.line], []).append(p.message)
        elif in_answers and p.line is not None and first <= p.line <= last:
            general.append(p.message)
        else:
            elsewhere.append((where(p), p.message))
    # A problem on the `messages:` line itself (e.g. too many bubbles) belongs to the first bubble box.
    for name in ("messages", "more"):
        if name in by_field:
            by_field.setdefault(f"{name}-1", [])[:0] = by_field.pop(name)
    return Checked(preview, by_field, general, elsewhere)


def boxes(form: TopicForm) -> Tuple[List[str], List[str]]:
    """The bubble boxes to show: every bubble, an empty one up to the reply's limit, spares for more."""
    room = MAX_BUBBLES - (1 if form.warning else 0)
    messages = form.messages + [""] * max(0, room - len(form.messages))
    more = form.more + [""] * SPARE_MORE
    return messages, more


async def edit_page(
    request: Request, form: TopicForm, text: str, saved: bool, status: int = 200
) -> HTTPResponse:
    # Loading and checking the draft takes a moment: off the event loop, so other pages still load.
    loop = asyncio.get_running_loop()
    checked = await loop.run_in_executor(
        None, check, request.app.ctx.config.content_dir, text, form.topic
    )
    messages, more = boxes(form)
    return render(
        request,
        "answer_edit.html",
        status=status,
        title=f"Edit: {form.title or form.topic}",
        form=form,
        message_boxes=messages,
        more_boxes=more,
        checked=checked,
        saved=saved,
        problem_count=sum(len(v) for v in checked.by_field.values()) + len(checked.general),
    )


def topic_or_404(text: str, topic: str) -> None:
    if topic not in answers_file.topic_ids(text):
        raise NotFound(f"There is no topic '{topic}' in content/answers.yml.")


@bp.get("/answers")
async def list_topics(request: Request) -> HTTPResponse:
    path = answers_path(request)
    text = path.read_text(encoding="utf-8")
    rows = []
    for tid in answers_file.topic_ids(text):
        f = answers_file.read_form(text, tid)
        rows.append((tid, f.title, f.last_reviewed, f.reviewer_role))
    problems = await off_loop(content_release.check_draft, request.app.ctx.config.content_dir)
    return render(
        request,
        "answers.html",
        title="Answers",
        rows=rows,
        problems=[(where(p), p.message) for p in problems],
        current=content_release.current(),
    )


@bp.get("/answers/<topic>")
async def edit(request: Request, topic: str) -> HTTPResponse:
    text = answers_path(request).read_text(encoding="utf-8")
    topic_or_404(text, topic)
    return await edit_page(request, answers_file.read_form(text, topic), text, saved=True)


def form_from(request: Request, topic: str, warning: Optional[str]) -> TopicForm:
    return TopicForm(
        topic,
        form_value(request, "title"),
        form_value(request, "source_section"),
        form_value(request, "reviewer_role"),
        form_value(request, "last_reviewed"),
        form_list(request, "messages"),
        form_list(request, "more"),
        warning,
    )


@bp.post("/answers/<topic>")
async def preview_or_save(request: Request, topic: str) -> HTTPResponse:
    path = answers_path(request)
    text = path.read_text(encoding="utf-8")
    topic_or_404(text, topic)
    form = form_from(request, topic, answers_file.read_form(text, topic).warning).cleaned()
    if not form.messages:
        form.messages = [""]
    draft = answers_file.apply(text, form)
    if form_value(request, "do") != "save":
        return await edit_page(request, form, draft, saved=draft == text)
    if draft == text:
        return back(request, f"/answers/{topic}", "ok", "Nothing changed: the draft is as it was.")
    try:
        answers_file.write(path, draft)
    except YamlProblem as e:  # never expected: the writer quotes every text
        return back(request, f"/answers/{topic}", "error", f"Not saved: {e.message}")
    record(request, "save draft", f"answer {topic}")
    return back(
        request,
        f"/answers/{topic}",
        "ok",
        "Draft saved. Patients still read the published version until you approve and publish.",
    )
