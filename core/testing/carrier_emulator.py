"""`CarrierEmulator`: what every emulated parcel carrier shares, on the wire-level `Emulator`.

A carrier emulator keeps the labels it sold, prices parcels from a table per service, refuses
packages over a service's limits, advances each label's tracking on the emulator's clock
through pre-transit, pickup, transit, out for delivery and delivery (shared/reference/
carriers.md §6.2), raises exceptions and returns on demand, voids labels not yet picked up,
issues OAuth tokens and lets tests expire them (reference §7). A subclass speaks one carrier's
wire format: its routes, error shapes and event codes (`EVENT_CODES`); the business above is
here, so the four bundled emulators stay small and alike.

Printable documents are real files: `pdf_document` writes a small valid PDF (a 4x6 label page
or an A4 invoice), `zpl_label` a ZPL II label (^XA ... ^XZ).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, ClassVar

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from core.ports import CarrierService, Parcel
from core.testing.emulator import CONTROL, Emulator, json_response

# The generic stages of a parcel's life; each emulator names them with its carrier's codes.
STAGES = (
    "created",
    "picked_up",
    "in_transit",
    "customs_cleared",
    "arrived",
    "out_for_delivery",
    "delivered",
    "exception",  # held, e.g. in customs
    "delivery_failed",  # nobody home, address problem
    "returned",  # return to sender
    "voided",
)
# Hours after the label was bought at which each stage of the normal course is reached.
TIMELINE: tuple[tuple[float, str], ...] = (
    (0, "created"),
    (6, "picked_up"),
    (12, "in_transit"),
    (48, "arrived"),
    (70, "out_for_delivery"),
    (76, "delivered"),
)
INTERNATIONAL_TIMELINE: tuple[tuple[float, str], ...] = (
    (0, "created"),
    (6, "picked_up"),
    (12, "in_transit"),
    (60, "customs_cleared"),
    (96, "arrived"),
    (118, "out_for_delivery"),
    (124, "delivered"),
)
ON_DEMAND = ("exception", "delivery_failed", "returned", "out_for_delivery", "delivered")


@dataclass
class SoldLabel:
    """One label the emulator sold, in the carrier-neutral shape tests read."""

    tracking_number: str
    reference: str
    service: str
    created_at: datetime
    origin: str
    destination: str
    parcels: list[dict[str, Any]]
    amount: Decimal
    currency: str
    label_format: str
    shipment_id: str = ""  # the carrier's shipment id, where it differs from the tracking number
    customs: dict[str, Any] = field(default_factory=dict)  # {items, incoterm, ioss, eori, value, currency}
    voided: bool = False
    # Stages forced on demand: (when, stage); after an exception the normal course stops.
    forced: list[tuple[datetime, str]] = field(default_factory=list)
    piece_numbers: list[str] = field(default_factory=list)

    @property
    def international(self) -> bool:
        return self.origin != self.destination


def money_text(amount: Decimal) -> str:
    return str(amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


class CarrierEmulator(Emulator):
    """Base of the carrier emulators. A subclass sets `name`, `LIMITS`, `SERVICES` (the
    adapter's catalogue: the same limits the adapter declares), `PRICES`, `CURRENCY`,
    `EVENT_CODES`, and implements `api_rules()`, `connection_settings()` and its wire format."""

    SERVICES: ClassVar[Sequence[CarrierService]] = ()
    # Per service code: (base price, price per started kg of billable weight, business days).
    PRICES: ClassVar[dict[str, tuple[str, str, int | None]]] = {}
    CURRENCY: ClassVar[str] = "USD"
    INTERNATIONAL_FACTOR: ClassVar[Decimal] = Decimal("2.4")
    # Generic stage -> (the carrier's event code, its description).
    EVENT_CODES: ClassVar[dict[str, tuple[str, str]]] = {}
    TOKEN_TTL: ClassVar[int] = 3600  # seconds an OAuth token lives, for carriers that issue them

    # -- state ------------------------------------------------------------------------------

    def reset_records(self) -> None:
        self.labels: dict[str, SoldLabel] = {}  # by tracking number, oldest first
        self.tokens: dict[str, datetime] = {}  # access token -> expiry
        self.time_scale = 1.0  # tracking runs this many times faster than the clock (the demo)
        self.serial = 0

    def summary(self) -> dict[str, Any]:
        return {
            **super().summary(),
            "labels": len(self.labels),
            "voided": sum(1 for x in self.labels.values() if x.voided),
            "time_scale": self.time_scale,
        }

    def next_serial(self) -> int:
        self.serial += 1
        return self.serial

    def labels_for(self, reference: str) -> list[SoldLabel]:
        """Every label sold for a shipment reference (a test counts them: exactly one)."""
        return [x for x in self.labels.values() if x.reference == reference]

    # -- OAuth tokens (FedEx, UPS, USPS) ----------------------------------------------------

    def issue_token(self) -> tuple[str, int]:
        token = secrets.token_urlsafe(24)
        self.tokens[token] = self.clock.now() + timedelta(seconds=self.TOKEN_TTL)
        return token, self.TOKEN_TTL

    def bearer_valid(self, request: Request) -> bool:
        header = request.headers.get("Authorization", "")
        if not header.lower().startswith("bearer "):
            return False
        expiry = self.tokens.get(header[7:].strip())
        return expiry is not None and self.clock.now() < expiry

    def expire_tokens(self) -> None:
        """Every token issued so far expires now (the adapter must fetch a new one)."""
        with self.lock:
            for token in self.tokens:
                self.tokens[token] = self.clock.now()

    # -- services and prices ----------------------------------------------------------------

    def service(self, code: str) -> CarrierService | None:
        return next((s for s in self.SERVICES if s.code == code), None)

    def fitting(self, parcels: Sequence[Parcel], origin: str, destination: str, code: str = "") -> list[CarrierService]:
        """Services (all, or the one named) that serve the lane and take every parcel."""
        return [
            s
            for s in self.SERVICES
            if (not code or s.code == code)
            and s.serves(origin, destination)
            and s.code in self.PRICES
            and all(not s.limits.problems(p) for p in parcels)
        ]

    def limit_problems(self, parcels: Sequence[Parcel], code: str) -> list[str]:
        service = self.service(code)
        if service is None:
            return [f"unknown service {code!r}"]
        return [f"package {n}: {msg}" for n, p in enumerate(parcels, 1) for msg in service.limits.problems(p)]

    def price(self, code: str, parcels: Sequence[Parcel], origin: str, destination: str) -> Decimal:
        base, per_kg, _days = self.PRICES[code]
        limits = self.service(code).limits  # type: ignore[union-attr]
        kilos = sum(-(-limits.billable_weight_g(p) // 1000) for p in parcels)  # started kilograms
        amount = Decimal(base) + Decimal(per_kg) * kilos
        if origin != destination:
            amount *= self.INTERNATIONAL_FACTOR
        return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    def transit_days(self, code: str, origin: str, destination: str) -> int | None:
        days = self.PRICES[code][2]
        if days is None:
            return None
        return days + (2 if origin != destination else 0)

    # -- labels -----------------------------------------------------------------------------

    def sell(
        self,
        *,
        tracking_number: str,
        reference: str,
        service: str,
        origin: str,
        destination: str,
        parcels: Sequence[Parcel],
        label_format: str,
        customs: dict[str, Any] | None = None,
        shipment_id: str = "",
        piece_numbers: Iterable[str] = (),
    ) -> SoldLabel:
        label = SoldLabel(
            tracking_number=tracking_number,
            reference=reference,
            service=service,
            created_at=self.clock.now(),
            origin=origin,
            destination=destination,
            parcels=[asdict(p) for p in parcels],
            amount=self.price(service, parcels, origin, destination),
            currency=self.CURRENCY,
            label_format=label_format,
            shipment_id=shipment_id,
            customs=customs or {},
            piece_numbers=list(piece_numbers),
        )
        self.labels[tracking_number] = label
        return label

    def void(self, tracking_number: str) -> str | None:
        """Void a label: None when done (or already done), else why not ("unknown",
        "picked_up")."""
        label = self.labels.get(tracking_number)
        if label is None:
            return "unknown"
        if label.voided:
            return None
        if any(stage != "created" for _, stage in self.history(label)):
            return "picked_up"
        label.voided = True
        label.forced.append((self.clock.now(), "voided"))
        return None

    # -- tracking ---------------------------------------------------------------------------

    def history(self, label: SoldLabel) -> list[tuple[datetime, str]]:
        """The label's stages reached by now, oldest first."""
        now = self.clock.now()
        scale = self.time_scale or 1.0
        course = INTERNATIONAL_TIMELINE if label.international else TIMELINE
        stop = min((when for when, stage in label.forced if stage in ("exception", "returned", "voided")), default=None)
        out = []
        for hours, stage in course:
            when = label.created_at + timedelta(hours=hours / scale)
            if when > now or (stop is not None and when >= stop):
                break
            out.append((when, stage))
        if label.voided:
            out = [x for x in out if x[1] == "created"]
        out += [(when, stage) for when, stage in label.forced if when <= now]
        out.sort(key=lambda x: x[0])
        if any(stage == "delivered" for _, stage in label.forced):
            cut = next(i for i, (_, s) in enumerate(out) if s == "delivered")
            out = out[: cut + 1]
        return out

    def force(self, tracking_number: str, stage: str) -> SoldLabel:
        """Make a stage happen now: an exception (held), a failed delivery, a return to
        sender, or an early out-for-delivery or delivery."""
        if stage not in ON_DEMAND:
            raise ValueError(f"stage must be one of {', '.join(ON_DEMAND)}")
        with self.lock:
            label = self.labels[tracking_number]
            label.forced.append((self.clock.now(), stage))
            return label

    def code(self, stage: str) -> tuple[str, str]:
        return self.EVENT_CODES.get(stage, ("", stage.replace("_", " ")))

    def expected_delivery(self, label: SoldLabel) -> datetime:
        course = INTERNATIONAL_TIMELINE if label.international else TIMELINE
        return label.created_at + timedelta(hours=course[-1][0] / (self.time_scale or 1.0))

    # -- validation -------------------------------------------------------------------------

    @staticmethod
    def missing(body: Any, paths: Iterable[str]) -> list[str]:
        """The dotted paths (with [0] for the first element) absent or empty in a JSON body."""
        out = []
        for path in paths:
            node: Any = body
            for part in path.replace("[0]", ".0").split("."):
                if isinstance(node, list):
                    node = node[int(part)] if part.isdigit() and len(node) > int(part) else None
                elif isinstance(node, dict):
                    node = node.get(part)
                else:
                    node = None
                if node is None:
                    break
            if node in (None, "", [], {}):
                out.append(path)
        return out

    # -- control API ------------------------------------------------------------------------

    def control_rules(self) -> list[Rule]:
        r = CONTROL
        return super().control_rules() + [
            Rule(f"{r}/labels", endpoint="ctl_labels", methods=["GET"]),
            Rule(f"{r}/labels/<tracking_number>/events", endpoint="ctl_force", methods=["POST"]),
            Rule(f"{r}/tokens/expire", endpoint="ctl_expire", methods=["POST"]),
            Rule(f"{r}/tracking", endpoint="ctl_tracking", methods=["PATCH"]),
        ]

    def label_json(self, label: SoldLabel) -> dict[str, Any]:
        return {
            **{k: v for k, v in asdict(label).items() if k != "forced"},
            "history": [{"at": when, "stage": stage} for when, stage in self.history(label)],
        }

    def ctl_labels(self, request: Request) -> Response:
        with self.lock:
            return json_response({"labels": [self.label_json(x) for x in self.labels.values()]})

    def ctl_force(self, request: Request, tracking_number: str) -> Response:
        label = self.force(tracking_number, str(self._body(request).get("stage", "")))
        return json_response(self.label_json(label), 201)

    def ctl_expire(self, request: Request) -> Response:
        self.expire_tokens()
        return json_response({"expired": len(self.tokens)})

    def ctl_tracking(self, request: Request) -> Response:
        scale = float(self._body(request).get("time_scale", 1.0))
        if scale <= 0:
            raise ValueError("time_scale must be positive")
        self.time_scale = scale
        return json_response({"time_scale": scale})


# ---------------------------------------------------------------------------------------------
# Printable documents


def _pdf_text(value: str) -> str:
    # Standard fonts carry Latin-1 only; anything else prints as "?" (it is a test label).
    text = value.encode("latin-1", "replace").decode("latin-1")
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


PAGE_SIZES = {"4x6": (288, 432), "A4": (595, 842), "letter": (612, 792)}


def pdf_document(pages: Sequence[Sequence[str]], size: str = "4x6") -> bytes:
    """A small valid PDF: one page per entry, its lines in Helvetica from the top."""
    width, height = PAGE_SIZES[size]
    objects: list[bytes] = [b"<< /Type /Catalog /Pages 2 0 R >>", b""]  # pages object filled in below
    kids = []
    font = 3
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    for lines in pages:
        ops = ["BT", "/F1 11 Tf", "14 TL", f"18 {height - 30} Td"]
        for line in lines:
            ops.append(f"({_pdf_text(line)}) Tj T*")
        ops.append("ET")
        stream = "\n".join(ops).encode("latin-1")
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
        content = len(objects)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Resources << /Font << /F1 %d 0 R >> >> "
            b"/Contents %d 0 R >>" % (width, height, font, content)
        )
        kids.append(len(objects))
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % k for k in kids),
        len(kids),
    )
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def zpl_label(lines: Sequence[str], barcode: str) -> bytes:
    """A 4x6 ZPL II label at 203 dpi: the lines, then a Code 128 barcode of `barcode`."""
    body = ["^XA", "^CI28", "^CF0,30"]
    for n, line in enumerate(lines):
        text = line.replace("^", " ").replace("~", " ")
        body.append(f"^FO40,{40 + 40 * n}^FD{text}^FS")
    body += [f"^FO40,{80 + 40 * len(lines)}^BY3^BCN,160,Y,N,N^FD{barcode}^FS", "^XZ"]
    return ("\n".join(body) + "\n").encode()


def label_lines(carrier: str, label: SoldLabel, ship_to: str = "") -> list[str]:
    lines = [
        carrier,
        f"Service: {label.service}",
        f"Tracking: {label.tracking_number}",
        f"Ref: {label.reference}",
        f"From {label.origin} to {label.destination}",
    ]
    if ship_to:
        lines.append(f"Ship to: {ship_to}")
    if label.customs:
        lines.append(f"Customs: {label.customs.get('items', 0)} lines, {label.customs.get('incoterm', '')}")
    return lines
