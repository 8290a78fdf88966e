"""The seller portal: server-rendered pages (Jinja + htmx), in Simplified Chinese and English."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

HERE = Path(__file__).resolve().parent
TEMPLATES = str(HERE / "templates")
STATIC = str(HERE / "static")


def init_app(app: Flask) -> None:
    from web.portal import init_portal

    init_portal(app)
