"""The order settings page and the new-order form, as staff use them, with two tenants present."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from core.db import session
from core.orders import service
from core.orders.models import Order
from tests.core.catalog.factories import approved_sku
from tests.core.orders.helpers import warehouse
from tests.web.conftest import visible_text


class _FormFields(HTMLParser):
    """What a browser would submit from one form: text and hidden inputs, ticked boxes, the
    selected options of each select, textareas. Submit buttons are left out."""

    def __init__(self, form_id: str) -> None:
        super().__init__()
        self.form_id, self.inside, self.fields = form_id, False, []
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        if not self.inside or "disabled" in a:
            return
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.fields.append((a["name"], a.get("value", "on")))
            elif kind not in ("submit", "button"):
                self.fields.append((a["name"], a.get("value", "")))
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select and "selected" in a:
            self.fields.append((self._select, a.get("value", "")))
        elif tag == "textarea":
            self._textarea = a.get("name")
            self.fields.append((self._textarea, ""))

    def handle_data(self, data):
        if self._textarea:
            name, value = self.fields.pop()
            self.fields.append((name, value + data))

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def form_fields(markup: str, form_id: str) -> dict[str, list[str]]:
    """The form's fields (without its CSRF token: the client posting it adds its own)."""
    parser = _FormFields(form_id)
    parser.feed(markup)
    out: dict[str, list[str]] = {}
    for name, value in parser.fields:
        if name != "csrf_token":
            out.setdefault(name, []).append(value)
    return out


def error_beside(markup: str, name: str) -> list[str]:
    """The error messages inside the field container (div/td class="field") of input `name`."""
    pattern = re.compile(
        r'class="field has-error[^"]*">((?:(?!class="field).)*?name="' + re.escape(name) + r'"(?:(?!class="field).)*)',
        re.DOTALL,
    )
    return [
        re.sub(r"\s+", " ", m)
        for block in pattern.findall(markup)
        for m in re.findall(r'<p class="error"[^>]*>([^<]+)</p>', block)
    ]


def one(data: dict[str, list[str]], **values: str) -> dict[str, list[str]]:
    return {**data, **{k.replace("__", "."): [v] for k, v in values.items()}}


def _settings(tenant):
    with tenant.scope():
        return service.get_settings()


# ---------------------------------------------------------------------------------------------
# Order settings


def test_settings_page_for_readers_and_writers(portal, anonymous, tenant_a, tenant_b):
    owner = portal(tenant_a)
    body = owner.get("/orders/settings").get_data(as_text=True)
    text = visible_text(body)
    assert "Order settings" in text and "Automatic review" in text
    assert form_fields(body, "order-settings")["review_rules.0.name"] == ["Platform-fulfilled orders"]
    assert 'name="add" value="review_rules"' in body and ">Save<" in body
    tabs = re.search(r'<nav class="tabs".*?</nav>', body, re.DOTALL).group(0)
    assert re.search(r'class="active"[^>]*>Settings<', tabs)

    # Reading is orders:read (every role has it); saving is orders:write, as in the REST API.
    viewer = portal(tenant_a, "viewer")
    body = viewer.get("/orders/settings").get_data(as_text=True)
    assert 'value="Platform-fulfilled orders"' in body
    assert ">Save<" not in body and '<fieldset class="field" disabled>' in body
    data = form_fields(owner.get("/orders/settings").get_data(as_text=True), "order-settings")
    for role in ("viewer", "warehouse", "purchasing", "finance"):
        resp = portal(tenant_a, role).post("/orders/settings", one(data, allocation_policy="hold"))
        assert resp.status_code == 403, role
        assert "Not allowed" in resp.get_data(as_text=True)
    assert _settings(tenant_a).allocation_policy == "split"
    assert (
        portal(tenant_a, "operations").post("/orders/settings", one(data, allocation_policy="hold")).status_code == 302
    )
    assert _settings(tenant_a).allocation_policy == "hold"
    assert _settings(tenant_b).allocation_policy == "split"
    assert anonymous.get("/orders/settings").status_code == 302


