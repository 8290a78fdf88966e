"""Settlement files for tests, uploaded through the API."""

from __future__ import annotations

import io
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from core.testing import settlements as v2
from tests.core.purchasing.helpers import local_today
from tests.core.sync.helpers import connect, stock_catalogue
from tests.support import body

START = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)


def report(rows: list[dict[str, Any]], *, sid: str | None = None, locale: str = "us", **kw: Any) -> tuple[str, str]:
    sid = sid or str(secrets.randbelow(10**11) + 10**10)
    end = kw.pop("end", START + timedelta(days=14))
    deposit = kw.pop("deposit", end + timedelta(days=1))
    return sid, v2.write_v2(sid, rows, start=kw.pop("start", START), end=end, deposit=deposit, locale=locale, **kw)


def upload(tenant: Any, text: str | bytes, connection_id: Any, **form: Any) -> Any:
    data = text.encode() if isinstance(text, str) else text
    fields = {"file": (io.BytesIO(data), "settlement.txt"), "connection_id": str(connection_id), **form}
    return tenant.api.post("finance/settlements/amazon", data=fields, content_type="multipart/form-data")


def synced_channel(tenant: Any, plugin: str, orders: int) -> Any:
    """A Chinese ledger with a USD rate, the stock catalogue, and `plugin`'s emulator with
    `orders` own-fulfilled orders synced in. The caller closes the channel."""
    assert tenant.api.post("finance/setup", {"chart": "cn"}).status_code == 201
    resp = tenant.api.post("exchange-rates", {"base": "USD", "quote": "CNY", "date": str(local_today()), "rate": "7.1"})
    assert resp.status_code in (200, 201), body(resp)
    stock_catalogue(tenant)
    channel = connect(tenant, plugin)
    channel.generate(orders, platform_share=0)
    channel.settle()
    assert channel.sync()["orders_created"] == orders
    return channel


def run_job(tenant: Any, path: str) -> dict[str, Any]:
    """POST `path` (an endpoint answering 202 with a job id) and return the job, succeeded."""
    resp = tenant.api.post(path)
    assert resp.status_code == 202, body(resp)
    job = body(tenant.api.get(f"jobs/{body(resp)['job_id']}"))
    assert job["status"] == "succeeded", job
    return job
