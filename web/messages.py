"""Messages that services and the HTTP layer raise in English, translated when a page shows
them (the `|t` filter).

Coded messages (`core.messages.Msg`) are translated by their code from `BY_CODE`, the one
catalogue of service messages; stored English (the order timeline, hold reasons) is read back
into its code first (`core.messages.parse`). Their parameters are rendered by kind: a message
inside a message is translated in turn, a list is joined with the locale's separators, a
channel reads as its brand, a field as its label, and a named code (a state, a hold type) as
its term (`PARAMETERS`, `TERMS`). The few texts that are not
the services' (Werkzeug's error pages) are translated as they are (`FIXED`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from babel.lists import format_list
from flask_babel import gettext, lazy_gettext

from core.messages import MESSAGES, Msg, parse, sentences


def N_(message: str) -> str:
    return message


FIXED = (
    N_(
        "The requested URL was not found on the server. If you entered the URL manually please check "
        "your spelling and try again."
    ),
    N_("The method is not allowed for the requested URL."),
    N_(
        "The server encountered an internal error and was unable to complete your request. Either the "
        "server is overloaded or there is an error in the application."
    ),
)

# code -> msgid; the same words as core/messages.py, with %(name)s parameters.
BY_CODE = {
    "required": N_("is required"),
    "too_long": N_("use at most %(max_len)s characters"),
    "not_whole_number": N_("must be a whole number"),
    "not_a_whole_number": N_("%(value)s is not a whole number"),
    "min_value": N_("must be at least %(minimum)s"),
    "max_value": N_("must be at most %(maximum)s"),
    "not_number": N_("must be a number"),
    "not_a_number": N_("%(value)s is not a number"),
    "not_finite": N_("must be a finite number"),
    "too_large": N_("is too large"),
    "decimal_places": N_("use at most %(places)s decimal places"),
    "below": N_("must be below %(below)s"),
    "below_in_magnitude": N_("must be below %(below)s in magnitude"),
    "not_currency": N_("%(value)s is not an ISO 4217 currency code"),
    "not_country": N_("%(value)s is not an ISO 3166 two-letter country code"),
    "one_of": N_("use one of %(choices)s"),
    "not_date": N_("%(value)s is not a date (YYYY-MM-DD)"),
    "money_shape": N_('use {"amount": "12.50", "currency": "USD"}'),
    "currency_with_amount": N_("is required with an amount"),
    "amount_with_currency": N_("is required with a currency"),
    "not_hs_code": N_("%(value)s is not an HS code (6 to 10 digits)"),
    "gtin_check_digit": N_("%(value)s has a wrong check digit for a GTIN/EAN/UPC"),
    "barcode_chars": N_("use letters, digits and . _ / - (at most 64)"),
    "code_chars": N_("use letters, digits and . _ / - (starting with a letter or digit)"),
    "not_timezone": N_("is not an IANA time zone (e.g. Asia/Shanghai)"),
    "not_a_timezone": N_("%(value)s is not an IANA time zone"),
    "not_found": N_("%(entity)s %(ident)s not found"),
    "not_found_entity": N_("%(entity)s not found"),
    "invalid_transition": N_("cannot %(action)s %(entity)s: it is %(current)s"),
    "invalid_transition_hint": N_("cannot %(action)s %(entity)s: it is %(current)s (%(hint)s)"),
    "invalid_input": N_("invalid input"),
    "title_required": N_("give the product a title in Chinese or English"),
    "entity.order": N_("order %(ref)s"),
    "entity.return": N_("return %(ref)s"),
    "entity.shipment": N_("shipment %(ref)s"),
    "entity.period": N_("period %(ref)s"),
    "entity.voucher": N_("voucher %(ref)s"),
    "entity.settlement": N_("settlement %(ref)s"),
    "jobs.revaluing": N_("revaluing %(period)s"),
    "jobs.shipments_asked": N_("%(count)s shipments asked"),
    "jobs.orders_done": N_("%(done)s of %(total)s orders"),
    "jobs.recomputing_balances": N_("recomputing balances from the ledger"),
    "jobs.sync_page": N_("page %(page)s: %(seen)s orders, %(created)s new, %(updated)s updated"),
    "jobs.sync_page_rejected": N_(
        "page %(page)s: %(seen)s orders, %(created)s new, %(updated)s updated, %(rejected)s rejected"
    ),
    "stock.short": N_("not enough stock to %(action)s: %(lines)s"),
    "stock.line_short": N_("line %(ref)s needs %(requested)s, %(available)s available"),
    "stock.needs": N_("needs %(requested)s, %(available)s available"),
    "order.imported": N_("imported from %(channel)s (%(ref)s)"),
    "order.created": N_("created by hand"),
    "order.created_ref": N_("created by hand (reference %(ref)s)"),
    "order.unknown_country": N_("the channel gave the unknown country code %(value)s"),
    "order.gone_before_import": N_("%(channel_status)s on the channel before it was imported"),
    "order.not_paid": N_("the channel reports the order as not paid yet"),
    "order.shipped_on_channel": N_(
        "the channel says the order shipped, but no shipment was recorded here: record it to move the stock"
    ),
    "order.review_needed": N_("no auto-approval rule matches: a person must review it"),
    "order.rule_matched": N_("%(rule)s: %(facts)s"),
    "order.fact.fulfilment": N_("%(fulfilment)s-fulfilled"),
    "order.fact.channel": N_("from %(channel)s"),
    "order.fact.listed_shop": N_("from a listed shop"),
    "order.fact.country": N_("ships to %(country)s"),
    "order.fact.total_not_compared": N_(
        "total %(total)s %(currency)s cannot be compared with %(limit)s %(limit_currency)s (%(detail)s)"
    ),
    "order.fact.total_at_least": N_("total %(total)s is at least %(limit)s %(currency)s"),
    "order.fact.remarks": N_("the buyer left remarks"),
    "order.fact.no_remarks": N_("no buyer remarks"),
    "order.fact.tagged": N_("tagged %(tags)s"),
    "order.fact.ships_from": N_("ships from %(warehouse)s (%(warehouse_type)s)"),
    "order.approved": N_("approved"),
    "order.approved_note": N_("approved: %(note)s"),
    "order.approved_by_rule": N_("approved by rule: %(rule)s"),
    "order.reserved": N_("stock reserved in %(warehouse)s"),
    "order.platform_reserved": N_("platform stock reserved in %(warehouse)s"),
    "order.reserved_after_split": N_("stock moved from %(parent)s, still in %(warehouse)s"),
    "order.no_platform_warehouse": N_(
        "no platform warehouse is set up for this shop's marketplace %(marketplace)s: recorded without reserving stock"
    ),
    "order.platform_short": N_(
        "the platform warehouse shows too little stock; recorded without reserving (%(detail)s)"
    ),
    "order.ran_out": N_("stock ran out while allocating: %(detail)s"),
    "order.no_stock": N_("no warehouse has enough stock: %(detail)s"),
    "order.line_short": N_("%(sku)s: %(needed)s needed, at most %(available)s in one warehouse"),
    "order.line_no_warehouse": N_("%(sku)s: %(needed)s needed, no warehouse to ship from"),
    "order.unmapped_sku": N_("seller SKU %(seller_sku)s is not mapped to a local SKU"),
    "order.unsellable_sku": N_("SKU %(sku)s (seller SKU %(seller_sku)s) cannot be sold: %(reason)s"),
    "order.component_unusable": N_("its component %(sku)s cannot be used: %(reason)s"),
    "order.split_warehouses": N_("no single warehouse holds every line; shipping from %(codes)s"),
    "order.split_into": N_("split into %(children)s: %(reason)s"),
    "order.split_from": N_("split from %(parent)s: %(reason)s"),
    "order.merged_from": N_("merged from %(sources)s"),
    "order.merged_from_note": N_("merged from %(sources)s: %(note)s"),
    "order.merged_into": N_("merged into %(order)s"),
    "order.released_from": N_("released from the %(hold_type)s hold"),
    "order.document_printed": N_("%(document)s produced"),
    "order.document_reprinted": N_("%(document)s produced again"),
    "order.shipped_by_platform": N_("shipped by the platform"),
    "order.shipped_with": N_("shipped with %(carrier)s"),
    "order.shipped_tracking": N_("shipped with %(carrier)s, tracking %(tracking)s"),
    "order.platform_stock_short": N_(
        "shipped by the platform, but %(warehouse)s shows too little stock, so no stock moved: "
        "reconcile the platform warehouse (%(detail)s)"
    ),
    "order.platform_not_moved": N_(
        "shipped by the platform; no platform warehouse is set up for this shop's marketplace, so no stock moved"
    ),
    "order.unmapped_not_moved": N_("no stock moved for unmapped seller SKUs: %(skus)s"),
    "order.delivered": N_("delivered to the buyer"),
    "order.refunded": N_("%(refund_method)s refund of %(amount)s %(currency)s (%(refund_type)s): %(reason)s"),
    "order.refund_reason": N_("refunded: %(reason)s"),
    "order.return_authorised": N_("return %(number)s authorised: %(reason)s"),
    "order.return_authorised_tracking": N_("return %(number)s authorised: %(reason)s (tracking %(tracking)s)"),
    "order.return_tracking": N_("return %(number)s: tracking %(tracking)s"),
    "order.return_received": N_("return %(number)s received: %(restocked)s restocked, %(damaged)s damaged"),
    "order.stock_requested": N_("stocking requests %(numbers)s raised for the missing units"),
    "order.transfer_drafted": N_("transfer %(number)s from %(warehouse)s drafted for the missing units"),
    "order.edited": N_("changed %(fields)s"),
    "order.tags": N_("tags: %(tags)s"),
    "order.address_changed": N_("the channel changed the shipping address"),
    "order.address_after_label": N_("the buyer changed the address after the label was produced: produce a new label"),
    "order.paid": N_("the channel reports the order paid"),
    "order.channel_change": N_("%(field)s: %(before)s → %(after)s"),
    "order.channel_provided": N_("%(field)s provided"),
    "order.channel_status": N_("channel status: %(before_status)s → %(after_status)s"),
    "order.channel_gone": N_("%(channel_status)s on the channel"),
    "order.cancelled_after_shipping": N_(
        "the channel reports the order cancelled after it shipped: check for a refund or a return"
    ),
    "catalog.image_larger_than_mb": N_("the image is larger than %(megabytes)s MB"),
    "catalog.product_has_at_most": N_("a product has at most %(max_images)s images"),
    "catalog.not_sku_this_product": N_("%(sku_id)s is not a SKU of this product"),
    "catalog.no_category": N_("no category %(parent_id)s"),
    "catalog.category_code_already_used": N_("category code %(code)s is already used"),
    "catalog.sku_cannot": N_("SKU %(sku)s cannot be %(verb)s: %(reason)s"),
    "catalog.no_connection": N_("no connection %(connection_id)s"),
    "catalog.no_sku": N_("no SKU %(sku_id)s"),
    "catalog.connection_not_sales_channel": N_("%(display_name)s is a %(kind)s connection, not a sales channel"),
    "catalog.sku_discontinued": N_("SKU %(sku)s is discontinued"),
    "catalog.use_at_most_variant": N_("use at most %(max_axes)s variant attributes"),
    "catalog.these_attributes_make_variants": N_(
        "these attributes make %(total)s variants; at most %(max_variants)s are allowed"
    ),
    "catalog.use_at_most_skus": N_("use at most %(max_variants)s SKUs per product"),
    "catalog.listed_twice": N_("%(name)s is listed twice"),
    "catalog.sku_itself_kit_list": N_("SKU %(component)s is itself a kit; list its components"),
    "catalog.sku_discontinued_2": N_("SKU %(component)s is discontinued"),
    "catalog.sku_listed_twice": N_("SKU %(component)s is listed twice"),
    "catalog.no_sku_with_code": N_("no SKU with code %(sku_code)s"),
    "catalog.spu_code_already_used": N_("SPU code %(spu_code)s is already used by another product"),
    "catalog.no_category_2": N_("no category %(value)s"),
    "catalog.listed_twice_2": N_("%(val)s is listed twice"),
    "catalog.not_sku_this_product_2": N_("%(id)s is not a SKU of this product"),
    "catalog.sku_was_approved_before": N_(
        "SKU %(code)s was approved before and cannot be removed; deactivate it instead"
    ),
    "catalog.used_twice_in_this": N_("%(label)s %(value)s is used twice in this product"),
    "catalog.give_value_for_each": N_("give a value for each of %(items)s"),
    "catalog.already_used_by_another": N_("%(label)s %(taken)s is already used by another SKU"),
    "catalog.same_options_as_sku": N_("the same options as SKU %(sku)s"),
    "catalog.not_value": N_("%(options)s is not a value of %(name)s"),
    "catalog.component_cannot_used": N_("component %(component)s cannot be used: %(why)s"),
    "catalog.file_holds_at_most": N_("a file holds at most %(max_rows)s rows; split it"),
    "catalog.line": N_("line %(line)s: %(error)s"),
    "finance.unknown_rule": N_("unknown rule %(rule)s"),
    "finance.named_by_id": N_("a %(kind)s is named by its id"),
    "finance.not_iso_currency": N_("%(value)s is not an ISO 4217 currency"),
    "finance.unknown_role": N_("unknown role %(role_key)s"),
    "finance.account_inactive": N_("account %(code)s is inactive"),
    "finance.account_has_sub_accounts": N_("account %(code)s has sub-accounts: map one of them"),
    "finance.parent_account_does_not": N_("its parent account %(code)s does not exist"),
    "finance.must_as_parent": N_("must be %(type)s, as its parent %(code)s"),
    "finance.no_exchange_rate_on": N_(
        "no exchange rate %(currency)s/%(functional)s on %(day)s: enter it under exchange rates"
    ),
    "finance.account_cannot_take_payments": N_("account %(code)s cannot take payments"),
    "finance.account_in_not": N_("account %(code)s is in %(currency)s, not %(wanted)s"),
    "finance.has_fewer_decimals": N_("%(currency)s has fewer decimals"),
    "finance.they_settle_more_than": N_("they settle %(applied)s, more than the payment of %(amount)s"),
    "finance.payment_has_left_apply": N_("payment %(number)s has %(unapplied)s left to apply"),
    "finance.not_line_receipt": N_("is not a line of receipt %(number)s"),
    "finance.receipt_not_booked_yet": N_("receipt %(number)s is not booked yet"),
    "finance.no_bank_account_in": N_("no bank account in %(currency)s: add one, or name the account"),
    "finance.bill_not_this_supplier": N_("bill %(number)s is not this supplier's in %(currency)s"),
    "finance.bill_has_open": N_("bill %(number)s has %(open_amount)s %(currency)s open"),
    "finance.not_period_use_yyyy": N_("%(key)s is not a period: use YYYY-MM"),
    "finance.use_at_most_lines": N_("use at most %(max_lines)s lines"),
    "finance.not_iso_currency_2": N_("%(currency)s is not an ISO 4217 currency"),
    "finance.use_at_most_decimals": N_("use at most %(places)s decimals for %(currency)s"),
    "finance.file_larger_than_mb": N_("the file is larger than %(megabytes)s MB"),
    "finance.file_not_text": N_("the file is not text: %(reason)s"),
    # Finance: expense documents, their file imports, the three-way match of supplier bills.
    "finance.expense": N_("expense %(ref)s"),
    "finance.expense_fixed": N_("approved expenses are fixed"),
    "finance.expense_approved_already": N_("it is approved already"),
    "finance.give_a_line": N_("give at least one line"),
    "finance.at_most_lines": N_("at most %(max_lines)s lines"),
    "finance.line_object": N_("a line is an object"),
    "finance.link_object": N_("a link is an object: {type, id}"),
    "finance.at_most_links": N_("a list of at most %(max_links)s links"),
    "finance.shipment_already_on": N_("shipment %(number)s is already on %(field)s"),
    "finance.name_the_role": N_("name the role to book to: %(choices)s"),
    "finance.freight_bill_one_leg": N_("a freight bill's line is for one first leg: link it"),
    "finance.link_the_advertised": N_("link the shop, SKU or order the advertising was for"),
    "finance.weight_above_zero": N_("give a weight above 0, or none"),
    "finance.no_such_supplier": N_("no such supplier"),
    "finance.freight_bill_supplier": N_("a freight bill is from a forwarder: name the supplier"),
    "finance.name_the_vendor": N_("name the vendor, or give supplier_id"),
    "finance.no_such_shop": N_("no such shop"),
    "finance.no_such_sku": N_("no such sku"),
    "finance.no_such_order": N_("no such order"),
    "finance.no_such_first_leg": N_("no such first leg"),
    "finance.no_such_shipment": N_("no such shipment"),
    "finance.no_label_to_match": N_("shipment %(number)s has no label bought to match"),
    "finance.label_currency_differs": N_(
        "the label of %(number)s was bought in %(label_currency)s, the invoice is in %(currency)s"
    ),
    "finance.unknown_column": N_("unknown column; use %(columns)s"),
    "finance.missing_column": N_("missing column"),
    "finance.missing_vendor_column": N_("missing column: give vendor or supplier"),
    "finance.differs_from_line": N_("differs from line %(line)s of the same document"),
    "finance.no_supplier_with_code": N_("no supplier with the code %(code)s"),
    "finance.billed_more_than_received": N_("%(billed)s billed in all, but receipt %(number)s received %(received)s"),
    "finance.billed_more_than_received_tolerance": N_(
        "%(billed)s billed in all, but receipt %(number)s received %(received)s (tolerance %(tolerance)s%%)"
    ),
    "finance.price_differs": N_("%(price)s differs from the order price %(order_price)s"),
    "finance.price_differs_tolerance": N_(
        "%(price)s differs from the order price %(order_price)s by more than %(tolerance)s%%"
    ),
    "finance.parent_has_postings": N_("%(code)s has postings of its own"),
    "finance.account_code_digits": N_("use digits, with dots between levels (1122.01)"),
    "finance.code_taken": N_("is taken"),
    "finance.fixed_once_posted": N_("cannot change once the account has postings"),
    "finance.account_used": N_("is used"),
    "finance.has_sub_accounts": N_("has sub-accounts"),
    "finance.account_is_mapped": N_("is mapped"),
    "finance.no_such_account": N_("no such account"),
    "finance.bill_a_receipt_line": N_("bill at least one receipt line"),
    "finance.bill_a_first_leg": N_("bill at least one first leg"),
    "finance.no_such_receipt": N_("no such receipt"),
    "finance.bill_one_supplier": N_("a bill is from one supplier in one currency: its receipts are not"),
    "finance.already_recorded": N_("already recorded"),
    "finance.no_such_bill": N_("no such bill"),
    "finance.more_than_open": N_("more than is open"),
    "finance.choose_a_file": N_("choose a CSV or XLSX file"),
    "finance.upload_ecb_file": N_("upload the ECB file"),
    "finance.set_rate_feed": N_("set the rate feed's URL in the finance settings first"),
    "finance.target_said": N_("%(display_name)s: %(detail)s"),
    "finance.requisitions_unreadable": N_("the requisitions of %(display_name)s could not be read: %(detail)s"),
    "finance.only_event_vouchers": N_("only event vouchers are rebooked"),
    "finance.not_reversed": N_("not reversed"),
    "finance.rule_books_nothing": N_("the rule finds nothing to book for this event any more"),
    "finance.no_rates_in_file": N_("the file holds no rates"),
    "finance.rates_table_missing": N_("exchange rates cannot be stored: the rates table is not installed"),
    "finance.rate_feed_silent": N_("the rate feed at %(url)s did not answer: %(detail)s"),
    "finance.give_a_landed_cost": N_("give at least one of freight, duty or insurance"),
    "finance.not_shipped_yet": N_("it has not shipped yet"),
    "finance.give_freight_duty_insurance": N_("give freight, duty or insurance"),
    "finance.no_such_first_leg_or_transfer": N_("no such first leg or transfer"),
    "finance.vouchers_wait_for_rate": N_("%(waiting)s voucher(s) dated in it wait for an exchange rate"),
    "finance.not_before_period_from": N_("must not be before period_from"),
    "finance.already_set_up": N_("finance is already set up"),
    "finance.chosen_at_set_up": N_("is chosen once, at set-up"),
    "finance.voucher_two_lines": N_("a voucher needs at least two lines"),
    "finance.debit_or_credit": N_("give either a debit or a credit, not zero"),
    "finance.voucher_not_posted": N_("it is not posted yet"),
    "finance.reversal_not_reversed": N_("a reversal is never reversed"),
    "finance.already_reversed": N_("already reversed"),
    "finance.upload_settlement_report": N_("upload the settlement report (a tab-delimited .txt file)"),
    "finance.choose_settlement_shop": N_("choose the Amazon shop the settlement belongs to"),
    "finance.closed_settlement_fixed": N_("a closed settlement stays as it is"),
    "finance.choose_an_order": N_("choose one of your orders"),
    "finance.file_problems": N_("the file has %(count)s problem(s); nothing was imported"),
    "finance.more_problems": N_("... and %(more)s more problems"),
    "finance.payout_transactions_differ": N_(
        "the transactions add up to %(net)s %(currency)s, the payout says %(payout_net)s"
    ),
    "finance.payout_does_not_add_up": N_("payout %(payout_id)s does not add up; nothing was imported"),
    "finance.give_deposit_currency": N_("give the ISO 4217 currency the deposit arrived in"),
    "finance.give_deposit_amount": N_("give the amount that reached the bank, above zero"),
    "finance.file_cannot_be_imported": N_("the file cannot be imported: %(detail)s"),
    # Finance: the problems of an Amazon settlement report (core/finance/settlements/amazon.py).
    "finance.not_an_amount_in_format": N_("%(value)s is not an amount in the %(number_format)s number format"),
    "finance.not_an_amount": N_("%(value)s is not an amount"),
    "finance.not_a_date": N_("%(value)s is not a date"),
    "finance.not_an_amazon_date": N_("%(value)s is not a date in a format Amazon uses"),
    "finance.locale_one_of": N_("locale must be one of %(choices)s"),
    "finance.file_empty": N_("the file is empty"),
    "finance.not_a_settlement_report": N_("this is not a tab-delimited settlement report (Flat File V2)"),
    "finance.header_lacks_columns": N_("the header lacks the columns %(columns)s"),
    "finance.summary_row_missing": N_("the settlement summary row is missing"),
    "finance.summary_no_id": N_("the summary row has no settlement id"),
    "finance.detail_rows_total": N_(
        "the detail rows add up to %(total)s %(currency)s, the summary says %(summary_total)s"
    ),
    "finance.cannot_be_read": N_("cannot be read: %(detail)s"),
    "finance.differs_from_summary": N_("%(value)s differs from the summary's %(settlement_id)s"),
    "finance.only_summary_total": N_("only the summary row has a total amount"),
    "finance.differs_from_settlement_currency": N_("%(value)s differs from the settlement's %(currency)s"),
    "finance.longer_than": N_("longer than %(max_len)s characters"),
    "finance.row_names_nothing": N_("the row names no transaction type, amount type or description"),
    "finance.is_empty": N_("is empty"),
    "finance.out_of_range": N_("%(value)s is out of range"),
    "finance.file_line": N_("line %(line)s: %(problem)s"),
    "finance.file_line_column": N_("line %(line)s: %(column)s: %(problem)s"),
    # Finance: ECB reference-rate files; a marketplace refund before shipment (a hold reason).
    "finance.ecb_too_large": N_("the file is larger than 20 MB"),
    "finance.ecb_zip_empty": N_("the zip holds no .csv or .xml file"),
    "finance.ecb_zip_member_too_large": N_("the file in the zip is larger than 20 MB"),
    "finance.ecb_not_zip": N_("not a readable zip file"),
    "finance.ecb_no_doctype": N_("document type declarations are not accepted"),
    "finance.ecb_bad_xml": N_("not well-formed XML: %(detail)s"),
    "finance.ecb_no_cube": N_("no <Cube time=...> with rates found (is it an ECB eurofxref file?)"),
    "finance.ecb_csv_header": N_("a CSV needs a header starting with Date and at least one row"),
    "finance.ecb_rate_not_number": N_("%(currency)s on %(day)s: %(value)s is not a number"),
    "finance.ecb_rate_not_positive": N_("%(currency)s on %(day)s: the rate must be positive"),
    "finance.ecb_not_iso_date": N_("%(value)s is not a date (YYYY-MM-DD)"),
    "finance.ecb_not_csv_date": N_("%(value)s is not a date (YYYY-MM-DD or 25 November 2024)"),
    "finance.refunded_before_shipment": N_(
        "%(channel)s refunded %(amount)s %(currency)s of it before shipment (%(refund)s): decide what still ships"
    ),
    "fx.must_between_and": N_("must be between %(first)s and %(latest)s"),
    "fx.give_between_and_rates": N_("give between 1 and %(max_import)s rates"),
    "fx.given_twice_for": N_("%(base)s/%(quote)s is given twice for %(day)s"),
    "inventory.only_still_out_with": N_("only %(outstanding)s still out with %(borrower)s"),
    "inventory.use_at_most_characters": N_("use at most %(max_key)s characters"),
    "inventory.in_and_stock_valued": N_("is in %(currency)s and stock is valued in %(functional)s: %(detail)s"),
    "inventory.sku_virtual_bundle_it": N_("SKU %(sku_id)s is a virtual bundle: it holds no stock; its components do"),
    "inventory.bundle_has_no_components": N_("bundle %(code)s has no components"),
    "inventory.warehouse_inactive": N_("warehouse %(code)s is inactive"),
    "orders.has_decimal_places": N_("%(currency)s has %(places)s decimal places"),
    "orders.lines_are_worth_refund": N_("the lines are worth %(worth)s %(currency)s; refund at most that"),
    "orders.those_units_are_worth": N_("those units are worth %(full)s %(currency)s; refund at most that"),
    "orders.only_left_refund": N_("only %(left)s %(currency)s is left to refund"),
    "orders.restock_damaged_must_units": N_("restock + damaged must be the %(wanted)s units returned"),
    "orders.inspect_every_returned_line": N_("inspect every returned line (line %(line_id)s is missing)"),
    "orders.line_has_only_units": N_("line %(position)s has only %(available)s units %(what)s"),
    "orders.at_most_orders_at": N_("at most %(max_orders)s orders at a time"),
    "orders.use_at_most_tags": N_("use at most %(max_tags)s tags"),
    "orders.not_iso_currency_code": N_("%(currency)s is not an ISO 4217 currency code"),
    "orders.manual_order_with_reference": N_("a manual order with reference %(external_id)s exists already"),
    "orders.no_sku_has_code": N_("no SKU has the code %(code)s"),
    "orders.unknown_status_use": N_("unknown status %(items)s; use %(items_2)s"),
    "orders.unknown_limit_use": N_("unknown limit; use %(items)s"),
    "orders.has_limit_already": N_("%(dest)s has a limit already"),
    "orders.warehouse_warehouse_orders_ship": N_(
        "warehouse %(code)s is a %(type)s warehouse; orders ship from domestic and overseas warehouses"
    ),
    "orders.line_has_units_ship": N_(
        "line %(position)s (%(value)s) has %(open_quantity)s units to ship, the parts give %(given)s"
    ),
    "orders.line_has_only_units_2": N_("line %(position)s has only %(open_quantity)s units to ship"),
    "purchasing.warehouse_virtual_goods_cannot": N_("warehouse %(code)s is virtual; goods cannot be delivered there"),
    "purchasing.not_line": N_("%(line_id)s is not a line of %(number)s"),
    "purchasing.no_such_stocking_request": N_("no such stocking request: %(items)s"),
    "purchasing.order_in_functional_currency": N_(
        "the order is in %(functional)s, the functional currency: its rate is 1"
    ),
    "purchasing.order_has_one_currency": N_("an order has one currency: this one is in %(currency)s"),
    "purchasing.names_no_supplier_choose": N_("%(number)s names no supplier: choose one for the order"),
    "purchasing.not_line_2": N_("is not a line of %(number)s"),
    "purchasing.not_stocking_request_id": N_("%(value)s is not a stocking request id"),
    "purchasing.required": N_("is required: %(missing)s"),
    "purchasing.required_no_price_this": N_("is required: no %(currency)s price of this supplier is on record"),
    "purchasing.only_line_are_still": N_("only %(open_quantity)s of line %(position)s are still to come"),
    "purchasing.bin_inactive": N_("bin %(code)s is inactive"),
    "purchasing.line_appears_twice": N_("line %(position)s appears twice"),
    "purchasing.too_many_for_ordered": N_(
        "%(qty)s is too many for %(label)s: ordered %(quantity)s, already received %(received_quantity)s, "
        "over-receipt tolerance %(tolerance)s%%; at most %(most)s more can be received"
    ),
    "purchasing.passed_and_failed_must": N_(
        "passed (%(passed)s) and failed (%(failed)s) must add up to the %(quantity)s received on line %(position)s"
    ),
    "purchasing.line_returns_but_only": N_(
        "line %(position)s returns %(quantity)s, but only %(left)s failed units are left"
    ),
    "purchasing.line_has_failed_units": N_(
        "line %(position)s has %(left)s failed units that can go back to the supplier"
    ),
    "shipping.these_labels_are_not": N_("these labels are not %(fmt)s: %(items)s"),
    "shipping.at_most_orders_batch": N_("at most %(max_orders)s orders a batch"),
    "shipping.goods_are_worth_eur": N_(
        "the goods to %(country)s are worth EUR %(value)s (EUR 150 or less): "
        "set the IOSS number in the shipping settings"
    ),
    "shipping.not_in_shipment": N_("%(code)s is not in shipment %(number)s"),
    "shipping.refused_label": N_("%(display_name)s refused the label: %(detail)s"),
    "shipping.order_has_no_shipment": N_("order %(number)s has no shipment yet: buy its label first"),
    "suppliers.supplier_cannot_used_on": N_(
        "supplier %(supplier)s cannot be used on a purchase order: it is %(status)s"
    ),
    "suppliers.supplier_named_already_exists": N_("a supplier named %(name)s already exists"),
    "suppliers.supplier_disabled": N_("supplier %(supplier)s is disabled"),
    "suppliers.sku_virtual_kit_components": N_("SKU %(sku)s is a virtual kit; its components are purchased"),
    "sync.webhook_cannot_read": N_("the webhook cannot be read: %(detail)s"),
    "input.save_file_as_text": N_("save the file as %(items)s text"),
    "input.line": N_("line %(number)s %(problem)s"),
    "tenants.unknown_role_use": N_("unknown role(s): %(items)s; use %(items_2)s"),
    "tenants.use_at_least_characters": N_("use at least %(min_password)s characters"),
    "tenants.another_connection_already_named": N_("another %(kind)s connection is already named %(name)s"),
    "tenants.no_plugin_named_installed": N_("no %(kind)s plugin named %(plugin)s is installed"),
    "catalog.category_has_subcategories_move": N_("category %(code)s has subcategories; move or delete them first"),
    "catalog.category_has_products_move": N_("category %(code)s has products; move them to another category first"),
    "catalog.seller_sku_already_mapped": N_(
        "seller SKU %(seller)s is already mapped to SKU %(sku_id)s on this connection"
    ),
    "catalog.sku_component_kit_cannot": N_("SKU %(label)s is a component of a kit; cannot %(action)s"),
    "catalog.sku_has_channel_listing": N_("SKU %(label)s has channel listing mappings; cannot %(action)s"),
    "catalog.generated_sku_code_already": N_(
        "the generated SKU code %(taken)s is already used by another SKU; give the variant its own "
        "code or change the SKU pattern"
    ),
    "catalog.generated_spu_code_already": N_(
        "the generated SPU code %(spu_code)s is already used; give the product its own SPU code or "
        "change the SPU pattern"
    ),
    "catalog.sku_pattern_gives_two": N_(
        "the SKU pattern gives two variants the code %(code)s; give them their own codes or change the SKU pattern"
    ),
    "finance.invoice_already_recorded_as": N_("%(vendor)s's invoice %(reference)s is already recorded as %(number)s"),
    "finance.connection_switched_off": N_("the connection %(display_name)s is switched off"),
    "finance.map_these_before_posting": N_("map these before posting to %(display_name)s: %(names)s%(more)s"),
    "finance.posting_run_already": N_("a posting run of %(display_name)s is %(status)s already (%(id)s)"),
    "finance.only_refused_vouchers_can": N_(
        "only refused vouchers can be retried; not refused (or not found): %(items)s"
    ),
    "finance.no_voucher_refused": N_("no voucher of %(display_name)s is refused"),
    "finance.keeps_no_purchase_requisitions": N_("%(display_name)s keeps no purchase requisitions to pull"),
    "finance.account_already_exists": N_("account %(code)s already exists"),
    "finance.account_already_has_postings": N_(
        "account %(code)s already has postings; a sub-account would split its balance"
    ),
    "finance.account_has_postings_deactivate": N_("account %(code)s has postings: deactivate it instead"),
    "finance.account_has_sub_accounts_2": N_("account %(code)s has sub-accounts"),
    "finance.account_mapped_rule": N_("account %(code)s is mapped to a rule"),
    "finance.voucher_still_in_force": N_("voucher %(number)s is still in force: reverse it first"),
    "finance.voucher_was_already_rebooked": N_("voucher %(number)s was already rebooked"),
    "finance.landed_cost_already_applied": N_("landed cost of %(transfer_number)s is already applied"),
    "finance.supplier_bill_already_recorded": N_("the supplier's bill %(reference)s is already recorded as %(taken)s"),
    "finance.bill_has_only_open": N_("bill %(number)s has only %(open_amount)s open"),
    "finance.period_was_closed_meanwhile": N_("period %(items)s was closed meanwhile; retry"),
    "finance.voucher_already_reversed": N_("voucher %(number)s is already reversed"),
    "finance.order_settlement_differ_without": N_(
        "%(open_rows)s order(s) of settlement %(external_id)s differ without a reason; give each a reason first"
    ),
    "finance.sale_line_settlement_match": N_(
        "%(unmatched_sales)s sale line(s) of settlement %(external_id)s match no order; match them first"
    ),
    "http.your_role_does_not": N_("your role does not allow %(permission)s"),
    "inventory.orders_here_hold_units": N_(
        "%(code)s: orders here hold %(ours)s units but the platform reports only "
        "%(target_on_hand)s; release or move those orders first"
    ),
    "inventory.idempotency_key_was_already": N_(
        "idempotency key %(key)s was already used for another stock event (%(kind)s of %(doc_type)s %(value)s)"
    ),
    "inventory.line_holds_not": N_("line %(ref)s holds %(holding)s of %(code)s, not %(quantity)s"),
    "inventory.reserved_counter_out_step": N_(
        "the reserved counter of %(sku_id)s is out of step with its reservations; run `tradelane "
        "inventory verify --fix`"
    ),
    "inventory.reserved_counter_out_step_2": N_(
        "the reserved counter of %(value)s is out of step with its reservations; run `tradelane inventory verify --fix`"
    ),
    "inventory.line_holds_fewer_unpicked": N_("line %(ref)s holds fewer unpicked units than %(quantity)s"),
    "inventory.warehouse_with_code_already": N_("a warehouse with code %(code)s already exists"),
    "inventory.bin_already_exists_in": N_("bin %(code)s already exists in this warehouse"),
    "orders.order_has_nothing_left": N_("order %(number)s has nothing left to cancel"),
    "orders.order_on_hold_without": N_("order %(number)s is on hold without an open hold record"),
    "orders.view_named_exists_already": N_("a view named %(name)s exists already"),
    "orders.stocking_requests_for_order": N_("stocking requests for order %(number)s are already open: %(items)s"),
    "orders.transfer_for_order_already": N_("a transfer for order %(number)s is already open: %(items)s"),
    "orders.order_fulfilled_by_platform": N_("order %(number)s is fulfilled by the platform and cannot be merged"),
    "orders.orders_and_have_different": N_(
        "orders %(number)s and %(number_2)s have a different %(what)s: only orders of the same "
        "buyer, address and connection are merged"
    ),
    "purchasing.receipt_has_no_units": N_("receipt %(number)s has no units that passed QC yet; inspect it first"),
    "purchasing.labels_more_than_one": N_(
        "%(out)s labels is more than one file should hold (%(max_labels)s); print one per line"
    ),
    "purchasing.already_recorded_on": N_("%(number)s is already recorded on %(number_2)s"),
    "purchasing.you_gave_first_approval": N_(
        "you gave the first approval of %(number)s; the second approval must come from someone else"
    ),
    "purchasing.this_suggestion_from_earlier": N_(
        "this suggestion is from an earlier run; a later run (%(value)s) replaced it"
    ),
    "shipping.order_has_nothing_left": N_("order %(number)s has nothing left to ship"),
    "shipping.label_for_reference_may": N_(
        "a label for %(order_number)s (reference %(reference)s) may have been bought at "
        "%(carrier)s already and the carrier cannot be asked: check on the carrier, then release "
        "the purchase to try again"
    ),
    "shipping.no_label_purchase_order": N_("no label purchase of order %(number)s is waiting to be checked"),
    "shipping.carrier_connection_gone_void": N_("the carrier connection of %(number)s is gone; void it at the carrier"),
    "shipping.order_already_has_shipment": N_("order %(number)s already has a shipment"),
    "shipping.label_purchase_for_at": N_(
        "the label purchase for %(order_number)s at %(display_name)s may have gone through "
        "(%(exc)s); check on the carrier, then release the purchase to try again"
    ),
    "shipping.could_not_reached_try": N_("%(display_name)s could not be reached: %(exc)s; try again later"),
    "shipping.refused_void": N_("%(display_name)s refused to void %(tracking_number)s: %(exc)s"),
    "shipping.could_not_void_label": N_("%(display_name)s could not void the label now: %(exc)s; try again later"),
    "shipping.label_for_being_bought": N_("a label for %(order_number)s is being bought right now"),
    "sync.disabled_enable_it_sync": N_("%(display_name)s is disabled; enable it to sync"),
    "sync.cannot_list_orders_plugin": N_(
        "%(display_name)s cannot list orders (its plugin is missing or has no order API)"
    ),
    "sync.disabled_enable_it_push": N_("%(display_name)s is disabled; enable it to push stock"),
    "sync.cannot_receive_stock_quantities": N_("%(display_name)s cannot receive stock quantities"),
    "sync.cannot_subscribe_webhooks_configure": N_(
        "%(display_name)s cannot subscribe to webhooks; configure them on the channel"
    ),
    "sync.only_failed_pushes_can": N_("only failed pushes can be retried; this one is %(status)s"),
    "sync.disabled_enable_it_push_2": N_("%(display_name)s is disabled; enable it to push"),
    "sync.refused_subscription": N_("%(display_name)s refused the subscription: %(describe)s"),
    "tenants.you_submitted_this_this": N_(
        "you submitted this %(what)s; this company requires another person to approve it"
    ),
    "tenants.functional_currency_cannot_change": N_("the functional currency cannot change any more: %(blocked)s"),
    # Accounts, users and API keys, connections' settings (tenants), and the API's door (core/http)
    "tenants.email_invalid": N_("enter a valid e-mail address"),
    "tenants.email_registered": N_("this e-mail address is already registered"),
    "tenants.not_changed_here": N_("cannot be changed here"),
    "tenants.password_incorrect": N_("is incorrect"),
    "tenants.login_incorrect": N_("e-mail or password is incorrect"),
    "tenants.owner_changes_owner": N_("only an owner can change the roles or status of an owner"),
    "tenants.owner_grants_owner": N_("only an owner can grant or take away the owner role"),
    "tenants.cannot_deactivate_self": N_("you cannot deactivate yourself"),
    "tenants.keep_one_owner": N_("a tenant must keep at least one active owner"),
    "tenants.key_roles_beyond_own": N_("an API key cannot have roles beyond your own"),
    "tenants.owner_revokes_owner_key": N_("only an owner can revoke a key with the owner role"),
    "tenants.key_already_revoked": N_("this API key is already revoked"),
    "tenants.key_has_no_password": N_("API keys have no password"),
    "tenants.connection_kind": N_("use channel, carrier, accounting or payment"),
    "tenants.role_required": N_("at least one role is required"),
    "tenants.setting_choose_shop": N_("choose one of your shops (a channel connection)"),
    "tenants.setting_choose_connection": N_("choose one of your connections of the kind this setting takes"),
    "tenants.setting_url": N_("must be an http(s) URL"),
    "tenants.setting_too_long": N_("is too long"),
    "tenants.no_setting": N_("%(plugin)s has no setting %(key)s"),
    "tenants.too_many_failed_logins": N_("too many failed logins: try again in %(n)s minutes"),
    "http.log_in": N_("log in, or send Authorization: Bearer <API key>"),
    "http.use_bearer": N_("use Authorization: Bearer <API key>"),
    "http.key_invalid": N_("the API key is invalid or revoked"),
    "http.cursor_or_page": N_("cursor: send either cursor or page"),
    "http.cursor_not_with_page": N_("cannot be combined with page"),
    "http.too_many_attempts_seconds": N_("too many attempts from your address: try again in %(n)s seconds"),
    "http.too_many_attempts_minutes": N_("too many attempts from your address: try again in %(n)s minutes"),
    "http.cursor_too_long": N_("is longer than %(max_len)s characters"),
    "http.cursor_not_this_list": N_("is not a cursor of this list"),
    "http.cursor_altered": N_("is not a cursor of this list with these filters (altered, or made for another list)"),
    "http.cursor_start_again": N_("cursor: %(why)s; start again from the first page without it"),
    "sync.webhook_signature": N_("the webhook signature does not verify"),
    # The API's door: forms, and what the database refuses (core/http); lists of orders
    "http.csrf_expired": N_("the form expired or its CSRF token is missing; reload the page and try again"),
    "http.value_too_large": N_("a value is too large or too long for where it is stored"),
    "http.retry_conflict": N_("another change to the same records won; retry the request"),
    "http.duplicate": N_("a record with the same unique values already exists"),
    "http.related_conflict": N_("the change conflicts with related records"),
    "orders.choose_at_least_one": N_("choose at least one order"),
    # Exchange rates (core/money, core/fx)
    "fx.no_rate": N_("no rate for %(base)s to %(quote)s on %(day)s or in the %(n)s days before"),
    # Field errors that many services share
    "not_true_false": N_("must be true or false"),
    "use_true_false": N_("use true or false"),
    "unknown_field": N_("unknown field"),
    "unknown_setting": N_("unknown setting"),
    "not_object": N_("must be an object"),
    "use_object": N_("use an object"),
    "not_list": N_("must be a list"),
    "not_an_id": N_("is not an id"),
    "not_order_id": N_("is not an order id"),
    "lines_required": N_("at least one line is required"),
    "use_line_quantity": N_("use {line_id, quantity}"),
    "positive": N_("must be positive"),
    "above_zero": N_("must be above zero"),
    "positive_whole_number": N_("must be a positive whole number"),
    "whole_number_zero_or_more": N_("must be a whole number of zero or more"),
    "already_used": N_("already used"),
    "no_such_warehouse": N_("no such warehouse"),
    "no_such_sku": N_("no such SKU"),
    "no_such_order": N_("no such order"),
    "no_such_supplier": N_("no such supplier"),
    "no_such_purchase_order": N_("no such purchase order"),
    # The catalogue: products, SKUs, kits, categories, code patterns, images, imports (core/catalog)
    "catalog.pattern_unmatched_brace": N_("has an unmatched { or }"),
    "catalog.pattern_literal_chars": N_("literal text may use letters, digits and . _ / - only"),
    "catalog.pattern_needs_seq_spu": N_("needs %(seq)s so that every product gets its own code"),
    "catalog.pattern_needs_seq_sku": N_(
        "needs %(seq)s, or %(spu)s with %(variant)s or %(n)s, so that every SKU gets its own code"
    ),
    "catalog.pattern_needs_category": N_("the code pattern uses %(category)s; choose a category first"),
    "catalog.image_is_url": N_("this image is a URL, not a stored file"),
    "catalog.file_empty": N_("the file is empty"),
    "catalog.image_type": N_("upload a PNG, JPEG, GIF or WebP image"),
    "catalog.http_address": N_("use an http(s) address"),
    "catalog.category_name_required": N_("give a Chinese or an English name"),
    "catalog.category_under_itself": N_("a category cannot move under itself or its descendants"),
    "catalog.virtual_kit_components": N_("it is a virtual kit; its components are"),
    "catalog.sku_inactive": N_("it is inactive"),
    "catalog.only_drafts_changed": N_("only drafts and rejected products can be changed"),
    "catalog.only_drafts_changed_revise": N_(
        "only drafts and rejected products can be changed; revise it to make changes"
    ),
    "catalog.only_drafts_changed_withdraw": N_(
        "only drafts and rejected products can be changed; withdraw it or wait for the review"
    ),
    "catalog.already_mapped": N_("already mapped"),
    "catalog.define_variant_attributes": N_("define variant attributes (e.g. colour, size) first"),
    "catalog.only_drafts_deleted": N_("only never-approved drafts can be deleted; discontinue the product instead"),
    "catalog.attributes_shape": N_('use an object of names and values, e.g. {"material": "cotton"}'),
    "catalog.at_most_attributes": N_("use at most 100 attributes"),
    "catalog.variant_attributes_shape": N_('use a list like [{"name": "colour", "values": ["Red", "Blue"]}]'),
    "catalog.skus_list": N_("use a list of SKUs"),
    "catalog.gross_below_net": N_("cannot be less than the net weight"),
    "catalog.only_kits_components": N_("set physical or virtual: only kits have components"),
    "catalog.customs_shape": N_("use an object with hs_code, origin_country, declared_value, material, name_en"),
    "catalog.components_shape": N_('use a list like [{"sku_id": "...", "quantity": 2}]'),
    "catalog.spu_code_fixed": N_("cannot change once the product was approved"),
    "catalog.attribute_name_empty": N_("attribute names cannot be empty"),
    "catalog.variant_attribute_shape": N_('use {"name": ..., "values": [...]}'),
    "catalog.list_one_value": N_("list at least one value"),
    "catalog.sku_code_fixed": N_("cannot change once the SKU was approved"),
    "catalog.options_shape": N_('use an object like {"colour": "Red"}'),
    "catalog.dimensions_shape": N_('use {"length_cm": ..., "width_cm": ..., "height_cm": ...}'),
    "catalog.component_shape": N_('use {"sku_id": ..., "quantity": n}'),
    "catalog.kit_contains_itself": N_("a kit cannot contain itself"),
    "catalog.no_variant_attributes": N_("the product has no variant attributes"),
    "catalog.product_needs_sku": N_("a product needs at least one SKU"),
    "catalog.kit_needs_component": N_("a kit needs at least one component"),
    "catalog.only_submittable": N_("only drafts and rejected products can be submitted"),
    "catalog.only_submitted_withdrawn": N_("only submitted products can be withdrawn"),
    "catalog.only_submitted_approved": N_("only submitted products can be approved"),
    "catalog.only_submitted_rejected": N_("only submitted products can be rejected"),
    "catalog.only_approved_revised": N_("only approved products can be revised"),
    "catalog.title_required": N_("give a Chinese or an English title"),
    "catalog.withdraw_first": N_("withdraw a submitted product first"),
    "catalog.not_xlsx": N_("this is not a valid XLSX file"),
    "catalog.old_xls": N_("old .xls files are not supported; save as .xlsx or .csv"),
    "catalog.csv_encoding": N_("the CSV is neither UTF-8 nor GB18030 text"),
    "catalog.upload_gone": N_("the uploaded file is gone; upload it again"),
    "catalog.title_column": N_("the file needs a title_zh or title_en column"),
    "catalog.column_twice": N_("the column appears twice"),
    "catalog.pattern_unknown_token": N_("unknown token %(token)s; use %(tokens)s"),
    "catalog.pattern_width_seq_only": N_("only %(seq)s takes a width, not %(token)s"),
    "catalog.generated_code_too_long": N_("the generated code %(code)s... is longer than %(max_len)s characters"),
    "catalog.product_is": N_("its product is %(status)s"),
    "catalog.product_not_approved": N_("its product is %(status)s, not approved"),
    "catalog.code_already_used": N_("%(code)s is already used"),
    "catalog.code_generated_twice": N_("%(code)s is generated twice"),
    "catalog.import_rejected": N_(
        "%(count)s problem(s) in the file; nothing was imported (first: line %(line)s, %(field)s: %(message)s)"
    ),
    "catalog.unknown_column": N_("unknown column; use %(columns)s"),
    "catalog.differs_from_line": N_("differs from line %(line)s of the same spu_code"),
    "catalog.also_on_line": N_("%(label)s %(value)s is also on line %(line)s"),
    "catalog.write_name_value": N_("%(part)s: write name=value pairs separated by ;"),
    "catalog.write_sku_quantity": N_("%(part)s: write SKU*quantity separated by ;"),
    "catalog.no_category_code": N_("no category with code %(code)s"),
    # Orders: the order services' refusals and notes (core/orders)
    "orders.buyer_search_needs_pii": N_("searching by buyer needs orders:pii"),
    "orders.sharing_view_needs_write": N_("sharing a view needs orders:write"),
    "orders.deleting_view_needs_write": N_("deleting a shared view needs orders:write"),
    "orders.refund_type_cancellation": N_(
        "before shipment a refund cancels the lines it pays back (type cancellation)"
    ),
    "orders.nothing_left_to_cancel": N_("nothing left to cancel"),
    "orders.amount_or_lines": N_("give an amount, or the lines to refund"),
    "orders.name_return_lines": N_("name the lines and units coming back"),
    "orders.return_warehouse": N_("say which warehouse received the return"),
    "orders.not_line_of_order": N_("is not a line of this order"),
    "orders.refund_names_lines": N_("before shipment a refund cancels lines: name the lines it pays back"),
    "orders.return_id": N_("give the id of this order's return (RMA)"),
    "orders.kept_lines": N_("name the lines the buyer keeps or destroys"),
    "orders.destroyed_evidence": N_("attach evidence that the goods were destroyed (photo links, notes)"),
    "orders.not_line_of_return": N_("is not a line of this return"),
    "orders.tags_list": N_("must be a list of words"),
    "orders.platform_ships_it": N_("it is platform-fulfilled: the platform ships it"),
    "orders.aware_date_time": N_("must be a timezone-aware date and time"),
    "orders.release_first": N_("release it first"),
    "orders.cannot_release": N_("cannot release: %(problems)s"),
    "orders.finite_amount": N_("must be a finite amount of zero or more"),
    "orders.fulfilment_kind": N_("use merchant or platform"),
    "orders.line_twice": N_("appears twice in the order"),
    "orders.lines_not_complete": N_("at least one line is required (lines_complete is false: fetch the lines first)"),
    "orders.sku_or_sku_id": N_("give the SKU code (sku) or its id (sku_id)"),
    "orders.no_such_sku_or_code": N_("no such SKU (or it has no code yet: approve its product first)"),
    "orders.unknown_filter": N_("unknown filter"),
    "orders.view_filters": N_("must be an object of list filters"),
    "orders.order_ids_csv": N_("give order ids, comma-separated"),
    "orders.destination_required": N_("is required: a country code, a region (%(regions)s) or *"),
    "orders.unknown_condition": N_("unknown condition"),
    "orders.rule_needs_condition": N_("an approval rule needs at least one condition (or it approves every order)"),
    "orders.choose_warehouse": N_("choose a warehouse"),
    "orders.nothing_missing": N_("nothing is missing: the warehouse has every unit the order needs"),
    "orders.already_requested": N_("already requested"),
    "orders.choose_other_warehouse": N_("choose another warehouse than the one short of stock"),
    "orders.already_transferred": N_("already transferred"),
    "orders.platform_ships": N_("the platform ships it"),
    "orders.split_two_parts": N_("a split needs at least two non-empty parts"),
    "orders.split_parts_shape": N_("give at least one part: [[{line_id, quantity}], ...]"),
    "orders.split_leave_units": N_("leave some units for a second order, or give a second part"),
    "orders.merge_two": N_("give at least two orders to merge"),
    "orders.part_empty": N_("is empty"),
    "orders.not_line_to_ship": N_("is not a line of this order with units to ship"),
    "orders.is_platform_fulfilled": N_("%(number)s is platform-fulfilled"),
    "orders.different": N_("different %(what)s"),
    "orders.child_orders": N_("act on its child orders"),
    "orders.merged_away": N_("it was merged into another order"),
    "orders.allocate_first": N_("allocate it first"),
    "orders.not_shipped": N_("it has not shipped"),
    "orders.merge_only_open": N_("only orders waiting for review or approved can be merged"),
    "orders.hold_released_cancelled": N_("order cancelled"),
    "orders.hold_closed_platform_shipped": N_("the platform shipped the order"),
    "orders.split_by_staff": N_("split by staff"),
    "orders.split_rules": N_("split rules (%(why)s)"),
    "orders.kept_apart": N_("kept apart: %(groups)s"),
    "orders.parcel_limits": N_("parcel limits"),
    "orders.parcel_limits_from": N_("parcel limits: %(source)s"),
    "orders.value_limit_not_applied": N_("the value limit of %(amount)s %(currency)s was not applied: %(detail)s"),
    # Stock: warehouses, bins, adjustments, borrowing, kits, stocktakes, transfers (core/inventory);
    # exports, jobs, event deliveries
    "stock.bucket_from": N_("use on_hand, unsellable or qc_pending"),
    "stock.say_why": N_("say why the stock changes"),
    "stock.say_borrower": N_("say who borrows the units"),
    "stock.restock_or_damaged": N_("use restock or damaged"),
    "stock.say_write_off": N_("say why the rest is written off"),
    "stock.platform_reports_only": N_("only platform and 3PL warehouses report their stock"),
    "stock.reserved_reported": N_("%(ours)s reserved by orders, %(target_on_hand)s reported"),
    "stock.key_twice_in_batch": N_("appears twice in the batch"),
    "stock.key_other_request": N_("already used for a different request"),
    "stock.key_required": N_("an idempotency key is required for every stock event"),
    "stock.inactive": N_("is inactive"),
    "stock.assembly_kind": N_("use assembly or disassembly"),
    "stock.not_physical_kit": N_("SKU %(sku)s is not a physical kit"),
    "stock.not_physical_kit_virtual": N_("SKU %(sku)s is not a physical kit (a virtual bundle is never assembled)"),
    "stock.kit_no_components": N_("the kit has no components"),
    "stock.bin_not_in_line_warehouse": N_("is not a bin of the line's warehouse"),
    "stock.bucket_to": N_("use unsellable, on_hand or qc_pending"),
    "stock.still_expected": N_("only %(still)s still expected on line %(ref)s"),
    "stock.holds_only": N_("holds only %(holding)s"),
    "stock.picks_more": N_("picks more than it holds"),
    "stock.count_scope": N_("use cycle (the whole warehouse) or spot (chosen SKUs or bins)"),
    "stock.spot_needs_items": N_("a spot count needs SKUs or bins to count"),
    "stock.cycle_whole_warehouse": N_("a cycle count covers the whole warehouse; use spot to choose"),
    "stock.count_columns": N_("the CSV needs the columns sku and counted"),
    "stock.count_empty": N_("the CSV has no counts"),
    "stock.nothing_counted": N_("nothing has been counted yet"),
    "stock.bins_in_warehouse": N_("every bin must be in the counted warehouse"),
    "stock.start_counting_first": N_("start counting first"),
    "stock.count_no_sku": N_("no SKU %(sku)s"),
    "stock.count_not_whole": N_("counted must be a whole number of zero or more, not %(value)s"),
    "stock.differ_from_source": N_("must differ from the source"),
    "stock.first_leg_destination": N_("a first-leg shipment goes to an overseas 3PL or platform warehouse"),
    "stock.amount_with_currency": N_("must be an amount of zero or more with its currency"),
    "stock.receive_one": N_("receive at least one unit, or complete the receipt"),
    "stock.say_shortfall": N_("say why units are missing (lost, damaged in transit, miscounted at shipping)"),
    "stock.bin_not_in_warehouse": N_("is not a bin of this warehouse"),
    "stock.box_sku_twice": N_("a SKU appears twice in one box"),
    "stock.appears_twice": N_("appears twice"),
    "stock.not_sku_id": N_("is not a SKU id"),
    "stock.transfer_line_twice": N_("appears twice; put the whole quantity on one line"),
    "stock.greater_than_zero": N_("must be greater than zero"),
    "stock.box_needs_sku": N_("a box holds at least one SKU"),
    "stock.box_quantities": N_("quantities must be positive whole numbers"),
    "stock.one_currency": N_("give freight and duty in one currency (%(currency)s)"),
    "stock.plan_boxes": N_("plan the boxes before shipping a first-leg shipment"),
    "stock.boxes_hold": N_("boxes hold %(boxed)s of %(sku)s, the shipment has %(quantity)s"),
    "stock.not_on_transfer": N_("is not on this %(kind)s"),
    "stock.still_in_transit": N_("only %(outstanding)s still in transit on this line"),
    "stock.country_code": N_("use an ISO 3166-1 two-letter country code, e.g. CN, US, DE"),
    "stock.platform_marketplace": N_("a platform warehouse serves one marketplace (e.g. US for Amazon FBA US)"),
    "stock.no_such_connection": N_("no such connection"),
    "stock.lent_to": N_("lent to %(borrower)s"),
    "stock.returned_by": N_("returned by %(borrower)s"),
    "stock.take_from": N_("take from %(bucket)s (%(where)s)"),
    "fx.differ_from_base": N_("must differ from base: a currency is always worth 1 of itself"),
    "fx.date_not_time": N_("use a date (YYYY-MM-DD), not a time"),
    "exports.too_many_rows": N_("more than %(max_rows)s rows match; narrow the filters to export at most %(max_rows)s"),
    "exports.would_be_too_many": N_("the export would have more than %(max_rows)s rows; narrow the filters"),
    "jobs.only_failed_retried": N_("only failed jobs can be retried"),
    "events.only_failing_parked": N_("only a failing delivery can be parked"),
    # Stock: first-leg boxes
    "stock.sku_not_on_shipment": N_("SKU %(sku)s is not on this shipment"),
    # Purchasing and suppliers: stocking requests, purchase orders, receiving and QC, supplier
    # returns, replenishment (core/purchasing, core/suppliers)
    "purchasing.not_warehouse_id": N_("is not a warehouse id"),
    "purchasing.only_drafts_second_approval": N_(
        "only drafts and orders awaiting their second approval can be approved"
    ),
    "purchasing.scan_code": N_("scan or type an order number or a tracking number"),
    "purchasing.order_needs_line": N_("an order needs at least one line"),
    "purchasing.only_drafts_changed": N_("only drafts can be changed"),
    "purchasing.choose_request": N_("choose at least one approved stocking request"),
    "purchasing.already_recorded": N_("already recorded"),
    "purchasing.nothing_to_terminate": N_("nothing is left to terminate"),
    "purchasing.line_shape": N_("use an object with sku_id, quantity and unit_price"),
    "purchasing.only_approved_ordered": N_("only approved requests can be ordered"),
    "purchasing.lines_shape": N_("use a list of {line_id, quantity}"),
    "purchasing.only_approved_receive": N_("only approved orders that still expect goods can receive them"),
    "purchasing.give_arrived": N_("give the quantity that arrived for at least one line"),
    "purchasing.bin_not_receiving": N_("is not a bin of the receiving warehouse"),
    "purchasing.reasons_list": N_("use a list of reasons"),
    "purchasing.all_inspected": N_("every line of it has been inspected"),
    "purchasing.give_outcome": N_("give the outcome of at least one receipt line"),
    "purchasing.not_bin_id": N_("is not a bin id"),
    "purchasing.qc_line_shape": N_("use an object with receipt_line_id, passed_quantity and failed_quantity"),
    "purchasing.inspected_once": N_("each receipt line is inspected once"),
    "purchasing.say_defect": N_("say what was wrong with the failed units"),
    "purchasing.only_open_suggestions": N_("only open suggestions (with a quantity to order) can be decided"),
    "purchasing.run_finished": N_("a finished run is not run again"),
    "purchasing.only_submitted_changed": N_("only submitted requests can be changed"),
    "purchasing.only_submitted_approved": N_("only submitted requests can be approved"),
    "purchasing.only_submitted_rejected": N_("only submitted requests can be rejected"),
    "purchasing.request_on_order": N_("it is on a purchase order now; terminate the order's line instead"),
    "purchasing.only_open_requests_terminated": N_("only submitted or approved requests can be terminated"),
    "purchasing.in_the_past": N_("is in the past"),
    "purchasing.give_return_line": N_("give at least one line and quantity to return"),
    "purchasing.only_drafts_shipped": N_("only drafts can be shipped"),
    "purchasing.only_drafts_cancelled": N_("only drafts can be cancelled"),
    "purchasing.weights_above_zero": N_("at least one of the 7, 14 and 30-day weights must be above zero"),
    "purchasing.only_approved_sent": N_("only approved orders go to the supplier"),
    "purchasing.only_approved_confirmed": N_("only approved orders can be confirmed by the supplier"),
    "purchasing.only_expecting_tracking": N_("only orders still expecting goods take tracking numbers"),
    "purchasing.goods_arrived_terminate": N_("goods already arrived; terminate the remaining quantity instead"),
    "purchasing.only_nothing_arrived_cancelled": N_("only orders that nothing arrived for can be cancelled"),
    "purchasing.only_receivable_terminated": N_(
        "only approved or partially received orders have quantities to terminate"
    ),
    "purchasing.line_label": N_("line %(position)s (%(sku)s)"),
    "purchasing.receipt_line": N_("line %(position)s of receipt %(number)s"),
    "purchasing.stocking_request": N_("stocking request %(number)s"),
    "suppliers.only_drafts_changed": N_("only drafts and rejected suppliers can be changed"),
    "suppliers.only_drafts_changed_revise": N_(
        "only drafts and rejected suppliers can be changed; revise it to make changes (contacts "
        "and prices change at any time)"
    ),
    "suppliers.only_drafts_deleted": N_("only never-approved drafts can be deleted; disable the supplier instead"),
    "suppliers.settlement_days": N_("periodic settlement needs the number of days"),
    "suppliers.account_chars": N_("use 4 to 100 letters, digits or @ . _ + -"),
    "suppliers.contacts_list": N_("use a list of contacts"),
    "suppliers.only_submittable": N_("only drafts and rejected suppliers can be submitted"),
    "suppliers.only_submitted_withdrawn": N_("only submitted suppliers can be withdrawn"),
    "suppliers.only_submitted_approved": N_("only submitted suppliers can be approved"),
    "suppliers.only_submitted_rejected": N_("only submitted suppliers can be rejected"),
    "suppliers.only_approved_revised": N_("only approved suppliers can be revised"),
    "suppliers.only_approved_disabled": N_("only approved suppliers can be disabled"),
    "suppliers.only_disabled_enabled": N_("only disabled suppliers can be enabled"),
    # Shipping, stock sync and input checks (core/shipping, core/sync, core/validation)
    "shipping.batch_running": N_("the batch is still running"),
    "shipping.no_labels": N_("no labels to print"),
    "shipping.customs_missing": N_("customs data is missing: %(problems)s"),
    "shipping.no_shipment_buy_label": N_("has no shipment yet: buy its label first"),
    "shipping.buy_label_first": N_("buy its label first"),
    "shipping.parcel_mismatch": N_("the parcel does not match the order: %(problems)s"),
    "shipping.scanned_count": N_("%(sku)s: scanned %(got)s, the order has %(quantity)s"),
    "shipping.not_in_parcel": N_("%(code)s is not in this parcel"),
    "shipping.rules_list": N_("must be a list of rules"),
    "shipping.names_list": N_("must be a list of names"),
    "shipping.name_carrier": N_("name at least one carrier or carrier:service"),
    "shipping.no_warehouse": N_("it has no warehouse"),
    "shipping.nothing_to_ship": N_("nothing to ship"),
    "shipping.connect_carrier": N_("connect a carrier first (Settings → Connections)"),
    "shipping.no_service": N_("no carrier service can take this shipment"),
    "shipping.no_service_because": N_("no carrier service can take this shipment: %(problems)s"),
    "shipping.only_label_not_handed": N_("only a label not yet handed over"),
    "shipping.has_shipment": N_("has a shipment"),
    "sync.not_setting": N_("is not a sync setting"),
    "sync.between": N_("must be between %(low)s and %(high)s"),
    "sync.warehouse_ids": N_("must be a list of warehouse ids, or null for every merchant warehouse"),
    "sync.no_warehouse": N_("no warehouse %(ident)s"),
    "sync.platform_warehouse": N_("%(code)s is a platform warehouse: the platform publishes its stock"),
    "input.no_nul": N_("must not contain NUL characters"),
    "input.no_surrogates": N_("must not contain unpaired surrogates (invalid Unicode)"),
    "input.no_control": N_("must not contain control characters (%(char)s)"),
    "input.too_deep": N_("nested deeper than %(depth)s levels"),
    "input.name_problem": N_("the name %(problem)s"),
    # Shipping: how a carrier service was chosen (core/shipping/service/rules.py)
    "shipping.rule_country": N_("the destination %(country)s is not in %(countries)s"),
    "shipping.rule_under_weight": N_("%(weight)s g is under %(limit)s g"),
    "shipping.rule_over_weight": N_("%(weight)s g is over %(limit)s g"),
    "shipping.rule_value_unknown": N_("the shipment's value could not be compared"),
    "shipping.rule_value_over": N_("its value %(value)s is over %(limit)s"),
    "shipping.pick_cheapest": N_("the cheapest"),
    "shipping.pick_fastest_unknown": N_("the fastest known (no quote gave a transit time, so the cheapest)"),
    "shipping.pick_fastest": N_("the fastest, then the cheapest"),
    "shipping.pick_within": N_("the cheapest within %(days)s business days"),
    "shipping.pick_preferred": N_("the first available of the preferred list (%(services)s)"),
    "shipping.pick_none_preferred": N_("none of the preferred list (%(services)s)"),
    "shipping.pick_unknown": N_("unknown strategy %(strategy)s"),
    "shipping.no_eligible": N_("no eligible quote"),
    "shipping.rule_name": N_("rule %(n)s"),
    "shipping.step_not_apply": N_("%(rule_name)s: does not apply (%(why)s)"),
    "shipping.step_no_quote": N_("%(rule_name)s: no quote is %(how)s"),
    "shipping.step_chose": N_("%(rule_name)s: chose %(service)s, %(how)s"),
    "shipping.step_default": N_("default: chose %(service)s, the cheapest"),
    # Stock sync: why a run or a delivery was skipped (core/sync)
    "sync.connection_gone": N_("the connection no longer exists"),
    "sync.connection_disabled": N_("the connection is disabled"),
    "sync.connection_disabled_or_gone": N_("the connection is disabled or gone"),
    "sync.already_running": N_("another sync of this connection is running"),
    "sync.no_order_in_webhook": N_("no order in this webhook"),
    "sync.push_off": N_("stock push is off for this connection"),
    "sync.no_shipment_event": N_("no such shipment event"),
}

# Names that services pass as parameters (what, which action, which state).
TERMS = (
    # entities
    N_("order"),
    N_("product"),
    N_("supplier"),
    N_("purchase order"),
    N_("stocking request"),
    N_("receipt"),
    N_("supplier return"),
    N_("stocktake"),
    N_("kit order"),
    N_("borrowing"),
    N_("warehouse"),
    N_("location"),
    N_("shipment"),
    N_("connection"),
    N_("channel connection"),
    N_("carrier connection"),
    N_("job"),
    N_("user"),
    N_("category"),
    N_("listing mapping"),
    N_("replenishment run"),
    N_("sync run"),
    N_("return"),
    N_("voucher"),
    N_("bill"),
    N_("payment"),
    N_("account"),
    N_("exchange rate"),
    N_("image"),
    N_("event delivery"),
    # actions
    N_("edit"),
    N_("approve"),
    N_("reject"),
    N_("submit"),
    N_("cancel"),
    N_("send"),
    N_("ship"),
    N_("post"),
    N_("close"),
    N_("retry"),
    N_("complete"),
    N_("inspect"),
    N_("terminate"),
    N_("receive"),
    N_("allocate"),
    # named in the services' refusals: what was not found, what could not be done
    N_("API key"),
    N_("SKU"),
    N_("contact"),
    N_("image file"),
    N_("label batch"),
    N_("listing mapping for seller SKU"),
    N_("replenishment suggestion"),
    N_("supplier price for SKU"),
    N_("tenant"),
    N_("tracking number"),
    N_("view"),
    N_("kit order"),
    N_("purchase order or tracking number"),
    N_("withdraw"),
    N_("revise"),
    N_("discontinue"),
    N_("disable"),
    N_("enable"),
    N_("dismiss"),
    N_("decide"),
    N_("deactivate"),
    N_("hold"),
    N_("park"),
    N_("pack"),
    N_("void"),
    N_("change"),
    N_("delete"),
    N_("run"),
    N_("push"),
    N_("hand over"),
    N_("start counting"),
    N_("enter counts for"),
    N_("record picks for"),
    N_("buy a label for"),
    N_("receive goods for"),
    N_("return units to"),
    N_("put on a purchase order"),
    N_("add variants to"),
    N_("edit a SKU of"),
    N_("change images of"),
    N_("delete the product"),
    N_("remove it"),
    N_("left to ship"),
    N_("shipped and not yet refunded"),
    N_("shipped and not already coming back"),
    N_("cancel lines of"),
    N_("authorise a return of"),
    N_("print documents for"),
    N_("mark delivered"),
    N_("change the address or shipping service of"),
    N_("merge"),
    N_("transfer"),
    N_("first-leg shipment"),
    N_("change the lines or warehouses of"),
    N_("plan the boxes of"),
    N_("receipt line"),
    N_("send"),
    N_("confirm"),
    N_("add a tracking number to"),
    # states
    N_("pending_review"),
    N_("allocated"),
    N_("awaiting_shipment"),
    N_("on_hold"),
    N_("split"),
    N_("merged"),
    N_("partially_refunded"),
    N_("refunded"),
    N_("returned"),
    N_("draft"),
    N_("submitted"),
    N_("pending"),
    N_("approved"),
    N_("rejected"),
    N_("ordered"),
    N_("sent"),
    N_("confirmed"),
    N_("received"),
    N_("partially_received"),
    N_("inspected"),
    N_("cancelled"),
    N_("closed"),
    N_("shipped"),
    N_("delivered"),
    N_("terminated"),
    N_("posted"),
    N_("running"),
    N_("succeeded"),
    N_("failed"),
    N_("queued"),
    N_("done"),
    N_("waiting"),
)


def term(value: str) -> str:
    """A stored code that is one of the TERMS (a state, an entity) in the reader's language."""
    return gettext(value) if value in TERMS else value