def test_saving_the_settings_form_changes_every_kind_of_setting(portal, tenant_a, tenant_b):
    wh = warehouse(tenant_a, "SET-WH")
    owner = portal(tenant_a)
    data = form_fields(owner.get("/orders/settings").get_data(as_text=True), "order-settings")
    assert data["review_rules.0.name"] == ["Platform-fulfilled orders"] and data["auto_allocate"] == ["on"]
    data.pop("auto_allocate")  # untick
    data = one(
        data,
        review_rules__1__name="Small US orders",
        review_rules__1__action="approve",
        review_rules__1__countries="us, ca",
        review_rules__1__min_total="20",
        review_rules__1__currency="usd",
        review_rules__1__tags="phone order",
        review_rules__1__has_remarks="no",
        allocation_policy="hold",
        shipping_costs__0__warehouse_id=str(wh),
        shipping_costs__0__destination="EU",
        shipping_costs__0__base="30",
        shipping_costs__0__per_kg="45.5",
        shipping_costs__0__currency="CNY",
        split_attributes="fragile, battery",
        package_limits__max_weight_g="2000",
        value_limits__0__destination="GB",
        value_limits__0__amount="135",
        value_limits__0__currency="GBP",
    )
    data["warehouse_ids"] = [str(wh)]
    resp = owner.post("/orders/settings", data)
    assert resp.status_code == 302, visible_text(resp.get_data(as_text=True))[:400]
    assert "Order settings saved." in owner.text("/orders/settings")
    s = _settings(tenant_a)
    assert s.review_rules == [
        {"name": "Platform-fulfilled orders", "action": "approve", "fulfilment": "platform"},
        {
            "name": "Small US orders",
            "action": "approve",
            "countries": ["US", "CA"],
            "min_total": "20.00",
            "currency": "USD",
            "has_remarks": False,
            "tags": ["phone order"],
        },
    ]
    assert (s.auto_allocate, s.allocation_policy, s.warehouse_ids) == (False, "hold", [str(wh)])
    assert s.shipping_costs == [
        {"warehouse_id": str(wh), "destination": "EU", "base": "30.0000", "per_kg": "45.5000", "currency": "CNY"}
    ]
    assert s.split_attributes == ["fragile", "battery"] and s.package_limits == {"max_weight_g": 2000}
    assert s.value_limits == [{"destination": "GB", "amount": "135.0000", "currency": "GBP"}]
    assert _settings(tenant_b).review_rules == [
        {"name": "Platform-fulfilled orders", "action": "approve", "fulfilment": "platform"}
    ]

    # The saved settings come back into the form; removing a rule saves too. (Exchange rates
    # are dated and have their own page: tests/web/settings/test_exchange_rates.py.)
    data = form_fields(owner.get("/orders/settings").get_data(as_text=True), "order-settings")
    assert data["review_rules.1.countries"] == ["US, CA"] and data["review_rules.1.has_remarks"] == ["no"]
    assert data["warehouse_ids"] == [str(wh)]
    assert data["shipping_costs.0.per_kg"] == ["45.5"] and data["shipping_costs.0.base"] == ["30"]
    data = one(data, review_rules__0__remove="on")
    assert owner.post("/orders/settings", data).status_code == 302
    s = _settings(tenant_a)
    assert [r["name"] for r in s.review_rules] == ["Small US orders"]


