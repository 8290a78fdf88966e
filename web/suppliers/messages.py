"""Fixed messages of the suppliers service, marked so this section's catalogue translates them
when a page shows them (the `|t` filter)."""

from __future__ import annotations


def N_(message: str) -> str:
    return message


MESSAGES = (
    N_("periodic settlement needs the number of days"),
    N_("use 4 to 100 letters, digits or @ . _ + -"),
    N_("use true or false"),
)
