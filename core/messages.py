"""The messages services give people, each under a stable code with named parameters.

A message is a `Msg`: a `str` (the English text, so logs, the API's `message` and `errors`
read as before) that also carries `code` and `params`. The API returns the codes beside the
English (`core.http.json_error`: `message_code`, `error_codes`); the portal translates by code
from one catalogue (`web/messages.py`), so a wording change in English never loses the
Chinese. Codes are stable: add new ones, never rename one in use.

A parameter is a value (a number, a code, a document number), a message of its own (the
reason inside "split into SO-1-1, SO-1-2: {reason}") or a list of either; in English a list
of values reads "SZ, LA" and a list of messages "first; second" (`joined`). The portal renders
each part in the reader's language (a state by its name, a list with the locale's separator).

Stored messages (the order timeline, hold reasons) keep the English text and, where the
table has room for it, `detail()`; `parse` reads either back into a `Msg`: from the detail,
or from text written before codes existed by matching it against the templates.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

# code -> English template; `{name}` marks a parameter.
MESSAGES: dict[str, str] = {
    "required": "is required",
    "too_long": "use at most {max_len} characters",
    "not_whole_number": "must be a whole number",
    "not_a_whole_number": "{value} is not a whole number",
    "min_value": "must be at least {minimum}",
    "max_value": "must be at most {maximum}",
    "not_number": "must be a number",
    "not_a_number": "{value} is not a number",
    "not_finite": "must be a finite number",
    "too_large": "is too large",
    "decimal_places": "use at most {places} decimal places",
    "below": "must be below {below}",
    "below_in_magnitude": "must be below {below} in magnitude",
    "not_currency": "{value} is not an ISO 4217 currency code",
    "not_country": "{value} is not an ISO 3166 two-letter country code",
    "one_of": "use one of {choices}",
    "not_date": "{value} is not a date (YYYY-MM-DD)",
    "money_shape": 'use {{"amount": "12.50", "currency": "USD"}}',
    "currency_with_amount": "is required with an amount",
    "amount_with_currency": "is required with a currency",
    "not_hs_code": "{value} is not an HS code (6 to 10 digits)",
    "gtin_check_digit": "{value} has a wrong check digit for a GTIN/EAN/UPC",
    "barcode_chars": "use letters, digits and . _ / - (at most 64)",
    "code_chars": "use letters, digits and . _ / - (starting with a letter or digit)",
    "not_timezone": "is not an IANA time zone (e.g. Asia/Shanghai)",
    "not_a_timezone": "{value} is not an IANA time zone",
    "not_found": "{entity} {ident} not found",
    "not_found_entity": "{entity} not found",
    "invalid_transition": "cannot {action} {entity}: it is {current}",
    "invalid_transition_hint": "cannot {action} {entity}: it is {current} ({hint})",
    "invalid_input": "invalid input",
    "title_required": "give the product a title in Chinese or English",
    "joined": "{parts}",  # several messages in one line: `joined(...)`
    # A document named in a message ("cannot ship order SO-000001: it is on_hold").
    "entity.order": "order {ref}",
    "entity.return": "return {ref}",
    "entity.shipment": "shipment {ref}",
    "entity.period": "period {ref}",
    "entity.voucher": "voucher {ref}",
    "entity.settlement": "settlement {ref}",
    # Progress of background jobs (core/jobs.py `progress`).
    "jobs.revaluing": "revaluing {period}",
    "jobs.shipments_asked": "{count} shipments asked",
    "jobs.orders_done": "{done} of {total} orders",
    "jobs.recomputing_balances": "recomputing balances from the ledger",
    "jobs.sync_page": "page {page}: {seen} orders, {created} new, {updated} updated",
    "jobs.sync_page_rejected": "page {page}: {seen} orders, {created} new, {updated} updated, {rejected} rejected",
    # Stock (core/inventory).
    "stock.short": "not enough stock to {action}: {lines}",
    "stock.line_short": "line {ref} needs {requested}, {available} available",
    "stock.needs": "needs {requested}, {available} available",
    # The order timeline and hold reasons (core/orders/service).
    "order.imported": "imported from {channel} ({ref})",
    "order.created": "created by hand",
    "order.created_ref": "created by hand (reference {ref})",
    "order.unknown_country": "the channel gave the unknown country code {value}",
    "order.gone_before_import": "{channel_status} on the channel before it was imported",
    "order.not_paid": "the channel reports the order as not paid yet",
    "order.shipped_on_channel": (
        "the channel says the order shipped, but no shipment was recorded here: record it to move the stock"
    ),
    "order.review_needed": "no auto-approval rule matches: a person must review it",
    "order.rule_matched": "{rule}: {facts}",
    "order.fact.fulfilment": "{fulfilment}-fulfilled",
    "order.fact.channel": "from {channel}",
    "order.fact.listed_shop": "from a listed shop",
    "order.fact.country": "ships to {country}",
    "order.fact.total_not_compared": (
        "total {total} {currency} cannot be compared with {limit} {limit_currency} ({detail})"
    ),
    "order.fact.total_at_least": "total {total} is at least {limit} {currency}",
    "order.fact.remarks": "the buyer left remarks",
    "order.fact.no_remarks": "no buyer remarks",
    "order.fact.tagged": "tagged {tags}",
    "order.fact.ships_from": "ships from {warehouse} ({warehouse_type})",
    "order.approved": "approved",
    "order.approved_note": "approved: {note}",
    "order.approved_by_rule": "approved by rule: {rule}",
    "order.reserved": "stock reserved in {warehouse}",
    "order.platform_reserved": "platform stock reserved in {warehouse}",
    "order.reserved_after_split": "stock moved from {parent}, still in {warehouse}",
    "order.no_platform_warehouse": (
        "no platform warehouse is set up for this shop's marketplace {marketplace}: recorded without reserving stock"
    ),
    "order.platform_short": "the platform warehouse shows too little stock; recorded without reserving ({detail})",
    "order.ran_out": "stock ran out while allocating: {detail}",
    "order.no_stock": "no warehouse has enough stock: {detail}",
    "order.line_short": "{sku}: {needed} needed, at most {available} in one warehouse",
    "order.line_no_warehouse": "{sku}: {needed} needed, no warehouse to ship from",
    "order.unmapped_sku": "seller SKU {seller_sku} is not mapped to a local SKU",
    "order.unsellable_sku": "SKU {sku} (seller SKU {seller_sku}) cannot be sold: {reason}",
    "order.component_unusable": "its component {sku} cannot be used: {reason}",
    "order.split_warehouses": "no single warehouse holds every line; shipping from {codes}",
    "order.split_into": "split into {children}: {reason}",
    "order.split_from": "split from {parent}: {reason}",
    "order.merged_from": "merged from {sources}",
    "order.merged_from_note": "merged from {sources}: {note}",
    "order.merged_into": "merged into {order}",
    "order.released_from": "released from the {hold_type} hold",
    "order.document_printed": "{document} produced",
    "order.document_reprinted": "{document} produced again",
    "order.shipped_by_platform": "shipped by the platform",
    "order.shipped_with": "shipped with {carrier}",
    "order.shipped_tracking": "shipped with {carrier}, tracking {tracking}",
    "order.platform_stock_short": (
        "shipped by the platform, but {warehouse} shows too little stock, so no stock moved: "
        "reconcile the platform warehouse ({detail})"
    ),
    "order.platform_not_moved": (
        "shipped by the platform; no platform warehouse is set up for this shop's marketplace, so no stock moved"
    ),
    "order.unmapped_not_moved": "no stock moved for unmapped seller SKUs: {skus}",
    "order.delivered": "delivered to the buyer",
    "order.refunded": "{refund_method} refund of {amount} {currency} ({refund_type}): {reason}",
    "order.refund_reason": "refunded: {reason}",
    "order.return_authorised": "return {number} authorised: {reason}",
    "order.return_authorised_tracking": "return {number} authorised: {reason} (tracking {tracking})",
    "order.return_tracking": "return {number}: tracking {tracking}",
    "order.return_received": "return {number} received: {restocked} restocked, {damaged} damaged",
    "order.stock_requested": "stocking requests {numbers} raised for the missing units",
    "order.transfer_drafted": "transfer {number} from {warehouse} drafted for the missing units",
    "order.edited": "changed {fields}",
    "order.tags": "tags: {tags}",
    "order.address_changed": "the channel changed the shipping address",
    "order.address_after_label": "the buyer changed the address after the label was produced: produce a new label",
    "order.paid": "the channel reports the order paid",
    "order.channel_change": "{field}: {before} → {after}",
    "order.channel_provided": "{field} provided",
    "order.channel_status": "channel status: {before_status} → {after_status}",
    "order.channel_gone": "{channel_status} on the channel",
    "order.cancelled_after_shipping": (
        "the channel reports the order cancelled after it shipped: check for a refund or a return"
    ),
    # Field errors of the services, by capability.
    "catalog.image_larger_than_mb": "the image is larger than {megabytes} MB",
    "catalog.product_has_at_most": "a product has at most {max_images} images",
    "catalog.not_sku_this_product": "{sku_id} is not a SKU of this product",
    "catalog.no_category": "no category {parent_id}",
    "catalog.category_code_already_used": "category code {code} is already used",
    "catalog.sku_cannot": "SKU {sku} cannot be {verb}: {reason}",
    "catalog.no_connection": "no connection {connection_id}",
    "catalog.no_sku": "no SKU {sku_id}",
    "catalog.connection_not_sales_channel": "{display_name} is a {kind} connection, not a sales channel",
    "catalog.sku_discontinued": "SKU {sku} is discontinued",
    "catalog.use_at_most_variant": "use at most {max_axes} variant attributes",
    "catalog.these_attributes_make_variants": (
        "these attributes make {total} variants; at most {max_variants} are allowed"
    ),
    "catalog.use_at_most_skus": "use at most {max_variants} SKUs per product",
    "catalog.listed_twice": "{name} is listed twice",
    "catalog.sku_itself_kit_list": "SKU {component} is itself a kit; list its components",
    "catalog.sku_discontinued_2": "SKU {component} is discontinued",
    "catalog.sku_listed_twice": "SKU {component} is listed twice",
    "catalog.no_sku_with_code": "no SKU with code {sku_code}",
    "catalog.spu_code_already_used": "SPU code {spu_code} is already used by another product",
    "catalog.no_category_2": "no category {value}",
    "catalog.listed_twice_2": "{val} is listed twice",
    "catalog.not_sku_this_product_2": "{id} is not a SKU of this product",
    "catalog.sku_was_approved_before": "SKU {code} was approved before and cannot be removed; deactivate it instead",
    "catalog.used_twice_in_this": "{label} {value} is used twice in this product",
    "catalog.give_value_for_each": "give a value for each of {items}",
    "catalog.already_used_by_another": "{label} {taken} is already used by another SKU",
    "catalog.same_options_as_sku": "the same options as SKU {sku}",
    "catalog.not_value": "{options} is not a value of {name}",
    "catalog.component_cannot_used": "component {component} cannot be used: {why}",
    "catalog.file_holds_at_most": "a file holds at most {max_rows} rows; split it",
    "catalog.line": "line {line}: {error}",
    "finance.unknown_rule": "unknown rule {rule}",
    "finance.named_by_id": "a {kind} is named by its id",
    "finance.not_iso_currency": "{value} is not an ISO 4217 currency",
    "finance.unknown_role": "unknown role {role_key}",
    "finance.account_inactive": "account {code} is inactive",
    "finance.account_has_sub_accounts": "account {code} has sub-accounts: map one of them",
    "finance.parent_account_does_not": "its parent account {code} does not exist",
    "finance.must_as_parent": "must be {type}, as its parent {code}",
    "finance.no_exchange_rate_on": "no exchange rate {currency}/{functional} on {day}: enter it under exchange rates",
    "finance.account_cannot_take_payments": "account {code} cannot take payments",
    "finance.account_in_not": "account {code} is in {currency}, not {wanted}",
    "finance.has_fewer_decimals": "{currency} has fewer decimals",
    "finance.they_settle_more_than": "they settle {applied}, more than the payment of {amount}",
    "finance.payment_has_left_apply": "payment {number} has {unapplied} left to apply",
    "finance.not_line_receipt": "is not a line of receipt {number}",
    "finance.receipt_not_booked_yet": "receipt {number} is not booked yet",
    "finance.no_bank_account_in": "no bank account in {currency}: add one, or name the account",
    "finance.bill_not_this_supplier": "bill {number} is not this supplier's in {currency}",
    "finance.bill_has_open": "bill {number} has {open_amount} {currency} open",
    "finance.not_period_use_yyyy": "{key} is not a period: use YYYY-MM",
    "finance.use_at_most_lines": "use at most {max_lines} lines",
    "finance.not_iso_currency_2": "{currency} is not an ISO 4217 currency",
    "finance.use_at_most_decimals": "use at most {places} decimals for {currency}",
    "finance.file_larger_than_mb": "the file is larger than {megabytes} MB",
    "finance.file_not_text": "the file is not text: {reason}",
    # Finance: expense documents, their file imports, the three-way match of supplier bills.
    "finance.expense": "expense {ref}",
    "finance.expense_fixed": "approved expenses are fixed",
    "finance.expense_approved_already": "it is approved already",
    "finance.give_a_line": "give at least one line",
    "finance.at_most_lines": "at most {max_lines} lines",
    "finance.line_object": "a line is an object",
    "finance.link_object": "a link is an object: {{type, id}}",
    "finance.at_most_links": "a list of at most {max_links} links",
    "finance.shipment_already_on": "shipment {number} is already on {field}",
    "finance.name_the_role": "name the role to book to: {choices}",
    "finance.freight_bill_one_leg": "a freight bill's line is for one first leg: link it",
    "finance.link_the_advertised": "link the shop, SKU or order the advertising was for",
    "finance.weight_above_zero": "give a weight above 0, or none",
    "finance.no_such_supplier": "no such supplier",
    "finance.freight_bill_supplier": "a freight bill is from a forwarder: name the supplier",
    "finance.name_the_vendor": "name the vendor, or give supplier_id",
    "finance.no_such_shop": "no such shop",
    "finance.no_such_sku": "no such sku",
    "finance.no_such_order": "no such order",
    "finance.no_such_first_leg": "no such first leg",
    "finance.no_such_shipment": "no such shipment",
    "finance.no_label_to_match": "shipment {number} has no label bought to match",
    "finance.label_currency_differs": (
        "the label of {number} was bought in {label_currency}, the invoice is in {currency}"
    ),
    "finance.unknown_column": "unknown column; use {columns}",
    "finance.missing_column": "missing column",
    "finance.missing_vendor_column": "missing column: give vendor or supplier",
    "finance.differs_from_line": "differs from line {line} of the same document",
    "finance.no_supplier_with_code": "no supplier with the code {code}",
    "finance.billed_more_than_received": "{billed} billed in all, but receipt {number} received {received}",
    "finance.billed_more_than_received_tolerance": (
        "{billed} billed in all, but receipt {number} received {received} (tolerance {tolerance}%)"
    ),
    "finance.price_differs": "{price} differs from the order price {order_price}",
    "finance.price_differs_tolerance": "{price} differs from the order price {order_price} by more than {tolerance}%",
    "finance.parent_has_postings": "{code} has postings of its own",
    "finance.account_code_digits": "use digits, with dots between levels (1122.01)",
    "finance.code_taken": "is taken",
    "finance.fixed_once_posted": "cannot change once the account has postings",
    "finance.account_used": "is used",
    "finance.has_sub_accounts": "has sub-accounts",
    "finance.account_is_mapped": "is mapped",
    "finance.no_such_account": "no such account",
    "finance.bill_a_receipt_line": "bill at least one receipt line",
    "finance.bill_a_first_leg": "bill at least one first leg",
    "finance.no_such_receipt": "no such receipt",
    "finance.bill_one_supplier": "a bill is from one supplier in one currency: its receipts are not",
    "finance.already_recorded": "already recorded",
    "finance.no_such_bill": "no such bill",
    "finance.more_than_open": "more than is open",
    "finance.choose_a_file": "choose a CSV or XLSX file",
    "finance.upload_ecb_file": "upload the ECB file",
    "finance.set_rate_feed": "set the rate feed's URL in the finance settings first",
    "finance.target_said": "{display_name}: {detail}",
    "finance.requisitions_unreadable": "the requisitions of {display_name} could not be read: {detail}",
    "finance.only_event_vouchers": "only event vouchers are rebooked",
    "finance.not_reversed": "not reversed",
    "finance.rule_books_nothing": "the rule finds nothing to book for this event any more",
    "finance.no_rates_in_file": "the file holds no rates",
    "finance.rates_table_missing": "exchange rates cannot be stored: the rates table is not installed",
    "finance.rate_feed_silent": "the rate feed at {url} did not answer: {detail}",
    "finance.give_a_landed_cost": "give at least one of freight, duty or insurance",
    "finance.not_shipped_yet": "it has not shipped yet",
    "finance.give_freight_duty_insurance": "give freight, duty or insurance",
    "finance.no_such_first_leg_or_transfer": "no such first leg or transfer",
    "finance.vouchers_wait_for_rate": "{waiting} voucher(s) dated in it wait for an exchange rate",
    "finance.not_before_period_from": "must not be before period_from",
    "finance.already_set_up": "finance is already set up",
    "finance.chosen_at_set_up": "is chosen once, at set-up",
    "finance.voucher_two_lines": "a voucher needs at least two lines",
    "finance.debit_or_credit": "give either a debit or a credit, not zero",
    "finance.voucher_not_posted": "it is not posted yet",
    "finance.reversal_not_reversed": "a reversal is never reversed",
    "finance.already_reversed": "already reversed",
    "finance.upload_settlement_report": "upload the settlement report (a tab-delimited .txt file)",
    "finance.choose_settlement_shop": "choose the Amazon shop the settlement belongs to",
    "finance.closed_settlement_fixed": "a closed settlement stays as it is",
    "finance.choose_an_order": "choose one of your orders",
    "finance.file_problems": "the file has {count} problem(s); nothing was imported",
    "finance.more_problems": "... and {more} more problems",
    "finance.payout_transactions_differ": "the transactions add up to {net} {currency}, the payout says {payout_net}",
    "finance.payout_does_not_add_up": "payout {payout_id} does not add up; nothing was imported",
    "finance.give_deposit_currency": "give the ISO 4217 currency the deposit arrived in",
    "finance.give_deposit_amount": "give the amount that reached the bank, above zero",
    "finance.file_cannot_be_imported": "the file cannot be imported: {detail}",
    # Finance: the problems of an Amazon settlement report (core/finance/settlements/amazon.py).
    "finance.not_an_amount_in_format": "{value} is not an amount in the {number_format} number format",
    "finance.not_an_amount": "{value} is not an amount",
    "finance.not_a_date": "{value} is not a date",
    "finance.not_an_amazon_date": "{value} is not a date in a format Amazon uses",
    "finance.locale_one_of": "locale must be one of {choices}",
    "finance.file_empty": "the file is empty",
    "finance.not_a_settlement_report": "this is not a tab-delimited settlement report (Flat File V2)",
    "finance.header_lacks_columns": "the header lacks the columns {columns}",
    "finance.summary_row_missing": "the settlement summary row is missing",
    "finance.summary_no_id": "the summary row has no settlement id",
    "finance.detail_rows_total": "the detail rows add up to {total} {currency}, the summary says {summary_total}",
    "finance.cannot_be_read": "cannot be read: {detail}",
    "finance.differs_from_summary": "{value} differs from the summary's {settlement_id}",
    "finance.only_summary_total": "only the summary row has a total amount",
    "finance.differs_from_settlement_currency": "{value} differs from the settlement's {currency}",
    "finance.longer_than": "longer than {max_len} characters",
    "finance.row_names_nothing": "the row names no transaction type, amount type or description",
    "finance.is_empty": "is empty",
    "finance.out_of_range": "{value} is out of range",
    "finance.file_line": "line {line}: {problem}",
    "finance.file_line_column": "line {line}: {column}: {problem}",
    # Finance: ECB reference-rate files; a marketplace refund before shipment (a hold reason).
    "finance.ecb_too_large": "the file is larger than 20 MB",
    "finance.ecb_zip_empty": "the zip holds no .csv or .xml file",
    "finance.ecb_zip_member_too_large": "the file in the zip is larger than 20 MB",
    "finance.ecb_not_zip": "not a readable zip file",
    "finance.ecb_no_doctype": "document type declarations are not accepted",
    "finance.ecb_bad_xml": "not well-formed XML: {detail}",
    "finance.ecb_no_cube": "no <Cube time=...> with rates found (is it an ECB eurofxref file?)",
    "finance.ecb_csv_header": "a CSV needs a header starting with Date and at least one row",
    "finance.ecb_rate_not_number": "{currency} on {day}: {value} is not a number",
    "finance.ecb_rate_not_positive": "{currency} on {day}: the rate must be positive",
    "finance.ecb_not_iso_date": "{value} is not a date (YYYY-MM-DD)",
    "finance.ecb_not_csv_date": "{value} is not a date (YYYY-MM-DD or 25 November 2024)",
    "finance.refunded_before_shipment": (
        "{channel} refunded {amount} {currency} of it before shipment ({refund}): decide what still ships"
    ),
    "fx.must_between_and": "must be between {first} and {latest}",
    "fx.give_between_and_rates": "give between 1 and {max_import} rates",
    "fx.given_twice_for": "{base}/{quote} is given twice for {day}",
    "inventory.only_still_out_with": "only {outstanding} still out with {borrower}",
    "inventory.use_at_most_characters": "use at most {max_key} characters",
    "inventory.in_and_stock_valued": "is in {currency} and stock is valued in {functional}: {detail}",
    "inventory.sku_virtual_bundle_it": "SKU {sku_id} is a virtual bundle: it holds no stock; its components do",
    "inventory.bundle_has_no_components": "bundle {code} has no components",
    "inventory.warehouse_inactive": "warehouse {code} is inactive",
    "orders.has_decimal_places": "{currency} has {places} decimal places",
    "orders.lines_are_worth_refund": "the lines are worth {worth} {currency}; refund at most that",
    "orders.those_units_are_worth": "those units are worth {full} {currency}; refund at most that",
    "orders.only_left_refund": "only {left} {currency} is left to refund",
    "orders.restock_damaged_must_units": "restock + damaged must be the {wanted} units returned",
    "orders.inspect_every_returned_line": "inspect every returned line (line {line_id} is missing)",
    "orders.line_has_only_units": "line {position} has only {available} units {what}",
    "orders.at_most_orders_at": "at most {max_orders} orders at a time",
    "orders.use_at_most_tags": "use at most {max_tags} tags",
    "orders.not_iso_currency_code": "{currency} is not an ISO 4217 currency code",
    "orders.manual_order_with_reference": "a manual order with reference {external_id} exists already",
    "orders.no_sku_has_code": "no SKU has the code {code}",
    "orders.unknown_status_use": "unknown status {items}; use {items_2}",
    "orders.unknown_limit_use": "unknown limit; use {items}",
    "orders.has_limit_already": "{dest} has a limit already",
    "orders.warehouse_warehouse_orders_ship": (
        "warehouse {code} is a {type} warehouse; orders ship from domestic and overseas warehouses"
    ),
    "orders.line_has_units_ship": "line {position} ({value}) has {open_quantity} units to ship, the parts give {given}",
    "orders.line_has_only_units_2": "line {position} has only {open_quantity} units to ship",
    "purchasing.warehouse_virtual_goods_cannot": "warehouse {code} is virtual; goods cannot be delivered there",
    "purchasing.not_line": "{line_id} is not a line of {number}",
    "purchasing.no_such_stocking_request": "no such stocking request: {items}",
    "purchasing.order_in_functional_currency": "the order is in {functional}, the functional currency: its rate is 1",
    "purchasing.order_has_one_currency": "an order has one currency: this one is in {currency}",
    "purchasing.names_no_supplier_choose": "{number} names no supplier: choose one for the order",
    "purchasing.not_line_2": "is not a line of {number}",
    "purchasing.not_stocking_request_id": "{value} is not a stocking request id",
    "purchasing.required": "is required: {missing}",
    "purchasing.required_no_price_this": "is required: no {currency} price of this supplier is on record",
    "purchasing.only_line_are_still": "only {open_quantity} of line {position} are still to come",
    "purchasing.bin_inactive": "bin {code} is inactive",
    "purchasing.line_appears_twice": "line {position} appears twice",
    "purchasing.too_many_for_ordered": (
        "{qty} is too many for {label}: ordered {quantity}, already received {received_quantity}, "
        "over-receipt tolerance {tolerance}%; at most {most} more can be received"
    ),
    "purchasing.passed_and_failed_must": (
        "passed ({passed}) and failed ({failed}) must add up to the {quantity} received on line {position}"
    ),
    "purchasing.line_returns_but_only": "line {position} returns {quantity}, but only {left} failed units are left",
    "purchasing.line_has_failed_units": "line {position} has {left} failed units that can go back to the supplier",
    "shipping.these_labels_are_not": "these labels are not {fmt}: {items}",
    "shipping.at_most_orders_batch": "at most {max_orders} orders a batch",
    "shipping.goods_are_worth_eur": (
        "the goods to {country} are worth EUR {value} (EUR 150 or less): set the IOSS number in the shipping settings"
    ),
    "shipping.not_in_shipment": "{code} is not in shipment {number}",
    "shipping.refused_label": "{display_name} refused the label: {detail}",
    "shipping.order_has_no_shipment": "order {number} has no shipment yet: buy its label first",
    "suppliers.supplier_cannot_used_on": "supplier {supplier} cannot be used on a purchase order: it is {status}",
    "suppliers.supplier_named_already_exists": "a supplier named {name} already exists",
    "suppliers.supplier_disabled": "supplier {supplier} is disabled",
    "suppliers.sku_virtual_kit_components": "SKU {sku} is a virtual kit; its components are purchased",
    "sync.webhook_cannot_read": "the webhook cannot be read: {detail}",
    "input.save_file_as_text": "save the file as {items} text",
    "input.line": "line {number} {problem}",
    "tenants.unknown_role_use": "unknown role(s): {items}; use {items_2}",
    "tenants.use_at_least_characters": "use at least {min_password} characters",
    "tenants.another_connection_already_named": "another {kind} connection is already named {name}",
    "tenants.no_plugin_named_installed": "no {kind} plugin named {plugin} is installed",
    # Refusals of the services (409, 403), by capability.
    "catalog.category_has_subcategories_move": "category {code} has subcategories; move or delete them first",
    "catalog.category_has_products_move": "category {code} has products; move them to another category first",
    "catalog.seller_sku_already_mapped": "seller SKU {seller} is already mapped to SKU {sku_id} on this connection",
    "catalog.sku_component_kit_cannot": "SKU {label} is a component of a kit; cannot {action}",
    "catalog.sku_has_channel_listing": "SKU {label} has channel listing mappings; cannot {action}",
    "catalog.generated_sku_code_already": (
        "the generated SKU code {taken} is already used by another SKU; give the variant its own "
        "code or change the SKU pattern"
    ),
    "catalog.generated_spu_code_already": (
        "the generated SPU code {spu_code} is already used; give the product its own SPU code or change the SPU pattern"
    ),
    "catalog.sku_pattern_gives_two": (
        "the SKU pattern gives two variants the code {code}; give them their own codes or change the SKU pattern"
    ),
    "finance.invoice_already_recorded_as": "{vendor}'s invoice {reference} is already recorded as {number}",
    "finance.connection_switched_off": "the connection {display_name} is switched off",
    "finance.map_these_before_posting": "map these before posting to {display_name}: {names}{more}",
    "finance.posting_run_already": "a posting run of {display_name} is {status} already ({id})",
    "finance.only_refused_vouchers_can": "only refused vouchers can be retried; not refused (or not found): {items}",
    "finance.no_voucher_refused": "no voucher of {display_name} is refused",
    "finance.keeps_no_purchase_requisitions": "{display_name} keeps no purchase requisitions to pull",
    "finance.account_already_exists": "account {code} already exists",
    "finance.account_already_has_postings": (
        "account {code} already has postings; a sub-account would split its balance"
    ),
    "finance.account_has_postings_deactivate": "account {code} has postings: deactivate it instead",
    "finance.account_has_sub_accounts_2": "account {code} has sub-accounts",
    "finance.account_mapped_rule": "account {code} is mapped to a rule",
    "finance.voucher_still_in_force": "voucher {number} is still in force: reverse it first",
    "finance.voucher_was_already_rebooked": "voucher {number} was already rebooked",
    "finance.landed_cost_already_applied": "landed cost of {transfer_number} is already applied",
    "finance.supplier_bill_already_recorded": "the supplier's bill {reference} is already recorded as {taken}",
    "finance.bill_has_only_open": "bill {number} has only {open_amount} open",
    "finance.period_was_closed_meanwhile": "period {items} was closed meanwhile; retry",
    "finance.voucher_already_reversed": "voucher {number} is already reversed",
    "finance.order_settlement_differ_without": (
        "{open_rows} order(s) of settlement {external_id} differ without a reason; give each a reason first"
    ),
    "finance.sale_line_settlement_match": (
        "{unmatched_sales} sale line(s) of settlement {external_id} match no order; match them first"
    ),
    "http.your_role_does_not": "your role does not allow {permission}",
    "inventory.orders_here_hold_units": (
        "{code}: orders here hold {ours} units but the platform reports only {target_on_hand}; "
        "release or move those orders first"
    ),
    "inventory.idempotency_key_was_already": (
        "idempotency key {key} was already used for another stock event ({kind} of {doc_type} {value})"
    ),
    "inventory.line_holds_not": "line {ref} holds {holding} of {code}, not {quantity}",
    "inventory.reserved_counter_out_step": (
        "the reserved counter of {sku_id} is out of step with its reservations; run `tradelane inventory verify --fix`"
    ),
    "inventory.reserved_counter_out_step_2": (
        "the reserved counter of {value} is out of step with its reservations; run `tradelane inventory verify --fix`"
    ),
    "inventory.line_holds_fewer_unpicked": "line {ref} holds fewer unpicked units than {quantity}",
    "inventory.warehouse_with_code_already": "a warehouse with code {code} already exists",
    "inventory.bin_already_exists_in": "bin {code} already exists in this warehouse",
    "orders.order_has_nothing_left": "order {number} has nothing left to cancel",
    "orders.order_on_hold_without": "order {number} is on hold without an open hold record",
    "orders.view_named_exists_already": "a view named {name} exists already",
    "orders.stocking_requests_for_order": "stocking requests for order {number} are already open: {items}",
    "orders.transfer_for_order_already": "a transfer for order {number} is already open: {items}",
    "orders.order_fulfilled_by_platform": "order {number} is fulfilled by the platform and cannot be merged",
    "orders.orders_and_have_different": (
        "orders {number} and {number_2} have a different {what}: only orders of the same buyer, "
        "address and connection are merged"
    ),
    "purchasing.receipt_has_no_units": "receipt {number} has no units that passed QC yet; inspect it first",
    "purchasing.labels_more_than_one": (
        "{out} labels is more than one file should hold ({max_labels}); print one per line"
    ),
    "purchasing.already_recorded_on": "{number} is already recorded on {number_2}",
    "purchasing.you_gave_first_approval": (
        "you gave the first approval of {number}; the second approval must come from someone else"
    ),
    "purchasing.this_suggestion_from_earlier": (
        "this suggestion is from an earlier run; a later run ({value}) replaced it"
    ),
    "shipping.order_has_nothing_left": "order {number} has nothing left to ship",
    "shipping.label_for_reference_may": (
        "a label for {order_number} (reference {reference}) may have been bought at {carrier} "
        "already and the carrier cannot be asked: check on the carrier, then release the purchase "
        "to try again"
    ),
    "shipping.no_label_purchase_order": "no label purchase of order {number} is waiting to be checked",
    "shipping.carrier_connection_gone_void": "the carrier connection of {number} is gone; void it at the carrier",
    "shipping.order_already_has_shipment": "order {number} already has a shipment",
    "shipping.label_purchase_for_at": (
        "the label purchase for {order_number} at {display_name} may have gone through ({exc}); "
        "check on the carrier, then release the purchase to try again"
    ),
    "shipping.could_not_reached_try": "{display_name} could not be reached: {exc}; try again later",
    "shipping.refused_void": "{display_name} refused to void {tracking_number}: {exc}",
    "shipping.could_not_void_label": "{display_name} could not void the label now: {exc}; try again later",
    "shipping.label_for_being_bought": "a label for {order_number} is being bought right now",
    "sync.disabled_enable_it_sync": "{display_name} is disabled; enable it to sync",
    "sync.cannot_list_orders_plugin": "{display_name} cannot list orders (its plugin is missing or has no order API)",
    "sync.disabled_enable_it_push": "{display_name} is disabled; enable it to push stock",
    "sync.cannot_receive_stock_quantities": "{display_name} cannot receive stock quantities",
    "sync.cannot_subscribe_webhooks_configure": (
        "{display_name} cannot subscribe to webhooks; configure them on the channel"
    ),
    "sync.only_failed_pushes_can": "only failed pushes can be retried; this one is {status}",
    "sync.disabled_enable_it_push_2": "{display_name} is disabled; enable it to push",
    "sync.refused_subscription": "{display_name} refused the subscription: {describe}",
    "tenants.you_submitted_this_this": "you submitted this {what}; this company requires another person to approve it",
    "tenants.functional_currency_cannot_change": "the functional currency cannot change any more: {blocked}",
    # Accounts, users and API keys, connections' settings (tenants), and the API's door (core/http)
    "tenants.email_invalid": "enter a valid e-mail address",
    "tenants.email_registered": "this e-mail address is already registered",
    "tenants.not_changed_here": "cannot be changed here",
    "tenants.password_incorrect": "is incorrect",
    "tenants.login_incorrect": "e-mail or password is incorrect",
    "tenants.owner_changes_owner": "only an owner can change the roles or status of an owner",
    "tenants.owner_grants_owner": "only an owner can grant or take away the owner role",
    "tenants.cannot_deactivate_self": "you cannot deactivate yourself",
    "tenants.keep_one_owner": "a tenant must keep at least one active owner",
    "tenants.key_roles_beyond_own": "an API key cannot have roles beyond your own",
    "tenants.owner_revokes_owner_key": "only an owner can revoke a key with the owner role",
    "tenants.key_already_revoked": "this API key is already revoked",
    "tenants.key_has_no_password": "API keys have no password",
    "tenants.connection_kind": "use channel, carrier, accounting or payment",
    "tenants.role_required": "at least one role is required",
    "tenants.setting_choose_shop": "choose one of your shops (a channel connection)",
    "tenants.setting_choose_connection": "choose one of your connections of the kind this setting takes",
    "tenants.setting_url": "must be an http(s) URL",
    "tenants.setting_too_long": "is too long",
    "tenants.no_setting": "{plugin} has no setting {key}",
    "tenants.too_many_failed_logins": "too many failed logins: try again in {n} minutes",
    "http.log_in": "log in, or send Authorization: Bearer <API key>",
    "http.use_bearer": "use Authorization: Bearer <API key>",
    "http.key_invalid": "the API key is invalid or revoked",
    "http.cursor_or_page": "cursor: send either cursor or page",
    "http.cursor_not_with_page": "cannot be combined with page",
    "http.too_many_attempts_seconds": "too many attempts from your address: try again in {n} seconds",
    "http.too_many_attempts_minutes": "too many attempts from your address: try again in {n} minutes",
    "http.cursor_too_long": "is longer than {max_len} characters",
    "http.cursor_not_this_list": "is not a cursor of this list",
    "http.cursor_altered": "is not a cursor of this list with these filters (altered, or made for another list)",
    "http.cursor_start_again": "cursor: {why}; start again from the first page without it",
    "sync.webhook_signature": "the webhook signature does not verify",
    # The API's door: forms, and what the database refuses (core/http); lists of orders
    "http.csrf_expired": "the form expired or its CSRF token is missing; reload the page and try again",
    "http.value_too_large": "a value is too large or too long for where it is stored",
    "http.retry_conflict": "another change to the same records won; retry the request",
    "http.duplicate": "a record with the same unique values already exists",
    "http.related_conflict": "the change conflicts with related records",
    "orders.choose_at_least_one": "choose at least one order",
    # Exchange rates (core/money, core/fx)
    "fx.no_rate": "no rate for {base} to {quote} on {day} or in the {n} days before",
    # Field errors that many services share
    "not_true_false": "must be true or false",
    "use_true_false": "use true or false",
    "unknown_field": "unknown field",
    "unknown_setting": "unknown setting",
    "not_object": "must be an object",
    "use_object": "use an object",
    "not_list": "must be a list",
    "not_an_id": "is not an id",
    "not_order_id": "is not an order id",
    "lines_required": "at least one line is required",
    "use_line_quantity": "use {{line_id, quantity}}",
    "positive": "must be positive",
    "above_zero": "must be above zero",
    "positive_whole_number": "must be a positive whole number",
    "whole_number_zero_or_more": "must be a whole number of zero or more",
    "already_used": "already used",
    "no_such_warehouse": "no such warehouse",
    "no_such_sku": "no such SKU",
    "no_such_order": "no such order",
    "no_such_supplier": "no such supplier",
    "no_such_purchase_order": "no such purchase order",
    # The catalogue: products, SKUs, kits, categories, code patterns, images, imports (core/catalog)
    "catalog.pattern_unmatched_brace": "has an unmatched {{ or }}",
    "catalog.pattern_literal_chars": "literal text may use letters, digits and . _ / - only",
    "catalog.pattern_needs_seq_spu": "needs {seq} so that every product gets its own code",
    "catalog.pattern_needs_seq_sku": "needs {seq}, or {spu} with {variant} or {n}, so that every SKU gets its own code",
    "catalog.pattern_needs_category": "the code pattern uses {category}; choose a category first",
    "catalog.image_is_url": "this image is a URL, not a stored file",
    "catalog.file_empty": "the file is empty",
    "catalog.image_type": "upload a PNG, JPEG, GIF or WebP image",
    "catalog.http_address": "use an http(s) address",
    "catalog.category_name_required": "give a Chinese or an English name",
    "catalog.category_under_itself": "a category cannot move under itself or its descendants",
    "catalog.virtual_kit_components": "it is a virtual kit; its components are",
    "catalog.sku_inactive": "it is inactive",
    "catalog.only_drafts_changed": "only drafts and rejected products can be changed",
    "catalog.only_drafts_changed_revise": "only drafts and rejected products can be changed; revise it to make changes",
    "catalog.only_drafts_changed_withdraw": (
        "only drafts and rejected products can be changed; withdraw it or wait for the review"
    ),
    "catalog.already_mapped": "already mapped",
    "catalog.define_variant_attributes": "define variant attributes (e.g. colour, size) first",
    "catalog.only_drafts_deleted": "only never-approved drafts can be deleted; discontinue the product instead",
    "catalog.attributes_shape": 'use an object of names and values, e.g. {{"material": "cotton"}}',
    "catalog.at_most_attributes": "use at most 100 attributes",
    "catalog.variant_attributes_shape": 'use a list like [{{"name": "colour", "values": ["Red", "Blue"]}}]',
    "catalog.skus_list": "use a list of SKUs",
    "catalog.gross_below_net": "cannot be less than the net weight",
    "catalog.only_kits_components": "set physical or virtual: only kits have components",
    "catalog.customs_shape": "use an object with hs_code, origin_country, declared_value, material, name_en",
    "catalog.components_shape": 'use a list like [{{"sku_id": "...", "quantity": 2}}]',
    "catalog.spu_code_fixed": "cannot change once the product was approved",
    "catalog.attribute_name_empty": "attribute names cannot be empty",
    "catalog.variant_attribute_shape": 'use {{"name": ..., "values": [...]}}',
    "catalog.list_one_value": "list at least one value",
    "catalog.sku_code_fixed": "cannot change once the SKU was approved",
    "catalog.options_shape": 'use an object like {{"colour": "Red"}}',
    "catalog.dimensions_shape": 'use {{"length_cm": ..., "width_cm": ..., "height_cm": ...}}',
    "catalog.component_shape": 'use {{"sku_id": ..., "quantity": n}}',
    "catalog.kit_contains_itself": "a kit cannot contain itself",
    "catalog.no_variant_attributes": "the product has no variant attributes",
    "catalog.product_needs_sku": "a product needs at least one SKU",
    "catalog.kit_needs_component": "a kit needs at least one component",
    "catalog.only_submittable": "only drafts and rejected products can be submitted",
    "catalog.only_submitted_withdrawn": "only submitted products can be withdrawn",
    "catalog.only_submitted_approved": "only submitted products can be approved",
    "catalog.only_submitted_rejected": "only submitted products can be rejected",
    "catalog.only_approved_revised": "only approved products can be revised",
    "catalog.title_required": "give a Chinese or an English title",
    "catalog.withdraw_first": "withdraw a submitted product first",
    "catalog.not_xlsx": "this is not a valid XLSX file",
    "catalog.old_xls": "old .xls files are not supported; save as .xlsx or .csv",
    "catalog.csv_encoding": "the CSV is neither UTF-8 nor GB18030 text",
    "catalog.upload_gone": "the uploaded file is gone; upload it again",
    "catalog.title_column": "the file needs a title_zh or title_en column",
    "catalog.column_twice": "the column appears twice",
    "catalog.pattern_unknown_token": "unknown token {token}; use {tokens}",
    "catalog.pattern_width_seq_only": "only {seq} takes a width, not {token}",
    "catalog.generated_code_too_long": "the generated code {code}... is longer than {max_len} characters",
    "catalog.product_is": "its product is {status}",
    "catalog.product_not_approved": "its product is {status}, not approved",
    "catalog.code_already_used": "{code} is already used",
    "catalog.code_generated_twice": "{code} is generated twice",
    "catalog.import_rejected": (
        "{count} problem(s) in the file; nothing was imported (first: line {line}, {field}: {message})"
    ),
    "catalog.unknown_column": "unknown column; use {columns}",
    "catalog.differs_from_line": "differs from line {line} of the same spu_code",
    "catalog.also_on_line": "{label} {value} is also on line {line}",
    "catalog.write_name_value": "{part}: write name=value pairs separated by ;",
    "catalog.write_sku_quantity": "{part}: write SKU*quantity separated by ;",
    "catalog.no_category_code": "no category with code {code}",
    # Orders: the order services' refusals and notes (core/orders)
    "orders.buyer_search_needs_pii": "searching by buyer needs orders:pii",
    "orders.sharing_view_needs_write": "sharing a view needs orders:write",
    "orders.deleting_view_needs_write": "deleting a shared view needs orders:write",
    "orders.refund_type_cancellation": "before shipment a refund cancels the lines it pays back (type cancellation)",
    "orders.nothing_left_to_cancel": "nothing left to cancel",
    "orders.amount_or_lines": "give an amount, or the lines to refund",
    "orders.name_return_lines": "name the lines and units coming back",
    "orders.return_warehouse": "say which warehouse received the return",
    "orders.not_line_of_order": "is not a line of this order",
    "orders.refund_names_lines": "before shipment a refund cancels lines: name the lines it pays back",
    "orders.return_id": "give the id of this order's return (RMA)",
    "orders.kept_lines": "name the lines the buyer keeps or destroys",
    "orders.destroyed_evidence": "attach evidence that the goods were destroyed (photo links, notes)",
    "orders.not_line_of_return": "is not a line of this return",
    "orders.tags_list": "must be a list of words",
    "orders.platform_ships_it": "it is platform-fulfilled: the platform ships it",
    "orders.aware_date_time": "must be a timezone-aware date and time",
    "orders.release_first": "release it first",
    "orders.cannot_release": "cannot release: {problems}",
    "orders.finite_amount": "must be a finite amount of zero or more",
    "orders.fulfilment_kind": "use merchant or platform",
    "orders.line_twice": "appears twice in the order",
    "orders.lines_not_complete": "at least one line is required (lines_complete is false: fetch the lines first)",
    "orders.sku_or_sku_id": "give the SKU code (sku) or its id (sku_id)",
    "orders.no_such_sku_or_code": "no such SKU (or it has no code yet: approve its product first)",
    "orders.unknown_filter": "unknown filter",
    "orders.view_filters": "must be an object of list filters",
    "orders.order_ids_csv": "give order ids, comma-separated",
    "orders.destination_required": "is required: a country code, a region ({regions}) or *",
    "orders.unknown_condition": "unknown condition",
    "orders.rule_needs_condition": "an approval rule needs at least one condition (or it approves every order)",
    "orders.choose_warehouse": "choose a warehouse",
    "orders.nothing_missing": "nothing is missing: the warehouse has every unit the order needs",
    "orders.already_requested": "already requested",
    "orders.choose_other_warehouse": "choose another warehouse than the one short of stock",
    "orders.already_transferred": "already transferred",
    "orders.platform_ships": "the platform ships it",
    "orders.split_two_parts": "a split needs at least two non-empty parts",
    "orders.split_parts_shape": "give at least one part: [[{{line_id, quantity}}], ...]",
    "orders.split_leave_units": "leave some units for a second order, or give a second part",
    "orders.merge_two": "give at least two orders to merge",
    "orders.part_empty": "is empty",
    "orders.not_line_to_ship": "is not a line of this order with units to ship",
    "orders.is_platform_fulfilled": "{number} is platform-fulfilled",
    "orders.different": "different {what}",
    "orders.child_orders": "act on its child orders",
    "orders.merged_away": "it was merged into another order",
    "orders.allocate_first": "allocate it first",
    "orders.not_shipped": "it has not shipped",
    "orders.merge_only_open": "only orders waiting for review or approved can be merged",
    "orders.hold_released_cancelled": "order cancelled",
    "orders.hold_closed_platform_shipped": "the platform shipped the order",
    "orders.split_by_staff": "split by staff",
    "orders.split_rules": "split rules ({why})",
    "orders.kept_apart": "kept apart: {groups}",
    "orders.parcel_limits": "parcel limits",
    "orders.parcel_limits_from": "parcel limits: {source}",
    "orders.value_limit_not_applied": "the value limit of {amount} {currency} was not applied: {detail}",
    # Stock: warehouses, bins, adjustments, borrowing, kits, stocktakes, transfers (core/inventory);
    # exports, jobs, event deliveries
    "stock.bucket_from": "use on_hand, unsellable or qc_pending",
    "stock.say_why": "say why the stock changes",
    "stock.say_borrower": "say who borrows the units",
    "stock.restock_or_damaged": "use restock or damaged",
    "stock.say_write_off": "say why the rest is written off",
    "stock.platform_reports_only": "only platform and 3PL warehouses report their stock",
    "stock.reserved_reported": "{ours} reserved by orders, {target_on_hand} reported",
    "stock.key_twice_in_batch": "appears twice in the batch",
    "stock.key_other_request": "already used for a different request",
    "stock.key_required": "an idempotency key is required for every stock event",
    "stock.inactive": "is inactive",
    "stock.assembly_kind": "use assembly or disassembly",
    "stock.not_physical_kit": "SKU {sku} is not a physical kit",
    "stock.not_physical_kit_virtual": "SKU {sku} is not a physical kit (a virtual bundle is never assembled)",
    "stock.kit_no_components": "the kit has no components",
    "stock.bin_not_in_line_warehouse": "is not a bin of the line's warehouse",
    "stock.bucket_to": "use unsellable, on_hand or qc_pending",
    "stock.still_expected": "only {still} still expected on line {ref}",
    "stock.holds_only": "holds only {holding}",
    "stock.picks_more": "picks more than it holds",
    "stock.count_scope": "use cycle (the whole warehouse) or spot (chosen SKUs or bins)",
    "stock.spot_needs_items": "a spot count needs SKUs or bins to count",
    "stock.cycle_whole_warehouse": "a cycle count covers the whole warehouse; use spot to choose",
    "stock.count_columns": "the CSV needs the columns sku and counted",
    "stock.count_empty": "the CSV has no counts",
    "stock.nothing_counted": "nothing has been counted yet",
    "stock.bins_in_warehouse": "every bin must be in the counted warehouse",
    "stock.start_counting_first": "start counting first",
    "stock.count_no_sku": "no SKU {sku}",
    "stock.count_not_whole": "counted must be a whole number of zero or more, not {value}",
    "stock.differ_from_source": "must differ from the source",
    "stock.first_leg_destination": "a first-leg shipment goes to an overseas 3PL or platform warehouse",
    "stock.amount_with_currency": "must be an amount of zero or more with its currency",
    "stock.receive_one": "receive at least one unit, or complete the receipt",
    "stock.say_shortfall": "say why units are missing (lost, damaged in transit, miscounted at shipping)",
    "stock.bin_not_in_warehouse": "is not a bin of this warehouse",
    "stock.box_sku_twice": "a SKU appears twice in one box",
    "stock.appears_twice": "appears twice",
    "stock.not_sku_id": "is not a SKU id",
    "stock.transfer_line_twice": "appears twice; put the whole quantity on one line",
    "stock.greater_than_zero": "must be greater than zero",
    "stock.box_needs_sku": "a box holds at least one SKU",
    "stock.box_quantities": "quantities must be positive whole numbers",
    "stock.one_currency": "give freight and duty in one currency ({currency})",
    "stock.plan_boxes": "plan the boxes before shipping a first-leg shipment",
    "stock.boxes_hold": "boxes hold {boxed} of {sku}, the shipment has {quantity}",
    "stock.not_on_transfer": "is not on this {kind}",
    "stock.still_in_transit": "only {outstanding} still in transit on this line",
    "stock.country_code": "use an ISO 3166-1 two-letter country code, e.g. CN, US, DE",
    "stock.platform_marketplace": "a platform warehouse serves one marketplace (e.g. US for Amazon FBA US)",
    "stock.no_such_connection": "no such connection",
    "stock.lent_to": "lent to {borrower}",
    "stock.returned_by": "returned by {borrower}",
    "stock.take_from": "take from {bucket} ({where})",
    "fx.differ_from_base": "must differ from base: a currency is always worth 1 of itself",
    "fx.date_not_time": "use a date (YYYY-MM-DD), not a time",
    "exports.too_many_rows": "more than {max_rows} rows match; narrow the filters to export at most {max_rows}",
    "exports.would_be_too_many": "the export would have more than {max_rows} rows; narrow the filters",
    "jobs.only_failed_retried": "only failed jobs can be retried",
    "events.only_failing_parked": "only a failing delivery can be parked",
    # Stock: first-leg boxes
    "stock.sku_not_on_shipment": "SKU {sku} is not on this shipment",
    # Purchasing and suppliers: stocking requests, purchase orders, receiving and QC, supplier
    # returns, replenishment (core/purchasing, core/suppliers)
    "purchasing.not_warehouse_id": "is not a warehouse id",
    "purchasing.only_drafts_second_approval": "only drafts and orders awaiting their second approval can be approved",
    "purchasing.scan_code": "scan or type an order number or a tracking number",
    "purchasing.order_needs_line": "an order needs at least one line",
    "purchasing.only_drafts_changed": "only drafts can be changed",
    "purchasing.choose_request": "choose at least one approved stocking request",
    "purchasing.already_recorded": "already recorded",
    "purchasing.nothing_to_terminate": "nothing is left to terminate",
    "purchasing.line_shape": "use an object with sku_id, quantity and unit_price",
    "purchasing.only_approved_ordered": "only approved requests can be ordered",
    "purchasing.lines_shape": "use a list of {{line_id, quantity}}",
    "purchasing.only_approved_receive": "only approved orders that still expect goods can receive them",
    "purchasing.give_arrived": "give the quantity that arrived for at least one line",
    "purchasing.bin_not_receiving": "is not a bin of the receiving warehouse",
    "purchasing.reasons_list": "use a list of reasons",
    "purchasing.all_inspected": "every line of it has been inspected",
    "purchasing.give_outcome": "give the outcome of at least one receipt line",
    "purchasing.not_bin_id": "is not a bin id",
    "purchasing.qc_line_shape": "use an object with receipt_line_id, passed_quantity and failed_quantity",
    "purchasing.inspected_once": "each receipt line is inspected once",
    "purchasing.say_defect": "say what was wrong with the failed units",
    "purchasing.only_open_suggestions": "only open suggestions (with a quantity to order) can be decided",
    "purchasing.run_finished": "a finished run is not run again",
    "purchasing.only_submitted_changed": "only submitted requests can be changed",
    "purchasing.only_submitted_approved": "only submitted requests can be approved",
    "purchasing.only_submitted_rejected": "only submitted requests can be rejected",
    "purchasing.request_on_order": "it is on a purchase order now; terminate the order's line instead",
    "purchasing.only_open_requests_terminated": "only submitted or approved requests can be terminated",
    "purchasing.in_the_past": "is in the past",
    "purchasing.give_return_line": "give at least one line and quantity to return",
    "purchasing.only_drafts_shipped": "only drafts can be shipped",
    "purchasing.only_drafts_cancelled": "only drafts can be cancelled",
    "purchasing.weights_above_zero": "at least one of the 7, 14 and 30-day weights must be above zero",
    "purchasing.only_approved_sent": "only approved orders go to the supplier",
    "purchasing.only_approved_confirmed": "only approved orders can be confirmed by the supplier",
    "purchasing.only_expecting_tracking": "only orders still expecting goods take tracking numbers",
    "purchasing.goods_arrived_terminate": "goods already arrived; terminate the remaining quantity instead",
    "purchasing.only_nothing_arrived_cancelled": "only orders that nothing arrived for can be cancelled",
    "purchasing.only_receivable_terminated": "only approved or partially received orders have quantities to terminate",
    "purchasing.line_label": "line {position} ({sku})",
    "purchasing.receipt_line": "line {position} of receipt {number}",
    "purchasing.stocking_request": "stocking request {number}",
    "suppliers.only_drafts_changed": "only drafts and rejected suppliers can be changed",
    "suppliers.only_drafts_changed_revise": (
        "only drafts and rejected suppliers can be changed; revise it to make changes (contacts "
        "and prices change at any time)"
    ),
    "suppliers.only_drafts_deleted": "only never-approved drafts can be deleted; disable the supplier instead",
    "suppliers.settlement_days": "periodic settlement needs the number of days",
    "suppliers.account_chars": "use 4 to 100 letters, digits or @ . _ + -",
    "suppliers.contacts_list": "use a list of contacts",
    "suppliers.only_submittable": "only drafts and rejected suppliers can be submitted",
    "suppliers.only_submitted_withdrawn": "only submitted suppliers can be withdrawn",
    "suppliers.only_submitted_approved": "only submitted suppliers can be approved",
    "suppliers.only_submitted_rejected": "only submitted suppliers can be rejected",
    "suppliers.only_approved_revised": "only approved suppliers can be revised",
    "suppliers.only_approved_disabled": "only approved suppliers can be disabled",
    "suppliers.only_disabled_enabled": "only disabled suppliers can be enabled",
    # Shipping, stock sync and input checks (core/shipping, core/sync, core/validation)
    "shipping.batch_running": "the batch is still running",
    "shipping.no_labels": "no labels to print",
    "shipping.customs_missing": "customs data is missing: {problems}",
    "shipping.no_shipment_buy_label": "has no shipment yet: buy its label first",
    "shipping.buy_label_first": "buy its label first",
    "shipping.parcel_mismatch": "the parcel does not match the order: {problems}",
    "shipping.scanned_count": "{sku}: scanned {got}, the order has {quantity}",
    "shipping.not_in_parcel": "{code} is not in this parcel",
    "shipping.rules_list": "must be a list of rules",
    "shipping.names_list": "must be a list of names",
    "shipping.name_carrier": "name at least one carrier or carrier:service",
    "shipping.no_warehouse": "it has no warehouse",
    "shipping.nothing_to_ship": "nothing to ship",
    "shipping.connect_carrier": "connect a carrier first (Settings → Connections)",
    "shipping.no_service": "no carrier service can take this shipment",
    "shipping.no_service_because": "no carrier service can take this shipment: {problems}",
    "shipping.only_label_not_handed": "only a label not yet handed over",
    "shipping.has_shipment": "has a shipment",
    "sync.not_setting": "is not a sync setting",
    "sync.between": "must be between {low} and {high}",
    "sync.warehouse_ids": "must be a list of warehouse ids, or null for every merchant warehouse",
    "sync.no_warehouse": "no warehouse {ident}",
    "sync.platform_warehouse": "{code} is a platform warehouse: the platform publishes its stock",
    "input.no_nul": "must not contain NUL characters",
    "input.no_surrogates": "must not contain unpaired surrogates (invalid Unicode)",
    "input.no_control": "must not contain control characters ({char})",
    "input.too_deep": "nested deeper than {depth} levels",
    "input.name_problem": "the name {problem}",
    # Shipping: how a carrier service was chosen (core/shipping/service/rules.py)
    "shipping.rule_country": "the destination {country} is not in {countries}",
    "shipping.rule_under_weight": "{weight} g is under {limit} g",
    "shipping.rule_over_weight": "{weight} g is over {limit} g",
    "shipping.rule_value_unknown": "the shipment's value could not be compared",
    "shipping.rule_value_over": "its value {value} is over {limit}",
    "shipping.pick_cheapest": "the cheapest",
    "shipping.pick_fastest_unknown": "the fastest known (no quote gave a transit time, so the cheapest)",
    "shipping.pick_fastest": "the fastest, then the cheapest",
    "shipping.pick_within": "the cheapest within {days} business days",
    "shipping.pick_preferred": "the first available of the preferred list ({services})",
    "shipping.pick_none_preferred": "none of the preferred list ({services})",
    "shipping.pick_unknown": "unknown strategy {strategy}",
    "shipping.no_eligible": "no eligible quote",
    "shipping.rule_name": "rule {n}",
    "shipping.step_not_apply": "{rule_name}: does not apply ({why})",
    "shipping.step_no_quote": "{rule_name}: no quote is {how}",
    "shipping.step_chose": "{rule_name}: chose {service}, {how}",
    "shipping.step_default": "default: chose {service}, the cheapest",
    # Stock sync: why a run or a delivery was skipped (core/sync)
    "sync.connection_gone": "the connection no longer exists",
    "sync.connection_disabled": "the connection is disabled",
    "sync.connection_disabled_or_gone": "the connection is disabled or gone",
    "sync.already_running": "another sync of this connection is running",
    "sync.no_order_in_webhook": "no order in this webhook",
    "sync.push_off": "stock push is off for this connection",
    "sync.no_shipment_event": "no such shipment event",
}


class Msg(str):
    """An English message with its code and parameters (see the module docstring)."""

    code: str
    params: dict[str, Any]

    def __new__(cls, code: str, /, **params: Any) -> Msg:
        template = MESSAGES[code]
        english = {k: _english(v, k) for k, v in params.items()}
        obj = super().__new__(cls, template.format(**english) if params else template.format())
        obj.code = code
        obj.params = params
        return obj

    def __reduce__(self) -> Any:  # pickles (jobs, caches) keep the code
        return (_rebuild, (self.code, self.params))

    def detail(self) -> dict[str, Any]:
        """The code and parameters as JSON values (for the API)."""
        return {"code": self.code, "params": {k: _jsonable(v) for k, v in self.params.items()}}


def _rebuild(code: str, params: dict[str, Any]) -> Msg:
    return Msg(code, **params)


# Parameters whose messages are phrases of one sentence, listed with commas ("merchant-fulfilled,
# from amazon"), where other lists of messages are sentences ("first; second").
PHRASES = frozenset({"facts"})


def sentences(name: str, value: Any) -> bool:
    """Whether a list parameter holds sentences (joined with "; ") rather than items."""
    return name not in PHRASES and any(isinstance(v, Msg) for v in value)


def _english(value: Any, name: str = "") -> str:
    if isinstance(value, (list, tuple)):
        return ("; " if sentences(name, value) else ", ").join(_english(v) for v in value)
    return str(value)


def _jsonable(value: Any) -> Any:
    if isinstance(value, Msg):
        return value.detail()
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value if isinstance(value, (int, float, bool)) or value is None else str(value)


def msg(code: str, /, **params: Any) -> Msg:
    return Msg(code, **params)


def detail(message: Any) -> dict[str, Any] | None:
    """{code, params} of a coded message, None for a plain string."""
    return message.detail() if isinstance(message, Msg) else None


def joined(parts: Any) -> str:
    """Several messages as one ("first; second"); one alone is itself, none is ""."""
    parts = [p for p in parts if p]
    if len(parts) < 2:
        return parts[0] if parts else ""
    return Msg("joined", parts=parts)


# ---------------------------------------------------------------------------------------------
# Reading stored messages back


def parse(text: str, stored: Any = None) -> str:
    """A stored message as a `Msg`: from its stored detail ({code, params}) when there is one
    and its code is known, else from its English text matched against the templates (rows
    written before they had codes); text that matches none comes back as it is."""
    if isinstance(text, Msg):
        return text
    rebuilt = _from_detail(stored)
    if isinstance(rebuilt, Msg):
        return rebuilt
    return _from_text(text or "")


def _from_detail(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"code", "params"} and value["code"] in MESSAGES:
        try:
            return Msg(value["code"], **{k: _from_detail(v) for k, v in (value["params"] or {}).items()})
        except (KeyError, IndexError, TypeError, ValueError):
            return None  # a template whose parameters changed since: the stored English stands
    if isinstance(value, list):
        return [_from_detail(v) for v in value]
    return value


# Parameters that hold a message of their own when read back from text.
NESTED = frozenset({"reason", "detail", "parts", "facts", "why", "how", "rule_name"})
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _pattern(template: str) -> re.Pattern[str] | None:
    literal = template.replace("{{", "\x00").replace("}}", "\x01")
    names = _PLACEHOLDER.findall(literal)
    if len(names) != len(set(names)):
        return None
    pieces = _PLACEHOLDER.split(literal)
    regex = "".join(
        f"(?P<{piece}>.+?)" if i % 2 else re.escape(piece.replace("\x00", "{").replace("\x01", "}"))
        for i, piece in enumerate(pieces)
    )
    return re.compile(regex + r"\Z", re.DOTALL)


@lru_cache(maxsize=1)
def _patterns() -> list[tuple[str, re.Pattern[str]]]:
    """Templates with text of their own, the most specific (the longest literal text) first,
    so "stock reserved in {warehouse}" does not claim "platform stock reserved in FBA-US"."""
    out = []
    for code, template in MESSAGES.items():
        literal = _PLACEHOLDER.sub("", template)
        pattern = _pattern(template)
        if pattern is not None and re.search(r"[A-Za-z]{2}", literal):
            out.append((len(literal), code, pattern))
    return [(code, pattern) for _, code, pattern in sorted(out, key=lambda x: -x[0])]


def _from_text(text: str, depth: int = 0) -> str:
    if depth > 3 or not text:
        return text
    for code, pattern in _patterns():
        found = pattern.match(text)
        if found:
            params = {k: (_from_text(v, depth + 1) if k in NESTED else v) for k, v in found.groupdict().items()}
            return Msg(code, **params)
    if "; " in text:  # messages joined with "; " (a hold that collected several reasons)
        parts = [_from_text(p, depth + 1) for p in text.split("; ")]
        if any(isinstance(p, Msg) for p in parts):
            return Msg("joined", parts=parts)
    return text
