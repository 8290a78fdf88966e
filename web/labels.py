"""Translated names of values that services store as codes (roles, statuses, actions)."""

from __future__ import annotations

import re

from flask_babel import gettext, lazy_pgettext
from flask_babel import lazy_gettext as _l

ROLES = {
    "owner": _l("Owner"),
    "admin": _l("Administrator"),
    "operations": _l("Operations"),
    "purchasing": _l("Purchasing"),
    "warehouse": _l("Warehouse"),
    "finance": _l("Finance"),
    "viewer": _l("Viewer"),
}

JOB_STATUSES = {
    "queued": _l("Queued"),
    "running": _l("Running"),
    "retrying": _l("Retrying"),
    "succeeded": _l("Succeeded"),
    "failed": _l("Failed"),
    "cancelled": _l("Cancelled"),
}

# Words of their own: "Created" is also a column ("created at") in other catalogues.
AUDIT_ACTIONS = {
    "create": _l("Added"),
    "update": _l("Changed"),
    "delete": _l("Deleted"),
}


def role_label(code: str) -> str:
    return str(ROLES.get(code, code))


def job_status_label(code: str) -> str:
    return str(JOB_STATUSES.get(code, code))


def audit_action_label(code: str) -> str:
    return str(AUDIT_ACTIONS.get(code, code))


# Background job kinds (core/*/jobs.py `@job` names), as a seller calls them.
JOB_KINDS = {
    "sync.connection": _l("Order sync"),
    "sync.fetch_order": _l("Fetch one order"),
    "sync.push_shipment": _l("Send shipment to the channel"),
    "sync.push_stock": _l("Publish stock to the channel"),
    "catalog.import_products": _l("Product import"),
    "purchasing.replenishment": _l("Replenishment run"),
    "shipping.buy_labels": _l("Buy shipping labels"),
    "shipping.track": _l("Update tracking"),
    "inventory.verify": _l("Stock ledger check"),
    "finance.fetch_rates": _l("Fetch exchange rates"),
    "finance.revalue": _l("Currency revaluation"),
    "finance.month_end": _l("Month-end close"),
    "finance.verify": _l("Ledger check"),
    "finance.pull_requisitions": _l("Pull purchase requisitions"),
    "finance.post_vouchers": _l("Post to the accounting system"),
    "finance.match_settlement": _l("Settlement matching"),
    "finance.channel_settlements": _l("Fetch settlements and payouts"),
    "finance.channel_refunds": _l("Fetch channel refunds"),
    "jobs.purge": _l("Clean up old jobs"),
    "idempotency.purge": _l("Clean up request keys"),
}

