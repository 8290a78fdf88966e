"""Fixed messages of the purchasing services, marked so this section's catalogue translates
them when a page shows them (the `|t` filter). Messages that carry numbers or codes stay in
English."""

from __future__ import annotations


def N_(message: str) -> str:
    return message


MESSAGES = (
    N_("is in the past"),
    N_("no such SKU"),
    N_("no such warehouse"),
    N_("no such supplier"),
    N_("no such purchase order"),
    N_("is not a warehouse id"),
    N_("an order needs at least one line"),
    N_("give the quantity that arrived for at least one line"),
    N_("give the outcome of at least one receipt line"),
    N_("say what was wrong with the failed units"),
    N_("is not a bin of the receiving warehouse"),
    N_("is not a bin id"),
    N_("give at least one line and quantity to return"),
    N_("nothing is left to terminate"),
    N_("must be above zero"),
    N_("at least one of the 7, 14 and 30-day weights must be above zero"),
    N_("unknown field"),
    N_("choose at least one approved stocking request"),
)
