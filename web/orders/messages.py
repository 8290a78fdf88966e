"""Fixed messages of the order services (and of the order forms) that the order pages show
beside fields, marked so this section's catalogue translates them (the `|t` filter). Messages
that carry codes or numbers stay in English."""

from __future__ import annotations


def N_(message: str) -> str:
    return message


MESSAGES = (N_("no SKU has this code"),)
