"""The portal in headless Chromium: the journey of a new seller, live job progress, phones."""

from __future__ import annotations

import re
import secrets

import pytest
from sqlalchemy import update

from core import jobs
from core.db import session, utcnow

pytestmark = pytest.mark.browser


def test_signup_logout_login_and_switch_to_chinese(browser_page, live_server):
    page = browser_page
    outside = []
    page.on("request", lambda req: None if req.url.startswith(live_server) else outside.append(req.url))
    email = f"mei-{secrets.token_hex(4)}@example.test"

    page.goto("/signup")
    page.get_by_label("Company").fill("Mei Cross-border Ltd")
    page.get_by_label("Your name").fill("Mei")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill("a long enough password")
    page.get_by_role("button", name="Create account").click()

    page.wait_for_url(f"{live_server}/")
    assert page.get_by_role("heading", name="Dashboard").is_visible()
    assert page.get_by_text("Welcome to Tradelane, Mei Cross-border Ltd.").is_visible()
    assert page.locator(".card-title", has_text="Active users").is_visible()
    assert page.evaluate("typeof htmx") == "object"  # served from /static, no CDN

    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(re.compile(r".*/login$"))
    assert page.get_by_text("You are logged out.").is_visible()

    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill("a long enough password")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server}/")

    page.get_by_role("button", name="中文").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="仪表盘").is_visible()
    assert page.get_by_role("link", name="后台任务").is_visible()
    assert page.locator(".card-title", has_text="启用中的用户").is_visible()
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert not outside, f"the portal fetched from other hosts: {outside}"


def _login(page, tenant) -> None:
    page.goto("/login")
    page.get_by_label("E-mail").fill(tenant.owner_email)
    page.get_by_label("Password").fill(tenant.password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r".*/$"))


def test_job_progress_updates_without_reloading(browser_page, tenant_a):
    with tenant_a.scope():
        row = jobs.Job(
            kind="catalog.import", queue="default", status="running", progress=30, message="row 300 of 1000", args={}
        )
        session.add(row)
        session.flush()
        job_id = row.id
    page = browser_page
    _login(page, tenant_a)
    page.goto(f"/jobs/{job_id}")
    assert page.get_by_text("row 300 of 1000").is_visible()
    with tenant_a.scope():
        session.execute(
            update(jobs.Job)
            .where(jobs.Job.id == job_id)
            .values(status="succeeded", progress=100, message="done", finished_at=utcnow())
        )
    page.locator("#job-status .badge", has_text="Succeeded").wait_for(timeout=8000)
    assert page.get_by_text("100%").first.is_visible()


def test_on_a_phone_the_navigation_opens_from_the_menu_button(browser, live_server, tenant_a):
    context = browser.new_context(base_url=live_server, locale="en-US", viewport={"width": 390, "height": 800})
    try:
        page = context.new_page()
        _login(page, tenant_a)
        jobs_link = page.locator(".sidebar").get_by_role("link", name="Jobs")
        assert not jobs_link.is_visible()
        page.get_by_label("Menu").click()
        assert jobs_link.is_visible()
        jobs_link.click()
        page.wait_for_url(re.compile(r".*/jobs/$"))
        assert page.get_by_role("heading", name="Jobs").is_visible()
    finally:
        context.close()
