"""Fixed messages of the exchange-rate service that the rates page shows beside its fields,
marked so this section's catalogue translates them (the `|t` filter)."""

from __future__ import annotations


def N_(message: str) -> str:
    return message


MESSAGES = (
    N_("must be above zero"),
    N_("must differ from base: a currency is always worth 1 of itself"),
    N_("use a date (YYYY-MM-DD), not a time"),
    N_("use at most 10 decimal places"),
)
