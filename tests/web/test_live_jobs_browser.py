"""In Chromium, in Chinese: Sync now shows its job where it was pressed, and the progress moves
on to the result without a reload; the jobs list names the job in Chinese and updates its row."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from sqlalchemy import update

from core import jobs
from core.db import session, utcnow
from tests.core.sync.conftest import connect  # noqa: F401 - fixture
from tests.support import make_tenant

pytestmark = pytest.mark.browser


def _chinese_login(page, tenant) -> None:
    page.goto("/login")
    page.get_by_label("E-mail").fill(tenant.owner_email)
    page.get_by_label("Password").fill(tenant.password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r".*/$"))
    page.get_by_role("button", name="中文").click()
    page.wait_for_load_state()


def test_sync_now_progress_moves_on_without_a_reload_in_chinese(app, browser_page, connect, tmp_path):  # noqa: F811
    shop = make_tenant(app, "Live progress shop")
    channel = connect(shop, "shopify")
    channel.generate(2)
    channel.settle()
    with shop.scope():
        row = jobs.Job(
            kind="sync.connection",
            queue="sync",
            status="running",
            progress=30,
            message="page 2",
            args={"connection_id": str(channel.connection_id)},
            created_by=shop.owner_email,
        )
        session.add(row)
        session.flush()
        job_id = row.id
    shots = Path(os.environ.get("SCREENSHOTS_DIR") or tmp_path)  # to look at what the seller sees
    page = browser_page
    _chinese_login(page, shop)
    page.goto(f"/connections/{channel.conn}/runs?job={job_id}")
    panel = page.locator(f"#job-live-{job_id}")
    assert panel.get_by_text("订单同步").is_visible() and panel.get_by_text("30%").is_visible()
    page.screenshot(path=str(shots / "sync-running.png"), full_page=True)
    page.evaluate("window.__same_page = true")
    with shop.scope():
        session.execute(
            update(jobs.Job)
            .where(jobs.Job.id == job_id)
            .values(status="succeeded", progress=100, result={"created": 2, "updated": 0}, finished_at=utcnow())
        )
    page.locator(f"#job-live-{job_id} .badge", has_text="成功").wait_for(timeout=10_000)
    assert page.locator(f"#job-live-{job_id}").get_by_text("新建订单").is_visible()
    assert page.evaluate("window.__same_page") is True, "the page was not reloaded"
    page.screenshot(path=str(shots / "sync-done.png"), full_page=True)

    page.goto("/jobs/")
    assert page.get_by_role("link", name="订单同步").first.is_visible()