# Parameters whose value is a code with a name of its own, by parameter name. Sections add
# theirs (web/orders: hold types, refund kinds); the rest are read as TERMS when they are one.
def _channel(value: str) -> str:
    from web.labels import channel_label

    return channel_label(value)


def _marketplace(value: str) -> str:
    from web.labels import marketplace_label

    return marketplace_label(value) if value != "(none)" else gettext("(none)")


DOCUMENTS = {
    "label": lazy_gettext("label"),
    "pick_list": lazy_gettext("pick list"),
    "packing_slip": lazy_gettext("packing slip"),
}

PARAMETERS: dict[str, Callable[[str], str]] = {
    "channel": _channel,
    "carrier": _channel,
    "marketplace": _marketplace,
    "document": lambda v: str(DOCUMENTS.get(v, v)),
    "field": lambda v: field_label(v),
    "fields": lambda v: field_label(v),
}


def _sentence_separator() -> str:
    """How the reader's language separates the sentences of one line: "; " or "；"."""
    from web.i18n import current_locale

    return "；" if current_locale().startswith("zh") else "; "


def _param(name: str, value: Any) -> Any:
    if isinstance(value, Msg):
        return translate(value)
    if isinstance(value, (list, tuple)):
        items = [str(_param(name, v)) for v in value]
        if sentences(name, value):
            return _sentence_separator().join(items)
        from web.i18n import current_locale

        return format_list(items, locale=current_locale()) if items else ""
    if isinstance(value, str):
        render = PARAMETERS.get(name)
        return render(value) if render is not None else term(value)
    return value


