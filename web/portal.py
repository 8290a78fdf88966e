"""Portal wiring (placeholder until the portal frame lands)."""
from __future__ import annotations

from flask import Flask


def init_portal(app: Flask) -> None:
    return None
