"""Realistic, deterministic sample orders for emulators: buyers and addresses of the countries
cross-border sellers ship to, multi-line baskets from a small catalogue, prices in the buyer's
currency and a share of platform-fulfilled (FBA-like) orders.

The samples are channel-neutral; each emulator renders them in its own wire format.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from core.money import round_money

# (sku, title, base price in USD)
CATALOGUE: tuple[tuple[str, str, str], ...] = (
    ("TL-CASE-IP15-BLK", "Shockproof phone case for iPhone 15, black", "12.99"),
    ("TL-CASE-IP15-CLR", "Shockproof phone case for iPhone 15, clear", "12.99"),
    ("TL-CBL-USBC-1M", "Braided USB-C cable 1 m", "7.49"),
    ("TL-CBL-USBC-2M", "Braided USB-C cable 2 m", "9.49"),
    ("TL-CHG-65W-GAN", "65 W GaN charger, 3 ports", "34.90"),
    ("TL-PB-10K", "Power bank 10000 mAh", "24.99"),
    ("TL-EAR-TWS-WHT", "Wireless earbuds with charging case, white", "39.00"),
    ("TL-STD-ALU-SLV", "Aluminium laptop stand, silver", "29.95"),
    ("TL-LMP-DESK-LED", "LED desk lamp with dimmer", "32.50"),
    ("TL-BTL-750-STL", "Insulated steel bottle 750 ml", "18.75"),
    ("TL-MUG-TRV-350", "Travel mug 350 ml", "14.20"),
    ("TL-YOGA-MAT-6MM", "Yoga mat 6 mm, non-slip", "21.99"),
    ("TL-BAND-RES-SET", "Resistance band set (5 pieces)", "16.49"),
    ("TL-BAG-CAM-M", "Camera sling bag, medium", "45.00"),
    ("TL-RIG-CAGE-A7", "Camera cage for A7 series", "69.90"),
    ("TL-TRI-MINI", "Mini tripod with phone clamp", "19.99"),
    ("TL-LED-STRIP-5M", "RGB LED strip 5 m with remote", "22.80"),
    ("TL-PLUG-SMART-EU", "Smart plug, EU", "11.99"),
    ("TL-KB-MECH-87", "Mechanical keyboard, 87 keys", "59.00"),
    ("TL-MSE-WL-ERGO", "Ergonomic wireless mouse", "27.45"),
    ("TL-PAD-XL", "Desk pad XL 90x40 cm", "15.99"),
    ("TL-ORG-CBL-10", "Cable organiser clips (10 pack)", "5.99"),
    ("TL-SCK-WOOL-M", "Merino wool socks, size M", "13.50"),
    ("TL-GLV-TOUCH-L", "Touchscreen gloves, size L", "17.25"),
    ("TL-UMB-AUTO-BLK", "Automatic travel umbrella, black", "23.40"),
)

# Approximate rates to price the catalogue in each currency (prices, not accounting).
USD_RATES = {
    "USD": Decimal("1"),
    "CAD": Decimal("1.36"),
    "GBP": Decimal("0.79"),
    "EUR": Decimal("0.92"),
    "AUD": Decimal("1.52"),
    "JPY": Decimal("149"),
    "MXN": Decimal("17.1"),
    "SEK": Decimal("10.6"),
    "PLN": Decimal("4.02"),
    "CNY": Decimal("7.2"),
}


@dataclass(frozen=True)
class Country:
    code: str
    currency: str
    tax_rate: Decimal
    cities: tuple[tuple[str, str, str], ...]  # (city, state or region, postcode)
    streets: tuple[str, ...]
    first: tuple[str, ...]
    last: tuple[str, ...]
    phone: str  # country calling code
    number_first: bool = True  # "12 Main St" vs "Hauptstraße 12"


COUNTRIES: dict[str, Country] = {
    c.code: c
    for c in (
        Country(
            "US",
            "USD",
            Decimal("0.0825"),
            (
                ("Seattle", "WA", "98121"),
                ("Austin", "TX", "78701"),
                ("Columbus", "OH", "43215"),
                ("Denver", "CO", "80202"),
                ("Brooklyn", "NY", "11201"),
                ("Miami", "FL", "33130"),
                ("San Jose", "CA", "95113"),
                ("Portland", "OR", "97205"),
            ),
            ("Westlake Ave", "Main St", "Maple Dr", "Oak Street", "Sunset Blvd", "2nd Ave"),
            ("Jane", "John", "Maria", "James", "Ashley", "Robert", "Linda", "Michael", "Zoë"),
            ("Doe", "Smith", "Garcia", "Johnson", "O'Brien", "Nguyen", "Williams", "Brown"),
            "+1",
        ),
        Country(
            "CA",
            "CAD",
            Decimal("0.13"),
            (("Toronto", "ON", "M5V 2T6"), ("Vancouver", "BC", "V6B 1A1"), ("Montréal", "QC", "H2X 1Y4")),
            ("King St W", "Granville St", "Rue Sainte-Catherine"),
            ("Émilie", "Liam", "Olivia", "Noah"),
            ("Tremblay", "Roy", "Martin", "Wilson"),
            "+1",
        ),
        Country(
            "GB",
            "GBP",
            Decimal("0.20"),
            (
                ("London", "", "EC1A 1BB"),
                ("Manchester", "", "M1 1AE"),
                ("Leeds", "", "LS1 4DY"),
                ("Bristol", "", "BS1 5TR"),
            ),
            ("High Street", "Station Road", "Church Lane", "Victoria Road"),
            ("Oliver", "Amelia", "Harry", "Isla", "George"),
            ("Taylor", "Davies", "Evans", "Wright"),
            "+44",
        ),
        Country(
            "DE",
            "EUR",
            Decimal("0.19"),
            (
                ("Berlin", "BE", "10115"),
                ("München", "BY", "80331"),
                ("Köln", "NW", "50667"),
                ("Hamburg", "HH", "20095"),
            ),
            ("Hauptstraße", "Schillerstraße", "Gartenweg", "Bahnhofstraße"),
            ("Lukas", "Sophie", "Jürgen", "Hannah", "Felix"),
            ("Müller", "Schmidt", "Schäfer", "Weiß"),
            "+49",
            number_first=False,
        ),
        Country(
            "FR",
            "EUR",
            Decimal("0.20"),
            (("Paris", "", "75002"), ("Lyon", "", "69002"), ("Marseille", "", "13001")),
            ("rue de la Paix", "avenue Jean Jaurès", "boulevard Voltaire"),
            ("Camille", "Léa", "Hugo", "Chloé"),
            ("Dubois", "Lefèvre", "Moreau", "Girard"),
            "+33",
        ),
        Country(
            "ES",
            "EUR",
            Decimal("0.21"),
            (("Madrid", "M", "28013"), ("Barcelona", "B", "08002"), ("Valencia", "V", "46002")),
            ("Calle Mayor", "Gran Via", "Carrer de Balmes"),
            ("Lucía", "Mateo", "Sofía", "Martín"),
            ("García", "Fernández", "López", "Martínez"),
            "+34",
            number_first=False,
        ),
        Country(
            "IT",
            "EUR",
            Decimal("0.22"),
            (("Roma", "RM", "00184"), ("Milano", "MI", "20121"), ("Torino", "TO", "10121")),
            ("Via Roma", "Via Garibaldi", "Corso Vittorio Emanuele"),
            ("Giulia", "Francesco", "Chiara", "Lorenzo"),
            ("Rossi", "Russo", "Ferrari", "Esposito"),
            "+39",
            number_first=False,
        ),
        Country(
            "NL",
            "EUR",
            Decimal("0.21"),
            (("Amsterdam", "NH", "1012 AB"), ("Utrecht", "UT", "3511 AA"), ("Rotterdam", "ZH", "3011 AD")),
            ("Damrak", "Oudegracht", "Coolsingel"),
            ("Daan", "Emma", "Sem", "Julia"),
            ("de Jong", "Jansen", "van Dijk", "Bakker"),
            "+31",
            number_first=False,
        ),
        Country(
            "AU",
            "AUD",
            Decimal("0.10"),
            (("Sydney", "NSW", "2000"), ("Melbourne", "VIC", "3000"), ("Brisbane", "QLD", "4000")),
            ("George St", "Collins St", "Queen St"),
            ("Charlotte", "Jack", "Mia", "William"),
            ("Wilson", "Anderson", "Thompson", "Walker"),
            "+61",
        ),
        Country(
            "JP",
            "JPY",
            Decimal("0.10"),
            (
                ("Shibuya-ku", "Tokyo", "150-0002"),
                ("Osaka-shi Kita-ku", "Osaka", "530-0001"),
                ("Sapporo-shi Chuo-ku", "Hokkaido", "060-0001"),
            ),
            ("1-2-3 Jingumae", "2-4-9 Umeda", "3-1 Kita 1-jo Nishi"),
            ("Yui", "Haruto", "Sakura", "Ren"),
            ("Sato", "Suzuki", "Takahashi", "Tanaka"),
            "+81",
        ),
        Country(
            "MX",
            "MXN",
            Decimal("0.16"),
            (("Ciudad de México", "CDMX", "06600"), ("Guadalajara", "JAL", "44100")),
            ("Avenida Reforma", "Calle Juárez"),
            ("José", "Valentina", "Santiago", "Ximena"),
            ("Hernández", "López", "González"),
            "+52",
            number_first=False,
        ),
    )
}


@dataclass(frozen=True)
class SampleAddress:
    name: str
    line1: str
    line2: str
    city: str
    state: str
    postal_code: str
    country: str
    phone: str


@dataclass(frozen=True)
class SampleLine:
    sku: str
    title: str
    quantity: int
    unit_price: Decimal  # in the order's currency, tax exclusive


@dataclass(frozen=True)
class SampleOrder:
    seq: int  # 1-based position in the generated batch
    created_at: datetime
    buyer_name: str
    buyer_email: str
    address: SampleAddress
    currency: str
    lines: tuple[SampleLine, ...]
    shipping: Decimal
    tax_rate: Decimal
    platform_fulfilled: bool = False
    buyer_note: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def subtotal(self) -> Decimal:
        return sum((line.unit_price * line.quantity for line in self.lines), Decimal(0))


NOTES = (
    "",
    "",
    "",
    "",
    "Please leave at the front door",
    "Gift - no invoice in the parcel, please",
    "请尽快发货，谢谢",
    "Bitte beim Nachbarn abgeben",
)


class OrderFactory:
    """Deterministic for a given seed: the same calls give the same orders."""

    def __init__(self, seed: int = 1) -> None:
        self.rng = random.Random(seed)
        self._prices: dict[tuple[str, str], Decimal] = {}

    def price(self, usd: str, currency: str) -> Decimal:
        key = (usd, currency)
        if key not in self._prices:
            self._prices[key] = round_money(Decimal(usd) * USD_RATES[currency], currency)
        return self._prices[key]

    def address(self, country: Country) -> tuple[str, SampleAddress]:
        rng = self.rng
        name = f"{rng.choice(country.first)} {rng.choice(country.last)}"
        city, state, postcode = rng.choice(country.cities)
        street, number = rng.choice(country.streets), rng.randint(1, 240)
        line1 = f"{number} {street}" if country.number_first else f"{street} {number}"
        line2 = rng.choice(("", "", "", f"Apt {rng.randint(1, 40)}", f"Unit {rng.randint(1, 12)}"))
        phone = f"{country.phone} {rng.randint(200, 989)} {rng.randint(100, 999)} {rng.randint(1000, 9999)}"
        return name, SampleAddress(name, line1, line2, city, state, postcode, country.code, phone)

    def order(
        self,
        seq: int,
        created_at: datetime,
        *,
        countries: tuple[str, ...] | None = None,
        currency: str | None = None,
        platform_share: float = 0.0,
        max_lines: int = 4,
    ) -> SampleOrder:
        rng = self.rng
        country = COUNTRIES[rng.choice(countries or tuple(COUNTRIES))]
        cur = currency or country.currency
        name, address = self.address(country)
        n_lines = 1 if rng.random() < 0.55 else rng.randint(2, max(2, max_lines))
        picks = rng.sample(CATALOGUE, k=min(n_lines, len(CATALOGUE)))
        lines = tuple(
            SampleLine(sku, title, rng.choice((1, 1, 1, 2, 2, 3, 5)), self.price(usd, cur)) for sku, title, usd in picks
        )
        shipping = self.price(rng.choice(("0", "0", "4.99", "7.99", "12.50")), cur)
        email = f"{name.split()[0].lower()}.{seq}@example.com".replace("'", "")
        return SampleOrder(
            seq=seq,
            created_at=created_at,
            buyer_name=name,
            buyer_email=email,
            address=address,
            currency=cur,
            lines=lines,
            shipping=shipping,
            tax_rate=country.tax_rate,
            platform_fulfilled=rng.random() < platform_share,
            buyer_note=rng.choice(NOTES),
        )

    def orders(self, count: int, start: datetime, end: datetime, **options) -> list[SampleOrder]:
        """`count` orders created at evenly spread times in [start, end), oldest first."""
        if end <= start:
            raise ValueError("end must be after start")
        span = (end - start) / max(count, 1)
        out = []
        for i in range(count):
            at = start + span * i + timedelta(seconds=self.rng.random() * span.total_seconds() * 0.9)
            out.append(self.order(i + 1, at.replace(microsecond=0), **options))
        return out
