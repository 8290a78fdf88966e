"""Choosing a quote: the tenant's rate rules, evaluated in order, each explained in the result.
Pure functions over data (DESIGN §11, "domain decisions are pure functions").

A rule: {"name", "strategy": cheapest | fastest | within_days | preferred, "days": N (for
within_days), "services": ["carrier:service", ...] (preferred, in order of preference),
and filters that decide whether the rule applies to a shipment: "countries" (destinations),
"min_weight_g"/"max_weight_g", "max_value" (in the tenant's functional currency), "ddp"
(only services whose catalogue entry says they deliver duty paid), "exclude" (["carrier:service"])}. The first rule
that applies and finds a quote wins; with no rule (or none that finds one) the cheapest
eligible quote is chosen. Unknown transit time is unknown, never zero: `fastest` ranks it
last and `within_days` never counts it as within."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from core.messages import Msg

STRATEGIES = ("cheapest", "fastest", "within_days", "preferred")


@dataclass(frozen=True)
class Option:
    key: str  # "carrier:service"
    carrier: str
    service: str
    price: Decimal | None  # in the functional currency; None when it could not be compared
    transit_days: int | None
    eligible: bool = True
    ddp: bool = False  # the service may ship duty paid (its catalogue says so)


@dataclass(frozen=True)
class Facts:
    country: str
    weight_g: int
    value: Decimal | None  # in the functional currency
    ddp: bool = False


def _applies(rule: Mapping[str, Any], facts: Facts) -> str | None:
    """None when the rule applies, else why not."""
    countries = rule.get("countries") or []
    if countries and facts.country not in countries:
        return Msg("shipping.rule_country", country=facts.country, countries=", ".join(countries))
    if rule.get("min_weight_g") is not None and facts.weight_g < int(rule["min_weight_g"]):
        return Msg("shipping.rule_under_weight", weight=facts.weight_g, limit=rule["min_weight_g"])
    if rule.get("max_weight_g") is not None and facts.weight_g > int(rule["max_weight_g"]):
        return Msg("shipping.rule_over_weight", weight=facts.weight_g, limit=rule["max_weight_g"])
    if rule.get("max_value") is not None:
        if facts.value is None:
            return Msg("shipping.rule_value_unknown")
        if facts.value > Decimal(str(rule["max_value"])):
            return Msg("shipping.rule_value_over", value=facts.value, limit=rule["max_value"])
    return None


def _price_key(o: Option) -> tuple:
    return (o.price is None, o.price if o.price is not None else Decimal(0), o.key)


def _pick(rule: Mapping[str, Any], options: list[Option]) -> tuple[Option | None, str]:
    strategy = rule.get("strategy", "cheapest")
    if strategy == "cheapest":
        best = min(options, key=_price_key, default=None)
        return best, Msg("shipping.pick_cheapest")
    if strategy == "fastest":
        best = min(options, key=lambda o: (o.transit_days is None, o.transit_days or 0, *_price_key(o)), default=None)
        if best is not None and best.transit_days is None:
            return best, Msg("shipping.pick_fastest_unknown")
        return best, Msg("shipping.pick_fastest")
    if strategy == "within_days":
        days = int(rule.get("days") or 0)
        within = [o for o in options if o.transit_days is not None and o.transit_days <= days]
        best = min(within, key=_price_key, default=None)
        return best, Msg("shipping.pick_within", days=days)
    if strategy == "preferred":
        wanted = list(rule.get("services") or [])
        for key in wanted:
            for o in options:
                if o.key == key or o.carrier == key:
                    return o, Msg("shipping.pick_preferred", services=", ".join(wanted))
        return None, Msg("shipping.pick_none_preferred", services=", ".join(wanted))
    return None, Msg("shipping.pick_unknown", strategy=strategy)


def choose(
    options: Sequence[Option], rules: Sequence[Mapping[str, Any]], facts: Facts
) -> tuple[Option | None, list[str]]:
    """The chosen option and the steps that explain it."""
    steps: list[str] = []
    usable = [o for o in options if o.eligible]
    if not usable:
        return None, [Msg("shipping.no_eligible")]
    for i, rule in enumerate(rules):
        name = rule.get("name") or Msg("shipping.rule_name", n=i + 1)
        why_not = _applies(rule, facts)
        if why_not:
            steps.append(Msg("shipping.step_not_apply", rule_name=name, why=why_not))
            continue
        candidates = list(usable)
        excluded = set(rule.get("exclude") or [])
        if excluded:
            candidates = [o for o in candidates if o.key not in excluded and o.carrier not in excluded]
        if rule.get("ddp") or facts.ddp:
            candidates = [o for o in candidates if o.ddp]
        best, how = _pick(rule, candidates)
        if best is None:
            steps.append(Msg("shipping.step_no_quote", rule_name=name, how=how))
            continue
        steps.append(Msg("shipping.step_chose", rule_name=name, service=best.key, how=how))
        return best, steps
    best = min(usable, key=_price_key)
    steps.append(Msg("shipping.step_default", service=best.key))
    return best, steps
