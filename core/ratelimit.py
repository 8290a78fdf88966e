"""Per-address rate limits on the doors anyone can knock on: login and sign-up.

The per-account lock (tenants.service.authenticate) stops guessing one account's password; a
limit per client address stops one machine from trying many accounts, or from signing up
tenants by the thousand. Counting is a fixed window per (rule, address): the first request of a
window starts it, and once `limit` requests have come in, the rest of the window is answered
429 with `Retry-After` (the seconds until the window ends).

Counters live in Redis when REDIS_URL is configured, so that every web process of a deployment
shares them, and in this process's memory otherwise (the embedded demo). Redis keys start with
the deployment's prefix (TRADELANE_QUEUE_PREFIX), so deployments and test runs sharing one
Redis never count each other's requests. If Redis cannot be reached the request is let through
and a warning logged: the per-account lock still holds, and login must not fail with Redis.

Rules come from the configuration: LOGIN_RATE_LIMIT and SIGNUP_RATE_LIMIT, "<requests>/<seconds>"
(e.g. "20/60"); "0" or empty switches a rule off.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from flask import current_app, request

from core.errors import TooManyAttempts
from core.messages import Msg

log = logging.getLogger("tradelane.ratelimit")

EXTENSION = "tradelane.rate_limits"
RULES = {"login": "LOGIN_RATE_LIMIT", "signup": "SIGNUP_RATE_LIMIT"}


@dataclass(frozen=True)
class Rule:
    limit: int
    window: int  # seconds

    @classmethod
    def parse(cls, text: str | None) -> Rule | None:
        """ "20/60" -> 20 requests per 60 seconds; "0" or "" -> no limit."""
        text = (text or "").strip()
        if text in ("", "0"):
            return None
        count, _, seconds = text.partition("/")
        try:
            rule = cls(int(count), int(seconds))
        except ValueError:
            rule = None
        if rule is None or rule.limit < 1 or rule.window < 1:
            raise ValueError(f"a rate limit is <requests>/<seconds>, e.g. 20/60, not {text!r}")
        return rule


class MemoryCounters:
    """Counters of this process (the embedded default: one process serves everything)."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._counts: dict[tuple[str, int], int] = {}

    def hit(self, key: str, window: int) -> tuple[int, int]:
        """Count one request; returns (requests in this window so far, seconds it has left)."""
        now = self.clock()
        index = int(now // window)
        with self._lock:
            if len(self._counts) > 10_000:  # forget windows that have ended
                self._counts = {k: v for k, v in self._counts.items() if k[1] >= index}
            count = self._counts.get((key, index), 0) + 1
            self._counts[(key, index)] = count
        return count, _seconds_left(now, window)


class RedisCounters:
    """Counters shared by every process of the deployment: one INCR per request."""

    def __init__(self, url: str, prefix: str, clock: Callable[[], float] = time.time) -> None:
        import redis

        self.redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self.prefix = prefix
        self.clock = clock

    def hit(self, key: str, window: int) -> tuple[int, int]:
        now = self.clock()
        name = f"{self.prefix}{key}:{int(now // window)}"
        pipe = self.redis.pipeline(transaction=True)
        pipe.incr(name)
        pipe.expire(name, window + 1)
        count, _ = pipe.execute()
        return int(count), _seconds_left(now, window)


def _seconds_left(now: float, window: int) -> int:
    return max(1, math.ceil(window - now % window))


def redis_prefix(queue_prefix: str) -> str:
    return f"tradelane:{queue_prefix}ratelimit:"


def install(app: Any) -> None:
    """Choose the counters for this app and check the configured rules once, at start-up."""
    for setting in RULES.values():
        try:
            Rule.parse(app.config.get(setting))
        except ValueError as exc:
            raise RuntimeError(f"{setting}: {exc}") from None
    if app.config.get("REDIS_URL"):
        counters: Any = RedisCounters(app.config["REDIS_URL"], redis_prefix(app.config.get("QUEUE_PREFIX", "")))
    else:
        counters = MemoryCounters()
    app.extensions[EXTENSION] = counters


def client_address() -> str:
    """The caller's address. Behind a reverse proxy this is the client's only when the app is
    told how many proxies to trust (TRADELANE_TRUSTED_PROXIES, see core.app)."""
    return request.remote_addr or "unknown"


def check(rule_name: str) -> None:
    """Count this request against `rule_name` for the caller's address; raise TooManyAttempts
    (429 with Retry-After) once the window's allowance is spent."""
    rule = Rule.parse(current_app.config.get(RULES[rule_name]))
    if rule is None:
        return
    counters = current_app.extensions[EXTENSION]
    try:
        count, seconds_left = counters.hit(f"{rule_name}:{client_address()}", rule.window)
    except Exception as exc:  # noqa: BLE001 - Redis down: let the request through, say so
        log.warning("rate limit %s not checked: %s", rule_name, exc)
        return
    if count > rule.limit:
        raise TooManyAttempts(_try_again(seconds_left), seconds_left)


def _try_again(seconds: int) -> Msg:
    if seconds < 120:
        return Msg("http.too_many_attempts_seconds", n=seconds)
    return Msg("http.too_many_attempts_minutes", n=math.ceil(seconds / 60))


def rate_limited(rule_name: str) -> Callable:
    """View decorator: count POST requests against `rule_name` before the view runs (before the
    body is parsed, when the decorator sits directly under the route)."""
    if rule_name not in RULES:
        raise ValueError(f"unknown rate limit {rule_name!r}; known: {', '.join(RULES)}")

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if request.method == "POST":
                check(rule_name)
            return view(*args, **kwargs)

        return wrapper

    return decorate
