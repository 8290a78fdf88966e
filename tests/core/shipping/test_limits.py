"""Package limits per carrier service, read from the carriers' own catalogues (reference §3.5),
and the parcels they lead to: pure functions, no database."""

from __future__ import annotations

import uuid
from decimal import Decimal

from core.orders.service.parcels import Item, Limits
from core.shipping.service import limits, packing
from plugins.carriers.dhl import mapping as dhl
from plugins.carriers.fedex import mapping as fedex
from plugins.carriers.usps import mapping as usps

D = Decimal


def entries(name, module):
    return [(name, s) for s in module.SERVICES]


def service(module, code):
    return next(s for s in module.SERVICES if s.code == code)


def test_each_service_refuses_what_its_carrier_does_and_says_why():
    fcpis = service(usps, "FIRST-CLASS_PACKAGE_INTERNATIONAL_SERVICE")
    assert limits.problems(fcpis, 1800, (D(30), D(20), D(10))) == []
    assert "over the 1814 g limit" in limits.problems(fcpis, 1900, (D(30), D(20), D(10)))[0]
    assert "95 cm is over" in limits.problems(fcpis, 500, (D(50), D(35), D(10)))[0]
    assert "longest side 130 cm" in limits.problems(service(dhl, "P"), 1000, (D(130), D(30), D(10)))[0]


def test_the_widest_service_on_the_lane_decides_how_finely_orders_split():
    carrier, found = limits.widest(entries("usps", usps), "US", "DE")
    assert (carrier, found.code) == ("usps", "PRIORITY_MAIL_INTERNATIONAL")
    carrier, found = limits.widest(entries("usps", usps) + entries("dhl", dhl), "CN", "DE")
    assert carrier == "dhl" and found.limits.max_weight_g == 70000  # USPS ships from the US only
    carrier, found = limits.widest(entries("fedex", fedex), "US", "US")
    assert found.scope == "domestic" and found.limits.max_weight_g >= 68000
    assert limits.widest(entries("usps", usps), "CN", "DE") is None


def test_the_tenants_own_limits_tighten_the_carriers():
    base = limits.as_limits(service(dhl, "P").limits, "dhl P")
    tight = limits.tightest(base, {"max_weight_g": 2000, "max_length_girth_cm": "200"})
    assert (tight.max_weight_g, tight.max_longest_side_cm, tight.max_length_girth_cm) == (2000, D(120), D(200))
    assert tight.source == "dhl P and the tenant's package limits"
    own = limits.tightest(Limits(), {"max_weight_g": 500})
    assert own.max_weight_g == 500 and own.source == "the tenant's package limits"
    assert not limits.tightest(Limits(), {}).any


def test_packing_keeps_each_parcel_within_the_sum_of_sides():
    line = uuid.uuid4()
    fcpis = limits.as_limits(service(usps, "FIRST-CLASS_PACKAGE_INTERNATIONAL_SERVICE").limits, "usps")
    parcels, notes = packing.pack([Item(line, 3, 400, (D(30), D(20), D(10)), D(5))], fcpis)
    assert parcels == [{line: 3}] and notes == []  # 30 + 20 + 3 x 10 = 80 cm, 1200 g
    parcels, _ = packing.pack([Item(line, 4, 400, (D(30), D(20), D(15)), D(5))], fcpis)
    assert sorted(p[line] for p in parcels) == [2, 2]  # 30 + 20 + 15k <= 91.4: two units a parcel
