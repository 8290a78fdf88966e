"""Regions that allocation and value limits treat as one destination."""

from __future__ import annotations

REGIONS: dict[str, frozenset[str]] = {
    "EU": frozenset("AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE".split()),
    "UK": frozenset({"GB", "IM", "JE", "GG"}),
    "NA": frozenset({"US", "CA", "MX", "PR"}),
    "OC": frozenset({"AU", "NZ"}),
    "GCC": frozenset({"AE", "SA", "QA", "KW", "BH", "OM"}),
    "SEA": frozenset({"SG", "MY", "TH", "VN", "PH", "ID"}),
    "LATAM": frozenset({"BR", "AR", "CL", "CO", "PE"}),
}


def region_of(country: str) -> str | None:
    for name, members in REGIONS.items():
        if country in members:
            return name
    return None
