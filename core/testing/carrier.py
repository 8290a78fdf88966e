"""CarrierContract: the behaviour every carrier adapter must show, as a pytest base class.

A plugin's test module subclasses it and provides one fixture, `harness`, returning a
`CarrierHarness`: the adapter under test, the clock it shares with the carrier, and handles to
make the carrier do things (advance tracking, hold a parcel, lose an answer, throttle). For an
adapter whose emulator is built on `core.testing.carrier_emulator.CarrierEmulator`,
`CarrierEmulatorHarness` does all of it::

    import pytest
    from core.testing import CarrierContract, CarrierEmulatorHarness
    from my_carrier.plugin import MyCarrier
    from my_carrier.emulator import MyCarrierEmulator

    class TestMyCarrier(CarrierContract):
        @pytest.fixture
        def harness(self):
            return CarrierEmulatorHarness(MyCarrier, MyCarrierEmulator, label_path="/labels")

The lanes it ships on are class attributes (`origin`, `domestic`, `abroad`); override them for
a carrier that does not serve them. Tests needing a capability the adapter does not declare
are skipped. Nothing here touches Tradelane's database: the kit runs in a plugin's own
repository. What it checks follows shared/reference/carriers.md §2-§7: the service catalogue
with package limits (§3.5), customs data reaching the carrier (§3.1-§3.4), printable labels in
PDF and ZPL (§4.2), normalised tracking (§6.2), and a label bought once whatever fails (§7 and
docs/decisions/0009-one-retry-layer.md).
"""

from __future__ import annotations

import logging
import math
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from core import money
from core.ports import (
    INCOTERMS,
    LABEL_FORMATS,
    TRACKING_STATUSES,
    AdapterError,
    Address,
    AuthError,
    CarrierAdapter,
    Customs,
    CustomsItem,
    Label,
    OutcomeUnknown,
    Parcel,
    RemoteRejected,
    ShipmentRequest,
)
from core.ports import CarrierCapability as Cap
from core.testing import make_context
from core.testing.clock import VirtualClock
from core.testing.emulator import RecordingTransport


class CarrierHarness:
    """What CarrierContract needs besides the adapter. Subclass it for a recorded server or a
    sandbox; CarrierEmulatorHarness implements it for emulators built on CarrierEmulator."""

    adapter: CarrierAdapter
    clock: VirtualClock

    def labels_bought(self, reference: str) -> list[dict[str, Any]]:
        """Labels the carrier sold for a shipment reference, each a dict with at least
        `tracking_number`, `voided` and `customs` (the customs data the carrier received:
        `items`, `incoterm`, `ioss`, `eori`)."""
        raise NotImplementedError

    def lose_next_label_answer(self) -> None:
        """Make the carrier sell the next label, then lose its answer (the client times out)."""
        raise NotImplementedError

    def force(self, tracking_number: str, stage: str) -> None:
        """Make a tracking stage happen now: "exception", "delivery_failed", "returned"."""
        raise NotImplementedError

    def throttle_hard(self) -> None:
        """Make the carrier throttle much more than usual (e.g. every third call)."""
        raise NotImplementedError

    def fail_next_quote(self) -> None:
        """Make the next rate call fail once with a server error."""
        raise NotImplementedError

    def expire_tokens(self) -> None:
        """Expire the adapter's cached access token on the carrier's side; NotImplementedError
        for carriers without tokens."""
        raise NotImplementedError

    def requests(self, path: str) -> int:
        """How many requests whose path contains `path` the adapter sent."""
        raise NotImplementedError

    def adapter_with_bad_credentials(self) -> CarrierAdapter:
        raise NotImplementedError

    def secrets(self) -> list[str]:
        """Credential values that must never appear in logs."""
        return []


