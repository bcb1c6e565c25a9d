"""What the live clients' tests share: a fake clock and a threaded server on 127.0.0.1.

Each test file builds its own fake API as a :class:`LocalServer` whose handler subclasses
:class:`ReplyHandler`; :func:`serving` starts it for one test and stops it after. Sleeping
is recorded on a :class:`FakeClock`, so politeness delays are checked without being
waited out.
"""

from __future__ import annotations

import http.server
import itertools
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar


class FakeClock:
    """Monotonic time that moves only when the client sleeps; sleeps are recorded."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class ReplyHandler(http.server.BaseHTTPRequestHandler):
    """A quiet HTTP/1.1 handler with :meth:`reply`, for a fake API to subclass."""

    protocol_version = "HTTP/1.1"
    timeout: float | None = 5
    content_type = "application/json"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def reply(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        """Send ``body`` with ``status``; ``headers`` add to or override the Content-Type."""
        self.send_response_only(status)
        for name, value in {"Content-Type": self.content_type, **(headers or {})}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class LocalServer:
    """A threaded HTTP server on 127.0.0.1; ``url`` is its address plus ``path``.

    ``release`` is set when the server stops, freeing handlers that hang on purpose.
    """

    def __init__(self, handler: type[http.server.BaseHTTPRequestHandler], path: str = "") -> None:
        self.release = threading.Event()
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}{path}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)


Server = TypeVar("Server", bound=LocalServer)


@contextmanager
def serving(server: Server) -> Iterator[Server]:
    """Run ``server`` for the block, then release its hanging handlers and shut it down."""
    server.thread.start()
    try:
        yield server
    finally:
        server.release.set()
        server.httpd.shutdown()
        server.httpd.server_close()
        server.thread.join()


def gaps(times: Iterable[float]) -> list[float]:
    """Time between each request and the next."""
    return [b - a for a, b in itertools.pairwise(times)]