def _coded(message: Msg) -> str | None:
    if message.code == "joined":  # several messages in one line, each in its own words
        return _param("parts", message.params["parts"])
    template = BY_CODE.get(message.code)
    if template is None or MESSAGES.get(message.code) is None:
        return None
    return gettext(template, **{k: _param(k, v) for k, v in message.params.items()})


def translate(message: str) -> str:
    """The message in the request's language when the catalogue knows it, else as it is."""
    if isinstance(message, Msg):
        coded = _coded(message)
        if coded is not None:
            return coded
    translated = gettext(message)
    if translated != message:
        return translated
    stored = parse(message)  # English written by a service, read back into its code
    if isinstance(stored, Msg):
        coded = _coded(stored)
        if coded is not None and coded != stored:
            return coded
    return message


# What a field is called on the page, for messages that name fields (flash messages, the
# summary above a form): "数量：必须至少为 1", not "quantity: must be at least 1".
FIELD_LABELS = {
    "reason": N_("Reason"),
    "note": N_("Note"),
    "quantity": N_("Quantity"),
    "order_ids": N_("Orders"),
    "ids": N_("Selection"),
    "sku_id": N_("SKU"),
    "sku": N_("SKU"),
    "skus": N_("SKUs"),
    "warehouse_id": N_("Warehouse"),
    "supplier_id": N_("Supplier"),
    "connection_id": N_("Connection"),
    "name": N_("Name"),
    "email": N_("E-mail"),
    "password": N_("Password"),
    "roles": N_("Roles"),
    "currency": N_("Currency"),
    "timezone": N_("Time zone"),
    "locale": N_("Language"),
    "company": N_("Company"),
    "code": N_("Code"),
    "country": N_("Country"),
    "title_zh": N_("Chinese title"),
    "title_en": N_("English title"),
    "category_id": N_("Category"),
    "price": N_("Price"),
    "unit_price": N_("Unit price"),
    "amount": N_("Amount"),
    "carrier": N_("Carrier"),
    "tracking_number": N_("Tracking number"),
    "lines": N_("Lines"),
    "expected_date": N_("Expected date"),
    "needed_by": N_("Needed by"),
    "moq": N_("Minimum order quantity"),
    "lead_time_days": N_("Lead time (days)"),
    "seller_sku": N_("Seller SKU"),
    "marketplace": N_("Marketplace"),
    "display_name": N_("Display name"),
    "state": N_("Status"),
    "status": N_("Status"),
    "last_login_at": N_("Last login"),
    "last_checked_at": N_("Last checked"),
    "state_encrypted": N_("Stored state"),
    "credentials_encrypted": N_("Credentials"),
    "enabled": N_("Enabled"),
    "active": N_("Active"),
    "type": N_("Type"),
    "source": N_("Source"),
    "number": N_("Number"),
    "account_id": N_("Ledger account"),
    "account_number": N_("Account number"),
    "allocations": N_("Allocations"),
    "bank_account_id": N_("Bank account"),
    "basis": N_("Allocation basis"),
    "batch_id": N_("Batch"),
    "bill_id": N_("Bill"),
    "body": N_("Content"),
    "chart": N_("Chart of accounts"),
    "counts": N_("Counted quantities"),
    "cycle_days": N_("Purchase cycle (days)"),
    "purchase_cycle_days": N_("Purchase cycle (days)"),
    "deposit_amount": N_("Deposit amount"),
    "deposit_currency": N_("Deposit currency"),
    "destination_warehouse_id": N_("Destination warehouse"),
    "source_warehouse_id": N_("Source warehouse"),
    "doc": N_("Document"),
    "evidence": N_("Evidence"),
    "external_code": N_("External code"),
    "external_name": N_("External name"),
    "external_order_id": N_("Channel order ID"),
    "external_refund_id": N_("Channel refund ID"),
    "filters": N_("Filters"),
    "first_sync_days": N_("First sync (days back)"),
    "from_bucket": N_("From stock type"),
    "fx_date": N_("Rate date"),
    "fx_rate": N_("Exchange rate"),
    "fx_source": N_("Rate source"),
    "group": N_("Group"),
    "inbound_ordered": N_("On order"),
    "in_transit": N_("In transit"),
    "inspection": N_("Inspection"),
    "kit_sku_id": N_("Kit SKU"),
    "labels": N_("Labels"),
    "line_id": N_("Line"),
    "local_key": N_("Local value"),
    "location_id": N_("Location"),
    "location_ids": N_("Locations"),
    "mappings": N_("Mappings"),
    "method": N_("Method"),
    "name_en": N_("English name"),
    "name_zh": N_("Chinese name"),
    "order_id": N_("Order"),
    "parent_id": N_("Parent"),
    "parts": N_("Parts"),
    "period_to": N_("Last period"),
    "problems": N_("Problems"),
    "purchase_order_id": N_("Purchase order"),
    "rate_feed_url": N_("Rate feed URL"),
    "rate_rules": N_("Rate rules"),
    "receipt_id": N_("Receipt"),
    "receipt_line_id": N_("Receipt line"),
    "request_ids": N_("Stocking requests"),
    "requests": N_("Stocking requests"),
    "restock": N_("Restock"),
    "damaged": N_("Damaged"),
    "return_id": N_("Return"),
    "second_approval_threshold": N_("Second approval above"),
    "separate_approver": N_("Approver must be another person"),
    "seller_note": N_("Seller note"),
    "settlement_days": N_("Settlement days"),
    "settlement_mode": N_("Settlement mode"),
    "shipped_at": N_("Shipped at"),
    "sku_ids": N_("SKUs"),
    "start_date": N_("Start date"),
    "supplier_reference": N_("Supplier reference"),
    "tracking_url": N_("Tracking URL"),
    "url": N_("URL"),
    "weight_7d": N_("Weight of the last 7 days"),
    "weight_g": N_("Weight (g)"),
    "tags": N_("Tags"),
    "buyer_name": N_("Buyer name"),
    "buyer_email": N_("Buyer e-mail"),
    "buyer_phone": N_("Buyer phone"),
    "buyer_remarks": N_("Buyer remarks"),
    "external_status": N_("Channel status"),
    "external_number": N_("Channel order number"),
    "shipping_service": N_("Shipping service"),
    "reported_total": N_("Total reported by the channel"),
    "shipping_address": N_("Shipping address"),
}
# The parts of an address (an order's `ship_city`, `shipping_address.city`).
ADDRESS_LABELS = {
    "name": N_("Recipient"),
    "company": N_("Company"),
    "line1": N_("Address line 1"),
    "line2": N_("Address line 2"),
    "line3": N_("Address line 3"),
    "city": N_("City"),
    "state": N_("State / province"),
    "postal_code": N_("Postal code"),
    "country": N_("Country"),
    "phone": N_("Phone"),
    "email": N_("E-mail"),
}


