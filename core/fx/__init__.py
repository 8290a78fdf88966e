"""Dated exchange rates per tenant (DESIGN §3): the `fx_rates` table, its API, and the lookup
that `core.money.rate` reads them through, registered here so that loading the capability
(create_app, the worker, the CLI) is enough for every caller of `money.rate`."""

from core import money
from core.fx import service as _service

money.register_rate_lookup(_service.lookup)
