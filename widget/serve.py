#!/usr/bin/env python3
"""The demo clinic site with the chat widget, on a tiny static server (standard library only).

    python widget/serve.py [PORT] [--server-url URL] [--host HOST]

PORT: argv, else $WIDGET_PORT, else 8080. HOST: --host, else $WIDGET_HOST, else 127.0.0.1.
Serves widget/site/ at / and the widget itself at /clinic-chat.js (also /widget/clinic-chat.js).
--server-url (or $CLINIC_CHAT_SERVER_URL) points the demo site at an assistant other than
http://localhost:5005 (the tests start one on a free port): it is appended to /chat-config.js.
Every response says Cache-Control: no-cache, so an edited widget is picked up on reload.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
SITE = HERE / "site"
# The widget's own files, served beside the site (nothing else from widget/ is exposed).
WIDGET_FILES = {
    "/clinic-chat.js": HERE / "clinic-chat.js",
    "/widget/clinic-chat.js": HERE / "clinic-chat.js",
}


class Handler(SimpleHTTPRequestHandler):
    server_url: str = ""

    extensions_map = {
        **SimpleHTTPRequestHandler.extensions_map,
        ".js": "text/javascript; charset=utf-8",
        ".html": "text/html; charset=utf-8",
        ".css": "text/css; charset=utf-8",
        ".svg": "image/svg+xml",
    }

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-cache")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        super().end_headers()

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        path = urlsplit(self.path).path
        if path in WIDGET_FILES:
            return self._send_file(WIDGET_FILES[path])
        if path == "/chat-config.js" and self.server_url:
            body = (SITE / "chat-config.js").read_bytes()
            body += b"\n/* serve.py --server-url */\nwindow.ClinicChatConfig.serverUrl = %s;\n" % (
                json.dumps(self.server_url).encode()
            )
            return self._send_bytes(body, "text/javascript; charset=utf-8")
        return super().do_GET()

    def _send_file(self, file: Path) -> None:
        self._send_bytes(file.read_bytes(), self.guess_type(str(file)))

    def _send_bytes(self, body: bytes, ctype: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, fmt: str, *args) -> None:
        if os.environ.get("WIDGET_QUIET") != "1":
            super().log_message(fmt, *args)


def make_server(port: int, host: str = "127.0.0.1", server_url: str = "") -> ThreadingHTTPServer:
    handler = type("DemoHandler", (Handler,), {"server_url": server_url})
    httpd = ThreadingHTTPServer((host, port), partial(handler, directory=str(SITE)))
    httpd.daemon_threads = True
    return httpd


def main(argv: list[str]) -> None:
    ap = argparse.ArgumentParser(description="Serve the demo clinic site with the chat widget.")
    ap.add_argument("port", nargs="?", type=int, default=int(os.environ.get("WIDGET_PORT", "8080")))
    ap.add_argument("--host", default=os.environ.get("WIDGET_HOST", "127.0.0.1"))
    ap.add_argument("--server-url", default=os.environ.get("CLINIC_CHAT_SERVER_URL", ""))
    args = ap.parse_args(argv)
    httpd = make_server(args.port, args.host, args.server_url)
    print(f"demo clinic site: http://localhost:{args.port}/ (widget: /clinic-chat.js)", flush=True)
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        httpd.server_close()


if __name__ == "__main__":
    main(sys.argv[1:])