def test_invalid_settings_show_the_error_beside_the_field_and_save_nothing(portal, tenant_a, tenant_b):
    owner = portal(tenant_a)
    before = _settings(tenant_a)
    page = owner.get("/orders/settings").get_data(as_text=True)
    data = form_fields(page, "order-settings")
    # Rule 0 is removed, so the service's rule 0 is the page's rule 1: the errors must still
    # land beside the page's inputs.
    data = one(
        data,
        review_rules__0__remove="on",
        review_rules__1__name="Big orders",
        review_rules__1__action="review",
        review_rules__1__countries="US, XX",
        review_rules__1__min_total="lots",
        review_rules__1__currency="USD",
        allocation_policy="hold",
        value_limits__0__destination="EU",
        value_limits__0__amount="0",
        value_limits__0__currency="EUR",
    )
    resp = owner.post("/orders/settings", data)
    assert resp.status_code == 422
    body = resp.get_data(as_text=True)
    assert error_beside(body, "review_rules.1.countries") == ["XX is not an ISO 3166 two-letter country code"]
    assert error_beside(body, "review_rules.1.min_total")
    assert error_beside(body, "value_limits.0.amount")
    assert "Please correct the fields marked below." in visible_text(body)
    # What the user typed is kept, the removed rule stays removed.
    kept = form_fields(body, "order-settings")
    assert kept["review_rules.1.min_total"] == ["lots"] and kept["allocation_policy"] == ["hold"]
    assert "review_rules.0" not in kept
    assert _settings(tenant_a) == before

    # An approval rule without a condition is refused as a whole rule.
    data = form_fields(page, "order-settings")
    data = one(data, review_rules__1__name="Everything", review_rules__1__action="approve")
    resp = owner.post("/orders/settings", data)
    assert resp.status_code == 422
    assert any(
        "needs at least one condition" in m
        for m in re.findall(
            r'<p class="error">([^<]+)</p>', resp.get_data(as_text=True).split('id="rule-1"')[1].split("</fieldset>")[0]
        )
    )
    assert _settings(tenant_a) == before


def test_adding_a_row_keeps_the_input_and_saves_nothing(portal, tenant_a):
    owner = portal(tenant_a)
    data = form_fields(owner.get("/orders/settings").get_data(as_text=True), "order-settings")
    data = one(data, review_rules__1__name="Typed but not saved", add="review_rules")
    resp = owner.post("/orders/settings", data)
    assert resp.status_code == 200
    kept = form_fields(resp.get_data(as_text=True), "order-settings")
    assert kept["review_rules.1.name"] == ["Typed but not saved"] and "review_rules.2" in kept
    assert [r["name"] for r in _settings(tenant_a).review_rules] == ["Platform-fulfilled orders"]


# ---------------------------------------------------------------------------------------------
# New order


@pytest.fixture
def skus(tenant_a, tenant_b):
    return approved_sku(tenant_a, "NO-MUG"), approved_sku(tenant_a, "NO-LID"), approved_sku(tenant_b, "NO-B-ONLY")


def _count(tenant) -> int:
    with tenant.scope():
        return session.execute(select(func.count()).select_from(Order)).scalar_one()


