"""Security headers on every response of the app (portal pages, API, files).

The portal loads only its own scripts and styles (web/static: htmx and portal.js, portal.css):
no inline script, no inline style, no eval, no CDN. So the Content-Security-Policy can allow
'self' alone; what it refuses is exactly what an injected script or style would need. Product
images may live on a channel's or supplier's image host, hence `img-src https:`. The portal is
never framed (clickjacking), and browsers must not guess content types (an uploaded file is
never run as a script or page).
"""

from __future__ import annotations

from flask import Flask, Response

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: https:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # A link to another site (a channel's seller centre, a tracking page) does not tell it our
    # URLs, which hold ids and filters; our own pages still see where a click came from.
    "Referrer-Policy": "same-origin",
}


def install(app: Flask) -> None:
    @app.after_request
    def _security_headers(resp: Response) -> Response:
        for name, value in HEADERS.items():
            resp.headers.setdefault(name, value)
        return resp
