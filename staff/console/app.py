"""The staff console: a web page where clinic staff edit and publish answers, add example questions,
work the review queue and train, without YAML (docs/staff-guide.md, section 0).

    make console        # http://127.0.0.1:8090; needs CLINIC_STAFF_PASSWORD or CLINIC_STAFF_TOKEN

Sanic (Rasa's own web server, already installed with it) serves server-rendered Jinja2 pages; the only
script is the training page's progress poll. Off unless a staff secret is set; loopback unless
CLINIC_CONSOLE_BIND says otherwise; every page but the login needs a session, every POST its CSRF token;
every change is recorded with who and when (staff/console/audit.py).
"""

from __future__ import annotations

import logging
import sys
from typing import Optional

from sanic import Request, Sanic, response
from sanic.exceptions import NotFound, SanicException
from sanic.response import HTTPResponse

from staff.console import answers, examples, new_topic, release, review_queue, training
from staff.console.audit import AuditLog, private_dir
from staff.console.auth import (
    ConsoleOff,
    Sessions,
    Throttle,
    WeakSecret,
    clean_name,
    new_token,
    same_token,
)
from staff.console.config import ConsoleConfig, from_env
from staff.console.web import HERE, jinja, off_loop, render

logger = logging.getLogger(__name__)
SESSION_COOKIE = "clinic_console"
LOGIN_COOKIE = "clinic_console_login"
PUBLIC = ("/login", "/static/", "/favicon.ico")
HEADERS = {
    # Only this console's own files; no framing (clickjacking), forms post here only.
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; "
        "base-uri 'none'; object-src 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def set_cookie(resp: HTTPResponse, name: str, value: str, cfg: ConsoleConfig, max_age: int) -> None:
    resp.cookies[name] = value
    cookie = resp.cookies[name]
    cookie["httponly"] = True
    cookie["samesite"] = "Strict"
    cookie["path"] = "/"
    cookie["max-age"] = max_age
    if cfg.secure_cookie:
        cookie["secure"] = True


def client(request: Request) -> str:
    return request.ip or "?"


def create_app(cfg: ConsoleConfig, name: str = "clinic_staff_console") -> Sanic:
    app = Sanic(name)
    app.config.ACCESS_LOG = False  # URLs and addresses of staff stay out of the logs
    app.ctx.config = cfg
    app.ctx.jinja = jinja()
    app.ctx.sessions = Sessions(cfg.session_minutes * 60)
    app.ctx.throttle = Throttle()
    app.ctx.audit = AuditLog(private_dir(cfg.private_dir))
    app.ctx.trainer = training.Trainer(cfg.root, cfg.private_dir)
    app.static("/static", str(HERE / "static"), name="static")
    for module in (answers, examples, new_topic, release, review_queue, training):
        app.blueprint(module.bp)

    @app.on_request
    async def require_session(request: Request) -> Optional[HTTPResponse]:
        request.ctx.session = None
        if request.path.startswith(PUBLIC):
            return None
        sess = app.ctx.sessions.get(request.cookies.get(SESSION_COOKIE))
        if sess is None:
            if request.method == "GET":
                return response.redirect("/login", status=303)
            return refused(request, "Your session has ended. Sign in again.", 401)
        request.ctx.session = sess
        if request.method == "POST" and not same_token(sess.csrf, request.form.get("csrf")):
            app.ctx.audit.record(
                sess.who, "refused form", request.path, "missing or wrong CSRF token"
            )
            return refused(
                request,
                "This form was not sent by the console's own page (its security token is missing "
                "or out of date). Go back, reload the page and try again.",
                403,
            )
        return None

    @app.on_response
    async def headers(request: Request, resp: HTTPResponse) -> None:
        for key, value in HEADERS.items():
            resp.headers.setdefault(key, value)

    @app.get("/login")
    async def login_page(request: Request) -> HTTPResponse:
        return login_form(request, cfg)

    @app.post("/login")
    async def login(request: Request) -> HTTPResponse:
        if not same_token(request.cookies.get(LOGIN_COOKIE, ""), request.form.get("csrf")):
            return login_form(request, cfg, "The sign-in form had expired; try again.", 403)
        if not app.ctx.throttle.allowed(client(request)):
            return login_form(
                request, cfg, "Too many wrong passwords: wait ten minutes and try again.", 429
            )
        name = clean_name(request.form.get("name") or "")
        if name is None:
            return login_form(
                request, cfg, "Write your name (it is recorded with your changes).", 400
            )
        if not cfg.secrets.check(request.form.get("password") or ""):
            app.ctx.throttle.failed(client(request))
            return login_form(request, cfg, "Wrong password.", 401)
        app.ctx.throttle.succeeded(client(request))
        sess = app.ctx.sessions.create(name)
        app.ctx.audit.record(name, "sign in", "console")
        resp = response.redirect("/", status=303)
        set_cookie(resp, SESSION_COOKIE, sess.id, cfg, int(cfg.session_minutes * 60))
        del resp.cookies[LOGIN_COOKIE]
        return resp

    @app.post("/logout")
    async def logout(request: Request) -> HTTPResponse:
        sess = request.ctx.session
        app.ctx.audit.record(sess.who, "sign out", "console")
        app.ctx.sessions.end(sess.id)
        resp = response.redirect("/login", status=303)
        del resp.cookies[SESSION_COOKIE]
        return resp

    @app.get("/favicon.ico")
    async def favicon(request: Request) -> HTTPResponse:
        return response.empty()

    @app.get("/")
    async def home(request: Request) -> HTTPResponse:
        count, _ = await off_loop(release.draft_summary, cfg.content_dir)
        return render(
            request,
            "home.html",
            title="Staff console",
            problem_count=count,
            current=release.current_version(),
            training=app.ctx.trainer.status(),
            audit=app.ctx.audit.latest(10),
        )

    @app.exception(NotFound)
    async def not_found(request: Request, exc: Exception) -> HTTPResponse:
        return refused(request, str(exc) or "There is no such page.", 404)

    @app.exception(SanicException)
    async def http_error(request: Request, exc: SanicException) -> HTTPResponse:
        return refused(request, str(exc), getattr(exc, "status_code", 500) or 500)

    @app.after_server_stop
    async def stop_training(app_: Sanic, _loop: object) -> None:
        app_.ctx.trainer.stop()

    return app


def refused(request: Request, text: str, status: int) -> HTTPResponse:
    return render(request, "refused.html", status=status, title="Not done", message=text)


def login_form(
    request: Request, cfg: ConsoleConfig, error: str = "", status: int = 200
) -> HTTPResponse:
    # Kept while the browser has one: a second tab, or the browser's own requests that end on this page,
    # must not invalidate the form already shown.
    token = request.cookies.get(LOGIN_COOKIE) or new_token()
    resp = render(
        request, "login.html", status=status, title="Sign in", error=error, login_csrf=token
    )
    set_cookie(resp, LOGIN_COOKIE, token, cfg, 3600)
    return resp


def main() -> int:
    try:
        cfg = from_env()
    except (ConsoleOff, WeakSecret) as e:
        print(f"console: {e}", file=sys.stderr)
        return 1
    app = create_app(cfg)
    print(
        f"Staff console on http://{cfg.bind}:{cfg.port} (editing {cfg.root}); Ctrl-C stops it.",
        flush=True,
    )
    app.run(host=cfg.bind, port=cfg.port, access_log=False, motd=False, workers=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