class CarrierEmulatorHarness(CarrierHarness):
    """A harness over an emulator built on `CarrierEmulator`, reached in-process through
    httpx.WSGITransport, with a VirtualClock shared by both sides. `label_path` and
    `quote_path` are substrings of the label-buying and rate paths."""

    def __init__(
        self,
        adapter_cls: type[CarrierAdapter],
        emulator_cls: type[Any],
        *,
        label_path: str,
        quote_path: str,
        seed: int = 7,
        base_url: str = "http://carrier-emulator.test",
        settings: dict[str, Any] | None = None,
        bad_credentials: dict[str, str] | None = None,
        **emulator_options: Any,
    ) -> None:
        self.clock = VirtualClock()
        self.emulator = emulator_cls(seed=seed, clock=self.clock, **emulator_options)
        self.adapter_cls = adapter_cls
        self.values = {**self.emulator.connection_settings(base_url), **(settings or {})}
        self.bad_credentials = bad_credentials
        self.label_path, self.quote_path = label_path, quote_path
        self.adapter = self.connect(self.values)

    def connect(self, values: dict[str, Any], **context: Any) -> CarrierAdapter:
        """A new adapter on the emulator; keywords go to make_context (e.g. state=...)."""
        self.transport = RecordingTransport(httpx.WSGITransport(app=self.emulator))
        ctx = make_context(self.adapter_cls, values, transport=self.transport, clock=self.clock, **context)
        return self.adapter_cls(ctx)

    def labels_bought(self, reference: str) -> list[dict[str, Any]]:
        return [self.emulator.label_json(x) for x in self.emulator.labels_for(reference)]

    def lose_next_label_answer(self) -> None:
        self.emulator.fail_next(self.label_path, method="POST", lose="after")

    def force(self, tracking_number: str, stage: str) -> None:
        self.emulator.force(tracking_number, stage)

    def throttle_hard(self) -> None:
        self.emulator.faults.throttle_every = 3

    def fail_next_quote(self) -> None:
        self.emulator.fail_next(self.quote_path, status=503)

    def expire_tokens(self) -> None:
        if not self.emulator.tokens:
            raise NotImplementedError
        self.emulator.expire_tokens()

    def requests(self, path: str) -> int:
        return sum(1 for r in self.transport.requests if path in r.url.path)

    def adapter_with_bad_credentials(self) -> CarrierAdapter:
        if self.bad_credentials is not None:
            wrong = self.bad_credentials
        else:
            wrong = {
                f.name: "wrong-" + str(self.values.get(f.name, "x"))[-6:]
                for f in self.adapter_cls.settings
                if f.secret and f.name in self.values
            }
        return self.connect({**self.values, **wrong})

    def secrets(self) -> list[str]:
        return [str(self.values[f.name]) for f in self.adapter_cls.settings if f.secret and self.values.get(f.name)]


def is_pdf(data: bytes) -> bool:
    return data.startswith(b"%PDF-") and b"%%EOF" in data[-1024:]


def is_zpl(data: bytes) -> bool:
    text = data.strip()
    return text.startswith(b"^XA") and text.endswith(b"^XZ")


