"""Demo books: finance set up with the tenant's chart, estimated fees per channel, and the rate
feed pointed at the ECB emulator of this process. The ledger itself is fed by the demo's own
business events (receipts, shipments, transfers...), booked by the finance subscriber like any
tenant's; USD orders wait for their rates until the feed has brought them."""

from __future__ import annotations

import importlib.util
from datetime import date

from core.finance.service import settings


def seed(base_url: str) -> None:
    st = settings()  # set up with the tenant's chart if the first event has not done it yet
    st.fee_estimates = {"amazon": "15", "aliexpress": "8", "shopify": "3", "woocommerce": "3"}
    st.rate_feed_url = f"{base_url.rstrip('/')}/_emulators/finance/eurofxref-hist-90d.xml"
    if importlib.util.find_spec("core.fx") is not None:  # the dated rates table is installed
        # The first 90 days come straight from the emulator's document: the demo seeds before
        # its server listens, so a fetch over HTTP now would fail and wait for its retry. The
        # daily periodic job fetches the feed over HTTP from then on.
        from core.finance.emulator import document, working_days
        from core.finance.service.fxrates import import_ecb

        import_ecb(document(working_days(date.today(), 64)).encode(), filename="eurofxref-hist-90d.xml", source="feed")
