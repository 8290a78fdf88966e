"""Request and response schemas of the exchange-rates API."""

from __future__ import annotations

from marshmallow import fields, validate

from core.fx.models import ExchangeRate
from core.http import Schema
from core.money import RATE_SOURCES

PAIR = {"description": "ISO 4217 code"}


class RateInSchema(Schema):
    __model__ = ExchangeRate

    base = fields.String(required=True, metadata={"description": "The currency one unit of which is priced (USD)"})
    quote = fields.String(required=True, metadata={"description": "The currency the price is in (CNY)"})
    date = fields.Date(required=True, metadata={"description": "The day the rate applies to"})
    rate = fields.Decimal(
        as_string=True,
        required=True,
        metadata={"description": "Units of quote per one base: above zero, at most 10 decimals (USD/CNY 7.1)"},
    )
    source = fields.String(
        load_default="manual",
        validate=validate.OneOf(RATE_SOURCES),
        metadata={"description": "manual (default), file or feed; a file or feed rate never replaces a manual one"},
    )
    note = fields.String(load_default="", metadata={"description": "Where the rate comes from (BOC 中间价, a file)"})


class RateSchema(Schema):
    id = fields.UUID()
    base = fields.String()
    quote = fields.String()
    date = fields.Date()
    rate = fields.Decimal(as_string=True)
    source = fields.String()
    note = fields.String()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class RateQuerySchema(Schema):
    base = fields.String(metadata=PAIR)
    quote = fields.String(metadata=PAIR)
    currency = fields.String(metadata={"description": "Rates whose base or quote is this currency"})
    source = fields.String(validate=validate.OneOf(RATE_SOURCES))
    date_from = fields.Date(data_key="from", metadata={"description": "First day (included)"})
    date_to = fields.Date(data_key="to", metadata={"description": "Last day (included)"})


class LookupQuerySchema(Schema):
    base = fields.String(required=True, metadata=PAIR)
    quote = fields.String(required=True, metadata=PAIR)
    date = fields.Date(metadata={"description": "Default: today in the tenant's time zone"})


class LegSchema(Schema):
    base = fields.String()
    quote = fields.String()
    date = fields.Date()
    rate = fields.Decimal(as_string=True)
    source = fields.String()


class FoundRateSchema(Schema):
    base = fields.String()
    quote = fields.String()
    date = fields.Date(metadata={"description": "The day asked for"})
    rate = fields.Decimal(as_string=True, metadata={"description": "Units of quote per one base"})
    rate_date = fields.Date(metadata={"description": "The day of the (oldest) stored rate used"})
    source = fields.String()
    via = fields.String(allow_none=True, metadata={"description": "The intermediate currency of a cross rate"})
    description = fields.String()
    legs = fields.List(fields.Nested(LegSchema), metadata={"description": "The stored rates used"})