class CarrierContract:
    """Subclass as `Test<Carrier>Contract` and provide the `harness` fixture."""

    # The lanes the contract ships on: a US warehouse, a US buyer and an EU buyer (IOSS applies
    # below EUR 150, reference §3.4). Override for a carrier that serves other lanes.
    origin = Address(
        name="Tradelane Demo Warehouse",
        company="Demo Trading Co.",
        line1="1200 E Carson St",
        city="Carson",
        state="CA",
        postal_code="90745",
        country="US",
        phone="+1 310 555 0100",
        email="warehouse@example.com",
    )
    domestic = Address(
        name="Jane Buyer",
        line1="350 5th Ave",
        city="New York",
        state="NY",
        postal_code="10118",
        country="US",
        phone="+1 212 555 0199",
        email="jane@example.com",
    )
    abroad = Address(
        name="Max Muster",
        line1="Unter den Linden 77",
        city="Berlin",
        postal_code="10117",
        country="DE",
        phone="+49 30 5550 1234",
        email="max@example.com",
    )
    parcel = Parcel(1200, Decimal(30), Decimal(20), Decimal(10))

    @pytest.fixture
    def harness(self) -> CarrierHarness:
        raise NotImplementedError("provide a `harness` fixture returning a CarrierHarness")

    @pytest.fixture
    def adapter(self, harness: CarrierHarness) -> CarrierAdapter:
        return harness.adapter

    # -- helpers ----------------------------------------------------------------------------

    @staticmethod
    def require(adapter: CarrierAdapter, capability: str) -> None:
        if capability not in adapter.capabilities:
            pytest.skip(f"{adapter.name} does not declare {capability!r}")

    def customs(self) -> Customs:
        return Customs(
            items=(
                CustomsItem(
                    "Cotton T-shirt, men's, knitted", 2, Decimal("12.50"), "USD", "610910", "CN", 180, "TS-001"
                ),
                CustomsItem("Stainless steel water bottle 750 ml", 1, Decimal("18.00"), "USD", "732393", "CN", 350),
            ),
            incoterm="DAP",
            export_reason="sale",
            invoice_number="INV-CONTRACT-1",
            invoice_date=date(2026, 10, 5),
            eori="DE123456789012345",
            ioss="IM2760000742",
            vat_number="DE123456789",
            signer="Demo Owner",
        )

    def request(
        self, reference: str, *, international: bool = False, service: str = "", label_format: str = "PDF", **kw: Any
    ) -> ShipmentRequest:
        return ShipmentRequest(
            reference=reference,
            service=service,
            ship_from=self.origin,
            ship_to=self.abroad if international else self.domestic,
            parcels=kw.pop("parcels", (self.parcel,)),
            customs=self.customs() if international else None,
            label_format=label_format,
            **kw,
        )

    def lanes(self, adapter: CarrierAdapter) -> list[bool]:
        """The lanes the adapter serves: domestic (False) and/or international (True)."""
        out = []
        for international in (False, True):
            destination = (self.abroad if international else self.domestic).country
            if any(s.serves(self.origin.country, destination) for s in adapter.services):
                out.append(international)
        return out

    def buy(
        self, adapter: CarrierAdapter, reference: str, *, international: bool | None = None, label_format: str = "PDF"
    ) -> tuple[ShipmentRequest, Label]:
        if international is None:
            international = self.lanes(adapter)[0]
        quotes = adapter.quote(self.request(reference, international=international))
        assert quotes, "the carrier quoted nothing on the lane"
        request = self.request(
            reference, international=international, service=quotes[0].service, label_format=label_format
        )
        return request, adapter.create_label(request)

    # -- metadata ---------------------------------------------------------------------------

    def test_metadata_is_complete(self, adapter: CarrierAdapter) -> None:
        assert adapter.name and adapter.display_name
        assert set(adapter.capabilities) <= Cap.ALL, set(adapter.capabilities) - Cap.ALL
        assert {Cap.RATES, Cap.LABELS, Cap.TRACKING} <= set(adapter.capabilities)
        names = [f.name for f in adapter.settings]
        assert len(names) == len(set(names)), "setting names must be unique"
        assert "PDF" in adapter.label_formats and set(adapter.label_formats) <= set(LABEL_FORMATS)
        assert adapter.track_batch_size >= 1
        assert adapter.tracking_url("TEST123").endswith("TEST123") or adapter.tracking_url("TEST123") == ""

    def test_the_service_catalogue_is_data_with_package_limits(self, adapter: CarrierAdapter) -> None:
        assert adapter.services, "declare the service catalogue in `services`"
        codes = [s.code for s in adapter.services]
        assert len(codes) == len(set(codes)), "service codes must be unique"
        for s in adapter.services:
            assert s.name and s.scope in ("domestic", "international", "both")
            assert 0 < s.limits.max_weight_g <= 1_000_000, f"{s.code}: max weight in grams"
            if s.limits.dim_divisor is not None:
                assert 1000 <= s.limits.dim_divisor <= 10_000, f"{s.code}: divisor in cm3 per kg"
            assert adapter.service(s.code) is s
        assert self.lanes(adapter), "no service serves the contract's lanes: override origin/domestic/abroad"

    def test_check_connection_describes_the_account(self, adapter: CarrierAdapter) -> None:
        description = adapter.check_connection()
        assert isinstance(description, str) and description

    def test_refused_credentials_raise_auth_error(self, harness: CarrierHarness) -> None:
        with pytest.raises(AuthError):
            harness.adapter_with_bad_credentials().check_connection()

    # -- rates ------------------------------------------------------------------------------

    def test_quotes_are_decimal_money_for_catalogue_services(self, harness: CarrierHarness) -> None:
        adapter = harness.adapter
        for international in self.lanes(adapter):
            quotes = adapter.quote(self.request(f"Q-{international}", international=international))
            assert quotes, f"no quotes (international={international})"
            destination = (self.abroad if international else self.domestic).country
            for q in quotes:
                service = adapter.service(q.service)
                assert service is not None, f"{q.service} is not in the catalogue"
                assert service.serves(self.origin.country, destination)
                assert isinstance(q.amount, Decimal) and q.amount > 0
                assert money.is_currency(q.currency), q.currency
                assert q.amount == q.amount.quantize(money.quantum(q.currency))
                assert q.transit_days is None or q.transit_days > 0, "unknown transit is None, never 0"
            assert len({q.service for q in quotes}) == len(quotes), "one quote per service"

    def test_quoting_one_service_quotes_only_that_one(self, adapter: CarrierAdapter) -> None:
        international = self.lanes(adapter)[0]
        every = adapter.quote(self.request("Q-ALL", international=international))
        one = adapter.quote(self.request("Q-ONE", international=international, service=every[-1].service))
        assert [q.service for q in one] == [every[-1].service]
        assert one[0].amount == every[-1].amount

    def test_a_heavier_parcel_costs_more(self, adapter: CarrierAdapter) -> None:
        international = self.lanes(adapter)[0]
        light = adapter.quote(self.request("Q-L", international=international, parcels=(Parcel(500),)))
        heavy = adapter.quote(self.request("Q-H", international=international, parcels=(Parcel(9000),)))
        prices = {q.service: q.amount for q in light}
        both = [q for q in heavy if q.service in prices]
        assert both and all(q.amount > prices[q.service] for q in both)

    def test_a_package_over_every_limit_is_refused(self, adapter: CarrierAdapter) -> None:
        huge = Parcel(400_000, Decimal(350), Decimal(100), Decimal(100))
        assert all(s.limits.problems(huge) for s in adapter.services), "the contract's huge parcel fits a service"
        with pytest.raises(RemoteRejected) as caught:
            adapter.quote(self.request("Q-HUGE", international=self.lanes(adapter)[0], parcels=(huge,)))
        assert str(caught.value)

    def test_an_address_the_carrier_refuses_is_remote_rejected(self, adapter: CarrierAdapter) -> None:
        international = self.lanes(adapter)[0]
        bad = replace(self.request("Q-BAD", international=international), ship_to=Address(name="Nobody"))
        with pytest.raises(RemoteRejected) as caught:
            adapter.quote(bad)
        assert str(caught.value), "say what the carrier refused"

    # -- labels -----------------------------------------------------------------------------

    def test_a_label_is_bought_once_and_printable_as_pdf(self, harness: CarrierHarness) -> None:
        request, label = self.buy(harness.adapter, "SHP-PDF")
        (sold,) = harness.labels_bought("SHP-PDF")
        assert label.tracking_number == sold["tracking_number"]
        data, fmt = label.printable
        assert fmt == "PDF" and is_pdf(data), "a PDF label must be a PDF file"
        assert label.label_data, "keep the carrier's original bytes"
        assert label.cost is None or (isinstance(label.cost, Decimal) and money.is_currency(label.currency))
        assert label.service == request.service or not label.service

    def test_a_zpl_label_is_zpl(self, harness: CarrierHarness) -> None:
        if "ZPL" not in harness.adapter.label_formats:
            pytest.skip(f"{harness.adapter.name} prints PDF only")
        _request, label = self.buy(harness.adapter, "SHP-ZPL", label_format="ZPL")
        data, fmt = label.printable
        assert fmt == "ZPL" and is_zpl(data), data[:80]

    def test_customs_data_reaches_the_carrier(self, harness: CarrierHarness) -> None:
        self.require(harness.adapter, Cap.INTERNATIONAL)
        _request, label = self.buy(harness.adapter, "SHP-INTL", international=True)
        (sold,) = harness.labels_bought("SHP-INTL")
        customs = sold["customs"]
        assert customs["items"] == len(self.customs().items), customs
        assert customs["incoterm"] in INCOTERMS
        assert customs["ioss"] == "IM2760000742", "the IOSS number must reach the carrier (reference §3.4)"
        assert customs["eori"] == "DE123456789012345", "the EORI must reach the carrier"
        if Cap.CUSTOMS_DOCUMENTS in harness.adapter.capabilities:
            kinds = {d.kind for d in label.documents}
            assert kinds & {"commercial_invoice", "cn22", "cn23"}, kinds
            for d in label.documents:
                if d.format == "PDF":
                    assert is_pdf(d.data)

    def test_international_labels_need_customs_data(self, adapter: CarrierAdapter) -> None:
        self.require(adapter, Cap.INTERNATIONAL)
        quotes = adapter.quote(self.request("SHP-NOCUSTOMS", international=True))
        request = replace(self.request("SHP-NOCUSTOMS", international=True, service=quotes[0].service), customs=None)
        with pytest.raises(RemoteRejected):
            adapter.create_label(request)

    def test_a_timed_out_label_is_never_bought_twice(self, harness: CarrierHarness) -> None:
        """The carrier sold the label and the answer was lost. Whatever the adapter declares,
        the label is bought once: an idempotency key makes the resend harmless, a lookup finds
        the label, and otherwise the failure is OutcomeUnknown and nothing sends it again."""
        adapter = harness.adapter
        international = self.lanes(adapter)[0]
        quotes = adapter.quote(self.request("SHP-LOST", international=international))
        request = self.request("SHP-LOST", international=international, service=quotes[0].service)
        op = adapter.operations["create_label"]
        if op.lookup:
            assert getattr(adapter, op.lookup)(request) is None, "the lookup found a label never bought"
        harness.lose_next_label_answer()
        try:
            label = adapter.create_label(request)
        except AdapterError as exc:
            label, error = None, exc
        else:
            error = None
        (sold,) = harness.labels_bought("SHP-LOST")
        if label is not None:
            assert op.idempotency_key, "a resend without an idempotency key may buy twice"
            assert label.tracking_number == sold["tracking_number"]
        elif op.lookup:
            found = getattr(adapter, op.lookup)(request)  # the job's next attempt looks first
            assert found is not None and found.tracking_number == sold["tracking_number"]
        elif op.idempotency_key:
            again = adapter.create_label(request)  # the job's next attempt sends the same key
            assert again.tracking_number == sold["tracking_number"]
        else:
            assert isinstance(error, OutcomeUnknown), f"a lost label answer must be OutcomeUnknown, not {error!r}"
            assert not op.repeatable
        assert len(harness.labels_bought("SHP-LOST")) == 1, "the label was bought twice"

    # -- tracking ---------------------------------------------------------------------------

    def test_tracking_advances_to_delivered(self, harness: CarrierHarness) -> None:
        adapter = harness.adapter
        _request, label = self.buy(adapter, "SHP-TRACK")
        (first,) = adapter.track([label.tracking_number])
        assert first.found and first.tracking_number == label.tracking_number
        assert first.status in ("pending", "picked_up"), first.status
        seen = [first.status]
        for _ in range(12):
            harness.clock.advance(hours=12)
            (result,) = adapter.track([label.tracking_number])
            seen.append(result.status)
            if result.status == "delivered":
                break
        assert seen[-1] == "delivered", seen
        assert "in_transit" in seen and "out_for_delivery" in seen, seen
        assert result.delivered_at is not None and result.delivered_at.utcoffset() == timedelta(0)
        assert result.final
        events = result.events
        assert [e.occurred_at for e in events] == sorted(e.occurred_at for e in events), "events oldest first"
        for e in events:
            assert e.status in TRACKING_STATUSES, e.status
            assert e.code, "keep the carrier's raw event code"
            assert e.occurred_at.tzinfo is not None and e.occurred_at.utcoffset() == timedelta(0)
        assert events[-1].status == "delivered" and result.code == events[-1].code

    def test_a_batch_is_tracked_in_one_call_with_unknown_numbers_reported(self, harness: CarrierHarness) -> None:
        adapter = harness.adapter
        numbers = [self.buy(adapter, f"SHP-B{n}")[1].tracking_number for n in range(3)]
        unknown = "9999999999999999"
        asked = [numbers[0], unknown, *numbers[1:]]
        batch = min(adapter.track_batch_size, len(asked))
        before = harness.requests("track")
        results = []
        for start in range(0, len(asked), batch):
            results += adapter.track(asked[start : start + batch])
        assert [r.tracking_number for r in results] == asked, "one result per number, in order"
        assert [r.found for r in results] == [True, False, True, True]
        assert results[1].message, "say why a number was not found"
        assert results[1].status == "unknown"
        calls = harness.requests("track") - before
        if calls:  # an adapter whose tracking paths do not say "track" is not counted
            assert calls <= math.ceil(len(asked) / batch) * 2, f"{calls} tracking calls for {len(asked)} numbers"

    def test_exceptions_and_returns_are_normalised(self, harness: CarrierHarness) -> None:
        adapter = harness.adapter
        held = self.buy(adapter, "SHP-HELD")[1].tracking_number
        back = self.buy(adapter, "SHP-BACK")[1].tracking_number
        harness.clock.advance(hours=14)
        harness.force(held, "exception")
        harness.force(back, "returned")
        harness.clock.advance(minutes=5)
        by_number = {r.tracking_number: r for r in adapter.track([held]) + adapter.track([back])}
        assert by_number[held].status == "exception" and not by_number[held].final
        assert by_number[back].status == "returned" and by_number[back].final
        assert by_number[held].events[-1].code

    # -- void -------------------------------------------------------------------------------

    def test_void_cancels_an_unused_label_once(self, harness: CarrierHarness) -> None:
        adapter = harness.adapter
        self.require(adapter, Cap.VOID)
        _request, label = self.buy(adapter, "SHP-VOID")
        adapter.void_label(label.tracking_number, label.carrier_reference)
        adapter.void_label(label.tracking_number, label.carrier_reference)  # a retried job: no error
        (sold,) = harness.labels_bought("SHP-VOID")
        assert sold["voided"] is True
        (result,) = adapter.track([label.tracking_number])
        assert result.status == "cancelled" or not result.found

    def test_a_label_on_its_way_cannot_be_voided(self, harness: CarrierHarness) -> None:
        adapter = harness.adapter
        self.require(adapter, Cap.VOID)
        _request, label = self.buy(adapter, "SHP-GONE")
        harness.clock.advance(hours=24)
        with pytest.raises(RemoteRejected):
            adapter.void_label(label.tracking_number, label.carrier_reference)
        assert harness.labels_bought("SHP-GONE")[0]["voided"] is False

    # -- resilience -------------------------------------------------------------------------

    def test_throttling_is_survived(self, harness: CarrierHarness) -> None:
        harness.throttle_hard()
        international = self.lanes(harness.adapter)[0]
        for n in range(8):
            assert harness.adapter.quote(self.request(f"Q-T{n}", international=international))

    def test_a_rate_call_that_fails_once_is_retried(self, harness: CarrierHarness) -> None:
        harness.adapter.check_connection()
        harness.fail_next_quote()
        assert harness.adapter.quote(self.request("Q-RETRY", international=self.lanes(harness.adapter)[0]))

    def test_an_expired_token_is_renewed(self, harness: CarrierHarness) -> None:
        adapter = harness.adapter
        adapter.check_connection()
        try:
            harness.expire_tokens()
        except NotImplementedError:
            pytest.skip(f"{adapter.name} uses no access tokens")
        assert adapter.quote(self.request("Q-TOKEN", international=self.lanes(adapter)[0]))
        # A fresh instance with the saved state (a new job) reuses or renews the token too.
        fresh = type(adapter)(replace(adapter.ctx))
        assert fresh.check_connection()

    def test_credentials_never_reach_the_logs(self, harness: CarrierHarness, caplog: pytest.LogCaptureFixture) -> None:
        secrets = harness.secrets()
        with caplog.at_level(logging.DEBUG):
            harness.adapter.check_connection()
            _request, label = self.buy(harness.adapter, "SHP-LOG")
            harness.adapter.track([label.tracking_number])
            logging.getLogger("contract").info("context: %r", harness.adapter.ctx)
            try:
                harness.adapter_with_bad_credentials().check_connection()
            except AdapterError as exc:
                logging.getLogger("contract").info("refused: %s", exc)
        for secret in secrets:
            assert secret not in caplog.text, "a credential was logged"