def field_label(field: str) -> str:
    """The page's name of a service field: "lines.2.quantity" is "Lines 3 · Quantity"; the
    order's address fields ("ship_city") are the address's ("Address · City")."""
    parts = field.split(".")
    out = []
    for part in parts:
        if part.startswith("ship_") and part[5:] in ADDRESS_LABELS:  # an order's address column
            out += [gettext(FIELD_LABELS["shipping_address"]), gettext(ADDRESS_LABELS[part[5:]])]
        elif out and out[-1] == gettext(FIELD_LABELS["shipping_address"]) and part in ADDRESS_LABELS:
            out.append(gettext(ADDRESS_LABELS[part]))
        elif part.isdigit() and out:
            out[-1] = f"{out[-1]} {int(part) + 1}"
        elif part in FIELD_LABELS:
            out.append(gettext(FIELD_LABELS[part]))
        else:
            words = part.replace("_", " ").capitalize()
            out.append(gettext(words))  # "status" reads as the catalogue's "Status" when it has it
    return " · ".join(out)


def describe(message: str, errors: dict | None) -> str:
    """A refusal in one line for a flash message: each field by its label, each message
    translated; the message alone when no field is named."""
    parts = []
    for field, msgs in (errors or {}).items():
        items = msgs if isinstance(msgs, list) else [msgs]
        for m in items[:1]:
            text = translate(m) if isinstance(m, str) else str(m)
            parts.append(
                text
                if field == "_schema"
                else gettext("%(field)s: %(message)s", field=field_label(field), message=text)
            )
    return _sentence_separator().join(parts) if parts else translate(message)
