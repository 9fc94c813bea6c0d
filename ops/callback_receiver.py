"""A reference receiver for the call-back webhook (tests, bench, and the clinic's IT trying a setup): it verifies
each POST's signature the way docs/production.md tells the clinic's IT to, and records every POST
(raw, so duplicates show) on a port that survives stop()/start() (the "receiver down" tests).

    rx = Receiver(secret).start()
    rx.url                 # CALLBACK_WEBHOOK_URL
    rx.posts               # every POST received: {"body", "headers", "valid", "at"}
    rx.fail_with = 503     # answer with an error (None: 200)
    rx.stop(); rx.start()  # down (connection refused) and back, same port
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Optional

from actions import signing
from ops.launcher import free_port


class Receiver:
    def __init__(self, secret: str, port: Optional[int] = None) -> None:
        self.secret = secret
        self.port = port or free_port()
        self.posts: List[Dict[str, Any]] = []
        self.fail_with: Optional[int] = None
        self._server: Optional[ThreadingHTTPServer] = None
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/callbacks"

    def _handler(self) -> type:
        rx = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k: v for k, v in self.headers.items()}
                valid = signing.verify(
                    rx.secret,
                    headers.get(signing.TIMESTAMP_HEADER, ""),
                    body,
                    headers.get(signing.SIGNATURE_HEADER, ""),
                    time.time(),
                )
                with rx._lock:
                    rx.posts.append(
                        {"body": body, "headers": headers, "valid": valid, "at": time.time()}
                    )
                status = rx.fail_with or (200 if valid else 401)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"ok": true}' if status == 200 else b'{"error": "no"}')

            def log_message(self, *args: Any) -> None:
                pass

        return Handler

    def start(self) -> "Receiver":
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        self._server.allow_reuse_address = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def delivered(self) -> List[Dict[str, Any]]:
        """The accepted requests' bodies (valid signature, answered 200)."""
        with self._lock:
            return [json.loads(p["body"]) for p in self.posts if p["valid"]]

    def wait_for(self, count: int, timeout: float = 60) -> List[Dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.delivered()) >= count and self.fail_with is None:
                return self.delivered()
            time.sleep(0.1)
        return self.delivered()
