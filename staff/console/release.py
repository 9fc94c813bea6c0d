"""Approve and publish the draft content, roll back, and the history (pages), through
staff/content_release.py: the one place that checks a draft, keeps the published versions and switches
every server to one of them."""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Optional, Tuple

from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from staff import content_release
from staff.console.web import back, form_value, off_loop, record, render, who

bp = Blueprint("release")


def problems_by_file(content_dir: Path) -> List[content_release.Problem]:
    return list(content_release.check_draft(content_dir))


def where(problem: content_release.Problem) -> str:
    name = Path(str(problem.file)).name if problem.file else ""
    return f"{name} line {problem.line}" if name and problem.line else name


def current_version() -> Optional[content_release.Release]:
    return content_release.current()


async def page(
    request: Request, refused: Optional[List[content_release.Problem]] = None, status: int = 200
) -> HTTPResponse:
    cfg = request.app.ctx.config
    problems = refused if refused is not None else await off_loop(problems_by_file, cfg.content_dir)
    return render(
        request,
        "publish.html",
        status=status,
        title="Publish and history",
        problems=[(where(p), p.message) for p in problems],
        refused=refused is not None,
        current=content_release.current(),
        history=content_release.history(),
        audit=request.app.ctx.audit.latest(30),
    )


def publish_draft(by: str, content_dir: Path, note: str) -> content_release.Release:
    return content_release.publish(by, content_dir, note=note)


@bp.get("/publish")
async def publish_page(request: Request) -> HTTPResponse:
    return await page(request)


@bp.post("/publish")
async def publish(request: Request) -> HTTPResponse:
    cfg = request.app.ctx.config
    note = " ".join(form_value(request, "note").split())[:200]
    back_to = form_value(request, "back") or "/publish"
    if back_to not in ("/publish",) and not back_to.startswith("/answers/"):
        back_to = "/publish"
    if form_value(request, "approve") != "yes":
        return back(
            request,
            back_to,
            "error",
            "Tick 'I have checked this text against its source' to approve it, then publish.",
        )
    try:
        release = await off_loop(publish_draft, who(request), cfg.content_dir, note)
    except content_release.PublishRefused as refused:
        record(request, "publish refused", "content", f"{len(refused.problems)} problem(s)")
        return await page(request, refused=list(refused.problems), status=422)
    record(request, "publish", f"content {release.version}", note)
    return back(
        request,
        back_to,
        "ok",
        f"Published: version {release.version} is now what patients read.",
    )


@bp.post("/rollback")
async def rollback(request: Request) -> HTTPResponse:
    try:
        release = await off_loop(content_release.rollback, who(request))
    except content_release.PublishRefused as refused:
        text = "; ".join(p.message for p in refused.problems) or "Nothing to roll back to."
        return back(request, "/publish", "error", f"Not rolled back: {text}")
    except (LookupError, ValueError, RuntimeError, OSError) as e:
        return back(request, "/publish", "error", f"Not rolled back: {e}")
    record(request, "rollback", f"content {release.version}")
    return back(
        request,
        "/publish",
        "ok",
        f"Rolled back: version {release.version} is what patients read again.",
    )


def draft_summary(content_dir: Path) -> Tuple[int, Dict[str, int]]:
    """How many problems the draft has, and per file name."""
    per: Dict[str, int] = {}
    problems = problems_by_file(content_dir)
    for p in problems:
        per[Path(str(p.file)).name or "content"] = per.get(Path(str(p.file)).name, 0) + 1
    return len(problems), per