def test_the_new_order_form_creates_the_order(portal, tenant_a, tenant_b, skus):
    mug, lid, _ = skus
    owner = portal(tenant_a)
    assert 'href="/orders/new"' in owner.get("/orders/").get_data(as_text=True)
    page = owner.get("/orders/new").get_data(as_text=True)
    data = form_fields(page, "new-order")
    assert data["currency"] == ["CNY"] and data["lines.0"] == data["lines.2"] == ["1"]
    data = one(
        data,
        currency="usd",
        external_order_id="PHONE-1",
        lines__1__sku="NO-MUG",
        lines__1__quantity="2",
        lines__1__unit_price="9.99",
        lines__1__item_tax="1.60",
        lines__2__sku="NO-LID",
        lines__2__quantity="1",
        lines__2__unit_price="5",
        shipping="4.90",
        discount="1.00",
        buyer__name="Jo Buyer",
        buyer__email="jo@example.com",
        shipping_address__line1="Hauptstr. 1",
        shipping_address__city="Berlin",
        shipping_address__postal_code="10115",
        shipping_address__country="de",
        shipping_service="DHL Paket",
        buyer_remarks="Ring twice",
        seller_note="Phoned in by Jo",
        tags="phone order, vip",
    )
    resp = owner.post("/orders/new", data)
    assert resp.status_code == 302, visible_text(resp.get_data(as_text=True))[:400]
    order_id = uuid.UUID(resp.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    text = owner.text(resp.headers["Location"])
    with tenant_a.scope():
        order = service.get_order(order_id)
        assert f"Order {order.number} created." in text
        assert (order.channel, order.external_order_id, order.currency) == ("manual", "PHONE-1", "USD")
        assert [(ln.sku_id, ln.quantity, ln.unit_price, ln.item_tax) for ln in order.lines] == [
            (mug, 2, Decimal("9.99"), Decimal("1.60")),
            (lid, 1, Decimal("5"), Decimal("0")),
        ]
        assert (order.goods_amount, order.tax_amount, order.shipping_amount, order.discount_amount, order.total) == (
            Decimal("24.98"),
            Decimal("1.60"),
            Decimal("4.90"),
            Decimal("1.00"),
            Decimal("30.48"),
        )
        assert (order.ship_country, order.ship_city, order.buyer_name, order.shipping_service) == (
            "DE",
            "Berlin",
            "Jo Buyer",
            "DHL Paket",
        )
        assert order.tags == ["phone order", "vip"] and order.seller_note == "Phoned in by Jo"
        assert order.buyer_remarks == "Ring twice"
    # The other tenant neither finds nor opens it.
    other = portal(tenant_b)
    assert other.get(f"/orders/{order_id}").status_code == 404
    assert "PHONE-1" not in other.text("/orders/") and "PHONE-1" in owner.text("/orders/")
    with tenant_b.scope():
        assert session.execute(select(Order.id).where(Order.id == order_id)).first() is None


def test_bad_sku_and_missing_country_show_errors_and_create_nothing(portal, tenant_a, tenant_b, skus):
    owner = portal(tenant_a)
    before = _count(tenant_a)
    data = form_fields(owner.get("/orders/new").get_data(as_text=True), "new-order")
    # NO-B-ONLY is tenant B's SKU: tenant A has no such code.
    data = one(
        data,
        currency="USD",
        lines__1__sku="NO-B-ONLY",
        lines__1__quantity="1",
        lines__2__sku="NO-MUG",
        lines__2__quantity="0",
        buyer__name="Kept Name",
        shipping_address__city="Paris",
    )
    resp = owner.post("/orders/new", data)
    assert resp.status_code == 422
    body = resp.get_data(as_text=True)
    assert error_beside(body, "lines.1.sku") == ["no SKU has this code"]
    assert error_beside(body, "lines.2.quantity")
    assert error_beside(body, "shipping_address.country") == ["is required"]
    kept = form_fields(body, "new-order")
    assert kept["lines.1.sku"] == ["NO-B-ONLY"] and kept["buyer.name"] == ["Kept Name"]
    assert kept["shipping_address.city"] == ["Paris"]
    assert _count(tenant_a) == before

    # No line at all: said beside the first row.
    data = form_fields(owner.get("/orders/new").get_data(as_text=True), "new-order")
    resp = owner.post("/orders/new", one(data, currency="USD", shipping_address__country="US"))
    assert resp.status_code == 422 and error_beside(resp.get_data(as_text=True), "lines.0.sku")
    assert _count(tenant_a) == before


def test_new_order_needs_orders_write_and_lines_can_be_added(portal, tenant_a, skus):
    viewer = portal(tenant_a, "viewer")
    assert 'href="/orders/new"' not in viewer.get("/orders/").get_data(as_text=True)
    assert viewer.get("/orders/new").status_code == 403
    assert portal(tenant_a, "warehouse").post("/orders/new", {"currency": "USD"}).status_code == 403
    owner = portal(tenant_a)
    before = _count(tenant_a)
    data = form_fields(owner.get("/orders/new").get_data(as_text=True), "new-order")
    resp = owner.post("/orders/new", one(data, lines__0__sku="NO-MUG", add="lines"))
    assert resp.status_code == 200
    kept = form_fields(resp.get_data(as_text=True), "new-order")
    assert kept["lines.0.sku"] == ["NO-MUG"] and "lines.3" in kept
    assert _count(tenant_a) == before


def test_the_pages_speak_chinese(portal, tenant_a):
    client = portal(tenant_a)
    client.post("/locale", {"locale": "zh_CN", "next": "/orders/settings"})
    assert "订单设置" in client.text("/orders/settings")
    assert "新建订单" in client.text("/orders/new")
