"""Demo books: finance set up with the tenant's chart, estimated fees per channel, and the rate
feed pointed at the ECB emulator of this process. The ledger itself is fed by the demo's own
business events (receipts, shipments, transfers...), booked by the finance subscriber like any
tenant's; USD orders wait for their rates until the feed has brought them."""

from __future__ import annotations

import importlib.util

from core import jobs
from core.finance.service import settings


def seed(base_url: str) -> None:
    st = settings()  # set up with the tenant's chart if the first event has not done it yet
    st.fee_estimates = {"amazon": "15", "aliexpress": "8", "shopify": "3", "woocommerce": "3"}
    st.rate_feed_url = f"{base_url.rstrip('/')}/_emulators/finance/eurofxref-hist-90d.xml"
    if importlib.util.find_spec("core.fx") is not None:  # the dated rates table is installed
        jobs.enqueue("finance.fetch_rates", dedupe_key="finance.fetch_rates")
