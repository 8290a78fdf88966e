"""Fixtures for portal tests: a logged-in browser-like client, a live server and Chromium."""

from __future__ import annotations

import html
import re
import secrets
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from werkzeug.serving import make_server

from tests.support import TenantHandle

PASSWORD = "portal password 1"
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def visible_text(markup: str) -> str:
    """What a reader sees of a page: tags, scripts and attributes dropped, spaces collapsed."""
    markup = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", markup)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", markup))).strip()


class PortalClient:
    """A Flask test client used like a browser: forms carry the CSRF token of the page."""

    def __init__(self, app: Any, accept_language: str | None = None) -> None:
        self.client = app.test_client()
        self.headers = {"Accept-Language": accept_language} if accept_language else {}
        self.email: str | None = None

    def get(self, path: str, **kw: Any) -> Any:
        return self.client.get(path, headers={**self.headers, **kw.pop("headers", {})}, **kw)

    def csrf_token(self) -> str:
        match = CSRF_RE.search(self.get("/signup").get_data(as_text=True))
        assert match, "the sign-up page has no CSRF token"
        return match.group(1)

    def post(self, path: str, data: dict[str, Any] | None = None, csrf: bool = True, **kw: Any) -> Any:
        data = dict(data or {})
        if csrf:
            data.setdefault("csrf_token", self.csrf_token())
        return self.client.post(path, data=data, headers={**self.headers, **kw.pop("headers", {})}, **kw)

    def text(self, path: str, status: int = 200) -> str:
        resp = self.get(path)
        assert resp.status_code == status, (
            f"GET {path}: {resp.status_code} {visible_text(resp.get_data(as_text=True))[:300]}"
        )
        return visible_text(resp.get_data(as_text=True))

    def log_in_as(self, tenant: TenantHandle, email: str) -> None:
        """Start a session as this user without the login form: the form is tested on its
        own, and password hashing would dominate the suite's run time."""
        from sqlalchemy import select

        from core.db import session
        from tenants.models import User

        with tenant.scope():
            user_id, version = session.execute(select(User.id, User.session_version).where(User.email == email)).one()
        with self.client.session_transaction() as cookie:
            cookie.update({"uid": str(user_id), "tid": str(tenant.id), "sv": version})
        self.email = email

    def login(self, email: str, password: str) -> Any:
        resp = self.post("/login", {"email": email, "password": password})
        assert resp.status_code == 302, visible_text(resp.get_data(as_text=True))[:300]
        self.email = email
        return resp


def add_user(tenant: TenantHandle, *roles: str, locale: str | None = "en") -> str:
    """A new user of `tenant` with these roles; returns the e-mail (password PASSWORD)."""
    from tenants import service

    email = f"{'-'.join(roles)}-{secrets.token_hex(4)}@example.test"
    with tenant.scope():
        owner = service.Principal(
            tenant_id=tenant.id, kind="user", id=tenant.owner_id, label=tenant.owner_email, roles=("owner",)
        )
        service.create_user(owner, email=email, password=PASSWORD, roles=list(roles), locale=locale)
    return email


@pytest.fixture
def portal(app):
    """portal(tenant) -> a client logged in as the tenant's owner; portal(tenant, "viewer")
    -> logged in as a new user with those roles."""

    def make(tenant: TenantHandle, *roles: str, accept_language: str | None = None) -> PortalClient:
        client = PortalClient(app, accept_language)
        client.log_in_as(tenant, add_user(tenant, *roles) if roles else tenant.owner_email)
        return client

    return make


@pytest.fixture
def anonymous(app) -> PortalClient:
    return PortalClient(app)


# ---------------------------------------------------------------------------------------------
# A live server and a browser for the Chromium tests


@pytest.fixture(scope="session")
def live_server(app) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="portal-live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    import os

    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"CI: {CHROMIUM} is not installed; browser tests must run on CI")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def browser_page(browser, live_server):
    """A fresh browser context (own cookies) speaking English, opened on the live server."""
    context = browser.new_context(base_url=live_server, locale="en-US")
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


def export_csv(resp: Any) -> list[list[str]]:
    """The rows of a CSV download (header first), checking it is one: UTF-8 with the BOM."""
    import csv
    import io

    assert resp.status_code == 200 and resp.mimetype == "text/csv", resp.status_code
    text = resp.get_data(as_text=True)
    assert text.startswith("\ufeff")  # spreadsheet programs read UTF-8 with the mark
    return list(csv.reader(io.StringIO(text[1:])))


def export_xlsx(resp: Any) -> list[list[Any]]:
    """The rows of an XLSX download (header first), as openpyxl reads them."""
    import io

    from openpyxl import load_workbook

    assert resp.status_code == 200 and resp.mimetype.endswith("spreadsheetml.sheet"), resp.status_code
    sheet = load_workbook(io.BytesIO(resp.get_data())).active
    return [list(r) for r in sheet.iter_rows(values_only=True)]


def table_headers(markup: str, table_id: str) -> list[str]:
    """The column headers of the page's table `table_id`, as the reader sees them."""
    head = markup.split(f'<table id="{table_id}">', 1)[1].split("</thead>", 1)[0]
    return [visible_text(h) for h in re.findall(r"<th[^>]*>(.*?)</th>", head, re.S)]
