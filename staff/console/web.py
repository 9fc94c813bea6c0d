"""What every page of the console shares: rendering a template with the signed-in staff member, the
CSRF token and the messages from the last action; the project's state (app.ctx); and the audit."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, Callable, List, Optional, TypeVar

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sanic import Request, response
from sanic.response import HTTPResponse

from staff.console.auth import Session

T = TypeVar("T")
HERE = Path(__file__).resolve().parent
NAV = (
    ("/answers", "Answers"),
    ("/topics/new", "New topic"),
    ("/examples", "Examples"),
    ("/review", "Review queue"),
    ("/publish", "Publish and history"),
    ("/train", "Train"),
)


def jinja() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(HERE / "templates")),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env


def session(request: Request) -> Session:
    """The signed-in staff member's session (the app's middleware guarantees one on every page but
    the login)."""
    return request.ctx.session


def who(request: Request) -> str:
    return session(request).who


def render(request: Request, template: str, status: int = 200, **ctx: Any) -> HTTPResponse:
    sess: Optional[Session] = getattr(request.ctx, "session", None)
    page = request.app.ctx.jinja.get_template(template)
    body = page.render(
        nav=NAV,
        path=request.path,
        who=sess.who if sess else None,
        csrf=sess.csrf if sess else "",
        flashes=sess.take_flashes() if sess else [],
        **ctx,
    )
    return response.html(body, status=status)


def back(request: Request, to: str, kind: str = "", text: str = "") -> HTTPResponse:
    """After a change: a message for the next page, and a redirect (so a reload does not send the form
    again)."""
    if text:
        session(request).flash(kind or "ok", text)
    return response.redirect(to, status=303)


def form_list(request: Request, name: str) -> List[str]:
    return [v for v in (request.form.getlist(name) or [])]


def form_value(request: Request, name: str, default: str = "") -> str:
    value = request.form.get(name) if request.form else None
    return default if value is None else str(value)


async def off_loop(fn: Callable[..., T], *args: Any) -> T:
    """Runs a slow call (checking, publishing: seconds on a busy machine) in a thread, so the console's
    other pages keep loading meanwhile."""
    return await asyncio.get_running_loop().run_in_executor(None, fn, *args)


def record(request: Request, action: str, target: str, detail: str = "") -> None:
    request.app.ctx.audit.record(who(request), action, target, detail)