# What a job result's keys mean (the rest are shown with their key made readable).
RESULT_KEYS = {
    "created": _l("Orders created"),
    "updated": _l("Orders updated"),
    "unchanged": _l("Orders unchanged"),
    "rejected": _l("Orders refused"),
    "confirmed": _l("Confirmed"),
    "pushed": _l("Listings updated"),
    "evaluated": _l("SKUs evaluated"),
    "suggested": _l("Suggestions"),
    "imported": _l("Imported"),
    "deleted": _l("Deleted"),
    "rates": _l("Rates"),
    "failed": _l("Failed"),
    "errors": _l("Errors"),
    "skipped": _l("Skipped"),
    "requests_created": _l("Stocking requests created"),
    "lines_pulled": _l("Requisition lines pulled"),
    "status": _l("Status"),
    "pages": _l("Pages read"),
    "window_start": _l("From"),
    "window_end": _l("To"),
    # posting runs (core/finance/posting.py)
    "posted": _l("Vouchers posted"),
    "refused": _l("Vouchers refused"),
    "pending": _l("Vouchers to send"),
    "waiting": _l("Vouchers waiting"),
    # exchange rates (finance.fetch_rates)
    "first": _l("First day"),
    "last": _l("Last day"),
    "replaced": _l("Rates replaced"),
    "kept": _l("Rates kept"),
    "vouchers_posted": _l("Vouchers posted"),
    "landed_costs_applied": _l("Landed costs applied"),
    # settlements (finance.channel_settlements)
    "known": _l("Already imported"),
    "payouts": _l("Payouts"),
    # checks (finance.verify, inventory.verify)
    "ok": _l("All checks passed"),
    "problems": _l("Problems"),
    "vouchers": _l("Vouchers"),
    "lines": _l("Lines"),
    "balances": _l("Balances checked"),
    "drifts": _l("Differences found"),
    "fixed": _l("Correct differences automatically"),
    "reservations_closed": _l("Reservations closed"),
    # month-end close (finance.month_end)
    "period": _l("Period"),
    "voucher": _l("Voucher"),
    "reversal": _l("Reversal voucher"),
    # tracking (shipping.track)
    "asked": _l("Shipments asked"),
    "events": _l("Tracking events"),
    "delivered": _l("Delivered"),
    # housekeeping (jobs.purge, idempotency.purge, the scheduler)
    "purged": _l("Removed"),
    "requeued": _l("Requeued"),
    "resubmitted": _l("Resubmitted"),
}
# Where one key means something else in one kind of job ("created" is orders for a sync,
# rates for the rate fetch).
RESULT_KEYS_BY_KIND = {
    "finance.fetch_rates": {"created": _l("Rates added")},
}
# Ids in results are links or noise; the page shows what they point to elsewhere.
_HIDDEN_KEYS = ("run_id", "job_id", "connection_id", "event_id", "run")


def job_kind_label(code: str) -> str:
    return str(JOB_KINDS.get(code, code))


def started_by_label(created_by: str) -> str:
    """Who or what queued a job, for people: "Schedule", "Automatic: after a change", a user."""
    from flask_babel import gettext as _

    who = created_by or ""
    kind, _sep, rest = who.partition(":")
    if who in ("scheduler", "schedule"):
        return _("Schedule")
    if who == "system":
        return _("System")
    if who == "demo seed":
        return _("Demo setup")
    if kind == "handler":
        if rest in JOB_KINDS:
            return _("Automatic, after a change (%(what)s)", what=job_kind_label(rest))
        return _("Automatic, after a change")
    if kind == "job":
        return _("Job: %(kind)s", kind=job_kind_label(rest))
    if kind == "webhook":
        return _("Notification from %(channel)s", channel=channel_label(rest))
    if kind == "cli":
        return _("Command line (%(command)s)", command=rest)
    return who


CHANNELS = {
    "amazon": "Amazon",
    "shopify": "Shopify",
    "woocommerce": "WooCommerce",
    "aliexpress": "AliExpress",
    "manual": _l("Manual"),
    "fedex": "FedEx",
    "ups": "UPS",
    "dhl": "DHL",
    "usps": "USPS",
}


def channel_label(code: str) -> str:
    """A channel or carrier code as its brand writes it (amazon -> Amazon)."""
    return str(CHANNELS.get((code or "").lower(), code))


# A failed job's error is stored as Python prints an exception, always with its type first:
# "core.errors.DomainError: <message>" (traceback.format_exception_only, core.jobs).
_EXCEPTION_TYPE = re.compile(r"^[\w.]+: ")


def job_error(error: str | None) -> str:
    """A failed job's error without the exception's class name: the message a service wrote,
    which the `|t` filter then reads in the viewer's language ("{{ job_error(job.error)|t }}")."""
    text = (error or "").strip()
    return _EXCEPTION_TYPE.sub("", text, count=1)


