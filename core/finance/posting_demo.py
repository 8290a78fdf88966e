"""Demo posting: a Kingdee 云星空 connection to the emulator mounted in the app, every account
the demo's vouchers use mapped to the emulator's chart (a sub-account to its nearest parent
there), the shops, SKUs and warehouses mapped to its customers, materials, departments and
warehouses, the business documents turned on, and the vouchers and documents posted, saved,
submitted and audited in Kingdee (docs/accounting.md).

Called from core/demo.py after the demo's business history, so there are vouchers to post."""

from __future__ import annotations

import logging
import time
import zlib
from datetime import date

import httpx
from werkzeug.exceptions import NotFound
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from core import connections
from core.finance import posting
from core.plugins import registry
from tenants import service as tenants

log = logging.getLogger("tradelane.finance.posting_demo")


def nearest(code: str, chart: dict[str, str]) -> str | None:
    """The code itself, else its nearest parent that the target's chart has."""
    parts = code.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in chart:
            return candidate
        parts.pop()
    return None


def seed(base_url: str) -> None:
    reg = registry()
    emulator = reg.emulators.get("kingdee")
    if emulator is None or "kingdee" not in reg.adapters["accounting"]:
        return
    url = f"{base_url.rstrip('/')}/_emulators/kingdee"
    # The server is not up while the demo seeds: reach the mounted emulator in process
    # meanwhile (afterwards the connection goes over HTTP to the same emulator).
    mounted = DispatcherMiddleware(NotFound(), {"/_emulators/kingdee": emulator})  # as the app mounts it
    connections.route(url, transport=httpx.WSGITransport(app=mounted))
    try:
        conn = tenants.create_connection(
            kind="accounting",
            plugin="kingdee",
            display_name="金蝶云星空 (demo)",
            settings={
                **emulator.connection_settings(url),
                **{f"documents_{kind}": True for kind in ("sales_outbound", "sales_return", "transfer")},
            },
        )
        connections.test(conn.id)
        with connections.using(conn, "accounting") as target:
            codes = {
                kind: dict(target.list_codes(kind))
                for kind in ("account", "customer", "material", "department", "warehouse")
            }
        rows = []
        for item in posting.items(conn.id):
            if item.kind == "account":
                code = nearest(item.local_key, codes["account"])
            else:
                options = sorted(codes.get(item.kind, {}))
                code = options[zlib.crc32(item.local_key.encode()) % len(options)] if options else None
            if code:
                rows.append({"kind": item.kind, "local_key": item.local_key, "external_code": code})
        posting.set_mappings(conn.id, rows)
        missing = posting.unmapped(conn.id)
        if missing:
            log.warning("demo posting: %d items have no Kingdee code; nothing posted", len(missing))
            return
        run = posting.start_run(conn.id, date(2000, 1, 1), enqueue=False)
        # Now, while the emulator is reachable in process. Kingdee's throttle answers a fast run
        # with 429: wait as told and go on, as the job would (what was posted stays posted).
        for _ in range(30):
            try:
                posting.execute(run.id)
                break
            except posting.Throttled as exc:
                time.sleep(min(exc.retry_after or 1.0, 5.0))
        else:
            log.warning("demo posting: Kingdee kept throttling; the rest of the run is waiting")
    finally:
        connections.unroute(url)
