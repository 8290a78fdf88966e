"""A local stand-in for the ECB's reference-rate files (reference finance.md §2.2), so the
demo's scheduled rate fetch and the tests run without the internet. It serves the real
shapes: `eurofxref-daily.xml` (today's rates, or the last working day's) and
`eurofxref-hist-90d.xml` (one Cube per working day, newest first), with rates that move a
little from day to day around fixed centres, the same on every run."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from werkzeug.wrappers import Request, Response

from core.finance.ecb import ECB_NS

# Units per 1 EUR, around late-2026 levels.
CENTRES = {
    "USD": Decimal("1.0800"),
    "CNY": Decimal("7.7800"),
    "GBP": Decimal("0.8450"),
    "JPY": Decimal("163.20"),
    "CAD": Decimal("1.4900"),
    "AUD": Decimal("1.6500"),
    "HKD": Decimal("8.4300"),
}


def rates_on(day: date) -> dict[str, Decimal]:
    """Deterministic rates of a day: each centre moved by up to ±0.5 % by the day's ordinal."""
    out = {}
    for i, (currency, centre) in enumerate(sorted(CENTRES.items())):
        wobble = Decimal(((day.toordinal() * 7 + i * 13) % 21) - 10) / 2000
        places = Decimal("0.01") if currency == "JPY" else Decimal("0.0001")
        out[currency] = (centre * (1 + wobble)).quantize(places)
    return out


def working_days(last: date, count: int) -> list[date]:
    out, day = [], last
    while len(out) < count:
        if day.weekday() < 5:
            out.append(day)
        day -= timedelta(days=1)
    return out


def document(days: list[date]) -> str:
    cubes = "".join(
        f"<Cube time='{d.isoformat()}'>"
        + "".join(f"<Cube currency='{c}' rate='{r}'/>" for c, r in rates_on(d).items())
        + "</Cube>"
        for d in days
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" '
        f'xmlns="{ECB_NS}">\n\t<gesmes:subject>Reference rates</gesmes:subject>\n'
        "\t<gesmes:Sender>\n\t\t<gesmes:name>European Central Bank</gesmes:name>\n\t</gesmes:Sender>\n"
        f"\t<Cube>{cubes}</Cube>\n</gesmes:Envelope>"
    )


class EcbEmulator:
    """WSGI app: GET /eurofxref-daily.xml and /eurofxref-hist-90d.xml (`?today=` pins the day)."""

    def __init__(self, today: date | None = None) -> None:
        self.today = today

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        today = self.today or date.today()
        if request.args.get("today"):
            try:
                today = date.fromisoformat(request.args["today"])
            except ValueError:
                return Response("bad today", status=400)(environ, start_response)
        path = request.path.rstrip("/").rsplit("/", 1)[-1]
        if path == "eurofxref-daily.xml":
            body = document(working_days(today, 1))
        elif path == "eurofxref-hist-90d.xml":
            body = document(working_days(today, 64))
        else:
            return Response("Not Found", status=404)(environ, start_response)
        return Response(body, mimetype="text/xml")(environ, start_response)


emulator = EcbEmulator()
