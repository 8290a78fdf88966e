"""The emulator toolkit: stateful WSGI apps speaking a remote API's wire format (DESIGN §6).

Two layers:

* `Emulator`, the wire-level base every emulator builds on, whatever it emulates (a channel, a
  carrier, an accounting system): routing, credentials (`authorize`), server-side rate limits
  per operation (`LIMITS`, `limit`, `gate`), fault knobs and one-off failures (`faults`,
  `fail_next`, including an answer lost after the write was performed), idempotency keys the
  way payment-grade APIs honour them (`IDEMPOTENCY_HEADER`), signed webhooks with their queue
  and delivery (`queue_webhook`, `build_webhook`, `deliver_webhooks`, `hmac_signature`), a
  clock (pass the adapter's `VirtualClock`) and the control API under `/_control/`;
* `ChannelEmulator`, a sales channel on top of it: orders generated in memory and changed
  after the fact, shipment confirmations and quantity pushes recorded, and their control routes.

Tests, the demo and benchmarks drive an emulator in Python, on the instance, or over HTTP under
`/_control/` on its own mount (for the demo and for processes that do not share the instance).
A subclass sets `name` and `LIMITS` and implements `api_rules()` plus the hooks marked
"subclass" below. docs/plugins.md ("Emulators") has the tables.
"""

from __future__ import annotations

import base64
import gc
import hashlib
import hmac
import json
import random
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, ClassVar

import httpx
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from core.ports import SYSTEM_CLOCK, Clock
from core.testing.orders import OrderFactory, SampleOrder

CONTROL = "/_control"


class LostAnswer(httpx.ReadTimeout):
    """Raised out of the WSGI app for a request whose answer is lost: a client reaching the
    emulator in process (httpx.WSGITransport) sees a read timeout, as it would on a network
    that dropped the answer. A server in between turns it into its own 500."""


@dataclass
class FailRule:
    """Make matching API requests fail: let `skip` of them through, then fail `times` of them.
    `path`/`query` match when they are substrings of the request's.

    `lose` says how: "" answers `status` without doing anything; "before" gives no answer
    and does nothing (the request never arrived); "after" performs the request, then loses
    its answer -- the remote did the write and the client timed out."""

    path: str = ""
    query: str = ""
    method: str = ""
    status: int = 500
    times: int = 1
    skip: int = 0
    lose: str = ""  # "" | "before" | "after"

    def __post_init__(self) -> None:
        if self.lose not in ("", "before", "after"):
            raise ValueError('lose must be "", "before" or "after"')

    def matches(self, request: Request) -> bool:
        return (
            (not self.method or request.method == self.method.upper())
            and self.path in request.path
            and self.query in request.query_string.decode("latin-1")
        )


@dataclass
class Faults:
    """Knobs that make the emulator misbehave the way the real API sometimes does."""

    throttle: bool = True  # enforce the platform's rate limits
    rate_scale: float = 1.0  # multiply the platform's refill rates (100 = a hundred times faster)
    throttle_every: int = 0  # also throttle every Nth API call (0 = off)
    error_every: int = 0  # answer every Nth API call with a 503 (0 = off)
    latency: float = 0.0  # seconds added to every API call (on the emulator's clock)
    duplicate_webhooks: int = 0  # extra deliveries of every webhook
    retry_after: float | None = None  # Retry-After to send instead of the platform's usual one

    def update(self, values: Mapping[str, Any]) -> None:
        names = {f.name for f in fields(self)}
        for key, value in values.items():
            if key not in names:
                raise ValueError(f"unknown fault {key!r}; use one of {', '.join(sorted(names))}")
            setattr(self, key, value)


class ServerBucket:
    """Server-side token bucket: `admit()` spends a token or tells how long until one is free."""

    def __init__(self, rate: float, burst: float, clock: Clock) -> None:
        self.rate, self.burst, self.clock = rate, float(burst), clock
        self.tokens = float(burst)
        self.stamp = clock.monotonic()

    def _refill(self, scale: float) -> None:
        now = self.clock.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate * scale)
        self.stamp = now

    def admit(self, scale: float = 1.0) -> tuple[bool, float]:
        self._refill(scale)
        if self.tokens >= 1 - 1e-9:  # the same float tolerance as the client's bucket
            self.tokens = max(0.0, self.tokens - 1)
            return True, 0.0
        return False, (1 - self.tokens) / (self.rate * scale)

    def used(self, scale: float = 1.0) -> int:
        self._refill(scale)
        return int(self.burst - self.tokens + 0.999)


