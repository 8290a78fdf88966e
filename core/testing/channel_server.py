"""An emulator served over real HTTP (or HTTPS) on loopback, for tests that drive it with a
platform's own client library instead of the adapter: such a client knows nothing of
httpx.WSGITransport, and what it sends over a socket is what the platform would receive.

    with served(WooCommerceEmulator()) as base_url:
        API(base_url, key, secret).get("orders")
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from werkzeug.serving import make_server


@contextlib.contextmanager
def served(app: Callable[..., Iterable[bytes]], *, https: bool = False) -> Iterator[str]:
    """Serve the WSGI `app` from a thread on 127.0.0.1 and yield its base URL; `https` serves
    it with a throwaway self-signed certificate (clients must not verify it)."""
    ssl: Any = "adhoc" if https else None
    server = make_server("127.0.0.1", 0, app, threaded=True, ssl_context=ssl)
    thread = threading.Thread(target=server.serve_forever, name="emulator-server", daemon=True)
    thread.start()
    try:
        yield f"{'https' if https else 'http'}://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
