"""Screens for people: coded service messages in Chinese, flash messages with labels, every
company-form problem at once, time zone and currency from lists, jobs by name with who
started them and a readable result, Sync now showing its job live, the audit log in words
with links, labelled connection settings, and no dangling comma in "Add connection"."""

from __future__ import annotations

import re

from sqlalchemy import select, update

from core import jobs
from core.db import session, utcnow
from core.errors import InvalidTransition, ValidationError
from core.messages import Msg
from tests.core.sync.conftest import connect, served  # noqa: F401 - fixtures
from tests.web.conftest import PASSWORD, visible_text


def test_coded_messages_are_translated_by_code_with_their_parameters(app):
    from web.messages import describe, translate

    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        from flask_babel import refresh

        refresh()
        assert translate(Msg("min_value", minimum=1)) == "不能小于 1"
        assert translate(Msg("invalid_transition", action="cancel", entity="purchase order", current="received")) == (
            "无法取消采购单：当前状态为已收货"
        )
        assert translate(Msg("not_found", entity="order", ident="SO-9")) == "找不到 订单 SO-9"
        held = InvalidTransition(Msg("entity.order", ref="SO-1"), "on_hold", "approve").message
        assert held == "cannot approve order SO-1: it is on_hold"
        assert translate(held) == "无法审核订单 SO-1：当前状态为暂停中", translate(held)
        # a refusal (409/403) with parameters, the named thing in the reader's words
        own = Msg("tenants.you_submitted_this_this", what="product")
        assert own == "you submitted this product; this company requires another person to approve it"
        assert translate(own) == "此商品由您提交；本公司要求由其他人审批", translate(own)
        # the order timeline: by code, a message inside a message and lists in Chinese
        split = Msg(
            "order.split_into", children=["SO-1-1", "SO-1-2"], reason=Msg("order.split_warehouses", codes=["SZ", "LA"])
        )
        assert translate(split) == "拆分为 SO-1-1和SO-1-2：没有一个仓库能发全部明细；从 SZ和LA 发货"
        assert translate(Msg("order.released_from", hold_type="out_of_stock")) == "已解除暂停（缺货）"
        facts = [Msg("order.fact.fulfilment", fulfilment="platform"), Msg("order.fact.channel", channel="amazon")]
        rule = Msg("order.approved_by_rule", rule=Msg("order.rule_matched", rule="FBA", facts=facts))
        assert rule == "approved by rule: FBA: platform-fulfilled, from amazon"  # the facts a list, as before
        assert translate(rule) == "按规则自动审核：FBA：平台发货和来自 Amazon", translate(rule)
        # ... and stored as English text before codes
        assert translate("imported from amazon (112-1)") == "从 Amazon 导入（112-1）"
        assert translate("stock reserved in SZ") == "已在 SZ 占用库存"
        assert translate("approved by rule: FBA") == "按规则自动审核：FBA"
        exc = ValidationError({"reason": [Msg("required")], "lines.1.quantity": [Msg("min_value", minimum=1)]})
        flash = describe(exc.message, exc.errors)
        assert flash.startswith("原因：") and "2 · 数量：不能小于 1" in flash, flash
        assert "reason" not in flash and "quantity" not in flash
        assert describe("x", {"order_ids": ["choose at least one order"]}) == "订单：请至少选择一个订单"


def test_the_company_form_shows_every_problem_at_once_and_lists_zones_and_currencies(portal, tenant_a):
    page = portal(tenant_a)
    html = page.get("/settings/").get_data(as_text=True)
    assert re.search(r'<select id="f-timezone" name="timezone"', html)
    assert re.search(r'<select id="f-functional_currency" name="functional_currency"', html)
    assert '<option value="Asia/Shanghai" selected>' in html and '<option value="CNY" selected>' in html
    resp = page.post(
        "/settings/", {"name": "", "functional_currency": "CNY", "timezone": "Mars/Olympus", "default_locale": "xx"}
    )
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    for field in ("name", "timezone", "default_locale"):
        assert f'id="f-{field}-error"' in html, field
    ok = page.post(
        "/settings/",
        {"name": "A Co", "functional_currency": "rmb", "timezone": "Europe/Berlin", "default_locale": "en"},
    )
    assert ok.status_code == 302
    assert tenant_a.api.get("tenant").get_json()["functional_currency"] == "CNY"
    tenant_a.api.patch("tenant", {"timezone": "Asia/Shanghai"})


def test_number_inputs_have_min_and_step(portal, tenant_a):
    html = portal(tenant_a).get("/purchasing/settings").get_data(as_text=True)
    inputs = re.findall(r"<input [^>]*type=\"number\"[^>]*>", html)
    assert inputs and all('min="' in i and 'step="' in i for i in inputs), inputs


