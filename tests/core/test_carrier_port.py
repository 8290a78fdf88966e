"""The carrier port's data: package limits as reference §3.5 defines them, lanes, and tracking
results built from events in any order (§6.2)."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from core.ports import CarrierService, PackageLimits, Parcel, TrackingEvent, inches, latest_result, pounds

UPS = PackageLimits(pounds(150), inches(108), inches(165), dim_divisor=5000)


def test_published_us_limits_convert_without_loosening():
    assert pounds(150) == 68038 and pounds(70) == 31751
    assert inches(108) == Decimal("274.3") and inches(165) == Decimal("419.1")


def test_a_parcel_within_every_limit_fits():
    assert UPS.problems(Parcel(20_000, Decimal(60), Decimal(40), Decimal(40))) == []


def test_each_broken_limit_is_named():
    heavy = UPS.problems(Parcel(70_000, Decimal(10), Decimal(10), Decimal(10)))
    assert len(heavy) == 1 and "weight 70000 g" in heavy[0]
    long = UPS.problems(Parcel(1000, Decimal(280), Decimal(10), Decimal(10)))
    assert len(long) == 1 and "longest side 280 cm" in long[0]
    # 200 + 2 x 60 + 2 x 60 = 440 cm: under the longest-side limit, over length plus girth
    girth = UPS.problems(Parcel(1000, Decimal(60), Decimal(200), Decimal(60)))
    assert len(girth) == 1 and "length plus girth 440 cm" in girth[0]
    small = PackageLimits(pounds(4), inches(24), max_sides_sum_cm=inches(36))
    assert "length + width + height" in small.problems(Parcel(1000, Decimal(40), Decimal(30), Decimal(30)))[0]


def test_billable_weight_is_the_greater_of_actual_and_dimensional():
    box = Parcel(2000, Decimal(50), Decimal(40), Decimal(30))  # 60,000 cm3 / 5000 = 12 kg
    assert UPS.dimensional_weight_g(box) == 12_000
    assert UPS.billable_weight_g(box) == 12_000
    assert UPS.billable_weight_g(Parcel(15_000, Decimal(50), Decimal(40), Decimal(30))) == 15_000
    assert PackageLimits(30_000).billable_weight_g(box) == 2000  # no divisor: actual weight


def test_services_serve_their_lanes():
    ground = CarrierService("G", "Ground", UPS, scope="domestic", origins=frozenset({"US"}))
    world = CarrierService("W", "Worldwide", UPS, scope="international")
    assert ground.serves("US", "US") and not ground.serves("US", "DE") and not ground.serves("CN", "CN")
    assert world.serves("CN", "US") and not world.serves("DE", "DE")


def test_latest_result_orders_events_and_finds_the_delivery():
    t0 = datetime(2026, 10, 5, 12, tzinfo=UTC)
    events = [
        TrackingEvent(t0 + timedelta(days=2), "delivered", "Delivered", code="DL"),
        TrackingEvent(t0, "pending", "Label created", code="OC"),
        TrackingEvent(t0 + timedelta(days=1), "in_transit", "In transit", code="IT"),
    ]
    result = latest_result("123", events)
    assert [e.code for e in result.events] == ["OC", "IT", "DL"]
    assert (result.status, result.code, result.delivered_at, result.final) == (
        "delivered",
        "DL",
        t0 + timedelta(days=2),
        True,
    )
