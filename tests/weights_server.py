# SPDX-License-Identifier: GPL-2.0-or-later
"""A local HTTP server on 127.0.0.1 (a thread, a free port) that serves the shared copy of the Presto weights,
for the download tests of the engine (tests/test_presto_weights.py) and of the dock. Nothing leaves the machine.

Paths: ``/default_model.pt`` the shared file; ``/corrupt.pt`` the same bytes with one changed; ``/short.pt`` a
Content-Length of the whole file but only half the bytes; ``/hang.pt`` headers, then silence until the server
stops; anything else 404. ``requests`` lists the paths asked for.
"""
from __future__ import annotations

import contextlib
import http.server
import os
import threading
from typing import Iterator, List

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PRESTO_DIR = os.path.normpath(os.path.join(ROOT, "..", "shared", "pretrained", "presto"))
SHARED_WEIGHTS = os.path.join(PRESTO_DIR, "default_model.pt")
HAVE_WEIGHTS = os.path.isfile(SHARED_WEIGHTS)
SKIP_REASON = f"the shared Presto weights are not at {SHARED_WEIGHTS} (shared data, never in the repository)"


class WeightsServer:
    def __init__(self) -> None:
        with open(SHARED_WEIGHTS, "rb") as handle:
            self.payload = handle.read()
        corrupt = bytearray(self.payload)
        corrupt[len(corrupt) // 2] ^= 0xFF
        self.corrupt = bytes(corrupt)
        self.requests: List[str] = []
        self.stop = threading.Event()
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server API
                server.requests.append(self.path)
                body = {"/default_model.pt": server.payload, "/corrupt.pt": server.corrupt,
                        "/short.pt": server.payload, "/hang.pt": server.payload}.get(self.path)
                if body is None:
                    self.send_error(404, "Not Found")
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.path == "/hang.pt":
                    server.stop.wait(30)
                    return
                try:
                    self.wfile.write(body[:len(body) // 2] if self.path == "/short.pt" else body)
                except (BrokenPipeError, ConnectionResetError):  # the client stopped reading (a cancel)
                    pass

            def log_message(self, *args) -> None:  # quiet in the test output
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)

    def url(self, path: str = "/default_model.pt") -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"


@contextlib.contextmanager
def weights_server() -> Iterator[WeightsServer]:
    server = WeightsServer()
    server.thread.start()
    try:
        yield server
    finally:
        server.stop.set()
        server.httpd.shutdown()
        server.httpd.server_close()
        server.thread.join(5)
