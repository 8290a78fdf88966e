"""Fixed messages of the order services (and of the order forms) that the order pages show
beside fields, marked so this section's catalogue translates them (the `|t` filter). Messages
that carry codes or numbers stay in English."""

from __future__ import annotations


def N_(message: str) -> str:
    return message


MESSAGES = (
    N_("at least one line is required"),
    N_("no such SKU (or it has no code yet: approve its product first)"),
    N_("give the SKU code (sku) or its id (sku_id)"),
    N_("must be a number"),
    N_("must be a whole number"),
    N_("must be a finite number"),
    N_("is too large"),
    N_("no such warehouse"),
    N_("is not an id"),
    N_("an approval rule needs at least one condition (or it approves every order)"),
    N_("is required: a country code, a region (EU, UK, NA, OC, GCC, SEA, LATAM) or *"),
    N_("no SKU has this code"),
)