def result_rows(result: dict | None, kind: str = "") -> list[tuple[str, str]]:
    """A job's result as (label, value) rows: numbers and words, no JSON. `kind` (the job's)
    chooses the label of a key that means something else in that kind of job."""
    from web.messages import term

    rows = []
    known = list(RESULT_KEYS)
    own = RESULT_KEYS_BY_KIND.get(kind, {})
    # What the job did first (counts), then the rest in the order the job gave them.
    ordered = sorted((result or {}).items(), key=lambda kv: known.index(kv[0]) if kv[0] in known else len(known))
    for key, value in ordered:
        if key in _HIDDEN_KEYS or value is None:
            continue
        named = own.get(key) or RESULT_KEYS.get(key)
        label = str(named) if named is not None else gettext(key.replace("_", " ").capitalize())
        if isinstance(value, bool):
            from flask_babel import gettext as _

            text = _("Yes") if value else _("No")
        elif isinstance(value, (list, tuple)) and not value:
            text = "0"  # nothing failed, no problem found
        elif isinstance(value, (list, tuple)):
            # A list of findings (a check's problems): each as its parts, not as a dict.
            parts = [_finding(v) if isinstance(v, dict) else str(v) for v in value[:10]]
            text = "; ".join(parts) + (" …" if len(value) > 10 else "")
        elif isinstance(value, dict):
            text = ", ".join(f"{k}: {v}" for k, v in list(value.items())[:10])
        else:
            text = term(_local_time(value))
        rows.append((label, text))
    return rows


def _finding(item: dict) -> str:
    """One finding of a check as its parts: what was checked, of what, and what was found
    (the database gives a stored object's keys back in an order of its own)."""
    first = [k for k in ("check", "subject", "detail") if k in item]
    return " · ".join(str(item[k]) for k in first + [k for k in item if k not in first])


def _local_time(value: object) -> str:
    """ISO timestamps in results read as local times; everything else as it is."""
    from datetime import datetime

    from web.portal import when_text

    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and value[10] == "T":
        try:
            return when_text(datetime.fromisoformat(value.replace("Z", "+00:00")))
        except ValueError:
            return value
    if isinstance(value, datetime):
        return when_text(value)
    return str(value)


# What an order timeline entry records (core/orders OrderActivity.action).
ACTIVITIES = {
    "imported": _l("Imported"),
    "created": lazy_pgettext("activity", "Created"),
    "review_required": _l("Review required"),
    "approved": _l("Approved"),
    "allocated": _l("Stock reserved"),
    "held": _l("Held"),
    "released": _l("Released"),
    "not_reserved": _l("Not reserved"),
    "stock_not_moved": _l("No stock moved"),
    "split": _l("Split"),
    "split_from": _l("Split from"),
    "merged": _l("Merged"),
    "merged_from": _l("Merged from"),
    "printed": _l("Printed"),
    "shipped": _l("Shipped"),
    "delivered": _l("Delivered"),
    "cancelled": _l("Cancelled"),
    "refunded": _l("Refunded"),
    "edited": _l("Edited"),
    "tagged": _l("Tags changed"),
    "channel_updated": _l("Changed on the channel"),
    "address_changed": _l("Address changed"),
    "return_requested": _l("Return requested"),
    "return_updated": _l("Return updated"),
    "return_received": _l("Return received"),
}


def activity_label(code: str) -> str:
    return str(ACTIVITIES.get(code, (code or "").replace("_", " ")))


# Marketplace ids as sellers know them (Amazon SP-API ids: shared/reference/channels.md §Amazon).
MARKETPLACES = {
    "ATVPDKIKX0DER": "Amazon.com (US)",
    "A2EUQ1WTGCTBG2": "Amazon.ca (CA)",
    "A1AM78C64UM0Y8": "Amazon.com.mx (MX)",
    "A1F83G8C2ARO7P": "Amazon.co.uk (UK)",
    "A1PA6795UKMFR9": "Amazon.de (DE)",
    "A13V1IB3VIYZZH": "Amazon.fr (FR)",
    "APJ6JRA9NG5V4": "Amazon.it (IT)",
    "A1RKKUPIHCS9HS": "Amazon.es (ES)",
    "A1VC38T7YXB528": "Amazon.co.jp (JP)",
    "A39IBJ37TRP1C6": "Amazon.com.au (AU)",
}


def marketplace_label(code: str) -> str:
    return MARKETPLACES.get(code or "", code or "")
