"""Security headers and the session cookie (core/headers.py, core/config.py), and a portal that
runs under its own Content-Security-Policy: no inline script or style anywhere."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from core.config import load_config

WEB = Path(__file__).resolve().parents[2] / "web"


def test_portal_pages_and_api_responses_carry_the_security_headers(app, anonymous, portal, tenant_a):
    owner = portal(tenant_a)
    for resp in (anonymous.get("/login"), owner.get("/settings/users"), tenant_a.api.get("users")):
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert resp.headers["X-Frame-Options"] == "DENY"
        assert resp.headers["Referrer-Policy"] == "same-origin"
        csp = resp.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert anonymous.get("/static/css/portal.css").headers["X-Content-Type-Options"] == "nosniff"


def test_the_session_cookie_is_secure_unless_in_development(app, tenant_a):
    assert load_config({})["SESSION_COOKIE_SECURE"] is True, "production is the default"
    assert load_config({"TRADELANE_ENV": "development"})["SESSION_COOKIE_SECURE"] is False
    with pytest.raises(RuntimeError, match="TRADELANE_ENV"):
        load_config({"TRADELANE_ENV": "staging-ish"})
    client = app.test_client()
    resp = client.post("/api/v1/auth/login", json={"email": tenant_a.owner_email, "password": tenant_a.password})
    cookie = resp.headers["Set-Cookie"]
    assert cookie.startswith("session=") and "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_the_demo_runs_in_development():
    """The embedded demo is served over plain http: its cookie cannot be Secure there."""
    source = (WEB.parent / "core" / "cli.py").read_text()
    demo = source[source.index("def demo(") : source.index("def serve(")]
    assert '"TRADELANE_ENV": "development"' in demo


INLINE = (
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "an inline <script>"),
    (re.compile(r"<style\b", re.I), "a <style> block"),
    (re.compile(r"\sstyle\s*=", re.I), "a style= attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "an on...= event handler"),
    (re.compile(r"javascript:", re.I), "a javascript: URL"),
    (re.compile(r"hx-on|hx-vals=['\"]\s*(js|javascript):", re.I), "htmx evaluating code"),
)


def _markup(template: str) -> str:
    """What a template sends: Jinja comments and tags blanked (line numbers kept)."""
    return re.sub(r"\{#.*?#\}|\{%.*?%\}", lambda m: re.sub(r"[^\n]", " ", m.group(0)), template, flags=re.S)


def test_no_template_needs_what_the_policy_refuses():
    found = [
        f"{path.relative_to(WEB)}:{text[: m.start()].count(chr(10)) + 1}: {what}"
        for path in sorted(WEB.rglob("*.html"))
        for text in [_markup(path.read_text())]
        for pattern, what in INLINE
        for m in pattern.finditer(text)
    ]
    assert not found, "move it to web/static (css/portal.css, js/portal.js):\n" + "\n".join(found)


@pytest.mark.browser
def test_chromium_runs_the_portal_under_its_policy(browser_page, live_server, tenant_a):
    from tests.web.conftest import PASSWORD, add_user

    page = browser_page
    problems: list[str] = []

    def console(msg):
        if msg.type == "error" and not msg.location.get("url", "").endswith("/favicon.ico"):
            problems.append(f"{msg.text} ({msg.location.get('url')})")

    page.on("console", console)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on("response", lambda resp: problems.append(f"{resp.status} {resp.url}") if resp.status >= 400 else None)
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => "
        "console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI))"
    )
    leaver = add_user(tenant_a, "viewer")
    assert PASSWORD
    page.goto("/login")
    page.get_by_label("E-mail").fill(tenant_a.owner_email)
    page.get_by_label("Password").fill(tenant_a.password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r".*/$"))
    assert page.evaluate("typeof htmx") == "object" and page.evaluate("htmx.config.allowEval") is False
    pages = ("/", "/settings/users", "/settings/api-keys", "/jobs/", "/orders/", "/inventory/", "/catalog/")
    for path in (*pages, "/finance/reports"):
        page.goto(path)
    page.locator("figure.chart svg").first.wait_for()  # charts.js drew under the policy
    # data-confirm forms ask first: dismissed, nothing happens; accepted, the form is sent.
    page.goto("/settings/users")
    row = page.locator("tr", has_text=leaver)
    page.once("dialog", lambda dialog: dialog.dismiss())
    row.get_by_role("button", name="Deactivate").click()
    page.wait_for_timeout(300)
    assert row.get_by_role("button", name="Deactivate").is_visible()
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Deactivate").click()
    page.get_by_text(f"{leaver} is deactivated and logged out.").wait_for()
    assert not problems, problems