@dataclass
class WebhookDelivery:
    topic: str
    subject: str  # what the webhook is about: an order id, a tracking number, a voucher
    url: str
    status: int | None
    headers: dict[str, str]
    body: bytes
    error: str = ""


@dataclass
class _Pending:
    topic: str
    subject: str
    event_id: str
    request: tuple[dict[str, str], bytes] | None = None  # built once, so retries are identical
    delivered: set[str] = field(default_factory=set)
    address: str | None = None  # for one subscriber only (e.g. a ping), else every subscriber of the topic


def json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


def json_response(data: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    body = json.dumps(data, default=json_default, ensure_ascii=False, separators=(",", ":"))
    return Response(body, status=status, headers=dict(headers or {}), content_type="application/json; charset=utf-8")


def hmac_signature(secret: str | bytes, body: bytes, *, digest: str = "sha256", encoding: str = "base64") -> str:
    """HMAC of a webhook's raw body, as most platforms sign theirs: `encoding` "base64"
    (Shopify, WooCommerce) or "hex"."""
    key = secret.encode() if isinstance(secret, str) else secret
    mac = hmac.new(key, body, getattr(hashlib, digest)).digest()
    return base64.b64encode(mac).decode() if encoding == "base64" else mac.hex()


class Emulator:
    """The wire-level base: what every emulated API has, whatever its business."""

    name: ClassVar[str] = ""
    # Server-side limits per operation: {op: (requests per second, burst)}.
    LIMITS: ClassVar[dict[str, tuple[float, float]]] = {}
    # The request header carrying an idempotency key, for platforms that honour one: a
    # repeated write with a key already seen (same method and path) gets the first answer
    # again and does nothing. "" for platforms without.
    IDEMPOTENCY_HEADER: ClassVar[str] = ""

    def __init__(self, *, seed: int = 1, clock: Clock | None = None) -> None:
        self.clock = clock or SYSTEM_CLOCK
        self.seed = seed
        self.lock = threading.RLock()
        self.faults = Faults()
        self._url_map = Map(self.control_rules() + self.api_rules(), strict_slashes=False)
        self.reset()

    # -- state ------------------------------------------------------------------------------

    def reset(self) -> None:
        """Forget every record, subscription, fault and the platform's state."""
        with self.lock:
            self.rng = random.Random(self.seed)
            self.faults = Faults()
            self.fail_rules: list[FailRule] = []
            self.calls = 0
            self.buckets = {op: ServerBucket(rate, burst, self.clock) for op, (rate, burst) in self.LIMITS.items()}
            self.subscriptions: list[dict[str, Any]] = []  # {id, topic, address}
            self.pending_webhooks: list[_Pending] = []
            self.webhook_log: list[WebhookDelivery] = []
            self.idempotent_answers: dict[tuple[str, str, str], tuple[int, list[tuple[str, str]], bytes]] = {}
            self.reset_records()
            self.reset_state()

    def reset_records(self) -> None:
        """Subclass per kind: clear what the kind records (a channel's orders, shipments and
        quantity pushes; a carrier's labels). Runs before reset_state."""

    def reset_state(self) -> None:
        """Subclass: clear the platform's own state."""

    def connection_settings(self, base_url: str) -> dict[str, Any]:
        """Subclass: the connection settings (credentials included) that reach this emulator
        mounted at `base_url`; what the demo and the tests create connections with."""
        raise NotImplementedError

    def summary(self) -> dict[str, Any]:
        """What `GET /_control` shows; a subclass adds its own figures."""
        return {
            "name": self.name,
            "calls": self.calls,
            "faults": asdict(self.faults),
            "pending_webhooks": len(self.pending_webhooks),
            "now": self.clock.now(),
        }

    # -- credentials and rate limits --------------------------------------------------------

    def authorize(self, request: Request) -> Response | None:
        """Subclass: None when the request carries valid credentials, else the platform's
        refusal (its 401 shape)."""
        return None

    def gate(self, request: Request, op: str) -> Response | None:
        """Credentials, then the rate limit of `op`: the refusal, or None to go on."""
        refused = self.authorize(request)
        if refused is not None:
            return refused
        wait = self.limit(op)
        return self.throttled(request, op, wait) if wait is not None else None

    # -- faults -----------------------------------------------------------------------------

    def fail_next(
        self,
        path: str = "",
        *,
        query: str = "",
        method: str = "",
        status: int = 500,
        times: int = 1,
        skip: int = 0,
        lose: str = "",
    ) -> FailRule:
        """Make matching API calls fail: e.g. `fail_next("/orders", skip=2)` fails the third
        order-list call once (a page that fails once); `fail_next("/labels", method="POST",
        lose="after")` buys the label and loses the answer (the client times out)."""
        rule = FailRule(path=path, query=query, method=method, status=status, times=times, skip=skip, lose=lose)
        with self.lock:
            self.fail_rules.append(rule)
        return rule

    def limit(self, op: str) -> float | None:
        """Spend a token of `op`; None when admitted, else seconds until the next token."""
        if not self.faults.throttle or op not in self.buckets:
            return None
        ok, wait = self.buckets[op].admit(self.faults.rate_scale)
        return None if ok else wait

    def throttled(self, request: Request, op: str, retry_after: float) -> Response:
        """Subclass: the platform's throttle response."""
        return json_response({"error": "throttled"}, 429, {"Retry-After": f"{retry_after:.1f}"})

    def server_error(self, request: Request, status: int) -> Response:
        """Subclass: the platform's 5xx response."""
        return json_response({"error": "internal error"}, status)

    def _injected_fault(self, request: Request, endpoint: str) -> Response | FailRule | None:
        """The refusal an injected fault answers with, a FailRule losing the answer, or None."""
        self.calls += 1
        f = self.faults
        for rule in self.fail_rules:
            if rule.times > 0 and rule.matches(request):
                if rule.skip > 0:
                    rule.skip -= 1
                    continue
                rule.times -= 1
                return rule if rule.lose else self.server_error(request, rule.status)
        if f.error_every and self.calls % f.error_every == 0:
            return self.server_error(request, 503)
        if f.throttle_every and self.calls % f.throttle_every == 0:
            return self.throttled(request, endpoint, f.retry_after if f.retry_after is not None else 1.0)
        return None

    # -- webhooks ---------------------------------------------------------------------------

    def queue_webhook(self, topic: str, subject: str, address: str | None = None) -> None:
        """Queue a webhook about `subject` (an order id, a tracking number...) for the
        subscribers of `topic`, or for `address` alone."""
        event_id = str(uuid.UUID(int=self.rng.getrandbits(128)))
        self.pending_webhooks.append(_Pending(topic, subject, event_id, address=address))

    def build_webhook(self, topic: str, subject: str, event_id: str) -> tuple[dict[str, str], bytes]:
        """Subclass: headers and body of one signed delivery (see `hmac_signature`)."""
        raise NotImplementedError

    def webhook_requests(self) -> list[tuple[dict[str, str], bytes]]:
        """The signed (headers, body) of every pending webhook, without sending anything."""
        with self.lock:
            return [self._built(p) for p in self.pending_webhooks]

    def _built(self, pending: _Pending) -> tuple[dict[str, str], bytes]:
        if pending.request is None:
            pending.request = self.build_webhook(pending.topic, pending.subject, pending.event_id)
        return pending.request

    def deliver_webhooks(
        self,
        url: str | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        send: Callable[[str, dict[str, str], bytes], int] | None = None,
    ) -> list[WebhookDelivery]:
        """POST every pending webhook to `url`, or to the subscribed addresses of its topic, as
        many times as `faults.duplicate_webhooks` says plus one. Deliveries answered 2xx leave
        the queue; the others stay to be retried by the next call. `send(url, headers, body)`
        returning a status replaces HTTP (tests posting straight into a Flask test client)."""
        with self.lock:
            pending = list(self.pending_webhooks)
            subs = list(self.subscriptions)
            copies = 1 + max(0, int(self.faults.duplicate_webhooks))
        out: list[WebhookDelivery] = []
        client = httpx.Client(transport=transport, timeout=5.0) if send is None else None
        try:
            for p in pending:
                headers, body = self._built(p)
                if url:
                    targets = [url]
                elif p.address:
                    targets = [p.address]
                else:
                    targets = [s["address"] for s in subs if s["topic"] == p.topic]
                for target in targets:
                    if target in p.delivered:
                        continue
                    for _ in range(copies):
                        delivery = WebhookDelivery(p.topic, p.subject, target, None, headers, body)
                        try:
                            if send is not None:
                                delivery.status = send(target, headers, body)
                            else:
                                delivery.status = client.post(target, headers=headers, content=body).status_code
                        except httpx.HTTPError as exc:
                            delivery.error = type(exc).__name__
                        out.append(delivery)
                        if delivery.status is not None and 200 <= delivery.status < 300:
                            p.delivered.add(target)
                if targets and all(t in p.delivered for t in targets):
                    with self.lock:
                        if p in self.pending_webhooks:
                            self.pending_webhooks.remove(p)
        finally:
            if client is not None:
                client.close()
        with self.lock:
            self.webhook_log.extend(out)
        return out

    # -- WSGI -------------------------------------------------------------------------------

    def api_rules(self) -> list[Rule]:
        """Subclass: werkzeug rules whose endpoints name methods `(request, **args) -> Response`."""
        return []

    def control_rules(self) -> list[Rule]:
        r = CONTROL
        return [
            Rule(f"{r}", endpoint="ctl_summary", methods=["GET"]),
            Rule(f"{r}/faults", endpoint="ctl_faults", methods=["GET", "PATCH"]),
            Rule(f"{r}/faults/fail-next", endpoint="ctl_fail_next", methods=["POST"]),
            Rule(f"{r}/webhooks/deliver", endpoint="ctl_deliver", methods=["POST"]),
            Rule(f"{r}/clock", endpoint="ctl_clock", methods=["POST"]),
            Rule(f"{r}/reset", endpoint="ctl_reset", methods=["POST"]),
            Rule(f"{r}/connection", endpoint="ctl_connection", methods=["GET"]),
        ]

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        try:
            endpoint, args = self._url_map.bind_to_environ(environ).match()
        except HTTPException as exc:
            response = self.unknown_route(request, exc)
            return response(environ, start_response)
        if endpoint.startswith("ctl_"):
            try:
                response = getattr(self, endpoint)(request, **args)
            except KeyError as exc:  # an unknown order id
                response = json_response({"error": str(exc).strip("'\"")}, 404)
            except (ValueError, TypeError) as exc:
                response = json_response({"error": str(exc)}, 400)
            return response(environ, start_response)
        if self.faults.latency:
            self.clock.sleep(self.faults.latency)
        with self.lock:
            fault = self._injected_fault(request, endpoint)
            if isinstance(fault, FailRule):
                if fault.lose == "before":
                    raise LostAnswer(f"{request.method} {request.path}: no answer", request=None)
                self._answer(request, endpoint, args)
                raise LostAnswer(f"{request.method} {request.path}: performed, answer lost", request=None)
            response = fault or self._answer(request, endpoint, args)
        return response(environ, start_response)

    def _answer(self, request: Request, endpoint: str, args: dict[str, Any]) -> Response:
        """The endpoint's response; with an idempotency key seen before, the first answer."""
        key = request.headers.get(self.IDEMPOTENCY_HEADER) if self.IDEMPOTENCY_HEADER else None
        if key:
            seen = self.idempotent_answers.get((request.method, request.path, key))
            if seen is not None:
                status, headers, body = seen
                return Response(body, status=status, headers=headers)
        response = getattr(self, endpoint)(request, **args)
        # A throttled request was not performed: its key stays free for the retry.
        if key and response.status_code < 500 and response.status_code != 429:
            self.idempotent_answers[(request.method, request.path, key)] = (
                response.status_code,
                list(response.headers.items()),
                response.get_data(),
            )
        return response

    def unknown_route(self, request: Request, exc: HTTPException) -> Response:
        """Subclass: the platform's 404/405 shape."""
        return json_response({"error": exc.name}, exc.code or 404)

    # -- control API over HTTP --------------------------------------------------------------

    @staticmethod
    def _body(request: Request) -> dict[str, Any]:
        if not request.data:
            return {}
        data = json.loads(request.data)
        if not isinstance(data, dict):
            raise ValueError("send a JSON object")
        return data

    def ctl_summary(self, request: Request) -> Response:
        return json_response(self.summary())

    def ctl_faults(self, request: Request) -> Response:
        if request.method == "PATCH":
            with self.lock:
                self.faults.update(self._body(request))
        return json_response({**asdict(self.faults), "fail_next": [asdict(r) for r in self.fail_rules if r.times]})

    def ctl_fail_next(self, request: Request) -> Response:
        return json_response(asdict(self.fail_next(**self._body(request))), 201)

    def ctl_deliver(self, request: Request) -> Response:
        url = self._body(request).get("url")
        done = self.deliver_webhooks(url)
        return json_response(
            {
                "deliveries": [
                    {"topic": d.topic, "subject": d.subject, "url": d.url, "status": d.status, "error": d.error}
                    for d in done
                ]
            }
        )

    def ctl_clock(self, request: Request) -> Response:
        advance = getattr(self.clock, "advance", None)
        if advance is None:
            return json_response({"error": "this emulator runs on the real clock"}, 409)
        return json_response({"now": advance(float(self._body(request).get("seconds", 0)))})

    def ctl_reset(self, request: Request) -> Response:
        self.reset()
        return json_response({"ok": True})

    def ctl_connection(self, request: Request) -> Response:
        base = request.args.get("base_url") or (request.host_url.rstrip("/") + request.script_root)
        return json_response(self.connection_settings(base))


class ChannelEmulator(Emulator):
    """A sales channel: orders in memory, changed after the fact, with the shipment
    confirmations and quantity pushes adapters send recorded for tests to read."""

    # Changes `change_order` understands, with a line of help each (listed by the control API).
    CHANGES: ClassVar[dict[str, str]] = {}
    # The topic of an "order changed" webhook, for emulators of platforms that send webhooks.
    ORDER_WEBHOOK_TOPIC: ClassVar[str] = ""

    def reset_records(self) -> None:
        self.factory = OrderFactory(self.seed)
        # Webhook event ids come from the order stream, so a seed gives the same orders and ids.
        self.rng = self.factory.rng
        self.shipments: list[dict[str, Any]] = []  # normalised, oldest first (see record_shipment)
        self.quantity_pushes: list[dict[str, Any]] = []  # {sku, quantity, at}

    def summary(self) -> dict[str, Any]:
        return {**super().summary(), "orders": len(self.order_ids()), "changes": self.CHANGES}

    # -- orders -----------------------------------------------------------------------------

    def generate_orders(
        self, count: int, *, start: datetime | None = None, end: datetime | None = None, **options: Any
    ) -> list[str]:
        """Create `count` orders created (and last changed) in [start, end); returns their ids.
        Defaults: the last 24 hours up to one second ago on the emulator's clock."""
        end = end or self.clock.now() - timedelta(seconds=1)
        start = start or end - timedelta(days=1)
        # Bulk generation allocates millions of small objects; the cyclic collector would scan
        # them over and over (quadratic time), and none of them form cycles worth collecting.
        enabled = gc.isenabled()
        gc.disable()
        try:
            with self.lock:
                samples = self.factory.orders(count, start, end, **{**self.generation_defaults(), **options})
                return [self.add_order(sample) for sample in samples]
        finally:
            if enabled:
                gc.enable()

    def generation_defaults(self) -> dict[str, Any]:
        """Subclass: OrderFactory options typical for the platform (countries, platform share)."""
        return {}

    def add_order(self, sample: SampleOrder) -> str:
        """Subclass: store one sample order in the platform's shape; return its id."""
        raise NotImplementedError

    def change_order(self, order_id: str, change: str, **options: Any) -> dict[str, Any]:
        """Change an order after creation (see CHANGES); returns its wire JSON."""
        if change not in self.CHANGES:
            raise ValueError(f"{self.name} does not emulate {change!r}; use one of {', '.join(self.CHANGES)}")
        with self.lock:
            self.apply_change(order_id, change, **options)
            return self.order_json(order_id)

    def apply_change(self, order_id: str, change: str, **options: Any) -> None:
        raise NotImplementedError

    def order_json(self, order_id: str) -> dict[str, Any]:
        """Subclass: the order as the API shows it."""
        raise NotImplementedError

    def order_ids(self) -> list[str]:
        """Subclass: every order id, oldest first."""
        raise NotImplementedError

    def quantities(self) -> dict[str, int]:
        """Subclass: the listed quantity per seller SKU, as last pushed."""
        raise NotImplementedError

    def record_shipment(
        self,
        order_id: str,
        *,
        carrier: str,
        tracking_number: str,
        service: str = "",
        lines: Iterable[tuple[str, int]] = (),
        raw: Any = None,
    ) -> None:
        self.shipments.append(
            {
                "order_id": order_id,
                "carrier": carrier,
                "service": service,
                "tracking_number": tracking_number,
                "lines": [list(x) for x in lines],
                "at": self.clock.now().isoformat(),
                "raw": raw,
            }
        )

    def record_quantity(self, sku: str, quantity: int) -> None:
        self.quantity_pushes.append({"sku": sku, "quantity": quantity, "at": self.clock.now().isoformat()})

    # -- control API over HTTP --------------------------------------------------------------

    def control_rules(self) -> list[Rule]:
        r = CONTROL
        return super().control_rules() + [
            Rule(f"{r}/orders", endpoint="ctl_generate", methods=["POST"]),
            Rule(f"{r}/orders", endpoint="ctl_orders", methods=["GET"]),
            Rule(f"{r}/orders/<order_id>", endpoint="ctl_order", methods=["GET"]),
            Rule(f"{r}/orders/<order_id>/changes", endpoint="ctl_change", methods=["POST"]),
            Rule(f"{r}/shipments", endpoint="ctl_shipments", methods=["GET"]),
            Rule(f"{r}/quantities", endpoint="ctl_quantities", methods=["GET"]),
        ]

    def ctl_generate(self, request: Request) -> Response:
        body = self._body(request)
        count = int(body.pop("count", 10))
        for key in ("start", "end"):
            if key in body:
                body[key] = datetime.fromisoformat(body[key])
        return json_response({"order_ids": self.generate_orders(count, **body)}, 201)

    def ctl_orders(self, request: Request) -> Response:
        return json_response({"order_ids": self.order_ids()})

    def ctl_order(self, request: Request, order_id: str) -> Response:
        with self.lock:
            return json_response(self.order_json(order_id))

    def ctl_change(self, request: Request, order_id: str) -> Response:
        body = self._body(request)
        return json_response(self.change_order(order_id, body.pop("change", ""), **body))

    def ctl_shipments(self, request: Request) -> Response:
        with self.lock:
            return json_response({"shipments": self.shipments})

    def ctl_quantities(self, request: Request) -> Response:
        with self.lock:
            return json_response({"quantities": self.quantities(), "pushes": self.quantity_pushes})


class RecordingTransport(httpx.BaseTransport):
    """Wraps a transport and keeps every request with its response, for tests that assert what
    an adapter sent (`requests`, including those whose answer was lost) and what came back
    (`statuses()`)."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.exchanges: list[tuple[httpx.Request, httpx.Response | None]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        try:
            response = self.inner.handle_request(request)
        except httpx.TransportError:
            self.exchanges.append((request, None))
            raise
        response.read()
        self.exchanges.append((request, response))
        return response

    @property
    def requests(self) -> list[httpx.Request]:
        return [request for request, _ in self.exchanges]

    def statuses(self) -> list[int]:
        return [response.status_code for _, response in self.exchanges if response is not None]