def test_every_number_input_of_every_template_has_min_and_step():
    """Inputs written by hand (order lines, counts, units to split, refund or receive) as well
    as ui.field's: a browser then refuses -1 and 1.5 before the form is sent."""
    from pathlib import Path

    import web

    missing = []
    for path in Path(web.__file__).parent.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for found in re.finditer(r'type="number"', text):
            tag = text[text.rfind("<input", 0, found.start()) : text.find(">", found.end()) + 1]
            if "min=" not in tag or "step=" not in tag:
                missing.append(f"{path.name}: {tag}")
    assert missing == [], missing


def _job(tenant, kind, **values):
    with tenant.scope():
        row = jobs.Job(kind=kind, queue="sync", args={}, **values)
        session.add(row)
        session.flush()
        return row.id


def test_jobs_are_named_for_people_with_who_started_them_and_a_readable_result(portal, tenant_a):
    job_id = _job(
        tenant_a,
        "sync.connection",
        status="succeeded",
        progress=100,
        created_by="handler:sync.push_stock",
        result={"run_id": "x", "created": 4, "updated": 1, "window_end": "2026-12-01T10:00:00+00:00"},
        finished_at=utcnow(),
    )
    page = portal(tenant_a, "admin")  # a user of their own, who reads Chinese
    page.post("/locale", {"locale": "zh_CN"})
    listing = page.text("/jobs/")
    assert "订单同步" in listing and "sync.connection" not in listing
    assert "自动（有变更后：向渠道推送库存）" in listing and "handler:" not in listing
    detail = page.get(f"/jobs/{job_id}").get_data(as_text=True)
    text = visible_text(detail)
    assert "新建订单 4" in text and "更新的订单 1" in text and "run_id" not in text
    assert "2026-12-01T10:00" not in text and "18:00" in text  # in the tenant's zone (Asia/Shanghai)
    assert "{" not in text


def test_every_result_the_scheduled_jobs_give_reads_in_chinese(portal, tenant_a):
    """The results of the jobs the scheduler runs (as the demo's jobs page shows them), each
    key named; a key that means something else in one kind of job is named for that kind."""
    results = {
        "finance.fetch_rates": {
            "rates": 448,
            "first": "2026-09-04",
            "last": "2026-12-02",
            "created": 0,
            "replaced": 438,
            "kept": 10,
            "vouchers_posted": 0,
            "landed_costs_applied": 0,
        },
        "finance.verify": {
            "ok": False,
            "vouchers": 56,
            "lines": 355,
            "problems": [{"check": "stock", "subject": "warehouse SZ", "detail": "-5.00 more"}],
        },
        "finance.channel_settlements": {"imported": 0, "known": 0, "payouts": 0, "failed": []},
        "finance.month_end": {"period": "2026-11", "voucher": "V-1", "reversal": "V-2", "lines": 3},
        "inventory.verify": {"balances": 58, "fixed": True, "reservations_closed": 0, "drifts": []},
        "shipping.track": {"asked": 2, "events": 5, "delivered": 0, "failed": 0},
        "jobs.purge": {"purged": 0},
    }
    ids = {
        kind: _job(tenant_a, kind, status="succeeded", progress=100, result=r, finished_at=utcnow())
        for kind, r in results.items()
    }
    page = portal(tenant_a)
    page.post("/locale", {"locale": "zh_CN"})
    for kind, job_id in ids.items():
        text = page.text(f"/jobs/{job_id}")
        for key in results[kind]:
            assert key.replace("_", " ").capitalize() not in text, (kind, key, text)
        assert "{" not in text and "[]" not in text, (kind, text)
    rates = page.text(f"/jobs/{ids['finance.fetch_rates']}")
    assert "新增汇率" in rates and "新建订单" not in rates  # not orders: rates
    assert "warehouse SZ · -5.00 more" in page.text(f"/jobs/{ids['finance.verify']}")


def test_sync_now_shows_its_job_live_until_it_is_done(portal, tenant_a, connect):
    channel = connect(tenant_a, "shopify")
    channel.generate(2)
    channel.settle()
    page = portal(tenant_a)
    resp = page.post(f"/connections/{channel.conn}/sync")
    assert resp.status_code == 302 and "job=" in resp.headers["Location"]
    job_id = resp.headers["Location"].split("job=")[1]
    with tenant_a.scope():
        session.execute(update(jobs.Job).where(jobs.Job.id == job_id).values(status="running", progress=40))
    html = page.get(resp.headers["Location"]).get_data(as_text=True)
    assert f'hx-get="/jobs/{job_id}/live"' in html and 'hx-trigger="every 2s"' in html
    assert 'hx-trigger="job-done from:body"' in html  # the history reloads when the job ends
    fragment = page.get(f"/jobs/{job_id}/live")
    assert "40%" in fragment.get_data(as_text=True) and "HX-Trigger" not in fragment.headers
    with tenant_a.scope():
        session.execute(
            update(jobs.Job).where(jobs.Job.id == job_id).values(status="succeeded", progress=100, finished_at=utcnow())
        )
    done = page.get(f"/jobs/{job_id}/live")
    assert done.headers["HX-Trigger"] == "job-done" and "hx-trigger" not in done.get_data(as_text=True)


