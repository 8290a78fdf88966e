"""The typed interfaces plugins implement, and the plain data they exchange with the core.

A plugin imports only this module, `core.hookspecs`, `core.money` and `core.testing`. Core's
adapter runtime (`core.connections`) instantiates one adapter per tenant connection with a
`ConnectionContext`, calls it inside its own timeouts, retry policy and error recording, and
never lets an adapter touch the database. Adapters raise the `AdapterError` family so core can
tell a throttle from an outage from bad credentials, and declare in `Adapter.operations`
which of their methods are safe to repeat (docs/decisions/0009-one-retry-layer.md).

Versioning: within a major version of the plugin API (`core.PLUGIN_API_VERSION`) the ports
only grow: new optional methods with defaults, new optional fields at the end of data classes.
"""

from __future__ import annotations

import abc
import json
import logging
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from email.utils import parsedate_to_datetime
from functools import cached_property
from typing import Any, ClassVar

import httpx

from core import money

# ---------------------------------------------------------------------------------------------
# Settings, secrets and connection context


@dataclass(frozen=True)
class SettingField:
    """One field of an adapter's settings form. `secret` fields are encrypted at rest, masked
    in every response and never logged; the portal renders them as password inputs. A
    `connection` field holds the id of another of the tenant's connections, of one of the
    kinds in `choices` (a payment source's shop: `choices=("channel",)`); it is checked when
    the connection is saved and chosen from a list in the portal (added in 0.2)."""

    name: str
    label: str
    type: str = "string"  # string | url | int | bool | choice | connection
    required: bool = True
    secret: bool = False
    default: Any = None
    help: str = ""
    choices: tuple[str, ...] = ()


class Secret:
    """A credential value that refuses to show itself in reprs, logs and tracebacks."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


class Clock:
    """Time as adapters and emulators see it. Tests substitute `core.testing.VirtualClock`,
    whose sleep advances time at once, so throttling and time windows run without waiting."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


SYSTEM_CLOCK = Clock()


@dataclass(frozen=True)
class RetryPolicy:
    """How often, and after how long, one request is sent again (docs/decisions/0009).

    This is the one retry layer: the adapter runtime puts a policy on every ConnectionContext
    and `ApiClient` applies it to each request it sends, because only there is it known
    whether a failed request may have been performed. Nothing above it retries in process; a
    job whose attempt failed may run the operation again later, minutes on, if the operation
    is safe to repeat (`Operation`)."""

    attempts: int = 4  # sends of one request, the first included
    backoff: float = 0.5  # the wait before the second send when the remote gave no Retry-After; doubles
    max_wait: float = 30.0  # a longer Retry-After is not slept through: it is raised for the job to honour

    def wait(self, attempt: int, error: AdapterError) -> float | None:
        """Seconds to wait before sending again after send number `attempt` failed with a
        retryable `error`; None to give up and raise it."""
        if attempt >= self.attempts:
            return None
        retry_after = error.retry_after if isinstance(error, RateLimited) else None
        wait = retry_after if retry_after is not None else self.backoff * 2 ** (attempt - 1)
        return None if wait > self.max_wait else wait


DEFAULT_RETRY = RetryPolicy()


@dataclass
class ConnectionContext:
    """What an adapter instance is given: its tenant connection's settings and credentials.

    `save_credentials` persists credentials the adapter renewed (e.g. a rotated refresh
    token) at once, whatever becomes of the work around the call; `state` is a small JSON dict
    the core stores per connection for the adapter (e.g. a cached access token and its
    expiry); `retry` is the policy the adapter's requests are sent again under."""

    connection_id: str
    tenant_id: str
    settings: Mapping[str, Any]
    credentials: Mapping[str, Secret]
    state: dict[str, Any] = field(default_factory=dict)
    save_credentials: Callable[[dict[str, str]], None] = lambda _new: None
    timeout: float = 30.0
    # An httpx transport to use instead of the network, e.g. httpx.WSGITransport(app=emulator)
    # in tests and benchmarks; None in production.
    transport: Any = None
    clock: Clock = SYSTEM_CLOCK
    retry: RetryPolicy = DEFAULT_RETRY


