"""Per-address rate limits on login and sign-up, in the API and the portal (core/ratelimit.py)."""

from __future__ import annotations

import logging
import secrets

import pytest
import redis

from core import ratelimit
from tests.support import body
from tests.web.conftest import PortalClient


class Clock:
    def __init__(self, start: float = 1_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(app, monkeypatch):
    """Fresh in-memory counters for this test, on a clock the test moves."""
    clock = Clock()
    monkeypatch.setitem(app.extensions, ratelimit.EXTENSION, ratelimit.MemoryCounters(clock=clock))
    return clock


@pytest.fixture
def limits(app, monkeypatch):
    def set_limits(login: str = "0", signup: str = "0") -> None:
        monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", login)
        monkeypatch.setitem(app.config, "SIGNUP_RATE_LIMIT", signup)

    return set_limits


def _client(app, address):
    """A new visitor (no cookie) from `address`."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _login(app, address, email, password="wrong password", **kw):
    return _client(app, address).post("/api/v1/auth/login", json={"email": email, "password": password}, **kw)


def _signup(app, address, data):
    return _client(app, address).post("/api/v1/auth/signup", json=data)


def _signup_body(**overrides):
    return {
        "company": "Rate Co",
        "email": f"founder-{secrets.token_hex(4)}@example.test",
        "password": "a long password",
        "currency": "CNY",
        "timezone": "Asia/Shanghai",
        "locale": "en",
        **overrides,
    }


def test_api_login_is_limited_per_address_with_retry_after(app, tenant_a, clock, limits):
    limits(login="3/60")
    clock.now = 1_000_220.0  # 20 s into a 60 s window
    attacker, neighbour = "203.0.113.7", "203.0.113.8"
    # Three tries of different accounts: the per-account lock never sees more than one.
    for email in ("a@example.test", "b@example.test", tenant_a.owner_email):
        assert _login(app, attacker, email).status_code == 401
    refused = _login(app, attacker, tenant_a.owner_email, tenant_a.password)
    assert refused.status_code == 429, "even the right password waits: the address is limited"
    assert body(refused)["message"] == "too many attempts from your address: try again in 40 seconds"
    assert refused.headers["Retry-After"] == "40"
    # A spoofed X-Forwarded-For does not make a new address (no proxy is trusted by default).
    assert _login(app, attacker, "c@example.test", headers={"X-Forwarded-For": "198.51.100.1"}).status_code == 429
    assert _login(app, neighbour, tenant_a.owner_email, tenant_a.password).status_code == 200
    clock.now += 40  # the window has passed
    assert _login(app, attacker, tenant_a.owner_email, tenant_a.password).status_code == 200


def test_api_signup_is_limited_per_address_even_for_bad_bodies(app, clock, limits):
    limits(signup="2/3600")
    address = "203.0.113.20"
    assert _signup(app, address, _signup_body()).status_code == 201
    assert _signup(app, address, {"company": ""}).status_code == 422
    refused = _signup(app, address, _signup_body())
    assert refused.status_code == 429 and 1 <= int(refused.headers["Retry-After"]) <= 3600
    assert "too many attempts from your address" in body(refused)["message"]
    assert _signup(app, "203.0.113.21", _signup_body()).status_code == 201


def test_portal_login_and_signup_are_limited_too(app, tenant_a, clock, limits):
    limits(login="2/60", signup="1/600")
    clock.now = 1_000_200.0  # the start of a window: 60 s (and 600 s) to wait
    visitor = PortalClient(app, accept_language="zh-CN")
    visitor.client.environ_base["REMOTE_ADDR"] = "203.0.113.30"
    for _ in range(2):
        assert visitor.post("/login", {"email": tenant_a.owner_email, "password": "wrong"}).status_code == 401
    refused = visitor.post("/login", {"email": tenant_a.owner_email, "password": tenant_a.password})
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "60"
    assert "来自你的地址的尝试次数过多：请 60 秒后再试" in refused.get_data(as_text=True)
    form = {
        "company": "Portal Rate Co",
        "email": f"portal-{secrets.token_hex(4)}@example.test",
        "password": "a long password",
        "currency": "CNY",
        "timezone": "Asia/Shanghai",
        "locale": "en",
    }
    assert visitor.post("/signup", form).status_code == 302
    visitor.post("/logout")
    again = visitor.post("/signup", {**form, "email": f"portal-{secrets.token_hex(4)}@example.test"})
    assert again.status_code == 429 and again.headers["Retry-After"] == "600"
    assert "请 10 分钟后再试" in again.get_data(as_text=True)


def test_a_limit_of_zero_is_off_and_a_bad_limit_is_refused_at_start():
    assert ratelimit.Rule.parse("0") is None and ratelimit.Rule.parse("") is None
    assert ratelimit.Rule.parse("20/60") == ratelimit.Rule(20, 60)
    for bad in ("20", "x/60", "20/0", "-1/60"):
        with pytest.raises(ValueError):
            ratelimit.Rule.parse(bad)
    from flask import Flask

    app = Flask("check")
    app.config.update(LOGIN_RATE_LIMIT="lots", SIGNUP_RATE_LIMIT="1/60", REDIS_URL=None)
    with pytest.raises(RuntimeError, match="LOGIN_RATE_LIMIT"):
        ratelimit.install(app)


def test_with_redis_every_process_shares_the_counts_under_its_prefix(redis_url, queue_prefix):
    from flask import Flask

    prefix = f"{queue_prefix}{secrets.token_hex(4)}-"
    app = Flask("check")
    app.config.update(LOGIN_RATE_LIMIT="20/60", SIGNUP_RATE_LIMIT="1/60", REDIS_URL=redis_url, QUEUE_PREFIX=prefix)
    ratelimit.install(app)
    counters = app.extensions[ratelimit.EXTENSION]
    assert isinstance(counters, ratelimit.RedisCounters)
    assert counters.prefix == f"tradelane:{prefix}ratelimit:"
    clock = Clock(1_999_980.0)  # the start of a 60 s window
    one, two = (ratelimit.RedisCounters(redis_url, counters.prefix, clock=clock) for _ in range(2))
    other_run = ratelimit.RedisCounters(redis_url, f"tradelane:{prefix}other-ratelimit:", clock=clock)
    assert one.hit("login:203.0.113.40", 60) == (1, 60)
    assert two.hit("login:203.0.113.40", 60) == (2, 60), "a second web process sees the first one's count"
    assert other_run.hit("login:203.0.113.40", 60) == (1, 60), "another deployment or test run counts apart"
    server = redis.Redis.from_url(redis_url)
    keys = server.keys(f"tradelane:{prefix}*")
    assert len(keys) == 2 and all(0 < server.ttl(k) <= 61 for k in keys), "windows expire by themselves"
    server.delete(*keys)


def test_when_redis_is_down_login_still_works(app, tenant_a, limits, monkeypatch, caplog):
    limits(login="1/60")
    monkeypatch.setitem(
        app.extensions, ratelimit.EXTENSION, ratelimit.RedisCounters("redis://127.0.0.1:1/0", "tradelane:down:")
    )
    caplog.set_level(logging.WARNING, logger="tradelane.ratelimit")
    for _ in range(2):
        assert _login(app, "203.0.113.50", tenant_a.owner_email, tenant_a.password).status_code == 200
    assert "rate limit login not checked" in caplog.text
