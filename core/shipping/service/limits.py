"""Package limits per carrier service, which decide how an order divides into parcels and which
services may quote a parcel.

The limits are the carriers' own, declared as data in each carrier adapter's service catalogue
(`CarrierAdapter.services`: `CarrierService` with `PackageLimits`, from
shared/reference/carriers.md §3.5: weight, longest side, length plus girth, sum of sides,
dimensional-weight divisor). Shipping reads them from the installed adapters; nothing here
keeps a second copy. A service a carrier does not list has no known limits: the carrier's
quote decides."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from core.orders.service.parcels import Limits
from core.ports import CarrierService, PackageLimits, Parcel
from tenants import service as tenants

Entry = tuple[str, CarrierService]  # (carrier plugin name, service)


def catalogue(carriers: Iterable[str]) -> list[Entry]:
    """The services of these carrier plugins (those installed), in their catalogue order."""
    out: list[Entry] = []
    for name in carriers:
        try:
            cls = tenants.adapter_info("carrier", name).cls
        except Exception:  # noqa: BLE001 - a plugin no longer installed offers no services
            continue
        out.extend((name, s) for s in cls.services)
    return out


def service_of(carrier: str, code: str) -> CarrierService | None:
    return next((s for name, s in catalogue([carrier]) if s.code == code), None)


def as_limits(limits: PackageLimits, source: str) -> Limits:
    return Limits(
        max_weight_g=limits.max_weight_g,
        max_longest_side_cm=limits.max_length_cm,
        max_length_girth_cm=limits.max_length_girth_cm,
        max_sides_sum_cm=limits.max_sides_sum_cm,
        source=source,
    )


def problems(service: CarrierService, weight_g: int, dims_cm: tuple[Decimal, Decimal, Decimal]) -> list[str]:
    """Why a parcel of this weight and size does not fit the service (empty when it does)."""
    return service.limits.problems(Parcel(weight_g, *dims_cm))


def widest(entries: Iterable[Entry], origin: str, destination: str) -> Entry | None:
    """Among the services that serve the lane, the one that takes the heaviest and then the
    largest parcel: a parcel within its limits can ship with at least that service, so
    splitting need go no finer. None when no listed service serves the lane."""
    best = None
    for carrier, service in entries:
        if origin and destination and not service.serves(origin, destination):
            continue
        lim = service.limits
        rank = (lim.max_weight_g, lim.max_length_girth_cm or Decimal("Infinity"), lim.max_length_cm or Decimal(0))
        if best is None or rank > best[0]:
            best = (rank, (carrier, service))
    return best[1] if best else None


def tightest(a: Limits, b: Mapping[str, Any]) -> Limits:
    """`a` tightened by the tenant's own limits (`b`: max_weight_g, max_longest_side_cm,
    max_length_girth_cm; cartons or a warehouse's scale can be stricter than any carrier)."""

    def low(x: Any, y: Any, whole: bool) -> Any:
        if y in (None, ""):
            return x
        y = int(y) if whole else Decimal(str(y))
        return y if x is None else min(x, y)

    own = [k for k in ("max_weight_g", "max_longest_side_cm", "max_length_girth_cm") if b.get(k) not in (None, "")]
    source = " and ".join(s for s in (a.source, "the tenant's package limits" if own else "") if s)
    return Limits(
        max_weight_g=low(a.max_weight_g, b.get("max_weight_g"), True),
        max_longest_side_cm=low(a.max_longest_side_cm, b.get("max_longest_side_cm"), False),
        max_length_girth_cm=low(a.max_length_girth_cm, b.get("max_length_girth_cm"), False),
        max_value=a.max_value,
        max_sides_sum_cm=a.max_sides_sum_cm,
        source=source,
    )