def test_the_audit_log_reads_as_who_changed_what(portal, tenant_a):
    owner = portal(tenant_a)
    owner.post(
        "/settings/users/new", {"email": "audit2@example.test", "password": "long enough pw", "roles": ["viewer"]}
    )
    html = owner.get("/audit/?entity_type=users").get_data(as_text=True)
    text = visible_text(html)
    assert "User" in text and "users" not in text.split()
    assert re.search(r'href="/settings/users/[0-9a-f-]{36}"', html), "links to the record"
    assert "E-mail audit2@example.test" in text
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:", text), "no ISO times"
    with tenant_a.scope():
        from tenants.models import User

        user = session.execute(select(User).where(User.email == "audit2@example.test")).scalar_one()
        user.name = "Audit Two"
    text = owner.text(f"/audit/?entity_type=users&entity_id={user.id}&action=update")
    assert "Name — → Audit Two" in text or "Name → Audit Two" in text or "Audit Two" in text


def test_connection_settings_are_labelled_and_capabilities_end_without_a_comma(portal, tenant_a, connect):
    channel = connect(tenant_a, "shopify")
    page = portal(tenant_a)
    text = page.text(f"/connections/{channel.conn}")
    assert "base_url" not in text and "access_token" not in text
    for row in re.findall(r"<td>([^<]*)</td>", page.get("/connections/new").get_data(as_text=True)):
        assert not row.rstrip().endswith(","), row


def test_sku_names_come_in_the_readers_language(tenant_a):
    from core.catalog import service as catalog

    with tenant_a.scope():
        product = catalog.create_product({"title_zh": "测试马克杯", "title_en": "Test mug", "skus": [{}]})
        sku_id = product.skus[0].id
        assert catalog.sku_titles([sku_id], chinese=True)[sku_id][1] == "测试马克杯"
        assert catalog.sku_titles([sku_id])[sku_id][1] == "Test mug"


def test_the_portal_catalogue_has_every_code_in_the_same_words():
    from core.messages import MESSAGES
    from web.messages import BY_CODE

    assert set(BY_CODE) == set(MESSAGES) - {"joined"}
    for code, english in MESSAGES.items():
        if code == "joined":
            continue
        same = re.sub(r"\{(\w+)\}", r"%(\1)s", english.replace("%", "%%")).replace("{{", "{").replace("}}", "}")
        assert BY_CODE[code] == same, code


def test_field_errors_with_parameters_and_their_field_names_read_in_chinese(app, portal, tenant_a):
    from web.messages import describe

    page = portal(tenant_a, "viewer")
    page.post("/locale", {"locale": "zh_CN"})
    resp = page.post("/account", {"current_password": PASSWORD, "new_password": "short", "confirm_password": "short"})
    text = visible_text(resp.get_data(as_text=True))
    assert resp.status_code == 422 and "至少使用 10 个字符" in text, text
    assert "use at least" not in text
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        from flask_babel import refresh

        refresh()
        flash = describe(
            "x",
            {
                "ship_city": [Msg("required")],
                "seller_note": [Msg("too_long", max_len=500)],
                "tags": [Msg("orders.use_at_most_tags", max_tags=20)],
            },
        )
        assert flash == "收货地址 · 城市：必填；卖家备注：最多 500 个字符；标签：最多 20 个标签", flash


def test_how_a_carrier_service_was_chosen_reads_in_chinese(app):
    """The steps stored on a shipment are English; the page reads them back into their codes."""
    from flask_babel import refresh

    from core.shipping.service import rules
    from web.messages import translate

    step = Msg(
        "shipping.step_not_apply",
        rule_name=Msg("shipping.rule_name", n=1),
        why=Msg("shipping.rule_country", country="US", countries="DE, FR"),
    )
    assert step == "rule 1: does not apply (the destination US is not in DE, FR)"
    assert rules.choose([], [], None) == (None, ["no eligible quote"])
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        refresh()
        assert translate(str(step)) == "规则 1：不适用（目的地 US 不在 DE, FR 中）", translate(str(step))
        chose = "default: chose shipbox:mystery, the cheapest"
        assert translate(chose) == "默认：选择 shipbox:mystery，最便宜", translate(chose)