class AdapterError(Exception):
    """Base of every error an adapter raises. `retryable` tells core whether to try again."""

    retryable = False

    def __init__(
        self, message: str, *, status: int | None = None, code: str | None = None, details: Any = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.details = details


class AuthError(AdapterError):
    """Credentials were refused; the connection needs the seller's attention."""


class RateLimited(AdapterError):
    """The remote API throttled us; `retry_after` seconds is its hint, when it gave one."""

    retryable = True

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class TransientError(AdapterError):
    """Timeouts, 5xx and connection failures: safe to retry later."""

    retryable = True


class RemoteRejected(AdapterError):
    """The remote API refused the request as invalid (4xx other than auth and throttling)."""


class OutcomeUnknown(TransientError):
    """A write that may or may not have been performed: it timed out, the connection dropped,
    or the server failed (5xx) after it may have acted. `ApiClient` never sends such a request
    again. Core repeats the operation only when its `Operation` says that is safe; otherwise
    the runtime raises it with `retryable=False` and the seller checks on the remote side."""

    def __init__(self, message: str, *, retryable: bool = True, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retryable = retryable


@dataclass(frozen=True)
class Operation:
    """Whether, and how, core may perform an adapter method again (docs/decisions/0009).

    - `idempotent`: doing it twice does what doing it once does (reads, setting a listing's
      quantity, a shipment confirmation the adapter checks for before it writes).
    - `idempotency_key`: a write the remote API deduplicates on a key the adapter sends with
      it (`ApiClient.request(..., idempotency_key=request.reference)`: the same key on every
      attempt, a retried job included). As safe to repeat as an idempotent method.
    - `lookup`: the name of an adapter method taking the same arguments that returns the
      write's result when the write already happened, else None. Core calls it before every
      write, so neither a retry nor a worker killed between the write and its commit buys or
      posts twice (one cheap read per label or voucher).

    A write with none of these is sent once: after any failure that may have followed the
    write, the runtime raises `OutcomeUnknown(retryable=False)` and nothing sends it again."""

    idempotent: bool = True
    idempotency_key: bool = False
    lookup: str = ""

    @property
    def repeatable(self) -> bool:
        return self.idempotent or self.idempotency_key


IDEMPOTENT = Operation()
WRITE = Operation(idempotent=False)


# ---------------------------------------------------------------------------------------------
# Common data


@dataclass(frozen=True)
class Address:
    name: str = ""
    company: str = ""
    line1: str = ""
    line2: str = ""
    line3: str = ""
    city: str = ""
    state: str = ""
    postal_code: str = ""
    country: str = ""  # ISO 3166-1 alpha-2
    phone: str = ""
    email: str = ""


@dataclass(frozen=True)
class EventRecord:
    """A committed business event, as plugins see it in `on_event`."""

    id: str
    tenant_id: str
    name: str  # e.g. "order.shipped"
    occurred_at: datetime
    entity_type: str
    entity_id: str
    payload: Mapping[str, Any]


class Adapter(abc.ABC):
    """Shared shape of every adapter: metadata as class attributes, one instance per
    connection.

    `operations` names the methods core calls through its runtime and says of each whether it
    is safe to repeat (`Operation`); a subclass extends its port's mapping, e.g.
    `operations = {**CarrierAdapter.operations, "create_label": Operation(idempotent=False,
    lookup="find_label")}`. `client_class` is the `ApiClient` subclass the adapter talks
    through: `self.client` builds it on first use (so a transport or clock put on the context
    after construction still counts) and `close()` closes it."""

    kind: ClassVar[str] = ""
    name: ClassVar[str] = ""  # unique within its kind, e.g. "shopify"
    display_name: ClassVar[str] = ""
    capabilities: ClassVar[frozenset[str]] = frozenset()
    settings: ClassVar[Sequence[SettingField]] = ()
    operations: ClassVar[Mapping[str, Operation]] = {"check_connection": IDEMPOTENT}
    client_class: ClassVar[type[ApiClient] | None] = None

    def __init__(self, ctx: ConnectionContext) -> None:
        self.ctx = ctx

    @cached_property
    def client(self) -> Any:
        if self.client_class is None:
            raise TypeError(f"{type(self).__name__} has no client_class")
        return self.client_class(self.ctx)

    @abc.abstractmethod
    def check_connection(self) -> str:
        """Make one cheap authenticated call; return a short description of the account
        (e.g. the shop name). Raise AuthError when credentials are refused."""

    def close(self) -> None:
        """Release what the adapter holds open (its client's HTTP connections). Safe to call
        twice; an adapter holding more extends it."""
        client = self.__dict__.pop("client", None)
        if client is not None:
            client.close()


# ---------------------------------------------------------------------------------------------
# HTTP plumbing shared by adapters (docs/decisions/0007-adapter-http-plumbing.md says why here)

PACING_SETTING = SettingField(
    "pacing",
    "Pace requests to the API's published rate limits",
    type="bool",
    required=False,
    default=True,
    help="Leave on. Turn off only against an emulator that does not throttle (benchmarks).",
)


class TokenBucket:
    """Client-side pacing: bursts of up to `burst` requests, refilled at `rate` per second.

    This is the shape of Amazon's per-operation limits and of Shopify's leaky bucket (a bucket
    of n leaking r per second admits exactly what a token bucket of n refilled at r admits).
    `observe` re-synchronises it with what the server reports."""

    def __init__(self, rate: float, burst: float, clock: Clock = SYSTEM_CLOCK) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.burst = max(float(burst), 1.0)
        self.clock = clock
        self._tokens = self.burst
        self._stamp = clock.monotonic()
        self._lock = threading.Lock()

    def _refill(self) -> None:
        now = self.clock.monotonic()
        self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now

    def take(self) -> float:
        """Wait until a request may go out and spend a token; returns the seconds waited."""
        waited = 0.0
        while True:
            with self._lock:
                self._refill()
                if self._tokens >= 1 - 1e-9:  # float drift must not leave us a hair short forever
                    self._tokens = max(0.0, self._tokens - 1)
                    return waited
                wait = max((1 - self._tokens) / self.rate, 0.001)
            self.clock.sleep(wait)
            waited += wait

    def observe(self, *, available: float | None = None, rate: float | None = None, burst: float | None = None) -> None:
        """Adopt the server's view: its refill rate, bucket size or remaining allowance."""
        with self._lock:
            self._refill()
            if rate is not None and rate > 0:
                self.rate = rate
            if burst is not None and burst >= 1:
                self.burst = float(burst)
            if available is not None:
                self._tokens = max(0.0, min(float(available), self.burst))

    def exhaust(self) -> None:
        """The server throttled us: nothing is left until the bucket refills."""
        with self._lock:
            self._refill()
            self._tokens = min(self._tokens, 0.0)


def retry_after_seconds(response: httpx.Response) -> float | None:
    """The Retry-After header in seconds (delta-seconds, possibly fractional, or an HTTP date)."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


# Query parameters that carry credentials on some APIs (WooCommerce's query-string auth for
# hosts that strip the Authorization header, OAuth tokens). httpx logs request URLs at INFO;
# this filter masks their values there.
SECRET_QUERY_PARAMS = (
    "consumer_key",
    "consumer_secret",
    "oauth_consumer_key",
    "access_token",
    "session",
    "refresh_token",
    "client_secret",
    "oauth_signature",
    "sign",
    "api_key",
    "token",
    "accountNumber",  # DHL Express takes the account number in the query (carriers.md §2.3)
)
_SECRET_QUERY = re.compile(r"([?&](?:" + "|".join(SECRET_QUERY_PARAMS) + r")=)[^&\s\"']*", re.IGNORECASE)


class _RedactQuerySecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            record.args = tuple(_SECRET_QUERY.sub(r"\1***", str(a)) if isinstance(a, httpx.URL) else a for a in args)
        return True


_httpx_log = logging.getLogger("httpx")
if not any(isinstance(f, _RedactQuerySecrets) for f in _httpx_log.filters):
    _httpx_log.addFilter(_RedactQuerySecrets())


# Methods whose requests are idempotent by definition (RFC 9110 §9.2.2): sent twice, they do
# what they do once. POST and PATCH are not, unless the adapter says so or sends a key.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


class ApiClient:
    """One httpx.Client plus what every adapter needs around it: the connection's transport and
    timeout, pacing per operation, the retry policy of the connection (`ctx.retry`), and
    responses mapped to the AdapterError family.

    A plugin's client.py subclasses it and overrides the hooks: `authenticate` puts credentials
    on a request, `renew_auth` refreshes an expired token once, `observe` reads rate-limit
    headers into the operation's bucket, `classify` turns a response into an error (e.g. a
    throttle reported inside an HTTP 200) and `error_message` extracts the platform's error
    text. Credentials travel in headers or bodies, never in URLs: URLs end up in logs.

    A request is sent again (docs/decisions/0009-one-retry-layer.md) when the remote refused
    it (a throttle), when it never left (connecting failed), once after `renew_auth` renewed
    refused credentials, and -- only if the request is idempotent -- after a timeout, a
    dropped connection or a 5xx. A write that is not (a POST or PATCH without
    `idempotent=True` or an `idempotency_key`) is never sent twice: such a failure raises
    `OutcomeUnknown`, because the remote may have performed it.
    """

    idempotency_header = "Idempotency-Key"  # where `idempotency_key` goes; override per platform

    def __init__(
        self,
        ctx: ConnectionContext,
        base_url: str,
        *,
        limits: Mapping[str, tuple[float, float]] | None = None,
        pacing: bool | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.ctx = ctx
        self.clock = ctx.clock
        # The connection's `pacing` setting (PACING_SETTING) unless the caller says otherwise.
        self.pacing = bool(ctx.settings.get("pacing", True)) if pacing is None else pacing
        self.buckets = {op: TokenBucket(rate, burst, ctx.clock) for op, (rate, burst) in (limits or {}).items()}
        self.http = httpx.Client(
            base_url=base_url,
            transport=ctx.transport,
            timeout=ctx.timeout,
            headers=dict(headers or {}),
            follow_redirects=False,
        )
        self.log = logging.getLogger(f"tradelane.adapters.{type(self).__name__}")

    @property
    def retry(self) -> RetryPolicy:
        return self.ctx.retry

    def close(self) -> None:
        self.http.close()

    # -- hooks ------------------------------------------------------------------------------

    def prepare(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        """Adjust the keyword arguments of httpx's build_request before every attempt (e.g. to
        sign a form body with a fresh timestamp)."""
        return kwargs

    def authenticate(self, request: httpx.Request) -> None:
        """Put credentials on the built request (headers or query)."""

    def renew_auth(self, error: AuthError) -> bool:
        """Called once per request after an AuthError: renew a cached token and return True to
        retry, or False to give up."""
        return False

    def observe(self, response: httpx.Response, bucket: TokenBucket | None) -> None:
        """Read rate-limit headers into the operation's bucket."""

    def error_message(self, response: httpx.Response) -> str:
        return f"HTTP {response.status_code}: {response.text[:300]}"

    def classify(self, response: httpx.Response) -> AdapterError | None:
        """None for a usable response, else the error it means."""
        status = response.status_code
        if status < 300:
            return None
        message = self.error_message(response)
        if status in (401, 403):
            return AuthError(message, status=status)
        if status == 429:
            return RateLimited(message, status=status, retry_after=retry_after_seconds(response))
        if status >= 500 or status == 408:
            return TransientError(message, status=status)
        return RemoteRejected(message, status=status)

    # -- calls ------------------------------------------------------------------------------

    def request(
        self,
        method: str,
        url: str,
        *,
        op: str = "default",
        idempotent: bool | None = None,
        idempotency_key: str | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        """Send a request, paced by the bucket of `op`, sent again as `ctx.retry` allows.

        `idempotent` says whether sending the request twice does what sending it once does;
        by default its method says (GET, HEAD, OPTIONS, PUT and DELETE are). Pass True for a
        POST that only reads (signed RPC gateways) or that sets an absolute value. An
        `idempotency_key` goes out in `idempotency_header` and makes the request safe to send
        again: derive it from the business reference, so a retried job sends the same key."""
        method = method.upper()
        repeatable = method in IDEMPOTENT_METHODS if idempotent is None else idempotent
        if idempotency_key:
            kwargs["headers"] = {**dict(kwargs.get("headers") or {}), self.idempotency_header: idempotency_key}
            repeatable = True
        bucket = self.buckets.get(op)
        attempt, renewed = 0, False
        while True:
            attempt += 1
            if bucket is not None and self.pacing:
                bucket.take()
            request = self.http.build_request(method, url, **self.prepare(dict(kwargs)))
            self.authenticate(request)
            error = self._send(request, repeatable, bucket)
            if isinstance(error, httpx.Response):
                return error
            if isinstance(error, AuthError) and not renewed and self.renew_auth(error):
                renewed, attempt = True, attempt - 1
                continue
            wait = (
                self.retry.wait(attempt, error) if error.retryable and not isinstance(error, OutcomeUnknown) else None
            )
            if wait is None:
                raise error
            self.clock.sleep(wait)

    def _send(self, request: httpx.Request, repeatable: bool, bucket: TokenBucket | None) -> Any:
        """One send: the usable response, or the error it came to."""
        where = f"{request.method} {request.url.path}"
        try:
            response = self.http.send(request)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            return TransientError(f"{where} could not connect: {type(exc).__name__}")  # it never left
        except httpx.TimeoutException:
            if not repeatable:
                return OutcomeUnknown(f"{where} timed out; the remote may have performed it")
            return TransientError(f"{where} timed out")
        except httpx.TransportError as exc:
            if not repeatable:
                return OutcomeUnknown(
                    f"{where} lost its answer ({type(exc).__name__}); the remote may have performed it"
                )
            return TransientError(f"{where} failed: {type(exc).__name__}")
        self.log.debug("%s -> %s", where, response.status_code)
        self.observe(response, bucket)
        error = self.classify(response)
        if error is None:
            return response
        if isinstance(error, RateLimited) and bucket is not None:
            bucket.exhaust()
        if isinstance(error, TransientError) and not repeatable:
            # A server failure after a write: it may have acted before failing.
            return OutcomeUnknown(
                f"{error} (the remote may have performed {where})", status=error.status, code=error.code
            )
        return error

    def json(self, response: httpx.Response) -> Any:
        """Decode a JSON body with every non-integer number as Decimal (never float)."""
        try:
            return response.json(parse_float=Decimal)
        except ValueError:
            raise TransientError(
                f"unreadable JSON from {response.request.url.path}", status=response.status_code
            ) from None


_DECIMAL_MARK = "\u0000decimal:"
# json.dumps writes the mark's NUL as the six characters \u0000; text never holds a NUL (the
# HTTP door refuses it), so the marked strings are the Decimals and nothing else.
_DECIMAL_TOKEN = re.compile(r'"\\u0000decimal:([-0-9.eE+]+)"')


def json_bytes(data: Any) -> bytes:
    """JSON for a request body with every Decimal written as the exact number it is (httpx's
    `json=` refuses Decimal, and a float would round money): pass it as `content=` with a
    JSON content type. Dates and times are written in ISO 8601."""

    def default(value: Any) -> Any:
        if isinstance(value, Decimal):
            return _DECIMAL_MARK + format(value, "f")
        if isinstance(value, (date, datetime)):
            return value.isoformat()
        raise TypeError(f"cannot write {type(value).__name__} as JSON")

    text = json.dumps(data, default=default, ensure_ascii=False, separators=(",", ":"))
    return _DECIMAL_TOKEN.sub(r"\1", text).encode()


class ClientCredentialsClient(ApiClient):
    """An ApiClient whose requests carry an OAuth 2 client-credentials bearer token (FedEx,
    UPS and USPS: shared/reference/carriers.md §2). The token is fetched on first use, kept in
    `ctx.state[state_key]` with its expiry (so the next job reuses it), renewed `early` seconds
    before it ends, and renewed once when the API refuses it before its time (the remote
    revoked it). A subclass sets `token_path` and says how the token request authenticates
    (`token_request`: a form body or a Basic header)."""

    token_path: ClassVar[str] = ""
    state_key: ClassVar[str] = "oauth"
    early: ClassVar[float] = 60.0  # seconds before the expiry at which a token is renewed

    _fetching = False

    def token_request(self) -> dict[str, Any]:
        """Subclass: httpx keyword arguments of the token request (e.g. `data=` and `headers=`)."""
        raise NotImplementedError

    def authenticate(self, request: httpx.Request) -> None:
        if request.url.path.endswith(self.token_path):
            return
        request.headers["Authorization"] = f"Bearer {self.access_token()}"

    def access_token(self) -> str:
        cached = self.ctx.state.get(self.state_key) or {}
        if (
            cached.get("access_token")
            and float(cached.get("expires_at", 0)) - self.early > self.clock.now().timestamp()
        ):
            return str(cached["access_token"])
        return self.fetch_token()

    def fetch_token(self) -> str:
        self._fetching = True
        try:
            response = self.request("POST", self.token_path, op="auth", idempotent=True, **self.token_request())
        finally:
            self._fetching = False
        data = self.json(response)
        token = data.get("access_token") if isinstance(data, dict) else None
        if not token:
            raise AuthError(f"{type(self).__name__}: the token response carries no access_token")
        try:
            ttl = float(data.get("expires_in") or 0)  # UPS and USPS send it as a string
        except (TypeError, ValueError):
            ttl = 0.0
        self.ctx.state[self.state_key] = {
            "access_token": token,
            "expires_at": self.clock.now().timestamp() + (ttl or 3600),
        }
        return str(token)

    def renew_auth(self, error: AuthError) -> bool:
        if self._fetching:
            return False  # the credentials themselves were refused
        self.ctx.state.pop(self.state_key, None)
        try:
            self.fetch_token()
        except AuthError:
            return False
        return True


class RefreshTokenClient(ApiClient):
    """An ApiClient whose requests carry an OAuth 2 bearer token obtained with the connection's
    refresh token (authorization-code apps: QuickBooks Online, Xero; finance.md §4.2-§4.3).

    The access token is kept in `ctx.state[state_key]` with its expiry and renewed `early`
    seconds before it ends, or once when the API refuses it. Refresh tokens rotate: the newest
    one is stored through `ctx.save_credentials` the moment it arrives (whatever becomes of
    the work around the call), because the one it replaces may stop working. A subclass sets
    `token_url` (or the connection's `token_url` setting) and may override `token_request`."""

    token_url: ClassVar[str] = ""
    state_key: ClassVar[str] = "oauth"
    early: ClassVar[float] = 60.0

    _fetching = False

    def token_endpoint(self) -> str:
        return str(self.ctx.settings.get("token_url") or self.token_url)

    def token_request(self) -> dict[str, Any]:
        import base64

        creds = self.ctx.credentials
        basic = base64.b64encode(f"{creds['client_id'].reveal()}:{creds['client_secret'].reveal()}".encode()).decode()
        return {
            "data": {"grant_type": "refresh_token", "refresh_token": creds["refresh_token"].reveal()},
            "headers": {"Accept": "application/json", "Authorization": f"Basic {basic}"},
        }

    def authenticate(self, request: httpx.Request) -> None:
        if str(request.url) == self.token_endpoint():
            return
        request.headers["Authorization"] = f"Bearer {self.access_token()}"

    def access_token(self) -> str:
        cached = self.ctx.state.get(self.state_key) or {}
        if (
            cached.get("access_token")
            and float(cached.get("expires_at", 0)) - self.early > self.clock.now().timestamp()
        ):
            return str(cached["access_token"])
        return self.fetch_token()

    def fetch_token(self) -> str:
        self._fetching = True
        try:
            response = self.request("POST", self.token_endpoint(), op="auth", idempotent=False, **self.token_request())
        finally:
            self._fetching = False
        data = self.json(response)
        token = data.get("access_token") if isinstance(data, dict) else None
        if not token:
            raise AuthError(f"{type(self).__name__}: the token response carries no access_token")
        rotated = data.get("refresh_token")
        if rotated and rotated != self.ctx.credentials["refresh_token"].reveal():
            if isinstance(self.ctx.credentials, dict):
                self.ctx.credentials["refresh_token"] = Secret(str(rotated))
            self.ctx.save_credentials({"refresh_token": str(rotated)})
        try:
            ttl = float(data.get("expires_in") or 0)
        except (TypeError, ValueError):
            ttl = 0.0
        self.ctx.state[self.state_key] = {
            "access_token": token,
            "expires_at": self.clock.now().timestamp() + (ttl or 1800),
        }
        return str(token)

    def classify(self, response: httpx.Response) -> AdapterError | None:
        error = super().classify(response)
        if self._fetching and isinstance(error, RemoteRejected) and response.status_code == 400:
            # invalid_grant: the refresh token was revoked, expired or already rotated away.
            return AuthError(error.args[0], status=400)
        return error

    def renew_auth(self, error: AuthError) -> bool:
        if self._fetching:
            return False
        self.ctx.state.pop(self.state_key, None)
        try:
            self.fetch_token()
        except AuthError:
            return False
        return True


# ---------------------------------------------------------------------------------------------
# Channels
#
# How core drives a channel adapter (docs/plugins.md has the long version):
#   1. Sync orders in windows of "last changed" time: `end = adapter.window_end()`, then call
#      `list_orders(start, end, cursor)` until `next_cursor` is None, persisting the cursor after
#      each page so a killed worker resumes where it stopped. The next window starts at `end`
#      minus a small overlap; upserting on (channel, external_order_id) absorbs the overlap.
#   2. Orders with `lines_complete=False` need `fetch_order_lines(order)` before import.
#   3. Outbound: `confirm_shipment` when an order ships, `push_quantities` when stock changes.
#   4. Webhooks (capability "webhooks"): `verify_webhook` then `parse_webhook`; deduplicate on
#      `WebhookEvent.dedupe_key` and treat the event as a hint to (re)fetch the order.

ORDER_STATUSES = ("pending", "unshipped", "partially_shipped", "shipped", "cancelled", "refunded")


class ChannelCapability:
    """The capability flags a ChannelAdapter may declare in `capabilities`."""

    ORDERS = "orders"  # list_orders / get_order
    ORDER_LINES_SEPARATE = "order_lines_separate"  # listed orders need fetch_order_lines
    SHIP_CONFIRM = "ship_confirm"  # confirm_shipment
    PARTIAL_SHIPMENT = "partial_shipment"  # confirm_shipment accepts a subset of the lines
    PUSH_QUANTITY = "push_quantity"  # push_quantities
    WEBHOOKS = "webhooks"  # verify_webhook / parse_webhook
    WEBHOOK_SUBSCRIBE = "webhook_subscribe"  # subscribe_webhooks
    PLATFORM_FULFILMENT = "platform_fulfilment"  # some orders are fulfilled by the platform (FBA)
    REFUNDS = "refunds"  # the order API reports refunds (status "refunded")
    REFUND_EVENTS = "refund_events"  # list_refunds: refunds from the channel's finance records
    SETTLEMENT_REPORTS = "settlement_reports"  # list_settlement_reports / settlement_report
    PAYOUTS = "payouts"  # list_payouts: the payment provider's payouts and balance transactions

    ALL = frozenset(
        {
            ORDERS,
            ORDER_LINES_SEPARATE,
            SHIP_CONFIRM,
            PARTIAL_SHIPMENT,
            PUSH_QUANTITY,
            WEBHOOKS,
            WEBHOOK_SUBSCRIBE,
            PLATFORM_FULFILMENT,
            REFUNDS,
            REFUND_EVENTS,
            SETTLEMENT_REPORTS,
            PAYOUTS,
        }
    )


@dataclass(frozen=True)
class ChannelOrderLine:
    """One order line. Amounts are in the order's currency and cover the whole line (all its
    units) except `unit_price`. `line_total` is what the channel charged for the units before
    discounts, exactly as reported; `unit_price` is derived from it when the channel only gives
    a line total (Amazon), so it may carry more decimals than the currency."""

    external_line_id: str
    seller_sku: str
    quantity: int
    unit_price: Decimal  # tax exclusive unless the order says prices_include_tax
    title: str = ""
    item_tax: Decimal = Decimal(0)
    shipping_price: Decimal = Decimal(0)  # order-level shipping is allocated to lines
    shipping_tax: Decimal = Decimal(0)
    discount: Decimal = Decimal(0)  # promotions and discounts on this line, positive
    external_listing_id: str = ""
    line_total: Decimal | None = None  # unit_price x quantity as the channel states it
    quantity_shipped: int = 0

    @property
    def amount(self) -> Decimal:
        """The line's goods value before discounts (line_total, else unit_price x quantity)."""
        return self.line_total if self.line_total is not None else self.unit_price * self.quantity


@dataclass(frozen=True)
class ChannelOrder:
    """A channel's order, normalised. Times are timezone-aware UTC; money is Decimal in
    `currency` (the seller's currency on channels that also show a buyer currency)."""

    external_order_id: str
    status: str  # one of ORDER_STATUSES
    external_status: str  # the channel's own status, for display and debugging
    purchased_at: datetime
    updated_at: datetime
    currency: str
    lines: tuple[ChannelOrderLine, ...] = ()
    marketplace: str = ""
    fulfilment: str = "merchant"  # merchant | platform (FBA and the like: we must not ship it)
    buyer_name: str = ""
    buyer_email: str = ""
    buyer_phone: str = ""
    shipping_address: Address | None = None
    shipping_service: str = ""
    total: Decimal | None = None  # what the buyer pays; None while the channel withholds it
    buyer_remarks: str = ""
    lines_complete: bool = True  # False: call fetch_order_lines for lines and address
    raw: Mapping[str, Any] = field(default_factory=dict)
    order_number: str = ""  # the number shown to the seller, when it differs from the id
    prices_include_tax: bool = False  # unit prices and line totals include item_tax


def spread_order_charges(
    lines: Sequence[ChannelOrderLine],
    currency: str,
    *,
    shipping: Decimal = Decimal(0),
    shipping_tax: Decimal = Decimal(0),
    discount: Decimal = Decimal(0),
) -> tuple[ChannelOrderLine, ...]:
    """Add order-level shipping, shipping tax and discount to the lines, in proportion to the
    line amounts and by largest remainder, so the lines add up to the order's figures."""
    if not lines:
        return ()
    weights = [line.amount for line in lines]
    parts = {
        name: money.allocate(total, weights, currency) if total else [Decimal(0)] * len(lines)
        for name, total in (("shipping_price", shipping), ("shipping_tax", shipping_tax), ("discount", discount))
    }
    return tuple(
        replace(
            line,
            shipping_price=line.shipping_price + parts["shipping_price"][i],
            shipping_tax=line.shipping_tax + parts["shipping_tax"][i],
            discount=line.discount + parts["discount"][i],
        )
        for i, line in enumerate(lines)
    )


@dataclass(frozen=True)
class OrderPage:
    orders: tuple[ChannelOrder, ...]
    # Opaque, JSON-safe, valid for the same window arguments; None when the window is done.
    next_cursor: str | None = None


@dataclass(frozen=True)
class ChannelRefund:
    """A refund as the channel's finance records show it (Amazon: a RefundEventList entry of
    the Finances API, shared/reference/channels.md "Refunds are not in the Orders API").
    `amount` is what was paid back to the buyer, positive, in `currency`; `skus` are the seller
    SKUs and quantities it names (empty when the channel does not say)."""

    external_refund_id: str
    external_order_id: str
    posted_at: datetime
    currency: str
    amount: Decimal
    skus: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class RefundPage:
    refunds: tuple[ChannelRefund, ...]
    next_cursor: str | None = None


@dataclass(frozen=True)
class SettlementReport:
    """A settlement report the channel offers for download (Amazon Reports API, reference
    finance.md §3.1: listed with getReports, fetched with getReportDocument)."""

    report_id: str
    document_id: str
    created_at: datetime
    start: datetime | None = None
    end: datetime | None = None


@dataclass(frozen=True)
class PayoutTransaction:
    """A balance transaction of a payout (Shopify Payments, reference finance.md §3.2; PayPal,
    §3.3): `type` as the provider names it (charge, refund, adjustment, dispute, reserve, fee,
    ...), `amount` gross and `fee` positive as charged, `net` what it adds to the payout
    (signed). `source_order_id` is the shop's order id the transaction pays; `order_number`
    the shop's order number when the provider names it too (PayPal's `invoice_id`), tried
    first; `code` the provider's own code (a PayPal T-code). `order_number` and `code` were
    added in 0.2."""

    transaction_id: str
    type: str
    amount: Decimal
    fee: Decimal
    net: Decimal
    source_order_id: str = ""
    processed_at: datetime | None = None
    order_number: str = ""
    code: str = ""


@dataclass(frozen=True)
class Payout:
    """A payout to the seller's bank and the balance transactions it is made of; `net` is the
    amount paid out, which equals the sum of the transactions' net (§3.2). When the money
    reached the bank in another currency (a PayPal balance converted before the withdrawal,
    §3.3), `deposit_currency` and `deposit_amount` say what arrived (added in 0.2)."""

    payout_id: str
    status: str
    paid_on: date
    currency: str
    net: Decimal
    transactions: tuple[PayoutTransaction, ...] = ()
    deposit_currency: str = ""
    deposit_amount: Decimal | None = None


@dataclass(frozen=True)
class ShipmentConfirmation:
    external_order_id: str
    carrier: str  # e.g. "UPS", "DHL", "Yanwen"; adapters map it to the channel's carrier codes
    service: str  # e.g. "Ground"
    tracking_number: str
    shipped_at: datetime
    lines: tuple[tuple[str, int], ...] = ()  # (external_line_id, quantity); empty = whole order
    tracking_url: str = ""
    reference: str = ""  # our shipment id; adapters use it as the channel's idempotency key


@dataclass(frozen=True)
class ListingQuantity:
    seller_sku: str
    quantity: int  # what may be sold now: available = on hand - reserved, never negative
    external_listing_id: str = ""


@dataclass(frozen=True)
class PushResult:
    seller_sku: str
    ok: bool
    message: str = ""


@dataclass(frozen=True)
class WebhookEvent:
    topic: str  # e.g. "orders/updated"; "ping" for a subscription check with nothing to do
    dedupe_key: str  # the same for every delivery of the same change
    external_order_id: str | None = None
    order: ChannelOrder | None = None  # decoded payload; a hint, the API stays the source of truth
    delivery_id: str = ""  # the channel's delivery header, for logs


def header_value(headers: Mapping[str, str], *names: str) -> str | None:
    """The first of `names` present in `headers`, compared case-insensitively."""
    lowered = {k.lower(): v for k, v in headers.items()}
    for name in names:
        value = lowered.get(name.lower())
        if value is not None:
            return value
    return None


class ChannelAdapter(Adapter):
    """A sales channel for one tenant connection. Methods raise the AdapterError family; the
    client sends failed requests again where that is safe, and a job re-runs the operation
    later (docs/decisions/0009-one-retry-layer.md)."""

    kind: ClassVar[str] = "channel"
    # Every remote channel method is safe to repeat: reads, quantities set to absolute values,
    # and confirmations and subscriptions the contract requires to be no-ops when repeated.
    # (verify_webhook and parse_webhook read the delivery in hand and call nothing.)
    operations: ClassVar[Mapping[str, Operation]] = {
        name: IDEMPOTENT
        for name in (
            "check_connection",
            "list_orders",
            "get_order",
            "fetch_order_lines",
            "confirm_shipment",
            "push_quantities",
            "subscribe_webhooks",
            "list_refunds",
            "list_settlement_reports",
            "settlement_report",
            "list_payouts",
        )
    }
    # How long after a change the channel's order list reliably shows it. Windows must end
    # at least this long ago (Amazon refuses a LastUpdatedBefore within 2 minutes of now).
    list_lag: ClassVar[timedelta] = timedelta(0)

    def window_end(self) -> datetime:
        """The latest `updated_before` to ask for now."""
        return self.ctx.clock.now() - self.list_lag

    @abc.abstractmethod
    def list_orders(self, updated_after: datetime, updated_before: datetime, cursor: str | None = None) -> OrderPage:
        """One page of the orders whose last change falls in [updated_after, updated_before).

        Pass the returned `next_cursor` back with the same window to get the next page; None
        means the window is complete. Over a window that nothing changes during, every order
        is returned exactly once. When orders change while a window is being paged, an order
        may come twice but is never skipped: it is either in this window or in the next one.
        `updated_before` must not be later than `window_end()`.
        """

    def get_order(self, external_order_id: str) -> ChannelOrder:
        """The current state of one order, complete (lines and address)."""
        raise RemoteRejected(f"{self.name} cannot look up single orders")

    def fetch_order_lines(self, order: ChannelOrder) -> ChannelOrder:
        """Return the order completed with what the list left out (lines, address)."""
        return order

    @abc.abstractmethod
    def confirm_shipment(self, confirmation: ShipmentConfirmation) -> None:
        """Tell the channel an order (or some of its lines) shipped, with tracking.

        Must be safe to repeat: confirming the same shipment again is a no-op."""

    @abc.abstractmethod
    def push_quantities(self, quantities: Sequence[ListingQuantity]) -> list[PushResult]:
        """Set the sellable quantity of listings; one result per listing, in order. A listing
        the channel refuses is a result with ok=False, not an exception."""

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> bool:
        """True when the webhook is authentic for this connection (checked over the raw body)."""
        return False

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookEvent:
        """Decode a verified webhook."""
        raise RemoteRejected(f"{self.name} does not accept webhooks")

    def subscribe_webhooks(self, callback_url: str) -> list[str]:
        """Ask the channel to send order webhooks to `callback_url`; returns the topics
        subscribed. Safe to repeat."""
        raise RemoteRejected(f"{self.name} cannot subscribe to webhooks")

    def list_refunds(self, posted_after: datetime, posted_before: datetime, cursor: str | None = None) -> RefundPage:
        """One page of the refunds posted in [posted_after, posted_before) (capability
        `refund_events`); pass `next_cursor` back with the same window for the next page.
        `posted_before` must not be later than `window_end()`."""
        raise RemoteRejected(f"{self.name} reports no refund events")

    def list_settlement_reports(self, created_after: datetime) -> list[SettlementReport]:
        """The settlement reports created since `created_after` (capability
        `settlement_reports`), oldest first."""
        raise RemoteRejected(f"{self.name} offers no settlement reports")

    def settlement_report(self, document_id: str) -> bytes:
        """The content of one settlement report (for Amazon: Flat File V2, decompressed)."""
        raise RemoteRejected(f"{self.name} offers no settlement reports")

    def list_payouts(self, paid_since: date) -> list[Payout]:
        """The paid payouts since `paid_since` with their balance transactions (capability
        `payouts`), oldest first."""
        raise RemoteRejected(f"{self.name} reports no payouts")


# ---------------------------------------------------------------------------------------------
# Carriers
#
# The carrier port follows shared/reference/carriers.md: the data a cross-border shipment needs
# (§3.1, §3.2), package limits per service (§3.5), label formats (§4.2) and the normalised
# tracking statuses (§6.2). How core drives a carrier adapter (docs/plugins.md, "Carrier
# adapters", has the long version):
#   1. `quote(request)` for every connected carrier at once; `request.service` "" asks for
#      every service the carrier offers on the lane, a code for that one only.
#   2. `create_label(request)` through the runtime, which looks the label up first or sends the
#      carrier's idempotency key when the adapter declares one (`operations`), and otherwise
#      never sends it twice (docs/decisions/0009-one-retry-layer.md).
#   3. `track(numbers)` in batches of at most `track_batch_size` numbers.
#   4. `void_label(tracking_number, carrier_reference)` where the carrier can void.

# Normalised tracking statuses (reference §6.2: karrio's set, with `pending` for pre-transit,
# `exception` for on-hold and failed deliveries, `returned` for return to sender). Every event
# keeps the carrier's own code and description as well, so a mapping can be fixed later.
TRACKING_STATUSES = (
    "pending",  # label created, not yet handed over
    "picked_up",
    "in_transit",
    "delivery_delayed",
    "out_for_delivery",
    "ready_for_pickup",  # waiting at a pickup point or locker
    "exception",  # held (customs, address) or a delivery attempt failed
    "delivered",
    "returned",  # on its way back to, or back at, the sender
    "cancelled",  # the label was voided
    "unknown",
)
# Statuses after which a shipment is no longer polled.
FINAL_TRACKING_STATUSES = frozenset({"delivered", "returned", "cancelled"})

# What core asks for and prints (reference §4.2): PDF for office printers, ZPL (ZPL II) for
# thermal printers, both 4x6 in. A label's original bytes may be another format (UPS GIF).
LABEL_FORMATS = ("PDF", "ZPL")
INCOTERMS = ("DAP", "DDP")
# Why the goods travel (reference §3.2 "Export reason"); adapters map them to carrier codes.
EXPORT_REASONS = ("sale", "gift", "sample", "documents", "return", "repair")
DOCUMENT_KINDS = ("label", "commercial_invoice", "cn22", "cn23", "receipt")

GRAMS_PER_POUND = Decimal("453.59237")
CM_PER_INCH = Decimal("2.54")


def pounds(value: Decimal | int | str) -> int:
    """Grams in `value` pounds (rounded down, so a limit is never loosened)."""
    return int(Decimal(value) * GRAMS_PER_POUND)


def inches(value: Decimal | int | str) -> Decimal:
    """Centimetres in `value` inches, to the millimetre, rounded down."""
    return (Decimal(value) * CM_PER_INCH).quantize(Decimal("0.1"), rounding="ROUND_DOWN")


class CarrierCapability:
    """The capability flags a CarrierAdapter may declare in `capabilities`."""

    RATES = "rates"  # quote
    LABELS = "labels"  # create_label
    TRACKING = "tracking"  # track
    VOID = "void"  # void_label
    INTERNATIONAL = "international"  # labels with customs data across borders
    CUSTOMS_DOCUMENTS = "customs_documents"  # the carrier returns the commercial invoice or CN22/CN23
    DDP = "ddp"  # incoterm DDP (the shipper pays duties and taxes)

    ALL = frozenset({RATES, LABELS, TRACKING, VOID, INTERNATIONAL, CUSTOMS_DOCUMENTS, DDP})


@dataclass(frozen=True)
class Parcel:
    """One package: its gross weight and outer dimensions (0 = not measured)."""

    weight_g: int
    length_cm: Decimal = Decimal(0)
    width_cm: Decimal = Decimal(0)
    height_cm: Decimal = Decimal(0)

    @property
    def sides_cm(self) -> tuple[Decimal, Decimal, Decimal]:
        """The three dimensions, longest first."""
        a, b, c = sorted((Decimal(self.length_cm), Decimal(self.width_cm), Decimal(self.height_cm)), reverse=True)
        return a, b, c

    @property
    def length_plus_girth_cm(self) -> Decimal:
        """Longest side + 2 x width + 2 x height (reference §3.5)."""
        a, b, c = self.sides_cm
        return a + 2 * b + 2 * c


@dataclass(frozen=True)
class PackageLimits:
    """What one package of a service may be (reference §3.5), in grams and centimetres; None
    where the service sets no such limit. `dim_divisor` is the dimensional-weight divisor in
    cm³ per kg (5000 for the couriers; 139 in³/lb is about the same), None when the service
    bills actual weight only."""

    max_weight_g: int
    max_length_cm: Decimal | None = None  # the longest side
    max_length_girth_cm: Decimal | None = None  # longest side + girth
    max_sides_sum_cm: Decimal | None = None  # L + W + H (USPS First-Class Package International)
    dim_divisor: int | None = None

    def problems(self, parcel: Parcel) -> list[str]:
        """Why the parcel does not fit, one sentence each; empty when it does."""
        out = []
        if parcel.weight_g > self.max_weight_g:
            out.append(f"weight {parcel.weight_g} g is over the {self.max_weight_g} g limit")
        longest, _, _ = parcel.sides_cm
        if self.max_length_cm is not None and longest > self.max_length_cm:
            out.append(f"longest side {longest} cm is over the {self.max_length_cm} cm limit")
        if self.max_length_girth_cm is not None and parcel.length_plus_girth_cm > self.max_length_girth_cm:
            out.append(
                f"length plus girth {parcel.length_plus_girth_cm} cm is over the {self.max_length_girth_cm} cm limit"
            )
        total = sum(parcel.sides_cm, Decimal(0))
        if self.max_sides_sum_cm is not None and total > self.max_sides_sum_cm:
            out.append(f"length + width + height {total} cm is over the {self.max_sides_sum_cm} cm limit")
        return out

    def dimensional_weight_g(self, parcel: Parcel) -> int:
        """L x W x H / divisor, in whole grams rounded up; 0 without a divisor or dimensions."""
        if not self.dim_divisor:
            return 0
        volume = Decimal(parcel.length_cm) * Decimal(parcel.width_cm) * Decimal(parcel.height_cm)
        return int((volume * 1000 / self.dim_divisor).to_integral_value(rounding="ROUND_CEILING"))

    def billable_weight_g(self, parcel: Parcel) -> int:
        """The greater of actual and dimensional weight: what the carrier bills."""
        return max(parcel.weight_g, self.dimensional_weight_g(parcel))


@dataclass(frozen=True)
class CarrierService:
    """One service of a carrier's catalogue, as data core can filter on and split orders by.

    `code` is what goes into `ShipmentRequest.service` and comes back in `RateQuote.service`;
    `scope` is "domestic", "international" or "both"; `origins` the countries it ships from
    (empty: anywhere the account ships from)."""

    code: str
    name: str
    limits: PackageLimits
    scope: str = "both"
    ddp: bool = False  # may ship with incoterm DDP
    origins: frozenset[str] = frozenset()

    def serves(self, origin: str, destination: str) -> bool:
        """Whether the service covers a lane between two ISO countries."""
        if self.origins and origin not in self.origins:
            return False
        domestic = origin == destination
        return self.scope == "both" or (self.scope == "domestic") == domestic


@dataclass(frozen=True)
class CustomsItem:
    """One line of a customs declaration (reference §3.1). `value` is the value of ONE unit in
    `currency`; `weight_g` the net weight of ONE unit."""

    description: str
    quantity: int
    value: Decimal
    currency: str
    hs_code: str = ""  # 6 to 10 digits
    origin_country: str = ""  # ISO 3166-1 alpha-2
    weight_g: int = 0
    sku: str = ""
    unit: str = "PCS"

    @property
    def line_value(self) -> Decimal:
        return self.value * self.quantity

    @property
    def line_weight_g(self) -> int:
        return self.weight_g * self.quantity


@dataclass(frozen=True)
class Customs:
    """The customs data of a shipment across a border (reference §3.1, §3.2): its lines, the
    incoterm, why the goods travel, the invoice, and the shipper's identifiers (EORI for the
    EU and UK, IOSS for EU B2C consignments of €150 or less, reference §3.4; VAT)."""

    items: tuple[CustomsItem, ...]
    incoterm: str = "DAP"  # INCOTERMS
    export_reason: str = "sale"  # EXPORT_REASONS
    invoice_number: str = ""
    invoice_date: date | None = None
    eori: str = ""
    ioss: str = ""
    vat_number: str = ""
    signer: str = ""

    @property
    def currency(self) -> str:
        return self.items[0].currency if self.items else ""

    @property
    def total_value(self) -> Decimal:
        return sum((item.line_value for item in self.items), Decimal(0))


@dataclass(frozen=True)
class ShipmentRequest:
    """What to quote or ship. `reference` is our shipment number: the carrier's customer
    reference on the label, and the idempotency key where the carrier takes one. `service` is a
    code of the adapter's `services` ("" when quoting every service). `customs` is required
    when the shipment crosses a border (its origin and destination countries differ)."""

    reference: str
    service: str
    ship_from: Address
    ship_to: Address
    parcels: tuple[Parcel, ...]
    customs: Customs | None = None
    label_format: str = "PDF"  # LABEL_FORMATS
    ship_date: date | None = None  # None: today on the adapter's clock

    @property
    def international(self) -> bool:
        return self.ship_from.country != self.ship_to.country


@dataclass(frozen=True)
class RateQuote:
    """A price for one service. `transit_days` is business days, None when the carrier did not
    say (unknown, never zero); `billed_weight_g` the weight the carrier billed (dimensional or
    actual) when it says."""

    service: str
    amount: Decimal
    currency: str
    transit_days: int | None = None
    service_name: str = ""
    estimated_delivery: date | None = None
    billed_weight_g: int | None = None


@dataclass(frozen=True)
class Document:
    """A printable document the carrier produced: a label page, a commercial invoice, a CN22 or
    CN23, a receipt. `data` is the carrier's bytes, `format` PDF, ZPL, GIF or PNG, `size` 4x6,
    A4 or letter."""

    kind: str  # DOCUMENT_KINDS
    format: str
    data: bytes
    size: str = ""


@dataclass(frozen=True)
class Label:
    """A bought label. `label_data` is the carrier's original bytes in `label_format` (e.g.
    UPS's GIF); `print_data` in `print_format` is what to print, in the format the request
    asked for, when it differs from the original (UPS's GIF turned into PDF). `carrier_reference`
    is the carrier's shipment id, needed to void where it differs from the tracking number.
    `documents` holds what came with the label (commercial invoice, receipt)."""

    tracking_number: str
    label_data: bytes
    label_format: str
    cost: Decimal | None = None
    currency: str | None = None
    carrier_reference: str = ""
    label_size: str = "4x6"
    print_data: bytes = b""
    print_format: str = ""
    documents: tuple[Document, ...] = ()
    piece_tracking_numbers: tuple[str, ...] = ()  # one per parcel, when the carrier numbers pieces
    service: str = ""

    @property
    def printable(self) -> tuple[bytes, str]:
        """(bytes, format) to send to the printer: PDF or ZPL."""
        return (self.print_data, self.print_format) if self.print_data else (self.label_data, self.label_format)


@dataclass(frozen=True)
class TrackingEvent:
    occurred_at: datetime  # timezone-aware UTC
    status: str  # one of TRACKING_STATUSES
    description: str  # the carrier's words
    location: str = ""
    code: str = ""  # the carrier's raw event code
    reason: str = ""  # why, for exceptions (e.g. customs, address, refused), when known


@dataclass(frozen=True)
class TrackingResult:
    """What the carrier knows of one tracking number. A number it does not know is a result
    with `found=False` and its message, never an exception, so one bad number never fails a
    batch. `events` are oldest first; `status`, `code` and `description` are the latest."""

    tracking_number: str
    status: str  # one of TRACKING_STATUSES
    events: tuple[TrackingEvent, ...] = ()
    found: bool = True
    code: str = ""
    description: str = ""
    estimated_delivery: date | None = None
    delivered_at: datetime | None = None
    message: str = ""

    @property
    def final(self) -> bool:
        return self.status in FINAL_TRACKING_STATUSES


def latest_result(tracking_number: str, events: Sequence[TrackingEvent], **extra: Any) -> TrackingResult:
    """A found TrackingResult from events in any order: sorted oldest first, the latest one's
    status, code and description on the result, `delivered_at` from the delivery event."""
    ordered = tuple(sorted(events, key=lambda e: e.occurred_at))
    last = ordered[-1] if ordered else None
    delivered = next((e.occurred_at for e in reversed(ordered) if e.status == "delivered"), None)
    return TrackingResult(
        tracking_number,
        last.status if last else "pending",
        ordered,
        code=last.code if last else "",
        description=last.description if last else "",
        delivered_at=delivered,
        **extra,
    )


class CarrierAdapter(Adapter):
    """A parcel carrier for one tenant connection (reference §2). Methods raise the
    AdapterError family: `RemoteRejected` with the carrier's own words for a request it refuses
    (an address, a package over the limits, missing customs data), `AuthError` for refused
    credentials; the client sends failed requests again where that is safe."""

    kind: ClassVar[str] = "carrier"
    # The service catalogue with package limits per service, as data (reference §3.5).
    services: ClassVar[Sequence[CarrierService]] = ()
    label_formats: ClassVar[frozenset[str]] = frozenset({"PDF"})  # which of LABEL_FORMATS it prints
    track_batch_size: ClassVar[int] = 1  # tracking numbers per track() call (FedEx: 30)
    tracking_url_template: ClassVar[str] = ""  # "...{number}" for the buyer's tracking page
    # Buying a label is a write: declare how the carrier makes it safe to repeat (an
    # idempotency key or a lookup by reference), or it is never sent twice.
    operations: ClassVar[Mapping[str, Operation]] = {
        "check_connection": IDEMPOTENT,
        "quote": IDEMPOTENT,
        "create_label": WRITE,
        "track": IDEMPOTENT,
        "void_label": IDEMPOTENT,
    }

    @classmethod
    def service(cls, code: str) -> CarrierService | None:
        return next((s for s in cls.services if s.code == code), None)

    def tracking_url(self, tracking_number: str) -> str:
        """The public tracking page of a number ("" when the carrier has none)."""
        return self.tracking_url_template.format(number=tracking_number) if self.tracking_url_template else ""

    @abc.abstractmethod
    def quote(self, request: ShipmentRequest) -> list[RateQuote]:
        """Prices for the request's parcels: one quote per service the carrier offers on the
        lane when `request.service` is "", else for that service only. A request the carrier
        refuses (an address, a package over every limit) raises RemoteRejected."""

    @abc.abstractmethod
    def create_label(self, request: ShipmentRequest) -> Label:
        """Buy a label for `request.service`, printable in `request.label_format`. Where the
        carrier allows, make it idempotent on `request.reference` (an idempotency key, or a
        lookup of the label by reference) and say so in `operations`."""

    @abc.abstractmethod
    def track(self, tracking_numbers: Sequence[str]) -> list[TrackingResult]:
        """One result per number, in the order given; at most `track_batch_size` numbers."""

    def void_label(self, tracking_number: str, carrier_reference: str = "") -> None:
        """Void (cancel) an unused label so it is not billed. Voiding a voided label again does
        nothing; a label the carrier no longer voids (picked up) or does not know raises
        RemoteRejected with the carrier's reason."""
        raise RemoteRejected(f"{self.display_name or self.name} cannot void labels")


# ---------------------------------------------------------------------------------------------
# Accounting targets

# The kinds of mapping a target may take besides accounts (docs/accounting.md): the customer a
# shop's receivable lines name, the supplier (vendor) of payable lines, the material of a SKU,
# the department or tracking category of a warehouse, and the warehouse itself where the target
# keeps stock (Kingdee's BD_STOCK: documents' and requisitions' FStockId).
MAPPING_KINDS = ("account", "customer", "supplier", "material", "department", "warehouse")
# The business documents a target may take besides vouchers (docs/accounting.md): a sales
# outbound from a shipped order, a sales return from a received return, a transfer between
# our warehouses (a transfer or a first leg that shipped).
BUSINESS_DOCUMENT_KINDS = ("sales_outbound", "sales_return", "transfer")


@dataclass(frozen=True)
class VoucherLine:
    account: str  # the target's account code, after the tenant's account mapping
    debit: Decimal  # in the voucher's currency; a red (reversal) line is negative on its side
    credit: Decimal
    currency: str
    description: str = ""
    amount_foreign: Decimal | None = None  # the line's own currency and amount, when not functional
    foreign_currency: str | None = None
    # The target's codes for the line's dimensions, after the tenant's mapping, by kind:
    # {"customer": "AMZ-US", "supplier": "V001", "material": "TEE-01", "department": "SZ"}.
    dimensions: Mapping[str, str] = field(default_factory=dict)
    rate: Decimal | None = None  # functional units per one foreign unit, when foreign


@dataclass(frozen=True)
class Voucher:
    reference: str  # our voucher's identity ("2026-03/记-0042"); the idempotency key towards the target
    date: date  # the posting date (a datetime is a date too)
    description: str
    currency: str
    lines: tuple[VoucherLine, ...]
    source_event: str = ""
    number: str = ""  # our voucher number (记-0042)
    # A reversal names the voucher it reverses: its reference and, where it was posted to
    # this target, the target's id. A target posts it as a new entry, never as an edit.
    reverses: str = ""
    reverses_external_id: str = ""

    @property
    def total_debit(self) -> Decimal:
        return sum((ln.debit for ln in self.lines), Decimal(0))

    @property
    def total_credit(self) -> Decimal:
        return sum((ln.credit for ln in self.lines), Decimal(0))

    @property
    def balanced(self) -> bool:
        return self.total_debit == self.total_credit


@dataclass(frozen=True)
class PostResult:
    external_id: str
    message: str = ""
    number: str = ""  # the entry's number at the target (Kingdee's 记-0042, QBO's DocNumber), when it has one


@dataclass(frozen=True)
class DocumentLine:
    """One line of a business document, in the target's codes (after the tenant's mapping)."""

    material: str
    quantity: int
    warehouse: str  # where the goods left (a sale, a transfer's source) or came back to (a return)
    to_warehouse: str = ""  # a transfer's destination
    unit_price: Decimal | None = None  # sales and returns: the buyer's unit price, in the document's currency
    description: str = ""


@dataclass(frozen=True)
class BusinessDocument:
    """A business document pushed to a target (`BUSINESS_DOCUMENT_KINDS`): the target's own stock and
    sales records, beside the vouchers. `reference` is its identity and idempotency key
    towards the target, unique per tenant; `source_event` the business event it came from."""

    kind: str
    reference: str
    number: str  # our document's number (the order, the return, the transfer)
    date: date
    lines: tuple[DocumentLine, ...]
    customer: str = ""  # sales and returns: the target's customer for the shop
    currency: str = ""
    source_event: str = ""
    description: str = ""


@dataclass(frozen=True)
class PurchaseRequisition:
    """One line of a purchase requisition (采购申请 / purchase plan) kept in the accounting
    system, pulled to become a stocking request. Codes are the target's (its material and
    warehouse or department); core maps them back through the tenant's mapping."""

    external_id: str  # unique per line at the target, e.g. "<bill id>:<entry id>"
    number: str  # the requisition's number there
    material: str
    quantity: int
    needed_by: date
    warehouse: str = ""
    note: str = ""


class AccountingTarget(Adapter):
    kind: ClassVar[str] = "accounting"
    # Posting is a write: declare the target's idempotency key or lookup in `operations`.
    operations: ClassVar[Mapping[str, Operation]] = {
        "check_connection": IDEMPOTENT,
        "post_voucher": WRITE,
        "find_voucher": IDEMPOTENT,
        "list_accounts": IDEMPOTENT,
        "list_codes": IDEMPOTENT,
        "list_requisitions": IDEMPOTENT,
        "post_document": WRITE,
        "find_document": IDEMPOTENT,
    }
    # Whether `list_requisitions` reads purchase requisitions from the target. Added in 0.2.
    pulls_requisitions: ClassVar[bool] = False
    # The business documents (BUSINESS_DOCUMENT_KINDS) the target can take; `documents_on` says which
    # of them a connection turned on. A target without any needs neither method below. Added
    # in 0.2.
    document_kinds: ClassVar[tuple[str, ...]] = ()
    # The mapping kinds (MAPPING_KINDS other than "account") this target takes; lines name
    # only these in `dimensions`. `required_mappings` must be mapped before a voucher using
    # them is posted (e.g. QBO's customer on a receivable line).
    mapping_kinds: ClassVar[tuple[str, ...]] = ()
    required_mappings: ClassVar[tuple[str, ...]] = ()

    @abc.abstractmethod
    def post_voucher(self, voucher: Voucher) -> PostResult:
        """Post a balanced voucher. Posting the same `reference` twice must not duplicate it: send
        it as the target's idempotency key or look it up, and declare which in `operations`.
        Raise RemoteRejected with the target's own message when it refuses the voucher."""

    def find_voucher(self, voucher: Voucher) -> PostResult | None:
        """The entry this voucher became at the target, when it was posted there already (looked
        up by its reference), else None. Core calls it before resending a voucher whose earlier
        send may have been performed (a timeout, a worker killed mid-call). Added in 0.2."""
        return None

    def list_accounts(self) -> list[tuple[str, str]]:
        """(code, name) of the target's chart of accounts, for the mapping screen."""
        return []

    def list_codes(self, kind: str) -> list[tuple[str, str]]:
        """(code, name) of the target's records of a mapping kind (its accounts, customers,
        suppliers, materials, departments), for the mapping screen. Added in 0.2."""
        return self.list_accounts() if kind == "account" else []

    def list_requisitions(self, since: date) -> list[PurchaseRequisition]:
        """The approved purchase requisition lines dated from `since`, for targets that keep
        them (`pulls_requisitions`). Added in 0.2."""
        return []

    @classmethod
    def documents_on(cls, settings: Mapping[str, Any]) -> tuple[str, ...]:
        """The document kinds a connection with these settings has turned on (a subset of
        `document_kinds`); core enrols only their events. Added in 0.2."""
        return ()

    def post_document(self, document: BusinessDocument) -> PostResult:
        """Post a business document once, like `post_voucher`: posting the same `reference`
        twice must not duplicate it (declare the key or lookup in `operations`). Added in 0.2."""
        raise RemoteRejected(f"{self.display_name or self.name} takes no business documents")

    def find_document(self, document: BusinessDocument) -> PostResult | None:
        """The target's record of this document when it was posted there already, else None;
        called before a document whose earlier send may have been performed is sent again.
        Added in 0.2."""
        return None


# ---------------------------------------------------------------------------------------------
# Payment sources (docs/decisions/0014-payment-sources.md)


class PaymentSourceAdapter(Adapter):
    """A payment provider that is not a sales channel (PayPal: reference finance.md §3.3). It
    returns the same `Payout` / `PayoutTransaction` data as the channel port's `list_payouts`,
    so finance imports, matches and books every source through one path. Added in 0.2."""

    kind: ClassVar[str] = "payment"
    operations: ClassVar[Mapping[str, Operation]] = {"check_connection": IDEMPOTENT, "list_payouts": IDEMPOTENT}

    @abc.abstractmethod
    def list_payouts(self, paid_since: date) -> list[Payout]:
        """The payouts settled since `paid_since` with their transactions, oldest first."""


ADAPTER_BASES: dict[str, type[Adapter]] = {
    "channel": ChannelAdapter,
    "carrier": CarrierAdapter,
    "accounting": AccountingTarget,
    "payment": PaymentSourceAdapter,
}
